//! Status credential pages: a member's credentials with the form to issue one, the printable
//! credential with its QR code, and the public verification page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::status_credentials::{CredentialView, NewCredential, Verification};
use tt_app::{AppError, Permission};
use tt_domain::credential::{SignedCredential, StatusClaims};

use super::{FormErrors, Layout, can, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn, request_origin};

#[derive(Template, WebTemplate)]
#[template(path = "credentials.html")]
pub struct CredentialsPage {
    layout: Layout,
    account_id: String,
    credentials: Vec<CredentialView>,
    can_issue: bool,
    default_days: i64,
    errors: FormErrors,
}

async fn credentials_with(
    state: &WebState,
    signed_in: &SignedIn,
    account: tt_domain::AccountId,
    errors: FormErrors,
) -> Result<CredentialsPage, PageError> {
    let actor = &signed_in.actor;
    let credentials = state.app.status_credentials(actor, account).await?;
    Ok(CredentialsPage {
        layout: Layout::for_signed_in(signed_in),
        account_id: account.to_string(),
        credentials,
        can_issue: actor.own_account() == Some(account) && can(actor, Permission::IssueStatusCredentials),
        default_days: state.app.settings.status_credential_valid_days,
        errors,
    })
}

/// An account's status credentials; its officer issues and revokes them here.
pub async fn credentials_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(account): Path<String>,
) -> Result<Response, PageError> {
    let account = parse_account(&account)?;
    Ok(credentials_with(&state, &signed_in, account, FormErrors::default()).await?.into_response())
}

/// The officer issues a credential for a business partner.
pub async fn issue_credential(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(account): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::IssueStatusCredentials, state.app.clock.now())?;
    let account = parse_account(&account)?;
    let valid_days = match form.optional("valid_days").map(|text| text.trim().parse::<i64>()) {
        None => None,
        Some(Ok(days)) => Some(days),
        Some(Err(_)) => Some(0),
    };
    let new = NewCredential { issued_to: form.value("issued_to"), valid_days };
    match state.app.issue_status_credential(&signed_in.actor, account, &new).await {
        Ok(issued) => Ok(see_other(&format!("/credentials/{}", issued.id))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = credentials_with(&state, &signed_in, account, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The officer revokes a credential: it stops verifying at once.
pub async fn revoke_credential(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::IssueStatusCredentials, state.app.clock.now())?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    match state.app.revoke_status_credential(&signed_in.actor, id, &form.value("reason")).await {
        Ok(revoked) => Ok(see_other(&format!("/accounts/{}/credentials", revoked.account_id))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let account = signed_in.actor.own_account().ok_or(AppError::NotFound)?;
            let page = credentials_with(&state, &signed_in, account, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "credential.html")]
pub struct CredentialDocument {
    layout: Layout,
    credential: CredentialView,
    claims: Option<StatusClaims>,
    /// The QR code's side in modules, with the four-module quiet zone the standard asks for.
    qr_size: usize,
    /// Its dark modules, `(x, y)` within that side.
    qr_dark: Vec<(usize, usize)>,
}

/// The credential as a printable document: what it says, its QR code and address, and how to
/// check it offline.
pub async fn credential_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::ViewAccounts, state.app.clock.now())?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let credential = state.app.status_credential(&signed_in.actor, id).await?;
    let claims = SignedCredential::parse(&credential.credential).ok().map(|signed| signed.claims);
    let (side, modules) = tt_app::status_credentials::qr_modules(&credential.verification_url)?;
    let qr_dark = (0..modules.len()).filter(|index| modules[*index]).map(|index| (index % side + 4, index / side + 4));
    Ok(CredentialDocument {
        layout: Layout::for_signed_in(&signed_in),
        qr_size: side + 8,
        qr_dark: qr_dark.collect(),
        credential,
        claims,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    pub credential: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    layout: Layout,
    credential: String,
    verification: Option<Verification>,
    errors: FormErrors,
}

/// Anyone checks a credential here (the QR code leads here with the credential filled in).
pub async fn verify_page(
    State(state): State<WebState>,
    parts: Parts,
    Query(query): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    let credential = query.credential.unwrap_or_default();
    let mut page = VerifyPage {
        layout: Layout::anonymous(),
        credential: credential.clone(),
        verification: None,
        errors: FormErrors::default(),
    };
    if credential.trim().is_empty() {
        return Ok(page.into_response());
    }
    match state.app.verify_status_credential(&credential, &request_origin(&parts)).await {
        Ok(verification) => {
            page.verification = Some(verification);
            Ok(page.into_response())
        }
        Err(error @ AppError::Invalid(_)) => {
            page.errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => Err(error.into()),
    }
}
