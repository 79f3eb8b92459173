//! Status credentials: a certified member gives a business partner outside the program a
//! document proving its status, signed with the program's Ed25519 key. The partner checks it
//! offline with the published public key, or online, where a credential revoked by the member,
//! expired, or of a company no longer certified (suspended or removed) stops verifying at once —
//! the online check reads the standing history as it is now, not a flag someone must set.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tt_domain::AccountId;
use tt_domain::credential::{FORMAT, SignedCredential, StatusClaims};
use tt_domain::membership::{CtpatValue, Standing};
use tt_store::StoreError;
use tt_store::status_credentials::{CredentialRevocation, StoredCredential};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::RequestOrigin;
use crate::{Actor, App, AppError, AppResult, Permission};

/// The label verifications are counted under, per network address.
const VERIFICATION_CHECKS: &str = "status-verification";

/// The longest a credential may be valid for.
pub const MAX_VALID_DAYS: i64 = 365;

/// The program's signing key, read (or, on first use, created) from `status_signing_key_file`.
#[derive(Default)]
pub struct SigningKey {
    loaded: Mutex<Option<Arc<Ed25519KeyPair>>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself.
        formatter.write_str("SigningKey([redacted])")
    }
}

/// A member's request for a credential.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewCredential {
    /// The business partner the credential is for (a company name).
    pub issued_to: String,
    /// Days it is valid for, 1 to 365 (default `status_credential_valid_days`).
    pub valid_days: Option<i64>,
}

/// An issued credential as its member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CredentialView {
    pub id: Uuid,
    pub account_id: Uuid,
    pub issued_to: String,
    pub issued_at: String,
    pub expires_at: String,
    /// `valid`, `expired`, `revoked` (by the member) or `status_changed` (the company is no
    /// longer certified as it says).
    pub state: &'static str,
    pub revocation_reason: Option<String>,
    /// The signed text: what the partner keeps and checks.
    pub credential: String,
    /// The public page that checks it.
    pub verification_url: String,
}

/// What a credential's check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Verification {
    /// `valid`, `expired`, `revoked`, `status_changed`, `unknown` (genuine but not on record)
    /// or `not_genuine` (the signature does not match: altered or not ours).
    pub outcome: &'static str,
    /// The outcome in a sentence.
    pub explanation: String,
    /// What the credential says, when its signature is genuine.
    #[schema(value_type = Option<Object>)]
    pub claims: Option<StatusClaims>,
}

impl App {
    /// The program's key pair, created in `status_signing_key_file` (readable by its owner only)
    /// when the file does not exist.
    fn signing_key(&self) -> AppResult<Arc<Ed25519KeyPair>> {
        let mut loaded = self.signing_key.loaded.lock().map_err(|_| internal("the signing key lock is poisoned"))?;
        if let Some(key) = loaded.as_ref() {
            return Ok(Arc::clone(key));
        }
        let path = std::path::Path::new(&self.settings.status_signing_key_file);
        let document = match std::fs::read(path) {
            Ok(document) => document,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => create_key_file(path)?,
            Err(error) => return Err(internal(&format!("reading {}: {error}", path.display()))),
        };
        let key = Arc::new(
            Ed25519KeyPair::from_pkcs8(&document)
                .map_err(|_| internal(&format!("{} is not an Ed25519 key (PKCS#8)", path.display())))?,
        );
        *loaded = Some(Arc::clone(&key));
        Ok(key)
    }

    /// The program's public key, raw 32 bytes in base64url: what verifiers check signatures with.
    ///
    /// # Errors
    /// When the key file cannot be read or created.
    pub fn status_public_key(&self) -> AppResult<String> {
        Ok(URL_SAFE_NO_PAD.encode(self.signing_key()?.public_key().as_ref()))
    }

    /// Issues a credential of the actor's own company (`account_id`), certified today, for
    /// `new.issued_to`.
    ///
    /// # Errors
    /// `Forbidden` for anyone but the company's officer; `Invalid` for a missing partner name or
    /// days out of range; `Conflict` on `status` when the company is not certified today.
    pub async fn issue_status_credential(
        &self,
        actor: &Actor,
        account_id: AccountId,
        new: &NewCredential,
    ) -> AppResult<CredentialView> {
        let now = self.clock.now();
        actor.require(Permission::IssueStatusCredentials, now)?;
        if actor.own_account() != Some(account_id) {
            return Err(AppError::Forbidden("credentials are issued by the company's own officer"));
        }
        let issued_to = new.issued_to.trim();
        let mut errors = Vec::new();
        if issued_to.is_empty() || issued_to.chars().count() > 200 {
            errors.push(tt_domain::ValidationError::new("issued_to", "give the partner's name (1 to 200 characters)"));
        }
        let valid_days = new.valid_days.unwrap_or(self.settings.status_credential_valid_days);
        if !(1..=MAX_VALID_DAYS).contains(&valid_days) {
            errors.push(tt_domain::ValidationError::new("valid_days", format!("must be 1 to {MAX_VALID_DAYS} days")));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let account = self.store.get_account(account_id).await?;
        let standing = self.standing_on(account_id, now.date()).await?;
        let Some(tier) = tier_words(standing) else {
            return Err(AppError::Conflict {
                field: "status",
                message: "only a certified partner (Tier I, II or III) can issue a status credential".to_owned(),
            });
        };
        let issued_at = tt_domain::NewAuditRecord::truncate_time(now).replace_nanosecond(0).unwrap_or(now);
        let claims = StatusClaims {
            format: FORMAT.to_owned(),
            credential_id: Uuid::new_v4(),
            account_number: account.number.to_string(),
            legal_name: account.legal_name.as_str().to_owned(),
            ctpat_tier: tier.to_owned(),
            trade_compliance: standing.trade_compliance,
            issued_to: issued_to.to_owned(),
            issued_at,
            expires_at: issued_at + Duration::days(valid_days),
        };
        let payload = claims.payload();
        let signature: [u8; 64] = self
            .signing_key()?
            .sign(payload.as_bytes())
            .as_ref()
            .try_into()
            .map_err(|_| internal("an Ed25519 signature is 64 bytes"))?;
        let signed = SignedCredential { payload, claims: claims.clone(), signature };
        let stored = StoredCredential {
            id: claims.credential_id,
            account_id,
            issued_to: claims.issued_to.clone(),
            issued_by: actor.user.as_ref().map(|user| user.id),
            issued_at,
            expires_at: claims.expires_at,
            text: signed.text(),
            revocation: None,
        };
        let audit = actor.audit(
            now,
            "credential.issue",
            "status_credential",
            Some(stored.id.to_string()),
            crate::actor::NOTHING,
            Some(&claims),
        );
        self.store.add_credential(&stored, &audit).await?;
        Ok(self.credential_view(&stored, standing, now))
    }

    /// An account's credentials, newest first, each with its state today.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope.
    pub async fn status_credentials(&self, actor: &Actor, account_id: AccountId) -> AppResult<Vec<CredentialView>> {
        let now = self.clock.now();
        actor.require(Permission::ViewAccounts, now)?;
        actor.refuse_partner_agencies("status credentials are the member's and CBP's to see")?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let standing = self.standing_on(account_id, now.date()).await?;
        let stored = self.store.credentials(account_id).await?;
        Ok(stored.iter().map(|credential| self.credential_view(credential, standing, now)).collect())
    }

    /// One credential, for its document.
    ///
    /// # Errors
    /// `NotFound` when it does not exist or its account is outside the actor's scope.
    pub async fn status_credential(&self, actor: &Actor, id: Uuid) -> AppResult<CredentialView> {
        let now = self.clock.now();
        actor.require(Permission::ViewAccounts, now)?;
        actor.refuse_partner_agencies("status credentials are the member's and CBP's to see")?;
        let stored = self.store.get_credential(id).await?;
        let account = self.store.get_account(stored.account_id).await?;
        actor.require_account_visible(&account).map_err(|_| AppError::NotFound)?;
        let standing = self.standing_on(stored.account_id, now.date()).await?;
        Ok(self.credential_view(&stored, standing, now))
    }

    /// Revokes one of the actor's company's credentials; it stops verifying at once.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `NotFound` for another company's credential;
    /// `Invalid` without a reason; `Conflict` when already revoked.
    pub async fn revoke_status_credential(&self, actor: &Actor, id: Uuid, reason: &str) -> AppResult<CredentialView> {
        let now = self.clock.now();
        actor.require(Permission::IssueStatusCredentials, now)?;
        let stored = self.store.get_credential(id).await?;
        if actor.own_account() != Some(stored.account_id) {
            return Err(AppError::NotFound);
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "say why the credential is revoked"));
        }
        let revocation = CredentialRevocation {
            reason: reason.to_owned(),
            revoked_by: actor.user.as_ref().map(|user| user.id),
            revoked_at: tt_domain::NewAuditRecord::truncate_time(now),
        };
        let audit = actor.audit(
            now,
            "credential.revoke",
            "status_credential",
            Some(id.to_string()),
            crate::actor::NOTHING,
            Some(&reason),
        );
        match self.store.revoke_credential(id, &revocation, &audit).await {
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict { field: "credential", message: "is already revoked".to_owned() });
            }
            other => other?,
        }
        let standing = self.standing_on(stored.account_id, now.date()).await?;
        Ok(self.credential_view(&StoredCredential { revocation: Some(revocation), ..stored }, standing, now))
    }

    /// Checks a credential's text as a partner received it: anyone may, without signing in, up
    /// to `status_verifications_per_address` checks per network address in the throttling
    /// window. A credential that is not genuine reveals nothing of any member, and nothing can
    /// be looked up without one.
    ///
    /// # Errors
    /// `Throttled` past the limit; `Invalid` on `credential` when the text is not a credential
    /// at all; storage errors.
    pub async fn verify_status_credential(&self, text: &str, origin: &RequestOrigin) -> AppResult<Verification> {
        let now = self.clock.now();
        // Every check counts (under its own label, so it never throttles sign-ins): a key is
        // not guessed, but a verification page is no free oracle either.
        let checks = format!("{VERIFICATION_CHECKS}:{}", origin.source_address.as_deref().unwrap_or("unknown"));
        let window_start = now - Duration::minutes(self.settings.login_throttle_window_minutes);
        if self.store.count_failed_logins_for_email(&checks, window_start).await?
            >= self.settings.status_verifications_per_address
        {
            return Err(AppError::Throttled { retry_after_seconds: self.settings.login_throttle_window_minutes * 60 });
        }
        self.store.record_login_attempt(&checks, None, false, now).await?;
        let signed = SignedCredential::parse(text).map_err(|error| AppError::Invalid(vec![error]))?;
        let key = self.signing_key()?;
        let genuine = UnparsedPublicKey::new(&ED25519, key.public_key().as_ref())
            .verify(signed.payload.as_bytes(), &signed.signature)
            .is_ok();
        if !genuine {
            return Ok(Verification {
                outcome: "not_genuine",
                explanation:
                    "The signature does not match: this credential was altered or was not issued by the program."
                        .to_owned(),
                claims: None,
            });
        }
        let claims = signed.claims;
        let stored = match self.store.get_credential(claims.credential_id).await {
            Ok(stored) => stored,
            Err(StoreError::NotFound) => {
                return Ok(Verification {
                    outcome: "unknown",
                    explanation: "The signature is genuine but the program has no record of this credential."
                        .to_owned(),
                    claims: Some(claims),
                });
            }
            Err(error) => return Err(error.into()),
        };
        let standing = self.standing_on(stored.account_id, now.date()).await?;
        let (outcome, explanation) = match state(&stored, standing, &claims, now) {
            "valid" => (
                "valid",
                format!(
                    "Genuine and current: {} is a CTPAT {} partner{}, as of {}.",
                    claims.legal_name,
                    claims.ctpat_tier,
                    if claims.trade_compliance { " in Trade Compliance" } else { "" },
                    crate::projections::moment(now)
                ),
            ),
            "expired" => {
                ("expired", format!("Genuine, but it expired at {}.", crate::projections::moment(claims.expires_at)))
            }
            "revoked" => ("revoked", "Genuine, but the member revoked it.".to_owned()),
            _ => (
                "status_changed",
                format!(
                    "Genuine, but {} is no longer certified as it says (suspended, removed, or another tier): ask it for a new credential.",
                    claims.legal_name
                ),
            ),
        };
        Ok(Verification { outcome, explanation, claims: Some(claims) })
    }

    fn credential_view(&self, stored: &StoredCredential, standing: Standing, now: OffsetDateTime) -> CredentialView {
        let claims = SignedCredential::parse(&stored.text).map(|signed| signed.claims).ok();
        CredentialView {
            id: stored.id,
            account_id: stored.account_id.0,
            issued_to: stored.issued_to.clone(),
            issued_at: crate::projections::moment(stored.issued_at),
            expires_at: crate::projections::moment(stored.expires_at),
            state: claims.as_ref().map_or("status_changed", |claims| state(stored, standing, claims, now)),
            revocation_reason: stored.revocation.as_ref().map(|revocation| revocation.reason.clone()),
            credential: stored.text.clone(),
            verification_url: format!(
                "{}/verify?credential={}",
                self.settings.public_base_url.trim_end_matches('/'),
                stored.text
            ),
        }
    }
}

/// The QR code of `text` (a credential's verification address): its side in modules, and each
/// module row by row, `true` when dark.
///
/// # Errors
/// When the text is too long for a QR code.
pub fn qr_modules(text: &str) -> AppResult<(usize, Vec<bool>)> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|error| internal(&format!("the verification address does not fit a QR code: {error}")))?;
    Ok((code.width(), code.to_colors().into_iter().map(|color| color == qrcode::Color::Dark).collect()))
}

/// A credential's state: revoked by the member first, then expired, then whether the company
/// still stands as it says.
fn state(stored: &StoredCredential, standing: Standing, claims: &StatusClaims, now: OffsetDateTime) -> &'static str {
    if stored.revocation.is_some() {
        "revoked"
    } else if now >= stored.expires_at {
        "expired"
    } else if tier_words(standing) != Some(claims.ctpat_tier.as_str())
        || (claims.trade_compliance && !standing.trade_compliance)
    {
        "status_changed"
    } else {
        "valid"
    }
}

/// A certified tier in words; `None` when not certified (pending, suspended, removed).
const fn tier_words(standing: Standing) -> Option<&'static str> {
    match standing.ctpat {
        CtpatValue::T1 => Some("Tier I"),
        CtpatValue::T2 => Some("Tier II"),
        CtpatValue::T3 => Some("Tier III"),
        CtpatValue::None => None,
    }
}

/// Creates a new key in `path`, readable and writable by its owner only, and returns it.
fn create_key_file(path: &std::path::Path) -> AppResult<Vec<u8>> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let document = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
        .map_err(|_| internal("could not generate an Ed25519 key"))?;
    if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|error| internal(&format!("creating {}: {error}", folder.display())))?;
    }
    // `create_new`: two processes starting at once never overwrite each other's key.
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            file.write_all(document.as_ref())
                .map_err(|error| internal(&format!("writing {}: {error}", path.display())))?;
            tracing::info!(path = %path.display(), "created the program's status signing key");
            Ok(document.as_ref().to_vec())
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read(path).map_err(|error| internal(&format!("reading {}: {error}", path.display())))
        }
        Err(error) => Err(internal(&format!("creating {}: {error}", path.display()))),
    }
}

fn internal(message: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("status credentials: {message}"))
}
