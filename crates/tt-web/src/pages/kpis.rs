//! KPI pages: members see their own figures beside the non-member baseline; staff see the
//! program by tier and Trade Compliance, month by month, with the batches behind the numbers.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Duration;
use tt_app::trade::{KpiGrouping, KpiRow};
use tt_domain::trade::parse_date;

use super::{Layout, display_time};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::SignedIn;

#[derive(Debug, Default, Deserialize)]
pub struct RangeQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// One KPI row as shown.
pub struct KpiLine {
    pub month: String,
    pub group: String,
    pub entries: u64,
    pub lines: u64,
    pub value: String,
    pub exam_rate: String,
    pub random_exams: u64,
    pub mean_hold_hours: String,
    pub median_release_days: String,
    pub p90_release_days: String,
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |rate| format!("{:.2} %", rate * 100.0))
}

impl From<&KpiRow> for KpiLine {
    fn from(row: &KpiRow) -> Self {
        let figures = &row.figures;
        Self {
            month: row.month.clone().unwrap_or_default(),
            group: row.group.map_or_else(String::new, |group| {
                format!("{}{}", group.tier.code(), if group.trade_compliance { " + Trade Compliance" } else { "" })
            }),
            entries: figures.entries,
            lines: figures.lines,
            value: figures.entered_value_usd.clone(),
            exam_rate: percent(figures.exam_rate),
            random_exams: figures.random_exams,
            mean_hold_hours: figures.mean_hold_hours.map_or_else(|| "—".to_owned(), |hours| format!("{hours:.1}")),
            median_release_days: figures.median_release_days.map_or_else(|| "—".to_owned(), |days| days.to_string()),
            p90_release_days: figures.p90_release_days.map_or_else(|| "—".to_owned(), |days| days.to_string()),
        }
    }
}

pub struct BatchLine {
    pub id: i64,
    pub file_name: String,
    pub finished: String,
    pub rows_read: i64,
    pub rejected: i64,
    pub duplicates: i64,
    pub corrections: i64,
    pub entries_new: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "kpis.html")]
pub struct KpisPage {
    layout: Layout,
    from: String,
    to: String,
    is_agency: bool,
    rows: Vec<KpiLine>,
    baseline: Vec<KpiLine>,
    batches: Vec<BatchLine>,
    /// When and from what a member's figures were computed.
    lineage: Vec<String>,
    error: Option<String>,
}

pub async fn kpis_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<RangeQuery>,
) -> Result<Response, PageError> {
    let today = state.app.clock.now().date();
    let from_text = query
        .from
        .clone()
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| tt_app::trade::format_date(today - Duration::days(365)));
    let to_text = query.to.clone().filter(|text| !text.is_empty()).unwrap_or_else(|| tt_app::trade::format_date(today));
    let dates = parse_date("from", &from_text).and_then(|from| parse_date("to", &to_text).map(|to| (from, to)));
    let mut page = KpisPage {
        layout: Layout::for_signed_in(&signed_in),
        from: from_text,
        to: to_text,
        is_agency: signed_in.actor.is_agency(),
        rows: Vec::new(),
        baseline: Vec::new(),
        batches: Vec::new(),
        lineage: Vec::new(),
        error: None,
    };
    let (from, to) = match dates {
        Ok(dates) => dates,
        Err(error) => {
            page.error = Some(error.to_string());
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if page.is_agency {
        let rows = state
            .app
            .kpis(&signed_in.actor, from, to, KpiGrouping { month: true, group: true, account: false })
            .await?;
        page.rows = rows.iter().map(KpiLine::from).collect();
        page.batches = state
            .app
            .ingest_batches(&signed_in.actor, 20)
            .await?
            .into_iter()
            .map(|batch| BatchLine {
                id: batch.id,
                file_name: batch.file_name,
                finished: display_time(batch.finished_at),
                rows_read: batch.counts.rows_read,
                rejected: batch.counts.rejected,
                duplicates: batch.counts.duplicates,
                corrections: batch.counts.corrections,
                entries_new: batch.counts.entries_new,
            })
            .collect();
    } else {
        let kpis = state.app.member_kpis(&signed_in.actor, from, to).await?;
        page.rows = kpis.own.iter().map(KpiLine::from).collect();
        page.baseline = kpis.baseline.iter().map(KpiLine::from).collect();
        page.lineage = kpis.lineage;
    }
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "definitions.html")]
pub struct DefinitionsPage {
    layout: Layout,
    definitions: &'static [tt_app::definitions::Definition],
}

/// What each figure means and where it comes from; the figures on every page link here.
pub async fn definitions_page(signed_in: SignedIn) -> Response {
    DefinitionsPage { layout: Layout::for_signed_in(&signed_in), definitions: tt_app::definitions::DEFINITIONS }
        .into_response()
}
