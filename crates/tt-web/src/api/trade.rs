//! The trade-data API: ingest (upload), KPIs, Defender alerts and their review, cases, and
//! screening decisions. Same use cases and JSON shapes as the command line.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tt_app::AppError;
use tt_app::trade::KpiGrouping;
use tt_domain::CaseId;
use tt_domain::trade::parse_date;
use utoipa::{IntoParams, ToSchema};

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiQuery {
    /// First entry date, `YYYY-MM-DD`.
    pub from: String,
    /// Last entry date, `YYYY-MM-DD`.
    pub to: String,
    /// A comma-separated subset of `month`, `group`, `account` (default `month,group`).
    pub by: Option<String>,
}

fn date(field: &'static str, text: &str) -> Result<time::Date, ApiError> {
    parse_date(field, text).map_err(|error| ApiError(error.into()))
}

/// Program KPIs, exactly as `trusted-trader kpi --format json` prints them.
#[utoipa::path(get, path = "/api/v1/kpis", tag = "trade data", security(("bearer" = [])), params(KpiQuery),
    responses((status = 200, description = "One object per group", body = [Object]), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn get_kpis(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<KpiQuery>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let grouping =
        KpiGrouping::parse(query.by.as_deref().unwrap_or("month,group")).map_err(|error| ApiError(error.into()))?;
    let rows = state.app.kpis(&actor, date("from", &query.from)?, date("to", &query.to)?, grouping).await?;
    Ok(Json(rows.iter().map(|row| Value::Object(row.to_json())).collect()))
}

/// The caller's company's Defender alerts with their answers, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "trade data", security(("bearer" = [])),
    responses((status = 200, body = [Object]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_alerts(State(state): State<WebState>, ApiActor(actor): ApiActor) -> Result<Json<Value>, ApiError> {
    let alerts = state.app.member_alerts(&actor).await?;
    Ok(Json(serde_json::to_value(alerts).map_err(|error| ApiError(AppError::Internal(error.into())))?))
}

/// A member's answer to one alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub entry_number: String,
    pub code: String,
    /// `confirmed` ("this shipment is ours") or `denied` (opens a case).
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResponse {
    /// The case a denial opened.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub case_id: Option<CaseId>,
}

/// Confirms or denies one of the caller's company's alerts.
#[utoipa::path(post, path = "/api/v1/alerts/review", tag = "trade data", security(("bearer" = [])), request_body = ReviewRequest,
    responses((status = 200, body = ReviewResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review_alert(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<Json<ReviewResponse>, ApiError> {
    let case_id = state
        .app
        .review_alert(&actor, &request.entry_number, &request.code, &request.decision, request.note.as_deref())
        .await?;
    Ok(Json(ReviewResponse { case_id }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[schema(value_type = String, format = Uuid)]
    pub id: CaseId,
    pub account_number: String,
    pub entry_number: String,
    pub code: String,
    pub opened_at: String,
    pub outcome: Option<String>,
}

/// Every case opened by a denied alert, open ones first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "trade data", security(("bearer" = [])),
    responses((status = 200, body = [CaseView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_cases(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<CaseView>>, ApiError> {
    let cases = state.app.list_cases(&actor).await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|details| CaseView {
                id: details.case.id,
                account_number: details.account_number,
                entry_number: details.case.entry_number,
                code: details.case.code,
                opened_at: details
                    .case
                    .opened_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                outcome: details.case.outcome.map(|outcome| outcome.outcome),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    pub outcome: String,
}

/// Closes a case with its outcome.
#[utoipa::path(post, path = "/api/v1/cases/{id}/outcome", tag = "trade data", security(("bearer" = [])), request_body = OutcomeRequest,
    params(("id" = String, Path, description = "The case's id")),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_case_outcome(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<OutcomeRequest>,
) -> Result<StatusCode, ApiError> {
    let id = CaseId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    state.app.record_case_outcome(&actor, id, &request.outcome).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name; `.ndjson`, `.jsonl` or `.json` mean NDJSON, `.gz` gzip, anything else CSV.
    pub file_name: String,
}

/// Ingests an uploaded entry file as one batch (the body is the file).
#[utoipa::path(post, path = "/api/v1/ingest", tag = "trade data", security(("bearer" = [])), params(UploadQuery),
    request_body(content = String, description = "The entry file (CSV or NDJSON, optionally gzip)", content_type = "application/octet-stream"),
    responses((status = 200, description = "The batch's counts and rejects, as `ingest --json` prints them", body = Object),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn ingest(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let report = state.app.ingest_upload(&actor, &query.file_name, &body).await?;
    Ok(Json(serde_json::to_value(report).map_err(|error| ApiError(AppError::Internal(error.into())))?).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScreenQuery {
    pub file_name: String,
    /// The share of non-exempt entries to select, 0 to 1.
    pub rate: f64,
    pub seed: String,
}

/// Screens an uploaded arrivals file for random exams.
#[utoipa::path(post, path = "/api/v1/screen", tag = "trade data", security(("bearer" = [])), params(ScreenQuery),
    request_body(content = String, description = "The arrivals file (the entry-line format)", content_type = "application/octet-stream"),
    responses((status = 200, description = "The decisions and any rejected rows", body = Object),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn screen(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<ScreenQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let report = state.app.screen_upload(&actor, &query.file_name, &body, query.rate, &query.seed).await?;
    Ok(Json(serde_json::to_value(report).map_err(|error| ApiError(AppError::Internal(error.into())))?).into_response())
}
