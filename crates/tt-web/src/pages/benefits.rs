//! Benefit pages: the levels of service with an account's benefits on any day, benefit requests
//! (the staff queue or a member's list, the form of each kind, one request with its clocks and
//! conversation), the confidential-manifest certificate and the penalty calculator.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::benefit_kpis::{DefenderKpis, ExemptionReport};
use tt_app::benefits::{AccountBenefits, BrandingView, LevelsOfService};
use tt_app::defender::{FilerEndInput, FilerInput, FilerView};
use tt_app::proposals::{ProposalAction, ProposalInput, ProposalView};
use tt_app::reconciliation::ReconciliationOverview;
use tt_app::requests::{
    NewRequest, PenaltyInput, PenaltyView, RequestAction, RequestKindView, RequestKpis, RequestView, request_kinds,
};
use tt_app::{AppError, Permission};
use tt_domain::AccountId;
use tt_domain::trade::parse_date;
use uuid::Uuid;

use super::{FormErrors, Layout, can, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

fn parse_request(text: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(text.trim()).map_err(|_| PageError::from(AppError::NotFound))
}

#[derive(Debug, Deserialize, Default)]
pub struct BenefitsQuery {
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    account: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "benefits.html")]
pub struct BenefitsPage {
    layout: Layout,
    on: String,
    levels: LevelsOfService,
    account: Option<AccountBenefits>,
    branding: Option<BrandingView>,
    can_see_program_kpis: bool,
    errors: FormErrors,
}

/// The levels of service on a day and, for a member (or an account staff name), its benefits
/// that day and what Tier III or Trade Compliance would add.
pub async fn benefits_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<BenefitsQuery>,
) -> Result<Response, PageError> {
    let actor = &signed_in.actor;
    let typed = query.on.as_deref().map(str::trim).filter(|text| !text.is_empty());
    let (day, errors) = match typed.map(|text| parse_date("on", text)).transpose() {
        Ok(day) => (day, FormErrors::default()),
        Err(error) => (None, FormErrors { items: vec![error] }),
    };
    let levels = state.app.levels_of_service(actor, day).await?;
    let account = match actor.own_account() {
        Some(own) => Some(own),
        None => query.account.as_deref().filter(|text| !text.trim().is_empty()).map(parse_account).transpose()?,
    };
    let (account, branding) = match account {
        Some(account) => (
            Some(state.app.account_benefits(actor, account, day).await?),
            Some(state.app.branding(actor, account, day).await?),
        ),
        None => (None, None),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = BenefitsPage {
        layout: Layout::for_signed_in(&signed_in),
        on: levels.on.clone(),
        levels,
        account,
        branding,
        can_see_program_kpis: can(actor, Permission::ViewProgramData),
        errors,
    };
    Ok((status, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct RequestsQuery {
    #[serde(default)]
    account: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "requests.html")]
pub struct RequestsPage {
    layout: Layout,
    requests: Vec<RequestView>,
    staff: bool,
    can_request: bool,
    can_open_cases: bool,
    kinds: Vec<RequestKindView>,
}

/// The staff queue (open first, Trade Compliance members at the front, soonest due first) or a
/// member's own requests.
pub async fn requests_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<RequestsQuery>,
) -> Result<Response, PageError> {
    let actor = &signed_in.actor;
    let account = query.account.as_deref().filter(|text| !text.trim().is_empty()).map(parse_account).transpose()?;
    let requests = state.app.list_requests(actor, account).await?;
    Ok(RequestsPage {
        layout: Layout::for_signed_in(&signed_in),
        requests,
        staff: actor.is_agency(),
        can_request: can(actor, Permission::RequestBenefits) && !actor.is_agency(),
        can_open_cases: can(actor, Permission::DecideBenefitRequests),
        kinds: request_kinds(),
    }
    .into_response())
}

/// One field of a request form, with what was typed and its error.
pub struct FormField {
    name: &'static str,
    label: &'static str,
    input: &'static str,
    required: bool,
    choices: Vec<(&'static str, &'static str)>,
    value: String,
    error: String,
}

/// An account staff may choose when opening a case.
pub struct AccountChoice {
    id: String,
    label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "request_new.html")]
pub struct NewRequestPage {
    layout: Layout,
    /// The kinds the signed-in person may file, when no kind is chosen yet.
    kinds: Vec<RequestKindView>,
    kind: Option<RequestKindView>,
    fields: Vec<FormField>,
    accounts: Vec<AccountChoice>,
    account: String,
    errors: FormErrors,
}

#[derive(Debug, Deserialize, Default)]
pub struct NewRequestQuery {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    account: Option<String>,
}

async fn new_request_with(
    state: &WebState,
    signed_in: &SignedIn,
    kind: Option<&str>,
    account: Option<String>,
    values: &BTreeMap<String, String>,
    errors: FormErrors,
) -> Result<NewRequestPage, PageError> {
    let actor = &signed_in.actor;
    let staff = actor.is_agency();
    let kinds: Vec<RequestKindView> =
        request_kinds().into_iter().filter(|kind| kind.opened_by_agency == staff).collect();
    let kind = match kind.map(str::trim).filter(|text| !text.is_empty()) {
        Some(code) => Some(
            kinds
                .iter()
                .find(|kind| kind.kind == code)
                .cloned()
                .ok_or_else(|| PageError::BadForm(format!("'{code}' is not a kind of request you can file.")))?,
        ),
        None => None,
    };
    let fields = kind
        .iter()
        .flat_map(|kind| kind.fields.iter())
        .map(|field| FormField {
            name: field.name,
            label: field.label,
            input: field.input,
            required: field.required,
            choices: field.choices.clone(),
            value: values.get(field.name).cloned().unwrap_or_default(),
            error: errors.for_field(field.name),
        })
        .collect();
    let accounts = if staff && kind.is_some() {
        state
            .app
            .list_accounts(actor)
            .await?
            .into_iter()
            .map(|account| AccountChoice {
                id: account.id.to_string(),
                label: format!("{} — {}", account.number, account.legal_name.as_str()),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(NewRequestPage {
        layout: Layout::for_signed_in(signed_in),
        kinds,
        kind,
        fields,
        accounts,
        account: account.unwrap_or_default(),
        errors,
    })
}

/// The kinds one may file, or one kind's form.
pub async fn new_request_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<NewRequestQuery>,
) -> Result<Response, PageError> {
    state.app.require_request_permission(&signed_in.actor)?;
    let page = new_request_with(
        &state,
        &signed_in,
        query.kind.as_deref(),
        query.account,
        &BTreeMap::new(),
        FormErrors::default(),
    )
    .await?;
    Ok(page.into_response())
}

/// Files the request from the form.
pub async fn submit_request(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    state.app.require_request_permission(&signed_in.actor)?;
    let actor = &signed_in.actor;
    let kind = form.value("kind");
    let account_text = form.optional("account");
    let account = match actor.own_account() {
        Some(own) => own,
        None => match account_text.as_deref() {
            Some(text) => parse_account(text)?,
            None => {
                let errors =
                    FormErrors { items: vec![tt_domain::ValidationError::new("account", "choose an account")] };
                let page = new_request_with(&state, &signed_in, Some(&kind), None, &BTreeMap::new(), errors).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        },
    };
    let field_names: Vec<&'static str> = request_kinds()
        .into_iter()
        .find(|view| view.kind == kind.trim())
        .map(|view| view.fields.iter().map(|field| field.name).collect())
        .unwrap_or_default();
    let details: BTreeMap<String, String> = field_names
        .iter()
        .map(|name| ((*name).to_owned(), form.value(name)))
        .filter(|(_, value)| !value.is_empty())
        .collect();
    let input = NewRequest { kind: kind.clone(), details: details.clone() };
    match state.app.submit_request(actor, account, &input).await {
        Ok(view) => Ok(see_other(&format!("/requests/{}", view.id))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = new_request_with(&state, &signed_in, Some(&kind), account_text, &details, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "request.html")]
pub struct RequestPage {
    layout: Layout,
    view: RequestView,
    can_decide: bool,
    can_write: bool,
    can_withdraw: bool,
    can_renew: bool,
    errors: FormErrors,
}

async fn request_with(
    state: &WebState,
    signed_in: &SignedIn,
    id: Uuid,
    errors: FormErrors,
) -> Result<RequestPage, PageError> {
    let actor = &signed_in.actor;
    let view = state.app.get_request(actor, id).await?;
    let open = matches!(view.state, "submitted" | "in_review");
    let today = state.app.clock.now().date().to_string();
    let member_files = can(actor, Permission::RequestBenefits) && !actor.is_agency();
    let staff_decides = can(actor, Permission::DecideBenefitRequests);
    Ok(RequestPage {
        layout: Layout::for_signed_in(signed_in),
        can_decide: open && staff_decides,
        can_write: member_files || staff_decides,
        can_withdraw: open && if view.kind == "penalty_case" { staff_decides } else { member_files },
        can_renew: member_files && view.renewal_opens.as_deref().is_some_and(|opens| opens <= today.as_str()),
        view,
        errors,
    })
}

pub async fn request_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_request(&id)?;
    Ok(request_with(&state, &signed_in, id, FormErrors::default()).await?.into_response())
}

async fn after_change(
    state: &WebState,
    signed_in: &SignedIn,
    id: Uuid,
    result: Result<RequestView, AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(view) => Ok(see_other(&format!("/requests/{}", view.id))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, request_with(state, signed_in, id, errors).await?).into_response())
        }
    }
}

/// Every change to a request from its page; the form's `action` names it.
pub async fn change_request(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    state.app.require_request_permission(&signed_in.actor)?;
    let id = parse_request(&id)?;
    let action = match form.value("action").as_str() {
        "assign" => RequestAction::Assign { to: form.value("to") },
        "message" => RequestAction::Message { text: form.value("text") },
        "grant" => RequestAction::Grant { note: form.value("note"), amount: form.optional("amount") },
        "refuse" => RequestAction::Refuse { reason: form.value("reason") },
        "withdraw" => RequestAction::Withdraw { reason: form.value("reason") },
        other => return Err(PageError::BadForm(format!("'{other}' is not an action on a request."))),
    };
    let result = state.app.change_request(&signed_in.actor, id, &action).await;
    after_change(&state, &signed_in, id, result).await
}

/// One-click renewal of a confidential-manifest certificate.
pub async fn renew_request(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::RequestBenefits, state.app.clock.now())?;
    let id = parse_request(&id)?;
    let result = state.app.renew_request(&signed_in.actor, id).await;
    after_change(&state, &signed_in, id, result).await
}

/// The CTPAT logo licence letter as a PDF download.
pub async fn branding_licence_pdf(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let account = parse_account(&id)?;
    let bytes = state.app.branding_licence_pdf(&signed_in.actor, account).await?;
    Ok(crate::api::validation::pdf_response(&format!("ctpat-logo-licence-{account}.pdf"), bytes))
}

/// The certificate as a PDF download.
pub async fn certificate_pdf(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_request(&id)?;
    let bytes = state.app.certificate_pdf(&signed_in.actor, id).await?;
    Ok(crate::api::validation::pdf_response(&format!("confidential-manifest-{id}.pdf"), bytes))
}

#[derive(Debug, Deserialize, Default)]
pub struct CalculatorQuery {
    #[serde(default)]
    culpability: Option<String>,
    #[serde(default)]
    loss_of_revenue: String,
    #[serde(default)]
    dutiable_value: String,
    #[serde(default)]
    domestic_value: String,
    #[serde(default)]
    prior_disclosure: Option<String>,
    #[serde(default)]
    trade_compliance_member: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "penalty_calculator.html")]
pub struct CalculatorPage {
    layout: Layout,
    culpability: String,
    loss_of_revenue: String,
    dutiable_value: String,
    domestic_value: String,
    prior_disclosure: bool,
    trade_compliance_member: bool,
    result: Option<PenaltyView>,
    errors: FormErrors,
}

/// The 19 U.S.C. 1592 calculator: a GET form, so a result has its own address.
pub async fn penalty_calculator_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<CalculatorQuery>,
) -> Result<Response, PageError> {
    let input = PenaltyInput {
        culpability: query.culpability.clone().unwrap_or_default(),
        loss_of_revenue: query.loss_of_revenue.clone(),
        dutiable_value: query.dutiable_value.clone(),
        domestic_value: query.domestic_value.clone(),
        prior_disclosure: query.prior_disclosure.is_some(),
        trade_compliance_member: query.trade_compliance_member.is_some(),
    };
    let (result, errors) = if query.culpability.is_some() {
        match state.app.calculate_penalty(&signed_in.actor, &input) {
            Ok(view) => (Some(view), FormErrors::default()),
            Err(error) => (None, FormErrors::from_app(error)?),
        }
    } else {
        signed_in.actor.require(Permission::ViewAccounts, state.app.clock.now())?;
        (None, FormErrors::default())
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = CalculatorPage {
        layout: Layout::for_signed_in(&signed_in),
        culpability: input.culpability,
        loss_of_revenue: input.loss_of_revenue,
        dutiable_value: input.dutiable_value,
        domestic_value: input.domestic_value,
        prior_disclosure: input.prior_disclosure,
        trade_compliance_member: input.trade_compliance_member,
        result,
        errors,
    };
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals.html")]
pub struct ProposalsPage {
    layout: Layout,
    proposals: Vec<ProposalView>,
    can_propose: bool,
    can_decide: bool,
    errors: FormErrors,
}

async fn proposals_with(
    state: &WebState,
    signed_in: &SignedIn,
    errors: FormErrors,
) -> Result<ProposalsPage, PageError> {
    let actor = &signed_in.actor;
    Ok(ProposalsPage {
        layout: Layout::for_signed_in(signed_in),
        proposals: state.app.list_proposals(actor).await?,
        can_propose: can(actor, Permission::ProposeBenefits),
        can_decide: can(actor, Permission::DecideBenefitProposals),
        errors,
    })
}

/// Proposed benefits ranked by priority, with the forms to propose, score and decide.
pub async fn proposals_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    Ok(proposals_with(&state, &signed_in, FormErrors::default()).await?.into_response())
}

async fn after_proposal(
    state: &WebState,
    signed_in: &SignedIn,
    result: Result<ProposalView, AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(view) => Ok(see_other(&format!("/benefits/proposals#proposal-{}", view.id))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, proposals_with(state, signed_in, errors).await?).into_response())
        }
    }
}

pub async fn propose_benefit(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ProposeBenefits, state.app.clock.now())?;
    let input = ProposalInput {
        name: form.value("name"),
        program: form.value("program"),
        tiers: form.value("tiers"),
        trade_compliance: form.checked("trade_compliance"),
        rationale: form.value("rationale"),
        description: form.value("description"),
        kpi: form.value("kpi"),
    };
    let result = state.app.propose_benefit(&signed_in.actor, &input).await;
    after_proposal(&state, &signed_in, result).await
}

pub async fn change_proposal(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    state.app.require_proposal_permission(&signed_in.actor)?;
    let id = parse_request(&id)?;
    let score = |name: &str| form.value(name).trim().parse::<u8>().unwrap_or(0);
    let action = match form.value("action").as_str() {
        "score" => ProposalAction::Score {
            feasibility: score("feasibility"),
            impact: score("impact"),
            comment: form.value("comment"),
        },
        "decide" => ProposalAction::Decide {
            status: form.value("status"),
            from: form.optional("from"),
            reason: form.value("reason"),
        },
        other => return Err(PageError::BadForm(format!("'{other}' is not an action on a proposal."))),
    };
    let result = state.app.change_proposal(&signed_in.actor, id, &action).await;
    after_proposal(&state, &signed_in, result).await
}

#[derive(Template, WebTemplate)]
#[template(path = "reconciliation.html")]
pub struct ReconciliationPage {
    layout: Layout,
    overview: Option<ReconciliationOverview>,
    can_request: bool,
}

/// A member's (or, with `?account=`, any account's) reconciliation: participation per importer
/// number and the flagged groups' deadlines.
pub async fn reconciliation_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<RequestsQuery>,
) -> Result<Response, PageError> {
    let actor = &signed_in.actor;
    let account = match actor.own_account() {
        Some(own) => Some(own),
        None => query.account.as_deref().filter(|text| !text.trim().is_empty()).map(parse_account).transpose()?,
    };
    let overview = match account {
        Some(account) => Some(state.app.reconciliation_overview(actor, account).await?),
        None => {
            actor.require(Permission::ViewAccounts, state.app.clock.now())?;
            None
        }
    };
    Ok(ReconciliationPage {
        layout: Layout::for_signed_in(&signed_in),
        overview,
        can_request: can(actor, Permission::RequestBenefits) && !actor.is_agency(),
    }
    .into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The period a page shows: the query's days, or the last 12 months; a bad day is a form error.
pub(crate) fn period(state: &WebState, query: &PeriodQuery) -> (time::Date, time::Date, FormErrors) {
    let today = state.app.clock.now().date();
    let mut errors = FormErrors::default();
    let mut day = |field: &'static str, text: Option<&str>, default: time::Date| match text
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| parse_date(field, text))
    {
        Some(Ok(day)) => day,
        Some(Err(error)) => {
            errors.items.push(error);
            default
        }
        None => default,
    };
    let from = day("from", query.from.as_deref(), tt_domain::calendar::add_months(today, -12));
    let to = day("to", query.to.as_deref(), today);
    (from, to, errors)
}

#[derive(Template, WebTemplate)]
#[template(path = "random_exams.html")]
pub struct RandomExamsPage {
    layout: Layout,
    from: String,
    to: String,
    account: Option<String>,
    report: Option<ExemptionReport>,
    errors: FormErrors,
}

/// A member's random examinations by month, split by whether it was exempt.
pub async fn random_exams_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let actor = &signed_in.actor;
    let (from, to, errors) = period(&state, &query);
    let account = match actor.own_account() {
        Some(own) => Some(own),
        None => query.account.as_deref().filter(|text| !text.trim().is_empty()).map(parse_account).transpose()?,
    };
    let report = match account {
        Some(account) if errors.is_empty() => match state.app.exemption_report(actor, account, from, to).await {
            Ok(report) => Some(report),
            Err(error) => {
                let errors = FormErrors::from_app(error)?;
                let page = RandomExamsPage {
                    layout: Layout::for_signed_in(&signed_in),
                    from: from.to_string(),
                    to: to.to_string(),
                    account: account.to_string().into(),
                    report: None,
                    errors,
                };
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        },
        _ => {
            actor.require(Permission::ViewAccounts, state.app.clock.now())?;
            None
        }
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = RandomExamsPage {
        layout: Layout::for_signed_in(&signed_in),
        from: from.to_string(),
        to: to.to_string(),
        account: account.map(|account| account.to_string()),
        report,
        errors,
    };
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "benefit_kpis.html")]
pub struct BenefitKpisPage {
    layout: Layout,
    from: String,
    to: String,
    requests: Option<RequestKpis>,
    defender: Option<DefenderKpis>,
    charts: Vec<crate::charts::Chart>,
    lineage: Vec<String>,
    errors: FormErrors,
}

/// The trade-data KPIs, member against non-member, as charts with their data.
fn trend_charts(trends: &tt_app::dashboards::BenefitTrends) -> Vec<crate::charts::Chart> {
    let lines = |series: &tt_app::dashboards::MonthlySeries| -> Vec<(String, Vec<i64>)> {
        series.series.iter().map(|series| (series.name.clone(), series.values.clone())).collect()
    };
    vec![
        crate::charts::Chart::scaled_lines(
            "exam-rate",
            "Exam rate (%) by month, member against non-member",
            &trends.exam_rate.months,
            &lines(&trends.exam_rate),
            2,
        )
        .with_category_name("Month")
        .with_definition("exam_rate"),
        crate::charts::Chart::lines(
            "random-exams",
            "Random examinations by month",
            &trends.random_exams.months,
            &lines(&trends.random_exams),
        )
        .with_category_name("Month")
        .with_definition("random_exams"),
        crate::charts::Chart::scaled_lines(
            "mean-hold",
            "Mean hold (hours) by month",
            &trends.mean_hold_hours.months,
            &lines(&trends.mean_hold_hours),
            2,
        )
        .with_category_name("Month")
        .with_definition("mean_hold_hours"),
        crate::charts::Chart::lines(
            "median-release",
            "Median days to release by month",
            &trends.median_release_days.months,
            &lines(&trends.median_release_days),
        )
        .with_category_name("Month")
        .with_definition("median_release_days"),
    ]
}

/// Request turnaround, certificates and Defender over a period, for the program.
pub async fn benefit_kpis_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let actor = &signed_in.actor;
    actor.require(Permission::ViewProgramData, state.app.clock.now())?;
    let (from, to, mut errors) = period(&state, &query);
    let (mut requests, mut defender, mut charts, mut lineage) = (None, None, Vec::new(), Vec::new());
    if errors.is_empty() {
        match state.app.benefit_trends(actor, from, to).await {
            Ok(trends) => {
                charts = trend_charts(&trends);
                lineage = trends.lineage;
            }
            Err(error) => errors = FormErrors::from_app(error)?,
        }
        // Each part is computed (and kept) on its own: its lineage is said under its name.
        match state.app.request_kpis(actor, from, to).await {
            Ok(kpis) => {
                lineage.extend(kpis.lineage.iter().map(|line| format!("Requests and certificates: {line}")));
                requests = Some(kpis);
            }
            Err(error) => errors.items.extend(FormErrors::from_app(error)?.items),
        }
        match state.app.defender_kpis(actor, from, to).await {
            Ok(kpis) => {
                // The batches are listed once, with the trends'.
                let own = kpis.lineage.iter().filter(|line| !line.starts_with("Batch "));
                lineage.extend(own.map(|line| format!("Defender: {line}")));
                defender = Some(kpis);
            }
            Err(error) => errors.items.extend(FormErrors::from_app(error)?.items),
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = BenefitKpisPage {
        layout: Layout::for_signed_in(&signed_in),
        from: from.to_string(),
        to: to.to_string(),
        requests,
        defender,
        charts,
        lineage,
        errors,
    };
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "defender_enrolment.html")]
pub struct EnrolmentPage {
    layout: Layout,
    account: Option<String>,
    filers: Vec<FilerView>,
    can_authorize: bool,
    errors: FormErrors,
}

async fn enrolment_with(
    state: &WebState,
    signed_in: &SignedIn,
    account: Option<AccountId>,
    errors: FormErrors,
) -> Result<EnrolmentPage, PageError> {
    let actor = &signed_in.actor;
    let filers = match account {
        Some(account) => state.app.defender_enrolment(actor, account).await?,
        None => {
            actor.require(Permission::ViewAccounts, state.app.clock.now())?;
            Vec::new()
        }
    };
    Ok(EnrolmentPage {
        layout: Layout::for_signed_in(signed_in),
        account: account.map(|account| account.to_string()),
        filers,
        can_authorize: account.is_some() && can(actor, Permission::ManageDefenderEnrolment),
        errors,
    })
}

/// The account's CTPAT Defender enrolment: the brokers' filer codes it authorized.
pub async fn defender_enrolment_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<RequestsQuery>,
) -> Result<Response, PageError> {
    let account = match signed_in.actor.own_account() {
        Some(own) => Some(own),
        None => query.account.as_deref().filter(|text| !text.trim().is_empty()).map(parse_account).transpose()?,
    };
    Ok(enrolment_with(&state, &signed_in, account, FormErrors::default()).await?.into_response())
}

/// The company officer authorizes a filer code.
pub async fn authorize_filer(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManageDefenderEnrolment, state.app.clock.now())?;
    let account = signed_in.actor.own_account().ok_or(AppError::Forbidden("only members authorize their brokers"))?;
    let input = FilerInput {
        filer_code: form.value("filer_code"),
        authorized_from: form.value("authorized_from"),
        authorized_to: form.optional("authorized_to"),
    };
    match state.app.authorize_filer(&signed_in.actor, account, &input).await {
        Ok(_) => Ok(see_other("/defender/enrolment")),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = enrolment_with(&state, &signed_in, Some(account), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The company officer ends a broker's authorization from a day.
pub async fn end_filer(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    signed_in.actor.require(Permission::ManageDefenderEnrolment, state.app.clock.now())?;
    let account =
        signed_in.actor.own_account().ok_or(AppError::Forbidden("only members end their brokers' authorizations"))?;
    let input = FilerEndInput { filer_code: form.value("end_filer_code"), ended_from: form.value("ended_from") };
    match state.app.end_filer(&signed_in.actor, account, &input).await {
        Ok(_) => Ok(see_other("/defender/enrolment")),
        Err(error) => {
            let mut errors = FormErrors::from_app(error)?;
            // The end form's code field has its own id on the page.
            for item in &mut errors.items {
                if item.field == "filer_code" {
                    item.field = "end_filer_code";
                }
            }
            let page = enrolment_with(&state, &signed_in, Some(account), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
