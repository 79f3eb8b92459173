//! Supplier questionnaire pages: the member's list with the send form, one questionnaire with
//! its score and gaps, and the partner's form behind the link (no account needed).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::questionnaire::{PartnerForm, QuestionnaireView, SendQuestionnaire};
use tt_app::{AppError, Permission};
use tt_domain::AccountId;
use tt_domain::questionnaire::PartnerAnswer;
use uuid::Uuid;

use super::session::{anonymous_csrf_token, with_form_cookie};
use super::{FormErrors, Layout, can, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn, request_origin};

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    account: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaires.html")]
pub struct QuestionnairesPage {
    layout: Layout,
    items: Vec<QuestionnaireView>,
    can_send: bool,
    /// The link of the questionnaire just sent, shown once.
    link: Option<String>,
    errors: FormErrors,
}

async fn list_with(
    state: &WebState,
    signed_in: &SignedIn,
    account: Option<AccountId>,
    link: Option<String>,
    errors: FormErrors,
) -> Result<QuestionnairesPage, PageError> {
    let items = state.app.list_questionnaires(&signed_in.actor, account).await?;
    Ok(QuestionnairesPage {
        layout: Layout::for_signed_in(signed_in),
        items,
        can_send: !signed_in.actor.is_agency() && can(&signed_in.actor, Permission::PrepareMembership),
        link,
        errors,
    })
}

pub async fn questionnaires_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let account = query
        .account
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(|text| AccountId::parse("account", text))
        .transpose()
        .map_err(|error| PageError::from(AppError::from(error)))?;
    Ok(list_with(&state, &signed_in, account, None, FormErrors::default()).await?.into_response())
}

/// Sends a questionnaire and shows its link once.
pub async fn send_questionnaire(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let input = SendQuestionnaire {
        partner_name: form.value("partner_name"),
        partner_email: form.value("partner_email"),
        catalogue: form.value("catalogue"),
    };
    match state.app.send_questionnaire(&signed_in.actor, &input).await {
        Ok(sent) => {
            Ok(list_with(&state, &signed_in, None, Some(sent.link), FormErrors::default()).await?.into_response())
        }
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, list_with(&state, &signed_in, None, None, errors).await?)
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaire.html")]
pub struct QuestionnairePage {
    layout: Layout,
    view: QuestionnaireView,
    can_act: bool,
    link: Option<String>,
    errors: FormErrors,
}

fn parse_id(text: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(text.trim()).map_err(|_| PageError::from(AppError::NotFound))
}

async fn page_with(
    state: &WebState,
    signed_in: &SignedIn,
    id: Uuid,
    link: Option<String>,
    errors: FormErrors,
) -> Result<QuestionnairePage, PageError> {
    let view = state.app.get_questionnaire(&signed_in.actor, id).await?;
    Ok(QuestionnairePage {
        layout: Layout::for_signed_in(signed_in),
        can_act: !signed_in.actor.is_agency() && can(&signed_in.actor, Permission::PrepareMembership),
        view,
        link,
        errors,
    })
}

pub async fn questionnaire_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    Ok(page_with(&state, &signed_in, id, None, FormErrors::default()).await?.into_response())
}

/// Revoke, renew (showing the new link once) or attach as evidence.
pub async fn change_questionnaire(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::PrepareMembership, state.app.clock.now())?;
    let id = parse_id(&id)?;
    let result = match form.value("action").as_str() {
        "revoke" => state.app.revoke_questionnaire(&signed_in.actor, id).await.map(|_| None),
        "renew" => state.app.renew_questionnaire(&signed_in.actor, id).await.map(|sent| Some(sent.link)),
        "attach_as_evidence" => state
            .app
            .attach_questionnaire_as_evidence(&signed_in.actor, id, &form.value("criterion"))
            .await
            .map(|_| None),
        other => return Err(PageError::BadForm(format!("'{other}' is not an action on a questionnaire."))),
    };
    match result {
        Ok(None) => Ok(see_other(&format!("/questionnaires/{id}"))),
        Ok(Some(link)) => {
            Ok(page_with(&state, &signed_in, id, Some(link), FormErrors::default()).await?.into_response())
        }
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page_with(&state, &signed_in, id, None, errors).await?)
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "partner_form.html")]
pub struct PartnerPage {
    layout: Layout,
    csrf_token: String,
    form: PartnerForm,
    answers: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    done: bool,
    /// What the partner sent, shown again after an error so nothing is typed twice:
    /// `(criterion, answer, comment)`, and the name.
    sent: Vec<(String, String, String)>,
    answered_by: String,
}

impl PartnerPage {
    fn sent_answer(&self, criterion: &tt_domain::criteria::CriterionId) -> &str {
        self.sent.iter().find(|(id, _, _)| id == criterion.as_str()).map_or("", |(_, answer, _)| answer.as_str())
    }

    fn sent_comment(&self, criterion: &tt_domain::criteria::CriterionId) -> &str {
        self.sent.iter().find(|(id, _, _)| id == criterion.as_str()).map_or("", |(_, _, comment)| comment.as_str())
    }
}

fn partner_page(csrf_token: String, form: PartnerForm, errors: FormErrors, done: bool) -> PartnerPage {
    PartnerPage {
        layout: Layout::anonymous(),
        csrf_token,
        form,
        answers: PartnerAnswer::ALL.into_iter().map(|answer| (answer.id(), answer.label())).collect(),
        errors,
        done,
        sent: Vec::new(),
        answered_by: String::new(),
    }
}

/// The partner's form (the link's secret is the only key; a closed or unknown link is a 404).
pub async fn partner_form_page(
    State(state): State<WebState>,
    Path(secret): Path<String>,
    parts: Parts,
) -> Result<Response, PageError> {
    let form = state.app.partner_form(&secret, &request_origin(&parts)).await?;
    let csrf_token = anonymous_csrf_token(&parts)?;
    Ok(with_form_cookie(&state, &csrf_token, partner_page(csrf_token.clone(), form, FormErrors::default(), false)))
}

pub async fn answer_partner_form(
    State(state): State<WebState>,
    Path(secret): Path<String>,
    parts: Parts,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_anonymous_csrf()?;
    let origin = request_origin(&parts);
    let questions = state.app.partner_form(&secret, &origin).await?;
    let answers: Vec<(String, String, String)> = questions
        .questions
        .iter()
        .map(|question| {
            let id = question.criterion.as_str();
            (id.to_owned(), form.value(&format!("answer_{id}")), form.value(&format!("comment_{id}")))
        })
        .collect();
    match state.app.answer_partner_form(&secret, &form.value("answered_by"), &answers, &origin).await {
        Ok(()) => Ok(partner_page(String::new(), questions, FormErrors::default(), true).into_response()),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let mut page = partner_page(form.value("csrf_token"), questions, errors, false);
            page.sent = answers;
            page.answered_by = form.value("answered_by");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
