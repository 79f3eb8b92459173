//! Forced labor pages: a member's supply-chain map with its screening hits and risk, and CBP's
//! queue of hits to review.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::forced_labor::{HitReview, HitView, SupplierInput, SupplyChainView};
use tt_app::{AppError, Permission};

use super::{FormErrors, Layout, can, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

#[derive(Template, WebTemplate)]
#[template(path = "supply_chain.html")]
pub struct SupplyChainPage {
    layout: Layout,
    map: SupplyChainView,
    can_edit: bool,
    requirements: Vec<tt_app::forced_labor::RequirementView>,
    can_review_requirements: bool,
    errors: FormErrors,
}

async fn map_with(
    state: &WebState,
    signed_in: &SignedIn,
    account: tt_domain::AccountId,
    errors: FormErrors,
) -> Result<SupplyChainPage, PageError> {
    let actor = &signed_in.actor;
    Ok(SupplyChainPage {
        layout: Layout::for_signed_in(signed_in),
        map: state.app.supply_chain(actor, account).await?,
        can_edit: actor.own_account() == Some(account) && can(actor, Permission::PrepareMembership),
        requirements: state.app.forced_labor_requirements(actor, account).await?,
        can_review_requirements: can(actor, Permission::ReviewTradeCompliance),
        errors,
    })
}

/// A member's supply-chain map, each supplier screened against the watch lists in force.
pub async fn supply_chain_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(account): Path<String>,
) -> Result<Response, PageError> {
    let account = parse_account(&account)?;
    Ok(map_with(&state, &signed_in, account, FormErrors::default()).await?.into_response())
}

/// Adds a supplier to the map, or removes one (`remove` names it).
pub async fn change_supply_chain(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(account): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::PrepareMembership, state.app.clock.now())?;
    let account = parse_account(&account)?;
    let outcome = match form.optional("remove") {
        Some(id) => {
            let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
            state.app.remove_supplier(&signed_in.actor, account, id).await
        }
        None => {
            let input = SupplierInput {
                tier: form.value("tier"),
                name: form.value("name"),
                country: form.value("country"),
                manufacturer_id: form.value("manufacturer_id"),
                commodity: form.value("commodity"),
            };
            state.app.add_supplier(&signed_in.actor, account, &input).await
        }
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/accounts/{account}/supply-chain"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, map_with(&state, &signed_in, account, errors).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "screening_hits.html")]
pub struct HitsPage {
    layout: Layout,
    hits: Vec<HitView>,
    errors: FormErrors,
}

/// CBP's queue of screening hits, open ones first.
pub async fn hits_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let hits = state.app.screening_hits(&signed_in.actor).await?;
    Ok(HitsPage { layout: Layout::for_signed_in(&signed_in), hits, errors: FormErrors::default() }.into_response())
}

/// Confirms a hit or marks it a false positive.
pub async fn review_hit(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ReviewScreeningHits, state.app.clock.now())?;
    let supplier_id = uuid::Uuid::parse_str(form.value("supplier_id").trim()).map_err(|_| AppError::NotFound)?;
    let review = HitReview {
        supplier_id,
        entry_key: form.value("entry_key"),
        decision: form.value("decision"),
        note: form.value("note"),
    };
    match state.app.review_screening_hit(&signed_in.actor, &review).await {
        Ok(_) => Ok(see_other("/forced-labor/hits")),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let hits = state.app.screening_hits(&signed_in.actor).await?;
            let page = HitsPage { layout: Layout::for_signed_in(&signed_in), hits, errors };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "allegations.html")]
pub struct AllegationsPage {
    layout: Layout,
    allegations: Vec<tt_app::forced_labor::AllegationView>,
    states: [&'static str; 4],
    errors: FormErrors,
}

async fn allegations_with(
    state: &WebState,
    signed_in: &SignedIn,
    errors: FormErrors,
) -> Result<AllegationsPage, PageError> {
    Ok(AllegationsPage {
        layout: Layout::for_signed_in(signed_in),
        allegations: state.app.allegations(&signed_in.actor).await?,
        states: tt_app::forced_labor::ALLEGATION_STATES,
        errors,
    })
}

/// Forced-labor allegations: the intake form and each allegation's follow-up.
pub async fn allegations_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    Ok(allegations_with(&state, &signed_in, FormErrors::default()).await?.into_response())
}

/// Takes in an allegation, or records a step of one's follow-up (`allegation` names it).
pub async fn change_allegations(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ReviewScreeningHits, state.app.clock.now())?;
    let outcome = match form.optional("allegation") {
        Some(id) => {
            let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
            let change =
                tt_app::forced_labor::AllegationChange { state: form.value("state"), note: form.value("note") };
            state.app.change_allegation(&signed_in.actor, id, &change).await
        }
        None => {
            let new = tt_app::forced_labor::NewAllegation {
                account_number: form.value("account_number"),
                subject: form.value("subject"),
                country: form.value("country"),
                source: form.value("source"),
                description: form.value("description"),
                received_on: form.value("received_on"),
            };
            state.app.take_in_allegation(&signed_in.actor, &new).await
        }
    };
    match outcome {
        Ok(_) => Ok(see_other("/forced-labor/allegations")),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, allegations_with(&state, &signed_in, errors).await?).into_response())
        }
    }
}

/// The member submits evidence for a forced-labor requirement (a multipart form with the file).
pub async fn submit_requirement_evidence(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(account): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::PrepareMembership, state.app.clock.now())?;
    let account = parse_account(&account)?;
    let upload = crate::extractors::UploadForm::from_request(request, &state).await?;
    upload.form.verify_csrf(&signed_in.session)?;
    let outcome = match upload.file("file") {
        None => Err(AppError::invalid("file", "choose a file")),
        Some((name, bytes)) => {
            let requirement = upload.form.value("requirement");
            let note = upload.form.value("note");
            state
                .app
                .submit_requirement_evidence(&signed_in.actor, account, &requirement, name, bytes.to_vec(), &note)
                .await
        }
    };
    requirement_outcome(&state, &signed_in, account, outcome.map(|_| ())).await
}

/// Trade Compliance staff accept a requirement's evidence or return it.
pub async fn review_requirement(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(account): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ReviewTradeCompliance, state.app.clock.now())?;
    let account = parse_account(&account)?;
    let outcome = state
        .app
        .review_requirement(
            &signed_in.actor,
            account,
            &form.value("requirement"),
            &form.value("decision"),
            &form.value("note"),
        )
        .await;
    requirement_outcome(&state, &signed_in, account, outcome.map(|_| ())).await
}

async fn requirement_outcome(
    state: &WebState,
    signed_in: &SignedIn,
    account: tt_domain::AccountId,
    outcome: Result<(), AppError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!("/accounts/{account}/supply-chain#requirements"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, map_with(state, signed_in, account, errors).await?).into_response())
        }
    }
}

/// Downloads a requirement's evidence file.
pub async fn download_requirement_evidence(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path((account, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let account = parse_account(&account)?;
    let (evidence, bytes) = state.app.requirement_evidence_file(&signed_in.actor, account, &file).await?;
    Ok(crate::api::profile::evidence_response(&evidence, bytes))
}
