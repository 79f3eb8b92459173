//! The membership lifecycle API: an account's history and derived dates, recording a step,
//! work queues, the caller's notifications and the e-mail outbox.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use time::OffsetDateTime;
use tt_app::membership::{MembershipView, StepInput, WorkFilter, WorkItem};
use utoipa::ToSchema;

use crate::WebState;
use crate::api::account_id;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

/// An account's membership: security and Trade Compliance states, every derived date with how
/// it was computed, requests for information, vetting, application tiles and the timeline.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/membership", tag = "membership", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = MembershipView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_membership(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<MembershipView>, ApiError> {
    Ok(Json(state.app.account_membership(&actor, account_id(&id)?).await?))
}

/// Records one step of the account's membership, such as
/// `{"step": "profile_approved"}` or `{"step": "suspended", "grounds": "non_compliance", "reason": "…"}`.
/// A step the history's rules do not allow is refused with 422 and the rule (field `step`).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/membership/steps", tag = "membership", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = StepInput,
    responses((status = 200, body = MembershipView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_step(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<MembershipView>, ApiError> {
    // Who may record steps at all is checked before the body is read, so a caller without the
    // right learns nothing from validation messages.
    state.app.require_some_step_permission(&actor)?;
    let input: StepInput =
        serde_json::from_value(body).map_err(|error| ApiError(tt_app::AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.record_step(&actor, account_id(&id)?, &input).await?))
}

/// The caller's work: due and overdue items, soonest first (members: what their company owes).
#[utoipa::path(get, path = "/api/v1/work", tag = "membership", security(("bearer" = [])), params(
        ("scope" = Option<String>, Query, description = "mine (default), team or all"),
        ("status" = Option<String>, Query, description = "overdue, due_soon or upcoming"),
        ("kind" = Option<String>, Query, description = "an item kind such as revalidation_due"),
        ("office" = Option<String>, Query, description = "a field office")),
    responses((status = 200, body = [WorkItem]), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list_work(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(filter): Query<WorkFilter>,
) -> Result<Json<Vec<WorkItem>>, ApiError> {
    Ok(Json(state.app.work_items(&actor, &filter).await?))
}

/// A notification as shown to its recipient.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub read: bool,
    /// Only in the outbox: the address it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_email: Option<String>,
}

fn view(notification: tt_app::reminders::Notification, with_recipient: bool) -> NotificationView {
    NotificationView {
        id: notification.id,
        subject: notification.subject,
        body: notification.body,
        created_at: notification.created_at,
        read: notification.read_at.is_some(),
        recipient_email: with_recipient.then_some(notification.recipient_email),
    }
}

/// The caller's reminders and notices, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "membership", security(("bearer" = [])),
    responses((status = 200, body = [NotificationView]), (status = 401, body = Problem)))]
pub async fn list_notifications(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<NotificationView>>, ApiError> {
    let notifications = state.app.my_notifications(&actor).await?;
    Ok(Json(notifications.into_iter().map(|notification| view(notification, false)).collect()))
}

/// E-mail that has not gone out (all of it when no mail server is configured).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "membership", security(("bearer" = [])),
    responses((status = 200, body = [NotificationView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_outbox(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<NotificationView>>, ApiError> {
    let waiting = state.app.outbox(&actor).await?;
    Ok(Json(waiting.into_iter().map(|notification| view(notification, true)).collect()))
}

/// The migration schedule of legacy Importer Self-Assessment members, soonest first.
#[utoipa::path(get, path = "/api/v1/migration", tag = "membership", security(("bearer" = [])),
    responses((status = 200, body = [tt_app::membership::MigrationRow]), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn migration_schedule(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<tt_app::membership::MigrationRow>>, ApiError> {
    Ok(Json(state.app.migration_schedule(&actor).await?))
}

/// The team's load for supervisors: per staff member, items overdue, due within 30 days and later.
#[utoipa::path(get, path = "/api/v1/work/load", tag = "membership", security(("bearer" = [])),
    responses((status = 200, body = [tt_app::membership::LoadRow]), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn team_load(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<tt_app::membership::LoadRow>>, ApiError> {
    Ok(Json(state.app.team_load(&actor).await?))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "membership", security(("bearer" = [])),
    params(("id" = String, Path, description = "The notification's id")),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn mark_notification_read(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| ApiError(tt_app::AppError::NotFound))?;
    state.app.mark_notification_read(&actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
