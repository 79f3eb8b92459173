//! The validation API: list, plan, read and change validations.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use tt_app::AppError;
use tt_app::validation::{ValidationAction, ValidationListItem, ValidationView};
use tt_domain::AccountId;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

fn validation_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text.trim()).map_err(|_| ApiError(AppError::NotFound))
}

fn action(body: serde_json::Value) -> Result<ValidationAction, ApiError> {
    serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValidationsQuery {
    /// Only this account's validations (members always see only their own).
    pub account: Option<String>,
}

/// Validations, newest first.
#[utoipa::path(get, path = "/api/v1/validations", tag = "validations", security(("bearer" = [])), params(ValidationsQuery),
    responses((status = 200, body = [ValidationListItem]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_validations(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<ValidationsQuery>,
) -> Result<Json<Vec<ValidationListItem>>, ApiError> {
    let account = crate::api::account_filter(query.account.as_deref())?;
    Ok(Json(state.app.list_validations(&actor, account).await?))
}

/// Plans a validation of the account (`{"action": "plan", "kind": "initial", "mode": "on_site", …}`).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/validations", tag = "validations", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = ValidationAction,
    responses((status = 200, body = ValidationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn plan_validation(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<ValidationView>, ApiError> {
    state.app.require_some_step_permission(&actor)?;
    let account = AccountId::parse("id", &id).map_err(|error| ApiError(error.into()))?;
    Ok(Json(state.app.plan_validation(&actor, account, &action(body)?).await?))
}

/// One validation (members: their own, findings once the report is sent, no internal notes).
#[utoipa::path(get, path = "/api/v1/validations/{id}", tag = "validations", security(("bearer" = [])),
    params(("id" = String, Path, description = "Validation id")),
    responses((status = 200, body = ValidationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_validation(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ValidationView>, ApiError> {
    Ok(Json(state.app.get_validation(&actor, validation_id(&id)?).await?))
}

/// Changes a validation: `record_criterion`, `write_summary`, `submit_to_supervisor`, `return`,
/// `escalate`, `approve`, `send_to_member`, `respond`.
#[utoipa::path(post, path = "/api/v1/validations/{id}", tag = "validations", security(("bearer" = [])),
    params(("id" = String, Path, description = "Validation id")), request_body = ValidationAction,
    responses((status = 200, body = ValidationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_validation(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<ValidationView>, ApiError> {
    state.app.require_some_step_permission(&actor)?;
    Ok(Json(state.app.change_validation(&actor, validation_id(&id)?, &action(body)?).await?))
}

/// The member's report as a PDF (no internal notes).
#[utoipa::path(get, path = "/api/v1/validations/{id}/report.pdf", tag = "validations", security(("bearer" = [])),
    params(("id" = String, Path, description = "Validation id")),
    responses((status = 200, description = "The report", content_type = "application/pdf"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn report_pdf(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let id = validation_id(&id)?;
    Ok(pdf_response(&format!("validation-report-{id}.pdf"), state.app.validation_report_pdf(&actor, id).await?))
}

/// A PDF download named `file_name`.
pub(crate) fn pdf_response(file_name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response()
}
