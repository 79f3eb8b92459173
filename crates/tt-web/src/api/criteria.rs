//! The criteria catalogue API: list versions, read one, publish a new one.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use tt_app::AppError;
use tt_app::criteria::{CatalogueSummary, CatalogueView};
use tt_domain::criteria::CatalogueKind;
use utoipa::{IntoParams, ToSchema};

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

fn kind(text: &str) -> Result<CatalogueKind, ApiError> {
    CatalogueKind::parse(text).map_err(|_| ApiError(AppError::NotFound))
}

fn day(field: &'static str, text: &str) -> Result<time::Date, ApiError> {
    tt_domain::calendar::iso_date::parse(text)
        .ok_or_else(|| ApiError(AppError::invalid(field, format!("'{text}' is not a date as YYYY-MM-DD"))))
}

/// Every version of every catalogue.
#[utoipa::path(get, path = "/api/v1/criteria", tag = "criteria", security(("bearer" = [])),
    responses((status = 200, body = [CatalogueSummary]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_catalogues(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<CatalogueSummary>>, ApiError> {
    Ok(Json(state.app.list_catalogues(&actor).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// A version label; the one in force today when absent.
    pub version: Option<String>,
    /// Must/should as on this day (`YYYY-MM-DD`), default today.
    pub on: Option<String>,
}

/// One catalogue version's criteria, with must/should on a day and changes from the previous
/// version.
#[utoipa::path(get, path = "/api/v1/criteria/{catalogue}", tag = "criteria", security(("bearer" = [])),
    params(("catalogue" = String, Path, description = "importer, highway-carrier, third-party-logistics, trade-compliance-eligibility, forced-labor-requirements or best-practice-elements"), CatalogueQuery),
    responses((status = 200, body = CatalogueView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_catalogue(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(catalogue): Path<String>,
    Query(query): Query<CatalogueQuery>,
) -> Result<Json<CatalogueView>, ApiError> {
    let on = query.on.as_deref().map(|text| day("on", text)).transpose()?;
    Ok(Json(state.app.catalogue(&actor, kind(&catalogue)?, query.version.as_deref(), on).await?))
}

/// A new version: the catalogue and the optional mapping as CSV text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    pub version: String,
    /// `YYYY-MM-DD`, after the latest version's.
    pub effective_from: String,
    /// CSV: criterion_id, focus_area, category_number, category, requirement, must_from, text, guidance.
    pub catalogue_csv: String,
    /// CSV: criterion_id, change (unchanged, changed, new), previous_id.
    #[serde(default)]
    pub mapping_csv: Option<String>,
}

/// Publishes a new version; every bad row is a 422 error naming the row, field and reason.
#[utoipa::path(post, path = "/api/v1/criteria/{catalogue}", tag = "criteria", security(("bearer" = [])),
    params(("catalogue" = String, Path, description = "The catalogue")), request_body = PublishRequest,
    responses((status = 200, body = CatalogueView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_catalogue(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(catalogue): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<CatalogueView>, ApiError> {
    state.app.require_publish_criteria(&actor)?;
    let request: PublishRequest =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    let kind = kind(&catalogue)?;
    let effective_from = day("effective_from", &request.effective_from)?;
    let mapping = request.mapping_csv.as_deref().map(|text| ("mapping.csv", text.as_bytes()));
    let view = state
        .app
        .publish_catalogue_upload(
            &actor,
            kind,
            &request.version,
            effective_from,
            ("catalogue.csv", request.catalogue_csv.as_bytes()),
            mapping,
        )
        .await?;
    Ok(Json(view))
}
