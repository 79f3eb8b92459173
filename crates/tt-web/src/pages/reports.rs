//! Report pages: the TFTEA §101 annual report for a fiscal year, as a printable page and PDF.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::reports::AnnualReport;
use tt_app::{AppError, Permission};

use super::{FormErrors, Layout};
use crate::WebState;
use crate::charts::Chart;
use crate::error::PageError;
use crate::extractors::SignedIn;

#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    fiscal_year: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_annual.html")]
pub struct AnnualReportPage {
    layout: Layout,
    fiscal_year: String,
    report: Option<AnnualReport>,
    /// Participants per level, and median release days by group: charts of the report's own tables.
    charts: Vec<Chart>,
    errors: FormErrors,
}

/// The report's charts, drawn from the same figures as its tables.
fn report_charts(report: &AnnualReport) -> Vec<Chart> {
    let participants: Vec<(String, i64)> =
        report.programs.iter().flat_map(|program| program.participants.iter().cloned()).collect();
    // A group without released entries has no figure: drawn at zero, `—` in the table.
    let days = |text: &str| text.parse::<i64>().unwrap_or(0);
    vec![
        Chart::bars("participants", &format!("Participants on {}", report.as_of), "Participants", &participants)
            .with_category_name("Level")
            .with_definition("participants"),
        Chart::bars(
            "release-days",
            "Median release by group (days)",
            "Median release (days)",
            &report
                .effectiveness
                .iter()
                .map(|row| (row.group.clone(), days(&row.median_release_days)))
                .collect::<Vec<_>>(),
        )
        .with_category_name("Group")
        .with_definition("median_release_days"),
    ]
}

/// The fiscal year asked for, or the current one (which starts on 1 October).
fn fiscal_year(state: &WebState, query: &ReportQuery) -> Result<i32, AppError> {
    match query.fiscal_year.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => {
            text.parse().map_err(|_| AppError::invalid("fiscal_year", format!("'{text}' is not a year such as 2026")))
        }
        None => {
            let today = state.app.clock.now().date();
            Ok(if u8::from(today.month()) >= 10 { today.year() + 1 } else { today.year() })
        }
    }
}

pub async fn annual_report_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::ViewProgramData, state.app.clock.now())?;
    let (shown_year, result) = match fiscal_year(&state, &query) {
        Ok(year) => (year.to_string(), state.app.annual_report(&signed_in.actor, year).await),
        Err(error) => (query.fiscal_year.clone().unwrap_or_default(), Err(error)),
    };
    let (report, errors) = match result {
        Ok(report) => (Some(report), FormErrors::default()),
        Err(error) => (None, FormErrors::from_app(error)?),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let charts = report.as_ref().map(report_charts).unwrap_or_default();
    let page =
        AnnualReportPage { layout: Layout::for_signed_in(&signed_in), fiscal_year: shown_year, report, charts, errors };
    Ok((status, page).into_response())
}

pub async fn annual_report_pdf(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::ViewProgramData, state.app.clock.now())?;
    let year = fiscal_year(&state, &query)?;
    let report = state.app.annual_report(&signed_in.actor, year).await?;
    Ok(crate::api::validation::pdf_response(&format!("annual-report-fy{year}.pdf"), report.to_pdf()))
}
