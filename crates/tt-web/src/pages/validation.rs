//! Validation pages: the list (with the plan form for specialists), one validation with the
//! forms each role may use, and the printable report.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest as _, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::validation::{ValidationAction, ValidationListItem, ValidationView};
use tt_app::{AppError, Permission};
use tt_domain::validation::{ReportState, Site};
use uuid::Uuid;

use super::{FormErrors, Layout, can, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    account: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "validations.html")]
pub struct ValidationsPage {
    layout: Layout,
    items: Vec<ValidationListItem>,
    /// The account whose validations are listed, when one is; the plan form needs it.
    account: Option<String>,
    can_plan: bool,
    errors: FormErrors,
}

async fn list_with(
    state: &WebState,
    signed_in: &SignedIn,
    account: Option<String>,
    errors: FormErrors,
) -> Result<ValidationsPage, PageError> {
    let account_id = account.as_deref().map(parse_account).transpose()?;
    let items = state.app.list_validations(&signed_in.actor, account_id).await?;
    Ok(ValidationsPage {
        layout: Layout::for_signed_in(signed_in),
        items,
        can_plan: account.is_some() && can(&signed_in.actor, Permission::ReviewSecurityMembership),
        account,
        errors,
    })
}

pub async fn validations_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let account = query.account.filter(|text| !text.trim().is_empty());
    Ok(list_with(&state, &signed_in, account, FormErrors::default()).await?.into_response())
}

/// The plan form: one site (more through the API).
pub async fn plan_validation(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ReviewSecurityMembership, state.app.clock.now())?;
    let account_id = parse_account(&id)?;
    let share = form.value("site_share");
    let action = ValidationAction::Plan {
        kind: form.value("kind"),
        mode: form.value("mode"),
        low_risk: form.checked("low_risk"),
        sites: vec![Site {
            name: form.value("site_name"),
            country: form.value("site_country"),
            share_of_imports: share.trim().parse().unwrap_or(u8::MAX),
            no_go_reason: form.optional("site_no_go_reason"),
        }],
        notice_sent: form.value("notice_sent"),
        domestic_visit: form.optional("domestic_visit"),
        foreign_visit: form.optional("foreign_visit"),
    };
    match state.app.plan_validation(&signed_in.actor, account_id, &action).await {
        Ok(view) => Ok(see_other(&format!("/validations/{}", view.id))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = list_with(&state, &signed_in, Some(id), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "validation.html")]
pub struct ValidationPage {
    layout: Layout,
    view: ValidationView,
    staff: bool,
    can_record: bool,
    can_supervise: bool,
    can_decide_escalated: bool,
    can_respond: bool,
    errors: FormErrors,
}

fn parse_validation(text: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(text.trim()).map_err(|_| PageError::from(AppError::NotFound))
}

async fn page_with(
    state: &WebState,
    signed_in: &SignedIn,
    id: Uuid,
    errors: FormErrors,
) -> Result<ValidationPage, PageError> {
    let view = state.app.get_validation(&signed_in.actor, id).await?;
    let actor = &signed_in.actor;
    let draft = matches!(view.state, ReportState::Planned | ReportState::Draft);
    Ok(ValidationPage {
        layout: Layout::for_signed_in(signed_in),
        staff: actor.is_agency(),
        can_record: draft && can(actor, Permission::ReviewSecurityMembership),
        can_supervise: can(actor, Permission::CertifyPartners),
        can_decide_escalated: can(actor, Permission::DecideStanding),
        can_respond: view.state == ReportState::SentToMember
            && can(actor, Permission::PrepareMembership)
            && !actor.is_agency(),
        view,
        errors,
    })
}

pub async fn validation_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_validation(&id)?;
    Ok(page_with(&state, &signed_in, id, FormErrors::default()).await?.into_response())
}

/// Every change to a validation from its page; the form's `action` names it.
pub async fn change_validation(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    state.app.require_some_step_permission(&signed_in.actor)?;
    let id = parse_validation(&id)?;
    let action = match form.value("action").as_str() {
        "record_criterion" => ValidationAction::RecordCriterion {
            criterion: form.value("criterion"),
            result: form.value("result"),
            internal_notes: form.value("internal_notes"),
            finding: form.value("finding"),
            recommendation: form.value("recommendation"),
            required_action: form.value("required_action"),
            action_due: form.optional("action_due"),
            best_practice: None,
        },
        "write_summary" => ValidationAction::WriteSummary { summary: form.value("summary") },
        "submit_to_supervisor" => ValidationAction::SubmitToSupervisor,
        "return" => ValidationAction::Return { comment: form.value("comment") },
        "escalate" => ValidationAction::Escalate { reason: form.value("reason") },
        "approve" => ValidationAction::Approve,
        "send_to_member" => ValidationAction::SendToMember,
        "respond" => ValidationAction::Respond {
            criterion: form.value("criterion"),
            implemented: form.checked("implemented"),
            response: form.value("response"),
        },
        other => return Err(PageError::BadForm(format!("'{other}' is not an action on a validation."))),
    };
    match state.app.change_validation(&signed_in.actor, id, &action).await {
        Ok(_) => Ok(see_other(&format!("/validations/{id}"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page_with(&state, &signed_in, id, errors).await?).into_response())
        }
    }
}

/// The report as a PDF download.
pub async fn report_pdf(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_validation(&id)?;
    let bytes = state.app.validation_report_pdf(&signed_in.actor, id).await?;
    Ok(crate::api::validation::pdf_response(&format!("validation-report-{id}.pdf"), bytes))
}

/// The member's answer with evidence files (multipart); who may answer is checked before the
/// upload is read.
pub async fn respond(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::PrepareMembership, state.app.clock.now())?;
    let id = parse_validation(&id)?;
    let upload = crate::extractors::UploadForm::from_request(request, &state).await?;
    upload.form.verify_csrf(&signed_in.session)?;
    let files: Vec<(String, Vec<u8>)> =
        upload.file("file").map(|(name, bytes)| vec![(name.to_owned(), bytes.to_vec())]).unwrap_or_default();
    let result = state
        .app
        .respond_with_evidence(
            &signed_in.actor,
            id,
            &upload.form.value("criterion"),
            upload.form.checked("implemented"),
            &upload.form.value("response"),
            files,
        )
        .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/validations/{id}"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page_with(&state, &signed_in, id, errors).await?).into_response())
        }
    }
}

/// Downloads an evidence file the member attached to an answer.
pub async fn download_evidence(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = parse_validation(&id)?;
    let (evidence, bytes) = state.app.validation_evidence_file(&signed_in.actor, id, &file).await?;
    Ok(crate::api::profile::evidence_response(&evidence, bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "validation_report.html")]
pub struct ReportPage {
    view: ValidationView,
}

/// The member's report as a printable page: executive summary, findings, recommendations,
/// required actions and best practices (no internal notes, whoever prints it).
pub async fn report_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_validation(&id)?;
    let mut view = state.app.get_validation(&signed_in.actor, id).await?;
    for finding in &mut view.findings {
        finding.internal_notes = None;
    }
    Ok(ReportPage { view }.into_response())
}
