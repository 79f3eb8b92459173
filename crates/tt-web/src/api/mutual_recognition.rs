//! The mutual recognition API: arrangements, certificate list imports, operator lookup, and a
//! member recording a lookup as evidence.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use tt_app::mutual_recognition::{ArrangementView, OperatorEvidence, OperatorImportReport, OperatorMatch};
use tt_app::profile::ProfileView;
use tt_app::{AppError, Permission};
use utoipa::IntoParams;

use crate::WebState;
use crate::api::account_id;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

/// The Mutual Recognition Arrangements, with each partner program's latest certificate list.
#[utoipa::path(get, path = "/api/v1/mutual-recognition", tag = "mutual recognition", security(("bearer" = [])),
    responses((status = 200, body = [ArrangementView]), (status = 401, body = Problem)))]
pub async fn list_arrangements(
    State(state): State<WebState>,
    ApiActor(_actor): ApiActor,
) -> Result<Json<Vec<ArrangementView>>, ApiError> {
    Ok(Json(state.app.mutual_recognition().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The file's name, for the record.
    pub file_name: String,
}

/// Imports a partner program's certificate list (the body is the CSV) as its new snapshot.
#[utoipa::path(post, path = "/api/v1/mutual-recognition/{code}/operators", tag = "mutual recognition", security(("bearer" = [])),
    params(("code" = String, Path, description = "Arrangement code, such as EU"), ListQuery),
    request_body(content = String, description = "operator_id,name,country,status,valid_from,valid_to", content_type = "text/csv"),
    responses((status = 200, body = OperatorImportReport), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn import_operators(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    Query(query): Query<ListQuery>,
    body: Bytes,
) -> Result<Json<OperatorImportReport>, ApiError> {
    actor.require(Permission::ImportTradeData, state.app.clock.now())?;
    Ok(Json(state.app.import_foreign_operators(&actor, &code, &query.file_name, &body).await?))
}

/// A foreign operator in each partner program's latest list.
#[utoipa::path(get, path = "/api/v1/foreign-operators/{id}", tag = "mutual recognition", security(("bearer" = [])),
    params(("id" = String, Path, description = "The partner program's operator id")),
    responses((status = 200, body = [OperatorMatch]), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn find_operator(
    State(state): State<WebState>,
    ApiActor(_actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<OperatorMatch>>, ApiError> {
    Ok(Json(state.app.find_foreign_operator(&id).await?))
}

/// Records a lookup as evidence for a criterion of the member's security profile.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/foreign-operator-evidence", tag = "mutual recognition", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = OperatorEvidence,
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_evidence(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<ProfileView>, ApiError> {
    actor.require(Permission::PrepareMembership, state.app.clock.now())?;
    let evidence: OperatorEvidence =
        serde_json::from_value(value).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.record_operator_evidence(&actor, account_id(&id)?, &evidence).await?))
}
