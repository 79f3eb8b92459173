//! Partner government agency pages: the registry with the benefits each recognizes, and a
//! member's consent to each agency.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::Permission;
use tt_app::agencies::{AccountConsents, AgencyView, ConsentChange};

use super::{FormErrors, Layout, can, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

#[derive(Template, WebTemplate)]
#[template(path = "agencies.html")]
pub struct AgenciesPage {
    layout: Layout,
    agencies: Vec<AgencyView>,
}

/// The partner agencies, what each recognizes, and how many members consent to each.
pub async fn agencies_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let agencies = state.app.partner_agencies().await?;
    Ok(AgenciesPage { layout: Layout::for_signed_in(&signed_in), agencies }.into_response())
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
