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
