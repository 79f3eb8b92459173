//! The security profile API: read it, change it (answers, submission, reviews), upload and
//! download evidence.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::AppError;
use tt_app::profile::{ProfileAction, ProfileView};
use utoipa::IntoParams;

use crate::WebState;
use crate::api::account_id;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

/// The account's security profile: every criterion with its answer, evidence and review.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/profile", tag = "profiles", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = ProfileView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_profile(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ProfileView>, ApiError> {
    Ok(Json(state.app.security_profile(&actor, account_id(&id)?).await?))
}

/// Changes the profile, such as `{"action": "answer", "criterion": "1.3", "answer": "meets",
/// "narrative": "…"}`, `{"action": "submit", "attestation": "…"}` or `{"action": "review",
/// "criterion": "1.3", "decision": "returned", "comment": "…"}`.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/profile", tag = "profiles", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = ProfileAction,
    responses((status = 200, body = ProfileView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_profile(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<ProfileView>, ApiError> {
    state.app.require_some_step_permission(&actor)?;
    let action: ProfileAction =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.change_profile(&actor, account_id(&id)?, &action).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// The criterion the file is evidence for, such as `3.9`.
    #[serde(default)]
    pub criterion: String,
    /// The file's name; its extension gives its type.
    #[serde(default)]
    pub file_name: String,
}

/// Attaches an evidence file (the body) to an answered criterion.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/profile/evidence", tag = "profiles", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id"), EvidenceQuery),
    request_body(content = String, content_type = "application/octet-stream", description = "The file"),
    responses((status = 200, body = ProfileView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_evidence(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    Query(query): Query<EvidenceQuery>,
    body: Bytes,
) -> Result<Json<ProfileView>, ApiError> {
    let view =
        state.app.attach_evidence(&actor, account_id(&id)?, &query.criterion, &query.file_name, body.to_vec()).await?;
    Ok(Json(view))
}

/// Downloads an evidence file by its id (the last part of its key).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/profile/evidence/{file}", tag = "profiles", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id"), ("file" = String, Path, description = "The evidence file's id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn download_evidence(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (evidence, bytes) = state.app.evidence_file(&actor, account_id(&id)?, &file).await?;
    Ok(evidence_response(&evidence, bytes))
}

/// A download: the stored type, and the file's own name as an attachment.
pub(crate) fn evidence_response(evidence: &tt_domain::profile::Evidence, bytes: Vec<u8>) -> Response {
    let name: String = evidence
        .file_name
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || "._- ".contains(character) { character } else { '_' })
        .collect();
    (
        [
            (header::CONTENT_TYPE, evidence.content_type.clone()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
