//! The JSON API under `/api/v1`. Callers authenticate with a personal API token
//! (`Authorization: Bearer …`); errors are problem details. Each handler is described for the
//! OpenAPI document by its `#[utoipa::path]`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use tt_app::AppError;
use tt_app::accounts::{AccountInput, AccountView};
use tt_app::audit::{AuditQuery, AuditRecordView};
use tt_app::users::{UserInput, UserView};
use tt_domain::{AccountId, ApiTokenId, UserId};
use utoipa::ToSchema;

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

pub mod agencies;
pub mod benefits;
pub mod connections;
pub mod credentials;
pub mod criteria;
pub mod forced_labor;
pub mod membership;
pub mod mutual_recognition;
pub mod policies;
pub mod profile;
pub mod questionnaire;
pub mod trade;
pub mod validation;

/// An account id from a path: one that does not parse is invalid input on `id`.
pub(crate) fn account_id(text: &str) -> Result<AccountId, ApiError> {
    AccountId::parse("id", text).map_err(|error| ApiError(error.into()))
}

/// The `?account=` filter of a list, when given.
pub(crate) fn account_filter(text: Option<&str>) -> Result<Option<AccountId>, ApiError> {
    text.map(|text| AccountId::parse("account", text)).transpose().map_err(|error| ApiError(error.into()))
}

fn not_found<T>(_: T) -> ApiError {
    ApiError(AppError::NotFound)
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
pub async fn get_me(ApiActor(actor): ApiActor) -> Result<Json<UserView>, ApiError> {
    let user = actor.user.as_ref().ok_or(ApiError(AppError::Unauthenticated))?;
    Ok(Json(user.into()))
}

/// Member accounts the caller may see.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [AccountView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_accounts(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    let accounts = state.app.list_accounts(&actor).await?;
    Ok(Json(accounts.iter().map(AccountView::from).collect()))
}

/// Registers a member account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = [])), request_body = AccountInput,
    responses((status = 201, body = AccountView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_account(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<Response, ApiError> {
    let account = state.app.create_account(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(AccountView::from(&account))).into_response())
}

/// One account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = AccountView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_account(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<AccountView>, ApiError> {
    let id = AccountId::parse("id", &id).map_err(not_found)?;
    Ok(Json((&state.app.get_account(&actor, id).await?).into()))
}

/// Replaces an account's fields.
#[utoipa::path(put, path = "/api/v1/accounts/{id}", tag = "accounts", security(("bearer" = [])), request_body = AccountInput,
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = AccountView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_account(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<Json<AccountView>, ApiError> {
    let id = AccountId::parse("id", &id).map_err(not_found)?;
    Ok(Json((&state.app.update_account(&actor, id, &input).await?).into()))
}

/// Users the caller may see.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let users = state.app.list_users(&actor, None).await?;
    Ok(Json(users.iter().map(UserView::from).collect()))
}

/// A new user and whether an invitation was e-mailed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserResponse {
    pub user: UserView,
    pub invitation_sent: bool,
}

/// Adds a user; without a password, an invitation is e-mailed.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = UserInput,
    responses((status = 201, body = CreatedUserResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<UserInput>,
) -> Result<Response, ApiError> {
    let created = state.app.create_user(&actor, &input).await?;
    let body = CreatedUserResponse { user: (&created.user).into(), invitation_sent: created.invitation_link.is_some() };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, body = UserView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_user(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let id = UserId::parse("id", &id).map_err(not_found)?;
    Ok(Json((&state.app.get_user(&actor, id).await?).into()))
}

/// A personal API token (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ApiTokenId,
    pub name: String,
    pub scope: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// The caller's API tokens. New tokens are made on the profile page or with
/// `trusted-trader admin create-token`, never with a token.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = [TokenView]), (status = 401, body = Problem)))]
pub async fn list_tokens(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let tokens = state.app.list_api_tokens(&actor).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|token| TokenView {
                id: token.id,
                name: token.name,
                scope: token.scope.id().to_owned(),
                created_at: token.created_at,
                expires_at: token.expires_at,
                revoked_at: token.revoked_at,
            })
            .collect(),
    ))
}

/// Revokes one of the caller's tokens (it may be the one in use).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = ApiTokenId::parse("id", &id).map_err(not_found)?;
    state.app.revoke_api_token(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One page (100 records) of the audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = [AuditRecordView]), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_audit(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = match query {
        Ok(query) => query,
        Err(rejection) => return Ok(ApiError::bad_request(rejection.body_text())),
    };
    let records = state.app.list_audit(&actor, &query).await?;
    Ok(Json(records.iter().map(AuditRecordView::from).collect::<Vec<_>>()).into_response())
}

/// One row of the authorization policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyEntry {
    pub permission: tt_app::Permission,
    pub description: String,
    pub changes_data: bool,
    pub roles: Vec<String>,
}

/// The authorization policy: which roles hold which permission.
#[utoipa::path(get, path = "/api/v1/policy", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [PolicyEntry]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn get_policy(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<PolicyEntry>>, ApiError> {
    actor.require(tt_app::Permission::ViewPolicy, state.app.clock.now())?;
    Ok(Json(
        tt_app::policy::POLICY
            .iter()
            .map(|(permission, changes_data, description, roles)| PolicyEntry {
                permission: *permission,
                description: (*description).to_owned(),
                changes_data: *changes_data,
                roles: roles.iter().map(|role| role.id().to_owned()).collect(),
            })
            .collect(),
    ))
}
