//! The benefits API: the catalogue and levels of service, an account's benefits on a day,
//! benefit requests with their clocks and conversation, the penalty calculator and the request
//! KPIs.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use time::Date;
use tt_app::AppError;
use tt_app::benefit_kpis::{DefenderKpis, ExemptionReport};
use tt_app::benefits::{AccountBenefits, BrandingView, LevelsOfService};
use tt_app::defender::{FilerEndInput, FilerInput, FilerView};
use tt_app::proposals::{ProposalAction, ProposalInput, ProposalView};
use tt_app::reconciliation::ReconciliationOverview;
use tt_app::requests::{
    NewRequest, PenaltyInput, PenaltyView, RequestAction, RequestKindView, RequestKpis, RequestView, request_kinds,
};
use tt_domain::AccountId;
use tt_domain::trade::parse_date;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::extractors::{ApiActor, ApiJson};

fn request_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text.trim()).map_err(|_| ApiError(AppError::NotFound))
}

fn optional_day(field: &'static str, text: Option<&str>) -> Result<Option<Date>, ApiError> {
    text.map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| parse_date(field, text))
        .transpose()
        .map_err(|error| ApiError(error.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// The day (`YYYY-MM-DD`); today when absent.
    pub on: Option<String>,
}

/// The levels of service: which tier and program gets which benefit on a day.
#[utoipa::path(get, path = "/api/v1/benefits", tag = "benefits", security(("bearer" = [])), params(OnQuery),
    responses((status = 200, body = LevelsOfService), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn levels_of_service(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<OnQuery>,
) -> Result<Json<LevelsOfService>, ApiError> {
    let day = optional_day("on", query.on.as_deref())?;
    Ok(Json(state.app.levels_of_service(&actor, day).await?))
}

/// What an account is entitled to on a day, from its standing history, and what Tier III or
/// Trade Compliance would add.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/benefits", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id"), OnQuery),
    responses((status = 200, body = AccountBenefits), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn account_benefits(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    Query(query): Query<OnQuery>,
) -> Result<Json<AccountBenefits>, ApiError> {
    let account = AccountId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    let day = optional_day("on", query.on.as_deref())?;
    Ok(Json(state.app.account_benefits(&actor, account, day).await?))
}

/// Whether the account may use the CTPAT logo on a day, and why.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/branding", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id"), OnQuery),
    responses((status = 200, body = BrandingView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn branding(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    Query(query): Query<OnQuery>,
) -> Result<Json<BrandingView>, ApiError> {
    let account = AccountId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    let day = optional_day("on", query.on.as_deref())?;
    Ok(Json(state.app.branding(&actor, account, day).await?))
}

/// The account's reconciliation: participation (bond and rider) per importer number, and the
/// lines the entry feed flagged, grouped by month with their filing deadlines.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/reconciliation", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = ReconciliationOverview), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn reconciliation(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ReconciliationOverview>, ApiError> {
    let account = AccountId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    Ok(Json(state.app.reconciliation_overview(&actor, account).await?))
}

/// The kinds of benefit request and their forms' fields.
#[utoipa::path(get, path = "/api/v1/request-kinds", tag = "benefits", security(("bearer" = [])),
    responses((status = 200, body = [RequestKindView]), (status = 401, body = Problem)))]
pub async fn list_request_kinds(ApiActor(_actor): ApiActor) -> Json<Vec<RequestKindView>> {
    Json(request_kinds())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Only this account's requests (members always see only their own).
    pub account: Option<String>,
}

/// Requests: open ones first, Trade Compliance members' at the front, then by due date.
#[utoipa::path(get, path = "/api/v1/requests", tag = "benefits", security(("bearer" = [])), params(RequestsQuery),
    responses((status = 200, body = [RequestView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_requests(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<RequestsQuery>,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    let account = crate::api::account_filter(query.account.as_deref())?;
    Ok(Json(state.app.list_requests(&actor, account).await?))
}

/// Files a request for the account (`{"kind": "ruling", "details": {...}}`); refused with the
/// reason when the account is not eligible today.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/requests", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = NewRequest,
    responses((status = 200, body = RequestView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_request(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<RequestView>, ApiError> {
    state.app.require_request_permission(&actor)?;
    let account = AccountId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    let input: NewRequest =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.submit_request(&actor, account, &input).await?))
}

/// One request with its clocks and conversation.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, body = RequestView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_request(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(state.app.get_request(&actor, request_id(&id)?).await?))
}

/// Changes a request: `assign`, `message`, `grant`, `refuse`, `withdraw`.
#[utoipa::path(post, path = "/api/v1/requests/{id}", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")), request_body = RequestAction,
    responses((status = 200, body = RequestView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_request(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<RequestView>, ApiError> {
    state.app.require_request_permission(&actor)?;
    let action: RequestAction =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.change_request(&actor, request_id(&id)?, &action).await?))
}

/// Renews a confidential-manifest certificate with the same names and addresses.
#[utoipa::path(post, path = "/api/v1/requests/{id}/renewal", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id of the certificate")),
    responses((status = 200, body = RequestView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn renew_request(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(state.app.renew_request(&actor, request_id(&id)?).await?))
}

/// The confidential-manifest certificate as a PDF.
#[utoipa::path(get, path = "/api/v1/requests/{id}/certificate.pdf", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id of the certificate")),
    responses((status = 200, description = "The certificate", content_type = "application/pdf"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn certificate_pdf(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let id = request_id(&id)?;
    let bytes = state.app.certificate_pdf(&actor, id).await?;
    Ok(crate::api::validation::pdf_response(&format!("confidential-manifest-{id}.pdf"), bytes))
}

/// The 19 U.S.C. 1592 calculator: statutory maximum, guideline range and mitigating factors.
#[utoipa::path(post, path = "/api/v1/penalties/calculate", tag = "benefits", security(("bearer" = [])),
    request_body = PenaltyInput,
    responses((status = 200, body = PenaltyView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn calculate_penalty(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<PenaltyInput>,
) -> Result<Json<PenaltyView>, ApiError> {
    Ok(Json(state.app.calculate_penalty(&actor, &input)?))
}

/// Request turnaround by kind and membership, and confidential-manifest certificates.
#[utoipa::path(get, path = "/api/v1/request-kpis", tag = "benefits", security(("bearer" = [])), params(RequiredPeriodQuery),
    responses((status = 200, body = RequestKpis), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn request_kpis(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<RequiredPeriodQuery>,
) -> Result<Json<RequestKpis>, ApiError> {
    actor.require(tt_app::Permission::ViewProgramData, state.app.clock.now())?;
    let (from, to) = required_period(&query)?;
    Ok(Json(state.app.request_kpis(&actor, from, to).await?))
}

/// Proposed benefits: open ones ranked by priority (feasibility × impact), then the decided.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "benefits", security(("bearer" = [])),
    responses((status = 200, body = [ProposalView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_proposals(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ProposalView>>, ApiError> {
    Ok(Json(state.app.list_proposals(&actor).await?))
}

/// Proposes a benefit.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "benefits", security(("bearer" = [])), request_body = ProposalInput,
    responses((status = 200, body = ProposalView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn propose_benefit(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<ProposalView>, ApiError> {
    actor.require(tt_app::Permission::ProposeBenefits, state.app.clock.now())?;
    let input: ProposalInput =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.propose_benefit(&actor, &input).await?))
}

/// Scores (`{"action": "score", "feasibility": 4, "impact": 5}`) or decides (`{"action":
/// "decide", "status": "pilot", "reason": "…"}`, program director) a proposal.
#[utoipa::path(post, path = "/api/v1/proposals/{id}", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Proposal id")), request_body = ProposalAction,
    responses((status = 200, body = ProposalView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_proposal(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<ProposalView>, ApiError> {
    state.app.require_proposal_permission(&actor)?;
    let action: ProposalAction =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.change_proposal(&actor, request_id(&id)?, &action).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequiredPeriodQuery {
    /// First day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
}

fn required_period(query: &RequiredPeriodQuery) -> Result<(Date, Date), ApiError> {
    let day = |field: &'static str, text: Option<&str>| {
        optional_day(field, text)?.ok_or_else(|| ApiError(AppError::invalid(field, "is required")))
    };
    Ok((day("from", query.from.as_deref())?, day("to", query.to.as_deref())?))
}

/// Defender alerts on entries dated in the period, the members' answers, response time and cases.
#[utoipa::path(get, path = "/api/v1/defender-kpis", tag = "benefits", security(("bearer" = [])), params(RequiredPeriodQuery),
    responses((status = 200, body = DefenderKpis), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn defender_kpis(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<RequiredPeriodQuery>,
) -> Result<Json<DefenderKpis>, ApiError> {
    actor.require(tt_app::Permission::ViewProgramData, state.app.clock.now())?;
    let (from, to) = required_period(&query)?;
    Ok(Json(state.app.defender_kpis(&actor, from, to).await?))
}

/// The account's entries and random examinations by month, split by whether it was exempt.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/random-exams", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id"), RequiredPeriodQuery),
    responses((status = 200, body = ExemptionReport), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn random_exams(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    Query(query): Query<RequiredPeriodQuery>,
) -> Result<Json<ExemptionReport>, ApiError> {
    let account = AccountId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    let (from, to) = required_period(&query)?;
    Ok(Json(state.app.exemption_report(&actor, account, from, to).await?))
}

/// The account's CTPAT Defender enrolment: every authorized filer code.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/defender-filers", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = [FilerView]), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn defender_filers(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<FilerView>>, ApiError> {
    let account = AccountId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    Ok(Json(state.app.defender_enrolment(&actor, account).await?))
}

/// Authorizes a broker's filer code (the company officer); returns the enrolment.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/defender-filers", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = FilerInput,
    responses((status = 200, body = [FilerView]), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn authorize_filer(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<Vec<FilerView>>, ApiError> {
    actor.require(tt_app::Permission::ManageDefenderEnrolment, state.app.clock.now())?;
    let account = AccountId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    let input: FilerInput =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.authorize_filer(&actor, account, &input).await?))
}

/// The program dashboard on a day: members over time and by business type, the pipelines,
/// what is due, and staff workload.
#[utoipa::path(get, path = "/api/v1/dashboards/program", tag = "benefits", security(("bearer" = [])), params(OnQuery),
    responses((status = 200, body = tt_app::dashboards::ProgramDashboard), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn program_dashboard(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<OnQuery>,
) -> Result<Json<tt_app::dashboards::ProgramDashboard>, ApiError> {
    actor.require(tt_app::Permission::ViewProgramData, state.app.clock.now())?;
    let day = optional_day("on", query.on.as_deref())?;
    Ok(Json(state.app.program_dashboard(&actor, day).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiscalYearQuery {
    /// The fiscal year (1 October of the year before to 30 September).
    pub fiscal_year: Option<String>,
}

/// The TFTEA §101 annual report for a fiscal year.
#[utoipa::path(get, path = "/api/v1/reports/annual", tag = "benefits", security(("bearer" = [])), params(FiscalYearQuery),
    responses((status = 200, body = tt_app::reports::AnnualReport), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn annual_report(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<FiscalYearQuery>,
) -> Result<Json<tt_app::reports::AnnualReport>, ApiError> {
    actor.require(tt_app::Permission::ViewProgramData, state.app.clock.now())?;
    let text = query.fiscal_year.unwrap_or_default();
    let year: i32 = text.trim().parse().map_err(|_| {
        ApiError(AppError::invalid("fiscal_year", format!("'{}' is not a year such as 2026", text.trim())))
    })?;
    Ok(Json(state.app.annual_report(&actor, year).await?))
}

/// The signed-in member's dashboard: its KPIs against non-members, its deadlines, its benefits.
#[utoipa::path(get, path = "/api/v1/dashboards/member", tag = "benefits", security(("bearer" = [])),
    params(RequiredPeriodQuery),
    responses((status = 200, body = tt_app::dashboards::MemberDashboard), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn member_dashboard(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<RequiredPeriodQuery>,
) -> Result<Json<tt_app::dashboards::MemberDashboard>, ApiError> {
    actor.require(tt_app::Permission::ViewAccounts, state.app.clock.now())?;
    let (from, to) = required_period(&query)?;
    Ok(Json(state.app.member_dashboard(&actor, from, to).await?))
}

/// Ends a broker's authorization from a day (the company officer); returns the enrolment.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/defender-filers/ends", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = FilerEndInput,
    responses((status = 200, body = [FilerView]), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn end_filer(
    State(state): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<Vec<FilerView>>, ApiError> {
    actor.require(tt_app::Permission::ManageDefenderEnrolment, state.app.clock.now())?;
    let account = AccountId::parse("id", &id).map_err(|_| ApiError(AppError::NotFound))?;
    let input: FilerEndInput =
        serde_json::from_value(body).map_err(|error| ApiError(AppError::invalid("body", error.to_string())))?;
    Ok(Json(state.app.end_filer(&actor, account, &input).await?))
}
