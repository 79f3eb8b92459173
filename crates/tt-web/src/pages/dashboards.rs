//! Dashboard pages: the program dashboard and the member's dashboard, with their charts and
//! tables (each table downloads as CSV or XLSX through [`crate::export`]).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::Permission;
use tt_app::dashboards::{CountTable, MemberDashboard, ProgramDashboard};
use tt_domain::trade::parse_date;

use super::{FormErrors, Layout};
use crate::WebState;
use crate::charts::Chart;
use crate::error::PageError;
use crate::extractors::SignedIn;

#[derive(Debug, Deserialize, Default)]
pub struct DashboardQuery {
    #[serde(default)]
    on: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard_program.html")]
pub struct ProgramPage {
    layout: Layout,
    dashboard: ProgramDashboard,
    charts: Vec<Chart>,
    /// Suspensions, removals and appeals by month, under its own heading.
    enforcement_chart: Chart,
    tables: Vec<(&'static str, &'static str, CountTable)>,
    errors: FormErrors,
}

fn day(query: &DashboardQuery) -> Result<Option<time::Date>, FormErrors> {
    match query.on.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => parse_date("on", text).map(Some).map_err(|error| FormErrors { items: vec![error] }),
        None => Ok(None),
    }
}

/// The program dashboard on a day (today by default).
pub async fn program_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::ViewProgramData, state.app.clock.now())?;
    let (on, errors) = match day(&query) {
        Ok(on) => (on, FormErrors::default()),
        Err(errors) => (None, errors),
    };
    let dashboard = state.app.program_dashboard(&signed_in.actor, on).await?;
    let over_time: Vec<(String, Vec<i64>)> =
        dashboard.members_over_time.series.iter().map(|series| (series.name.clone(), series.values.clone())).collect();
    let certified_by_type: Vec<(String, i64)> = dashboard
        .members_by_business_type
        .rows
        .iter()
        .map(|row| (row.name.clone(), row.values.iter().skip(1).take(3).sum()))
        .collect();
    let charts = vec![
        Chart::lines(
            "members-over-time",
            "Certified members by tier, and Trade Compliance members, at each month's end",
            &dashboard.members_over_time.months,
            &over_time,
        )
        .with_category_name("Month")
        .with_definition("members_by_tier"),
        Chart::bars("certified-by-type", "Certified members by business type", "Certified members", &certified_by_type)
            .with_category_name("Business type")
            .with_definition("members_by_business_type"),
    ];
    let enforcement_chart = Chart::lines(
        "suspensions-removals-appeals",
        "Suspensions, removals and appeals by month",
        &dashboard.suspensions_removals_appeals.months,
        &dashboard
            .suspensions_removals_appeals
            .series
            .iter()
            .map(|series| (series.name.clone(), series.values.clone()))
            .collect::<Vec<_>>(),
    )
    .with_category_name("Month")
    .with_definition("suspensions_removals_appeals");
    let tables: Vec<(&'static str, &'static str, CountTable)> = vec![
        ("members_by_business_type", "Members by business type", dashboard.members_by_business_type.clone()),
        ("security_pipeline", "CTPAT security pipeline", dashboard.security_pipeline.clone()),
        ("trade_compliance_pipeline", "Trade Compliance pipeline", dashboard.trade_compliance_pipeline.clone()),
        ("due", "Due and overdue, by kind", dashboard.due.clone()),
    ]
    .into_iter()
    // The pipelines and due dates are today's: shown only for today.
    .filter(|(key, _, _)| dashboard.current || *key == "members_by_business_type")
    .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page =
        ProgramPage { layout: Layout::for_signed_in(&signed_in), dashboard, charts, enforcement_chart, tables, errors };
    Ok((status, page).into_response())
}

/// The program summary as a PDF, for the day asked (today by default).
pub async fn program_pdf(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::ViewProgramData, state.app.clock.now())?;
    let on = day(&query).map_err(|errors| {
        PageError::BadForm(errors.items.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
    })?;
    let dashboard = state.app.program_dashboard(&signed_in.actor, on).await?;
    Ok(crate::api::validation::pdf_response(&format!("program-summary-{}.pdf", dashboard.on), dashboard.to_pdf()))
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard_member.html")]
pub struct MemberPage {
    layout: Layout,
    from: String,
    to: String,
    dashboard: Option<MemberDashboard>,
    charts: Vec<Chart>,
    errors: FormErrors,
}

/// The member's own dashboard: its KPIs against non-members, its deadlines, its benefits.
pub async fn member_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<crate::pages::benefits::PeriodQuery>,
) -> Result<Response, PageError> {
    let (from, to, mut errors) = crate::pages::benefits::period(&state, &query);
    let mut dashboard = None;
    if errors.is_empty() {
        match state.app.member_dashboard(&signed_in.actor, from, to).await {
            Ok(found) => dashboard = Some(found),
            Err(error) => errors = FormErrors::from_app(error)?,
        }
    }
    let charts = dashboard
        .as_ref()
        .map(|dashboard| {
            let lines = |series: &tt_app::dashboards::MonthlySeries| -> Vec<(String, Vec<i64>)> {
                series.series.iter().map(|series| (series.name.clone(), series.values.clone())).collect()
            };
            vec![
                Chart::scaled_lines(
                    "member-exam-rate",
                    "Exam rate (%) by month: your company against non-members",
                    &dashboard.exam_rate.months,
                    &lines(&dashboard.exam_rate),
                    2,
                )
                .with_category_name("Month")
                .with_definition("exam_rate"),
                Chart::lines(
                    "member-release",
                    "Median days to release by month: your company against non-members",
                    &dashboard.median_release_days.months,
                    &lines(&dashboard.median_release_days),
                )
                .with_category_name("Month")
                .with_definition("median_release_days"),
            ]
        })
        .unwrap_or_default();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = MemberPage {
        layout: Layout::for_signed_in(&signed_in),
        from: from.to_string(),
        to: to.to_string(),
        dashboard,
        charts,
        errors,
    };
    Ok((status, page).into_response())
}
