//! The supplier questionnaire API for members: list, send, read, revoke, renew, attach.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use tt_app::AppError;
use tt_app::questionnaire::{QuestionnaireView, SendQuestionnaire, SentQuestionnaire};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuestionnairesQuery {
    /// Staff: only this account's.
    pub account: Option<String>,
}

/// Questionnaires at a glance, newest first (members: their own).
#[utoipa::path(get, path = "/api/v1/questionnaires", tag = "questionnaires", security(("bearer" = [])), params(QuestionnairesQuery),
    responses((status = 200, body = [QuestionnaireView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_questionnaires(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<QuestionnairesQuery>,
) -> Result<Json<Vec<QuestionnaireView>>, ApiError> {
    let account = crate::api::account_filter(query.account.as_deref())?;
    Ok(Json(state.app.list_questionnaires(&actor, account).await?))
}

/// Sends a questionnaire; the partner's link is e-mailed and returned once.
#[utoipa::path(post, path = "/api/v1/questionnaires", tag = "questionnaires", security(("bearer" = [])), request_body = SendQuestionnaire,
    responses((status = 200, body = SentQuestionnaire), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn send_questionnaire(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<SentQuestionnaire>, ApiError> {
    actor.require(tt_app::Permission::PrepareMembership, state.app.clock.now())?;
    let input: SendQuestionnaire =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.send_questionnaire(&actor, &input).await?))
}

fn questionnaire_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text.trim()).map_err(|_| ApiError(AppError::NotFound))
}

/// One questionnaire with its answers, score and gaps.
#[utoipa::path(get, path = "/api/v1/questionnaires/{id}", tag = "questionnaires", security(("bearer" = [])),
    params(("id" = String, Path, description = "Questionnaire id")),
    responses((status = 200, body = QuestionnaireView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_questionnaire(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<QuestionnaireView>, ApiError> {
    Ok(Json(state.app.get_questionnaire(&actor, questionnaire_id(&id)?).await?))
}

/// `{"action": "revoke"}`, `{"action": "renew"}` (the new link is in the answer) or
/// `{"action": "attach_as_evidence", "criterion": "3.5"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum QuestionnaireAction {
    Revoke,
    Renew,
    AttachAsEvidence { criterion: String },
}

/// Changes a questionnaire.
#[utoipa::path(post, path = "/api/v1/questionnaires/{id}", tag = "questionnaires", security(("bearer" = [])),
    params(("id" = String, Path, description = "Questionnaire id")), request_body = QuestionnaireAction,
    responses((status = 200, body = SentQuestionnaire, description = "The questionnaire; `link` is empty unless renewed"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_questionnaire(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<SentQuestionnaire>, ApiError> {
    actor.require(tt_app::Permission::PrepareMembership, state.app.clock.now())?;
    let action: QuestionnaireAction =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    let id = questionnaire_id(&id)?;
    let sent = match action {
        QuestionnaireAction::Revoke => {
            SentQuestionnaire { questionnaire: state.app.revoke_questionnaire(&actor, id).await?, link: String::new() }
        }
        QuestionnaireAction::Renew => state.app.renew_questionnaire(&actor, id).await?,
        QuestionnaireAction::AttachAsEvidence { criterion } => SentQuestionnaire {
            questionnaire: state.app.attach_questionnaire_as_evidence(&actor, id, &criterion).await?,
            link: String::new(),
        },
    };
    Ok(Json(sent))
}
