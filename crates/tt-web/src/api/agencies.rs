//! The partner agency API: the registry, members' consents, and a liaison's agency.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use tt_app::agencies::{AccountConsents, AgencyView, ConsentChange};
use tt_app::{AppError, Permission};
use tt_domain::UserId;
use utoipa::ToSchema;

use crate::WebState;
use crate::api::account_id;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

/// The partner agencies, the benefits each recognizes and its consenting members.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "partner agencies", security(("bearer" = [])),
    responses((status = 200, body = [AgencyView]), (status = 401, body = Problem)))]
pub async fn list_agencies(
    State(state): State<WebState>,
    ApiActor(_actor): ApiActor,
) -> Result<Json<Vec<AgencyView>>, ApiError> {
    Ok(Json(state.app.partner_agencies().await?))
}

/// An account's consent to each partner agency.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/agency-consents", tag = "partner agencies", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = AccountConsents), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn get_consents(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<AccountConsents>, ApiError> {
    Ok(Json(state.app.agency_consents(&actor, account_id(&id)?).await?))
}

/// The company's officer grants or withdraws consent to one agency.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/agency-consents", tag = "partner agencies", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = ConsentChange,
    responses((status = 200, body = AccountConsents), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn change_consent(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<AccountConsents>, ApiError> {
    actor.require(Permission::ManageAgencyConsent, state.app.clock.now())?;
    let change: ConsentChange =
        serde_json::from_value(value).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.set_agency_consent(&actor, account_id(&id)?, &change).await?))
}

/// The agency a liaison works for.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LiaisonAgency {
    pub agency_code: String,
}

/// Records the agency a partner-agency liaison works for.
#[utoipa::path(put, path = "/api/v1/users/{id}/agency", tag = "partner agencies", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")), request_body = LiaisonAgency,
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn set_liaison_agency(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<axum::http::StatusCode, ApiError> {
    actor.require(Permission::ManageAllUsers, state.app.clock.now())?;
    let user = UserId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    let agency: LiaisonAgency =
        serde_json::from_value(value).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    state.app.set_liaison_agency(&actor, user, &agency.agency_code).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The engagement plan's actions as they stand, with their history.
#[utoipa::path(get, path = "/api/v1/agency-actions", tag = "partner agencies", security(("bearer" = [])),
    responses((status = 200, body = [tt_app::agencies::AgencyActionView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_actions(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<tt_app::agencies::AgencyActionView>>, ApiError> {
    Ok(Json(state.app.agency_actions(&actor).await?))
}

/// Adds an action to the engagement plan.
#[utoipa::path(post, path = "/api/v1/agency-actions", tag = "partner agencies", security(("bearer" = [])),
    request_body = tt_app::agencies::NewAgencyAction,
    responses((status = 200, body = tt_app::agencies::AgencyActionView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_action(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<tt_app::agencies::AgencyActionView>, ApiError> {
    actor.require(Permission::ManageAgencyEngagement, state.app.clock.now())?;
    let new: tt_app::agencies::NewAgencyAction =
        serde_json::from_value(value).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.add_agency_action(&actor, &new).await?))
}

/// Updates an action: its state, owner or due date, with a note.
#[utoipa::path(post, path = "/api/v1/agency-actions/{id}", tag = "partner agencies", security(("bearer" = [])),
    params(("id" = String, Path, description = "Action id")), request_body = tt_app::agencies::AgencyActionChange,
    responses((status = 200, body = tt_app::agencies::AgencyActionView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_action(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<tt_app::agencies::AgencyActionView>, ApiError> {
    actor.require(Permission::ManageAgencyEngagement, state.app.clock.now())?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| ApiError(AppError::NotFound))?;
    let change: tt_app::agencies::AgencyActionChange =
        serde_json::from_value(value).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.change_agency_action(&actor, id, &change).await?))
}
