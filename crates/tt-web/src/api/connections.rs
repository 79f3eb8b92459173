//! The status-verification API for members: connections, requests, answers and preferences.

use axum::Json;
use axum::extract::{Path, State};
use tt_app::connections::{ConnectionAnswer, ConnectionRequest, ConnectionView, PreferencesView};
use tt_app::{AppError, Permission};
use uuid::Uuid;

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))
}

/// The caller's company's connections, oldest first, with each connected partner's status.
#[utoipa::path(get, path = "/api/v1/connections", tag = "status verification", security(("bearer" = [])),
    responses((status = 200, body = [ConnectionView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_connections(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ConnectionView>>, ApiError> {
    let own = actor.own_account().ok_or(AppError::Forbidden("connections are between members"))?;
    Ok(Json(state.app.connections(&actor, own).await?))
}

/// Asks another certified member to connect.
#[utoipa::path(post, path = "/api/v1/connections", tag = "status verification", security(("bearer" = [])),
    request_body = ConnectionRequest,
    responses((status = 200, body = ConnectionView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request_connection(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<ConnectionView>, ApiError> {
    actor.require(Permission::ManageConnections, state.app.clock.now())?;
    Ok(Json(state.app.request_connection(&actor, &body(value)?).await?))
}

/// Accepts, declines or ends a connection.
#[utoipa::path(post, path = "/api/v1/connections/{id}", tag = "status verification", security(("bearer" = [])),
    params(("id" = String, Path, description = "Connection id")), request_body = ConnectionAnswer,
    responses((status = 200, body = ConnectionView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer_connection(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<ConnectionView>, ApiError> {
    actor.require(Permission::ManageConnections, state.app.clock.now())?;
    let id = Uuid::parse_str(id.trim()).map_err(|_| ApiError(AppError::NotFound))?;
    Ok(Json(state.app.answer_connection(&actor, id, &body(value)?).await?))
}

/// The caller's company's connection preferences.
#[utoipa::path(get, path = "/api/v1/connections/preferences", tag = "status verification", security(("bearer" = [])),
    responses((status = 200, body = PreferencesView), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn get_preferences(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<PreferencesView>, ApiError> {
    Ok(Json(state.app.connection_preferences(&actor).await?))
}

/// Sets whether requests are accepted at once, and what is shared by default.
#[utoipa::path(put, path = "/api/v1/connections/preferences", tag = "status verification", security(("bearer" = [])),
    request_body = PreferencesView,
    responses((status = 200, body = PreferencesView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn set_preferences(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<PreferencesView>, ApiError> {
    actor.require(Permission::ManageConnections, state.app.clock.now())?;
    Ok(Json(state.app.set_connection_preferences(&actor, &body(value)?).await?))
}
