//! The status credential API: a member's credentials, issuing and revoking them, and the public
//! check and public key that partners use without an account.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use tt_app::AppError;
use tt_app::status_credentials::{CredentialView, NewCredential, Verification};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::WebState;
use crate::api::account_id;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson, request_origin};

/// An account's status credentials, newest first, each with its state today.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/status-credentials", tag = "status credentials", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = [CredentialView]), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn list_credentials(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<CredentialView>>, ApiError> {
    Ok(Json(state.app.status_credentials(&actor, account_id(&id)?).await?))
}

/// Issues a credential of the caller's own company (its officer) for a business partner.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/status-credentials", tag = "status credentials", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = NewCredential,
    responses((status = 200, body = CredentialView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_credential(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<CredentialView>, ApiError> {
    actor.require(tt_app::Permission::IssueStatusCredentials, state.app.clock.now())?;
    let new: NewCredential =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.issue_status_credential(&actor, account_id(&id)?, &new).await?))
}

/// Why a credential is revoked.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Revocation {
    pub reason: String,
}

/// Revokes one of the caller's company's credentials: it stops verifying at once.
#[utoipa::path(post, path = "/api/v1/status-credentials/{id}/revoke", tag = "status credentials", security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")), request_body = Revocation,
    responses((status = 200, body = CredentialView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke_credential(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<CredentialView>, ApiError> {
    actor.require(tt_app::Permission::IssueStatusCredentials, state.app.clock.now())?;
    let id = Uuid::parse_str(id.trim()).map_err(|_| ApiError(AppError::NotFound))?;
    let revocation: Revocation =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.revoke_status_credential(&actor, id, &revocation.reason).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// The credential's text (`payload.signature`).
    pub credential: Option<String>,
}

/// Checks a credential; anyone may, without a token, a limited number of times per address.
#[utoipa::path(get, path = "/api/v1/status-credentials/verify", tag = "status credentials", params(VerifyQuery),
    responses((status = 200, body = Verification), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn verify_credential(
    State(state): State<WebState>,
    parts: Parts,
    Query(query): Query<VerifyQuery>,
) -> Result<Json<Verification>, ApiError> {
    let text = query.credential.unwrap_or_default();
    Ok(Json(state.app.verify_status_credential(&text, &request_origin(&parts)).await?))
}

/// The program's public key for status credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKey {
    /// Always `Ed25519`.
    pub algorithm: &'static str,
    /// The raw 32-byte public key, base64url without padding.
    pub public_key: String,
    /// What is signed: the credential's text before the dot, as written.
    pub signed: &'static str,
}

/// The public key credentials are signed with, for checking them offline.
#[utoipa::path(get, path = "/api/v1/status-credentials/public-key", tag = "status credentials",
    responses((status = 200, body = PublicKey)))]
pub async fn public_key(State(state): State<WebState>) -> Result<Json<PublicKey>, ApiError> {
    Ok(Json(PublicKey {
        algorithm: "Ed25519",
        public_key: state.app.status_public_key()?,
        signed: "the ASCII text of the credential before the dot (the base64url payload)",
    }))
}
