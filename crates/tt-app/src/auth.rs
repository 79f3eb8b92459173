//! Authentication: sign-in with throttling, sessions, the second factor, password changes and
//! personal API tokens.

use serde::Serialize;
use time::Duration;
use tt_domain::{ApiToken, ApiTokenId, EmailAddress, PasswordPolicy, Side, TokenScope, User, UserId};
use tt_store::Session;

use crate::actor::NOTHING;
use crate::secrets::{hash_secret, new_secret, random_bytes};
use crate::{Actor, App, AppError, AppResult, Permission, Via, password, totp};

/// What the signed-in person must do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorStep {
    /// Nothing: the session is complete.
    NotRequired,
    /// Enter a code from the enrolled authenticator (or a recovery code).
    Verify,
    /// Agency staff without an authenticator must enrol one before anything else.
    Enroll,
}

/// A new session: the secret goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session_secret: String,
    pub user: User,
    pub next_step: SecondFactorStep,
}

/// A session found from its cookie, with the actor it stands for.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub session: Session,
    pub actor: Actor,
    pub next_step: SecondFactorStep,
}

/// The information needed to enrol an authenticator: shown once.
#[derive(Debug, Clone, Serialize)]
pub struct TwoFactorEnrollment {
    pub secret: String,
    pub provisioning_uri: String,
}

/// Where a request comes from, for throttling and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestOrigin {
    pub source_address: Option<String>,
    pub request_id: Option<String>,
}

impl App {
    /// Stores a new session and returns its secret for the cookie (a new secret at every
    /// sign-in, so a session id planted before sign-in is worthless).
    async fn open_session(
        &self,
        user_id: UserId,
        second_factor_passed: bool,
        source_address: Option<String>,
    ) -> AppResult<String> {
        let now = self.clock.now();
        let session_secret = new_secret("")?;
        self.store
            .create_session(&Session {
                secret_hash: hash_secret(&session_secret),
                user_id,
                csrf_token: new_secret("")?,
                created_at: now,
                last_seen_at: now,
                second_factor_passed,
                source_address,
            })
            .await?;
        Ok(session_secret)
    }

    fn second_factor_step(&self, user: &User, passed: bool) -> SecondFactorStep {
        if passed {
            SecondFactorStep::NotRequired
        } else if user.two_factor_enabled {
            SecondFactorStep::Verify
        } else if user.role.side() == Side::Agency && self.settings.require_agency_two_factor {
            SecondFactorStep::Enroll
        } else {
            SecondFactorStep::NotRequired
        }
    }

    /// Checks e-mail and password and opens a session. Repeated failures for one address or
    /// from one network address are throttled before the password is even checked.
    ///
    /// # Errors
    /// `Throttled`, or `Unauthenticated` for a wrong e-mail, password, inactive user or expired
    /// consultant delegation (the same answer, so it reveals nothing).
    pub async fn sign_in(&self, email_text: &str, password_text: &str, origin: &RequestOrigin) -> AppResult<SignedIn> {
        let now = self.clock.now();
        let window_start = now - Duration::minutes(self.settings.login_throttle_window_minutes);
        let attempted_email = email_text.trim().to_lowercase();
        let throttled = AppError::Throttled { retry_after_seconds: self.settings.login_throttle_window_minutes * 60 };
        if self.store.count_failed_logins_for_email(&attempted_email, window_start).await?
            >= self.settings.login_failures_per_account
        {
            return Err(throttled);
        }
        if let Some(address) = &origin.source_address
            && self.store.count_failed_logins_from_address(address, window_start).await?
                >= self.settings.login_failures_per_address
        {
            return Err(throttled);
        }
        let user = match EmailAddress::parse(email_text) {
            Ok(email) => self.store.find_user_by_email(&email).await?,
            Err(_) => None,
        };
        let stored_hash = match &user {
            Some(user) => self.store.password_hash(user.id).await?,
            None => None,
        };
        let password_matches = password::verify_password(password_text.to_owned(), stored_hash).await;
        let user = match user {
            Some(user) if password_matches && user.active && user.delegation_is_current(now) => user,
            _ => {
                self.store.record_login_attempt(&attempted_email, origin.source_address.as_deref(), false, now).await?;
                let mut actor = Actor::system(&attempted_email);
                actor.source_address.clone_from(&origin.source_address);
                actor.request_id.clone_from(&origin.request_id);
                self.store
                    .append_audit(&actor.audit(now, "session.sign_in_failed", "session", None, NOTHING, NOTHING))
                    .await?;
                return Err(AppError::Unauthenticated);
            }
        };
        self.store.record_login_attempt(&attempted_email, origin.source_address.as_deref(), true, now).await?;
        let next_step = self.second_factor_step(&user, false);
        let session_secret = self
            .open_session(user.id, next_step == SecondFactorStep::NotRequired, origin.source_address.clone())
            .await?;
        let actor =
            Actor::for_user(user.clone(), Via::Session, origin.source_address.clone(), origin.request_id.clone());
        self.store
            .append_audit(&actor.audit(now, "session.sign_in", "user", Some(user.id.to_string()), NOTHING, NOTHING))
            .await?;
        Ok(SignedIn { session_secret, user, next_step })
    }

    /// Finds the session behind a cookie, ending it if it has been idle or open too long.
    ///
    /// # Errors
    /// Only on storage failure; an unknown or expired session is `Ok(None)`.
    pub async fn resume_session(&self, secret: &str, origin: &RequestOrigin) -> AppResult<Option<ActiveSession>> {
        let now = self.clock.now();
        let secret_hash = hash_secret(secret);
        let Some(session) = self.store.find_session(&secret_hash).await? else {
            return Ok(None);
        };
        let idle_limit = session.last_seen_at + Duration::minutes(self.settings.session_idle_minutes);
        let absolute_limit = session.created_at + Duration::hours(self.settings.session_absolute_hours);
        if now >= idle_limit || now >= absolute_limit {
            self.store.delete_session(&secret_hash).await?;
            return Ok(None);
        }
        let user = self.store.get_user(session.user_id).await?;
        if !user.active {
            self.store.delete_session(&secret_hash).await?;
            return Ok(None);
        }
        // Writing on every request would serialize readers behind the writer; a minute of
        // imprecision in the idle timeout is harmless.
        if now - session.last_seen_at > Duration::minutes(1) {
            self.store.touch_session(&secret_hash, now).await?;
        }
        let next_step = self.second_factor_step(&user, session.second_factor_passed);
        let actor = Actor::for_user(user, Via::Session, origin.source_address.clone(), origin.request_id.clone());
        let actor = self.with_agency_scope(actor).await?;
        Ok(Some(ActiveSession { session, actor, next_step }))
    }

    /// Ends a session (sign out).
    ///
    /// # Errors
    /// On storage failure.
    pub async fn sign_out(&self, secret: &str, actor: &Actor) -> AppResult<()> {
        self.store.delete_session(&hash_secret(secret)).await?;
        let object_id = actor.user.as_ref().map(|user| user.id.to_string());
        self.store
            .append_audit(&actor.audit(self.clock.now(), "session.sign_out", "user", object_id, NOTHING, NOTHING))
            .await?;
        Ok(())
    }

    /// Completes sign-in with a code from the authenticator or an unused recovery code.
    ///
    /// # Errors
    /// `Invalid` (field `code`) when the code is wrong.
    pub async fn verify_second_factor(&self, session_secret: &str, actor: &Actor, code: &str) -> AppResult<()> {
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        let now = self.clock.now();
        let secret = self
            .store
            .two_factor_secret(user.id)
            .await?
            .ok_or(AppError::invalid("code", "no authenticator is set up"))?;
        let secret_bytes = totp::base32_decode(&secret)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored TOTP secret is not base32")))?;
        let accepted = if totp::verify(&secret_bytes, code, now.unix_timestamp()) {
            true
        } else {
            let audit =
                actor.audit(now, "user.recovery_code_used", "user", Some(user.id.to_string()), NOTHING, NOTHING);
            self.store.consume_recovery_code(user.id, &hash_secret(&normalize_recovery_code(code)), &audit).await?
        };
        if !accepted {
            self.store
                .append_audit(&actor.audit(
                    now,
                    "session.second_factor_failed",
                    "user",
                    Some(user.id.to_string()),
                    NOTHING,
                    NOTHING,
                ))
                .await?;
            return Err(AppError::invalid("code", "the code is not correct"));
        }
        self.store.mark_second_factor_passed(&hash_secret(session_secret)).await?;
        Ok(())
    }

    /// A fresh authenticator secret for the actor to enrol (nothing is stored until confirmed).
    ///
    /// # Errors
    /// `Forbidden` without the profile permission.
    pub fn start_two_factor_enrollment(&self, actor: &Actor) -> AppResult<TwoFactorEnrollment> {
        actor.require(Permission::ManageOwnProfile, self.clock.now())?;
        let secret = totp::base32_encode(&random_bytes(20)?);
        let provisioning_uri = totp::provisioning_uri(&secret, &actor.label);
        Ok(TwoFactorEnrollment { secret, provisioning_uri })
    }

    /// Stores the authenticator secret once the user proved it works; returns ten one-time
    /// recovery codes, shown once. The current session counts as having passed the second factor.
    ///
    /// # Errors
    /// `Invalid` when the secret or code is wrong.
    pub async fn confirm_two_factor_enrollment(
        &self,
        session_secret: Option<&str>,
        actor: &Actor,
        secret: &str,
        code: &str,
    ) -> AppResult<Vec<String>> {
        let now = self.clock.now();
        actor.require(Permission::ManageOwnProfile, now)?;
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        let secret_bytes =
            totp::base32_decode(secret).ok_or_else(|| AppError::invalid("secret", "is not a valid secret"))?;
        if secret_bytes.len() < 16 {
            return Err(AppError::invalid("secret", "is too short"));
        }
        if !totp::verify(&secret_bytes, code, now.unix_timestamp()) {
            return Err(AppError::invalid("code", "the code is not correct; check the time on your device"));
        }
        let codes: Vec<String> =
            (0..10).map(|_| random_bytes(5).map(|bytes| totp::base32_encode(&bytes))).collect::<AppResult<_>>()?;
        let hashes: Vec<String> = codes.iter().map(|code| hash_secret(code)).collect();
        let audit = actor.audit(now, "user.two_factor_enabled", "user", Some(user.id.to_string()), NOTHING, NOTHING);
        self.store.set_two_factor(user.id, Some(&secret.to_ascii_uppercase()), &hashes, &audit).await?;
        if let Some(session_secret) = session_secret {
            self.store.mark_second_factor_passed(&hash_secret(session_secret)).await?;
        }
        Ok(codes)
    }

    /// Turns two-factor off (members only: agency staff must keep it when it is required).
    ///
    /// # Errors
    /// `Forbidden` for agency staff when two-factor is required.
    pub async fn disable_two_factor(&self, actor: &Actor) -> AppResult<()> {
        let now = self.clock.now();
        actor.require(Permission::ManageOwnProfile, now)?;
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        if user.role.side() == Side::Agency && self.settings.require_agency_two_factor {
            return Err(AppError::Forbidden("agency staff must keep two-factor authentication"));
        }
        let audit = actor.audit(now, "user.two_factor_disabled", "user", Some(user.id.to_string()), NOTHING, NOTHING);
        self.store.set_two_factor(user.id, None, &[], &audit).await?;
        Ok(())
    }

    /// Changes the actor's password after checking the current one. Every session of the user
    /// ends; the returned secret is a new session for the caller (already past the second factor).
    ///
    /// # Errors
    /// `Invalid` (field `current_password` or `password`).
    pub async fn change_password(
        &self,
        actor: &Actor,
        current_password: &str,
        new_password: &str,
        confirmation: &str,
    ) -> AppResult<String> {
        let now = self.clock.now();
        actor.require(Permission::ManageOwnProfile, now)?;
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        let stored = self.store.password_hash(user.id).await?;
        if !password::verify_password(current_password.to_owned(), stored).await {
            return Err(AppError::invalid("current_password", "is not your current password"));
        }
        check_new_password(&user.email, new_password, confirmation)?;
        let hash = password::hash_password(new_password.to_owned()).await?;
        let audit = actor.audit(now, "user.password_changed", "user", Some(user.id.to_string()), NOTHING, NOTHING);
        self.store.set_password_hash(user.id, &hash, &audit).await?;
        self.store.delete_sessions_of_user(user.id).await?;
        self.open_session(user.id, true, actor.source_address.clone()).await
    }

    /// Sets a user's password from the command line (no current password needed) and ends
    /// every session of that user.
    ///
    /// # Errors
    /// `NotFound` for an unknown e-mail, `Invalid` for a weak password.
    pub async fn reset_password(&self, actor: &Actor, email: &EmailAddress, new_password: &str) -> AppResult<()> {
        if actor.user.is_some() {
            actor.require(Permission::ManageAllUsers, self.clock.now())?;
        }
        let user = self.store.find_user_by_email(email).await?.ok_or(AppError::NotFound)?;
        check_new_password(&user.email, new_password, new_password)?;
        let hash = password::hash_password(new_password.to_owned()).await?;
        let audit =
            actor.audit(self.clock.now(), "user.password_reset", "user", Some(user.id.to_string()), NOTHING, NOTHING);
        self.store.set_password_hash(user.id, &hash, &audit).await?;
        self.store.delete_sessions_of_user(user.id).await?;
        Ok(())
    }

    /// Creates a personal API token for `owner` (the actor itself unless the system acts).
    /// Returns the stored token and its secret, which is shown once.
    ///
    /// # Errors
    /// `Invalid` for a bad name or lifetime.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        owner: UserId,
        name: &str,
        scope: TokenScope,
        expires_in_days: i64,
    ) -> AppResult<(ApiToken, String)> {
        let now = self.clock.now();
        actor.require(Permission::ManageOwnProfile, now)?;
        if actor.user.as_ref().is_some_and(|user| user.id != owner) {
            return Err(AppError::Forbidden("tokens can only be created for yourself"));
        }
        if actor.via != Via::Session && actor.via != Via::CommandLine {
            return Err(AppError::Forbidden("tokens cannot create tokens"));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("name", "must be 1 to 100 characters"));
        }
        if !(1..=365).contains(&expires_in_days) {
            return Err(AppError::invalid("expires_in_days", "must be from 1 to 365"));
        }
        let secret = new_secret("tt_")?;
        let token = ApiToken {
            id: ApiTokenId::generate(),
            user_id: owner,
            name: name.to_owned(),
            scope,
            secret_hash: hash_secret(&secret),
            created_at: now,
            expires_at: now + Duration::days(expires_in_days),
            revoked_at: None,
        };
        let audit =
            actor.audit(now, "api_token.create", "api_token", Some(token.id.to_string()), NOTHING, Some(&token));
        self.store.create_api_token(&token, &audit).await?;
        Ok((token, secret))
    }

    /// The actor's own tokens (listing one's own tokens is a read, so read-only tokens may).
    ///
    /// # Errors
    /// `Unauthenticated` for the system actor.
    pub async fn list_api_tokens(&self, actor: &Actor) -> AppResult<Vec<ApiToken>> {
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        Ok(self.store.list_api_tokens(user.id).await?)
    }

    /// Revokes one of the actor's own tokens.
    ///
    /// # Errors
    /// `NotFound` when the token is not the actor's or is already revoked.
    pub async fn revoke_api_token(&self, actor: &Actor, id: ApiTokenId) -> AppResult<()> {
        let now = self.clock.now();
        actor.require(Permission::ManageOwnProfile, now)?;
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        let tokens = self.store.list_api_tokens(user.id).await?;
        let token =
            tokens.iter().find(|token| token.id == id && token.revoked_at.is_none()).ok_or(AppError::NotFound)?;
        let audit = actor.audit(now, "api_token.revoke", "api_token", Some(id.to_string()), Some(token), NOTHING);
        self.store.revoke_api_token(id, now, &audit).await?;
        Ok(())
    }

    /// The actor behind a bearer token, if the token is known, unexpired and unrevoked.
    ///
    /// # Errors
    /// `Unauthenticated` for any unusable token.
    pub async fn authenticate_token(&self, secret: &str, origin: &RequestOrigin) -> AppResult<Actor> {
        let now = self.clock.now();
        let token =
            self.store.find_api_token_by_hash(&hash_secret(secret.trim())).await?.ok_or(AppError::Unauthenticated)?;
        if !token.is_usable(now) {
            return Err(AppError::Unauthenticated);
        }
        let user = self.store.get_user(token.user_id).await?;
        if !user.active || !user.delegation_is_current(now) {
            return Err(AppError::Unauthenticated);
        }
        let actor =
            Actor::for_user(user, Via::ApiToken(token.scope), origin.source_address.clone(), origin.request_id.clone());
        self.with_agency_scope(actor).await
    }

    /// Ends sessions idle longer than the timeout (run periodically by the jobs runner).
    ///
    /// # Errors
    /// On storage failure.
    pub async fn purge_idle_sessions(&self) -> AppResult<u64> {
        let cutoff = self.clock.now() - Duration::minutes(self.settings.session_idle_minutes);
        Ok(self.store.delete_sessions_idle_since(cutoff).await?)
    }
}

/// Checks a chosen password: the strength rule and the confirmation.
///
/// # Errors
/// `Invalid` naming `password` or `password_confirmation`.
pub fn check_new_password(email: &EmailAddress, password: &str, confirmation: &str) -> AppResult<()> {
    let local_part = email.as_str().split('@').next().unwrap_or_default();
    PasswordPolicy::check(password, local_part)?;
    if password != confirmation {
        return Err(AppError::invalid("password_confirmation", "does not match the password"));
    }
    Ok(())
}

fn normalize_recovery_code(code: &str) -> String {
    code.trim().replace([' ', '-'], "").to_ascii_uppercase()
}

/// When a new session expires at the latest, for the cookie's `Max-Age`.
#[must_use]
pub fn session_cookie_max_age(settings: &crate::AppSettings) -> Duration {
    Duration::hours(settings.session_absolute_hours)
}
