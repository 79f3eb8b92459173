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
    qr_code: String,
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
    Ok(CredentialDocument {
        layout: Layout::for_signed_in(&signed_in),
        qr_code: qr_svg(side, &modules),
        credential,
        claims,
    }
    .into_response())
}

/// A QR code as SVG: one path of dark modules inside the four-module quiet zone the standard
/// asks for, scaled by the viewer; its title names what it holds.
fn qr_svg(side: usize, modules: &[bool]) -> String {
    let size = side + 8;
    let mut path = String::new();
    for (index, _) in modules.iter().enumerate().filter(|(_, dark)| **dark) {
        path.push_str(&format!("M{} {}h1v1h-1z", index % side + 4, index / side + 4));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"240\" height=\"240\" role=\"img\" aria-labelledby=\"qr-title\" shape-rendering=\"crispEdges\"><title id=\"qr-title\">QR code of this credential's verification address</title><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
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
