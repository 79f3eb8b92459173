//! The security profile page: every criterion by category with its answer form, evidence
//! (upload and download) and review, the completeness meter, the officer's submission and the
//! reviewer's decisions, and the changes since the approved profile.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest as _, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::profile::{ProfileAction, ProfileCriterion, ProfileView};
use tt_app::{AppError, Permission};
use tt_domain::AccountId;
use tt_domain::profile::Answer;

use super::{FormErrors, Layout, can, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn, UploadForm};

/// One category's criteria.
pub struct Section {
    pub number: u8,
    pub name: String,
    pub criteria: Vec<ProfileCriterion>,
}

#[derive(Template, WebTemplate)]
#[template(path = "security_profile.html")]
pub struct SecurityProfilePage {
    layout: Layout,
    view: ProfileView,
    sections: Vec<Section>,
    answers: Vec<(&'static str, &'static str)>,
    can_prepare: bool,
    can_submit: bool,
    can_review: bool,
    /// The forced-labor risk of the member's supply-chain map, which the risk assessment
    /// (criterion 2) must take in; `None` for those who may not see the map.
    forced_labor_risk: Option<tt_app::forced_labor::RiskSummary>,
    errors: FormErrors,
}

async fn page_with(
    state: &WebState,
    signed_in: &SignedIn,
    account_id: AccountId,
    errors: FormErrors,
) -> Result<SecurityProfilePage, PageError> {
    let view = state.app.security_profile(&signed_in.actor, account_id).await?;
    let mut sections: Vec<Section> = Vec::new();
    for criterion in &view.criteria {
        match sections.last_mut() {
            Some(section) if section.number == criterion.category_number => section.criteria.push(criterion.clone()),
            _ => sections.push(Section {
                number: criterion.category_number,
                name: criterion.category.clone(),
                criteria: vec![criterion.clone()],
            }),
        }
    }
    let actor = &signed_in.actor;
    let forced_labor_risk = match state.app.supply_chain(actor, account_id).await {
        Ok(map) => Some(map.risk),
        Err(tt_app::AppError::Forbidden(_)) => None,
        Err(error) => return Err(error.into()),
    };
    Ok(SecurityProfilePage {
        forced_labor_risk,
        layout: Layout::for_signed_in(signed_in),
        answers: Answer::ALL.into_iter().map(|answer| (answer.id(), answer.label())).collect(),
        can_prepare: can(actor, Permission::PrepareMembership) && !actor.is_agency(),
        can_submit: can(actor, Permission::SignAndSubmit) && !actor.is_agency(),
        can_review: can(actor, Permission::ReviewSecurityMembership),
        view,
        sections,
        errors,
    })
}

pub async fn security_profile_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let account_id = parse_account(&id)?;
    Ok(page_with(&state, &signed_in, account_id, FormErrors::default()).await?.into_response())
}

async fn after(
    state: &WebState,
    signed_in: &SignedIn,
    account_id: AccountId,
    result: Result<ProfileView, AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(see_other(&format!("/accounts/{account_id}/security-profile"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page_with(state, signed_in, account_id, errors).await?)
                .into_response())
        }
    }
}

/// Every change but uploads: the form's `action` names it.
pub async fn change_security_profile(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    state.app.require_some_step_permission(&signed_in.actor)?;
    let account_id = parse_account(&id)?;
    let criterion = form.value("criterion");
    let action = match form.value("action").as_str() {
        "adopt_current_catalogue" => ProfileAction::AdoptCurrentCatalogue,
        "answer" => {
            ProfileAction::Answer { criterion, answer: form.value("answer"), narrative: form.value("narrative") }
        }
        "remove_evidence" => ProfileAction::RemoveEvidence { criterion, key: form.value("key") },
        "submit" => ProfileAction::Submit { attestation: form.value("attestation") },
        "review" => {
            ProfileAction::Review { criterion, decision: form.value("decision"), comment: form.value("comment") }
        }
        "approve" => ProfileAction::Approve,
        "return" => ProfileAction::Return,
        other => return Err(PageError::BadForm(format!("'{other}' is not an action on a profile."))),
    };
    let result = state.app.change_profile(&signed_in.actor, account_id, &action).await;
    after(&state, &signed_in, account_id, result).await
}

/// An evidence upload (multipart); who may attach is checked before the upload is read.
pub async fn upload_evidence(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::PrepareMembership, state.app.clock.now())?;
    let account_id = parse_account(&id)?;
    let upload = UploadForm::from_request(request, &state).await?;
    upload.form.verify_csrf(&signed_in.session)?;
    let result = match upload.file("file") {
        None => Err(AppError::invalid("file", "choose a file")),
        Some((name, bytes)) => {
            state
                .app
                .attach_evidence(&signed_in.actor, account_id, &upload.form.value("criterion"), name, bytes.to_vec())
                .await
        }
    };
    after(&state, &signed_in, account_id, result).await
}

pub async fn download_evidence(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let account_id = parse_account(&id)?;
    let (evidence, bytes) = state.app.evidence_file(&signed_in.actor, account_id, &file).await?;
    Ok(crate::api::profile::evidence_response(&evidence, bytes))
}
