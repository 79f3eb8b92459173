//! The forced labor API: watch-list imports, a member's supply-chain map, and the hits' review.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use tt_app::forced_labor::{HitReview, HitView, SupplierInput, SupplyChainView, WatchListReport};
use tt_app::{AppError, Permission};
use utoipa::IntoParams;

use crate::WebState;
use crate::api::account_id;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The file's name, for the record.
    pub file_name: String,
}

/// Imports a watch list (`entity_list`, `wro` or `finding`) from its file as its new snapshot.
#[utoipa::path(post, path = "/api/v1/watch-lists/{list}", tag = "forced labor", security(("bearer" = [])),
    params(("list" = String, Path, description = "entity_list, wro or finding"), FileQuery),
    request_body(content = String, description = "entity,country,manufacturer_id,commodity,effective_from,effective_to", content_type = "text/csv"),
    responses((status = 200, body = WatchListReport), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn import_watch_list(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(list): Path<String>,
    Query(query): Query<FileQuery>,
    body: Bytes,
) -> Result<Json<WatchListReport>, ApiError> {
    actor.require(Permission::ImportTradeData, state.app.clock.now())?;
    Ok(Json(state.app.import_watch_list(&actor, &list, &query.file_name, &body).await?))
}

/// A member's supply-chain map with each supplier's hits and the risk it shows.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/supply-chain", tag = "forced labor", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = SupplyChainView), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn get_supply_chain(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<SupplyChainView>, ApiError> {
    Ok(Json(state.app.supply_chain(&actor, account_id(&id)?).await?))
}

/// Adds a supplier to the caller's company's map.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/supply-chain", tag = "forced labor", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = SupplierInput,
    responses((status = 200, body = SupplyChainView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_supplier(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<SupplyChainView>, ApiError> {
    actor.require(Permission::PrepareMembership, state.app.clock.now())?;
    Ok(Json(state.app.add_supplier(&actor, account_id(&id)?, &body(value)?).await?))
}

/// Every member's screening hits, open ones first.
#[utoipa::path(get, path = "/api/v1/screening-hits", tag = "forced labor", security(("bearer" = [])),
    responses((status = 200, body = [HitView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_hits(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<HitView>>, ApiError> {
    Ok(Json(state.app.screening_hits(&actor).await?))
}

/// Confirms a hit or marks it a false positive.
#[utoipa::path(post, path = "/api/v1/screening-hits/review", tag = "forced labor", security(("bearer" = [])),
    request_body = HitReview,
    responses((status = 200, body = HitView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn review_hit(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<HitView>, ApiError> {
    actor.require(Permission::ReviewScreeningHits, state.app.clock.now())?;
    Ok(Json(state.app.review_screening_hit(&actor, &body(value)?).await?))
}

/// Every forced-labor allegation with its follow-up.
#[utoipa::path(get, path = "/api/v1/allegations", tag = "forced labor", security(("bearer" = [])),
    responses((status = 200, body = [tt_app::forced_labor::AllegationView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_allegations(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<tt_app::forced_labor::AllegationView>>, ApiError> {
    Ok(Json(state.app.allegations(&actor).await?))
}

/// Takes in an allegation.
#[utoipa::path(post, path = "/api/v1/allegations", tag = "forced labor", security(("bearer" = [])),
    request_body = tt_app::forced_labor::NewAllegation,
    responses((status = 200, body = tt_app::forced_labor::AllegationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn take_in_allegation(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<tt_app::forced_labor::AllegationView>, ApiError> {
    actor.require(Permission::ReviewScreeningHits, state.app.clock.now())?;
    Ok(Json(state.app.take_in_allegation(&actor, &body(value)?).await?))
}

/// Records a step of an allegation's follow-up.
#[utoipa::path(post, path = "/api/v1/allegations/{id}", tag = "forced labor", security(("bearer" = [])),
    params(("id" = String, Path, description = "Allegation id")), request_body = tt_app::forced_labor::AllegationChange,
    responses((status = 200, body = tt_app::forced_labor::AllegationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_allegation(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<tt_app::forced_labor::AllegationView>, ApiError> {
    actor.require(Permission::ReviewScreeningHits, state.app.clock.now())?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| ApiError(AppError::NotFound))?;
    Ok(Json(state.app.change_allegation(&actor, id, &body(value)?).await?))
}
