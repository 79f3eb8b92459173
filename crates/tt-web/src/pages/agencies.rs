//! Partner government agency pages: the registry with the benefits each recognizes, and a
//! member's consent to each agency.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::AppError;
use tt_app::Permission;
use tt_app::agencies::{
    ACTION_STATES, AccountConsents, AgencyActionChange, AgencyActionView, AgencyView, ConsentChange, NewAgencyAction,
};

use super::{FormErrors, Layout, can, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

#[derive(Template, WebTemplate)]
#[template(path = "agencies.html")]
pub struct AgenciesPage {
    layout: Layout,
    agencies: Vec<AgencyView>,
    /// The engagement plan, for those who may see it.
    actions: Option<Vec<AgencyActionView>>,
    can_manage_plan: bool,
    states: [&'static str; 4],
    errors: FormErrors,
}

async fn agencies_with(state: &WebState, signed_in: &SignedIn, errors: FormErrors) -> Result<AgenciesPage, PageError> {
    let actor = &signed_in.actor;
    let actions =
        if can(actor, Permission::ViewAgencyEngagement) { Some(state.app.agency_actions(actor).await?) } else { None };
    Ok(AgenciesPage {
        layout: Layout::for_signed_in(signed_in),
        agencies: state.app.partner_agencies().await?,
        actions,
        can_manage_plan: can(actor, Permission::ManageAgencyEngagement),
        states: ACTION_STATES,
        errors,
    })
}

/// The partner agencies, what each recognizes, how many members consent to each, and the
/// engagement plan.
pub async fn agencies_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    Ok(agencies_with(&state, &signed_in, FormErrors::default()).await?.into_response())
}

async fn plan_refused(state: &WebState, signed_in: &SignedIn, error: AppError) -> Result<Response, PageError> {
    let errors = FormErrors::from_app(error)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, agencies_with(state, signed_in, errors).await?).into_response())
}

/// Adds an action to the engagement plan.
pub async fn add_action(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManageAgencyEngagement, state.app.clock.now())?;
    let new = NewAgencyAction {
        agency_code: form.value("agency_code"),
        action: form.value("action"),
        owner_email: form.value("owner_email"),
        due: form.value("due"),
        note: form.value("note"),
    };
    match state.app.add_agency_action(&signed_in.actor, &new).await {
        Ok(_) => Ok(see_other("/agencies#plan")),
        Err(error) => plan_refused(&state, &signed_in, error).await,
    }
}

/// Updates an action of the engagement plan.
pub async fn change_action(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManageAgencyEngagement, state.app.clock.now())?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let change = AgencyActionChange {
        state: form.optional("state"),
        owner_email: form.optional("owner_email"),
        due: form.optional("due"),
        note: form.value("note"),
    };
    match state.app.change_agency_action(&signed_in.actor, id, &change).await {
        Ok(_) => Ok(see_other("/agencies#plan")),
        Err(error) => plan_refused(&state, &signed_in, error).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agency_consents.html")]
pub struct ConsentsPage {
    layout: Layout,
    consents: AccountConsents,
    can_change: bool,
    errors: FormErrors,
}

async fn consents_with(
    state: &WebState,
    signed_in: &SignedIn,
    account: tt_domain::AccountId,
    errors: FormErrors,
) -> Result<ConsentsPage, PageError> {
    let actor = &signed_in.actor;
    Ok(ConsentsPage {
        layout: Layout::for_signed_in(signed_in),
        consents: state.app.agency_consents(actor, account).await?,
        can_change: actor.own_account() == Some(account) && can(actor, Permission::ManageAgencyConsent),
        errors,
    })
}

/// A member's consent to each partner agency.
pub async fn consents_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(account): Path<String>,
) -> Result<Response, PageError> {
    let account = parse_account(&account)?;
    Ok(consents_with(&state, &signed_in, account, FormErrors::default()).await?.into_response())
}

/// The officer grants or withdraws consent to one agency.
pub async fn change_consent(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(account): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManageAgencyConsent, state.app.clock.now())?;
    let account = parse_account(&account)?;
    let change = ConsentChange { agency_code: form.value("agency_code"), granted: form.value("granted") == "yes" };
    match state.app.set_agency_consent(&signed_in.actor, account, &change).await {
        Ok(_) => Ok(see_other(&format!("/accounts/{account}/agency-consents"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = consents_with(&state, &signed_in, account, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
