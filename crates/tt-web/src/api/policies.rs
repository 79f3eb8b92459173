//! The policy API: policies for comment, publishing, comments and dispositions.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use tt_app::policies::{NewDisposition, NewPolicyVersion, PolicyView};
use tt_app::{AppError, Permission};
use utoipa::ToSchema;

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))
}

/// Every policy with its versions, comments and dispositions.
#[utoipa::path(get, path = "/api/v1/policies", tag = "policies", security(("bearer" = [])),
    responses((status = 200, body = [PolicyView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_policies(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<PolicyView>>, ApiError> {
    Ok(Json(state.app.policies(&actor).await?))
}

/// Publishes a new policy, or the next version of one, for comment.
#[utoipa::path(post, path = "/api/v1/policies", tag = "policies", security(("bearer" = [])), request_body = NewPolicyVersion,
    responses((status = 200, body = PolicyView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_policy(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<PolicyView>, ApiError> {
    actor.require(Permission::ManagePolicies, state.app.clock.now())?;
    Ok(Json(state.app.publish_policy(&actor, &body(value)?).await?))
}

/// One policy.
#[utoipa::path(get, path = "/api/v1/policies/{key}", tag = "policies", security(("bearer" = [])),
    params(("key" = String, Path, description = "Policy key")),
    responses((status = 200, body = PolicyView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_policy(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
) -> Result<Json<PolicyView>, ApiError> {
    Ok(Json(state.app.policy(&actor, &key).await?))
}

/// A comment's text.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComment {
    pub text: String,
}

/// Comments on a policy's latest version while its window is open.
#[utoipa::path(post, path = "/api/v1/policies/{key}/comments", tag = "policies", security(("bearer" = [])),
    params(("key" = String, Path, description = "Policy key")), request_body = NewComment,
    responses((status = 200, body = PolicyView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn comment(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<PolicyView>, ApiError> {
    actor.require(Permission::CommentOnPolicies, state.app.clock.now())?;
    let comment: NewComment = body(value)?;
    Ok(Json(state.app.comment_on_policy(&actor, &key, &comment.text).await?))
}

/// Records a comment's disposition.
#[utoipa::path(post, path = "/api/v1/policies/{key}/comments/{id}/disposition", tag = "policies", security(("bearer" = [])),
    params(("key" = String, Path, description = "Policy key"), ("id" = String, Path, description = "Comment id")),
    request_body = NewDisposition,
    responses((status = 200, body = PolicyView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn dispose(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path((key, id)): Path<(String, String)>,
    ApiJson(value): ApiJson<serde_json::Value>,
) -> Result<Json<PolicyView>, ApiError> {
    actor.require(Permission::ManagePolicies, state.app.clock.now())?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| ApiError(AppError::NotFound))?;
    Ok(Json(state.app.dispose_of_comment(&actor, &key, id, &body(value)?).await?))
}
