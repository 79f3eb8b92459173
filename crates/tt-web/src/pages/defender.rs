//! Defender pages: a member's alerts with confirm and deny, and the agency's case queue.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::{AppError, Permission};
use tt_domain::CaseId;

use super::{FormErrors, Layout, can, display_time, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

pub struct AlertRow {
    pub entry_number: String,
    pub importer_number: String,
    pub entry_date: String,
    pub code: &'static str,
    pub countries: String,
    pub decision: Option<String>,
    pub case_outcome: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    layout: Layout,
    alerts: Vec<AlertRow>,
    errors: FormErrors,
}

async fn alerts_page_with(state: &WebState, signed_in: &SignedIn, errors: FormErrors) -> Result<AlertsPage, PageError> {
    let alerts = state.app.member_alerts(&signed_in.actor).await?;
    Ok(AlertsPage {
        layout: Layout::for_signed_in(signed_in),
        alerts: alerts
            .into_iter()
            .map(|reviewed| AlertRow {
                entry_number: reviewed.alert.entry_number,
                importer_number: reviewed.alert.importer_number,
                entry_date: tt_app::trade::format_date(reviewed.alert.entry_date),
                code: reviewed.alert.code,
                countries: reviewed.alert.countries.unwrap_or_default().join(", "),
                decision: reviewed.decision,
                case_outcome: reviewed.case_outcome,
            })
            .collect(),
        errors,
    })
}

pub async fn alerts_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    Ok(alerts_page_with(&state, &signed_in, FormErrors::default()).await?.into_response())
}

pub async fn review_alert(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let note = form.optional("note");
    let result = state
        .app
        .review_alert(
            &signed_in.actor,
            &form.value("entry_number"),
            &form.value("code"),
            &form.value("decision"),
            note.as_deref(),
        )
        .await;
    match result {
        Ok(_) => Ok(see_other("/alerts")),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, alerts_page_with(&state, &signed_in, errors).await?).into_response())
        }
    }
}

pub struct CaseRow {
    pub id: String,
    pub account_number: String,
    pub entry_number: String,
    pub code: String,
    pub opened: String,
    pub outcome: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "cases.html")]
pub struct CasesPage {
    layout: Layout,
    cases: Vec<CaseRow>,
}

pub async fn cases_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let cases = state.app.list_cases(&signed_in.actor).await?;
    Ok(CasesPage {
        layout: Layout::for_signed_in(&signed_in),
        cases: cases
            .into_iter()
            .map(|details| CaseRow {
                id: details.case.id.to_string(),
                account_number: details.account_number,
                entry_number: details.case.entry_number,
                code: details.case.code,
                opened: display_time(details.case.opened_at),
                outcome: details.case.outcome.map(|outcome| outcome.outcome),
            })
            .collect(),
    }
    .into_response())
}

pub struct LineRow {
    pub line_number: i32,
    pub country: String,
    pub hts_number: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "case.html")]
pub struct CasePage {
    layout: Layout,
    case: CaseRow,
    /// Entry-level facts as label and value.
    shipment: Vec<(&'static str, String)>,
    lines: Vec<LineRow>,
    can_close: bool,
    errors: FormErrors,
}

fn parse_case_id(text: &str) -> Result<CaseId, PageError> {
    CaseId::parse("id", text).map_err(|_| PageError::App(AppError::NotFound))
}

async fn case_page_with(
    state: &WebState,
    signed_in: &SignedIn,
    id: CaseId,
    errors: FormErrors,
) -> Result<CasePage, PageError> {
    let details = state.app.get_case(&signed_in.actor, id).await?;
    let (shipment, lines) = match &details.entry {
        None => (Vec::new(), Vec::new()),
        Some(stored) => {
            let (fields, lines) = (&stored.entry.fields, &stored.lines);
            let shipment = vec![
                ("Entry date", tt_app::trade::format_date(fields.entry_date)),
                ("Filer code", fields.filer_code().to_owned()),
                ("Importer number", fields.importer_number.to_string()),
                ("Port", fields.port_code.clone()),
                ("Entry type", fields.entry_type.clone()),
                (
                    "Released",
                    fields.release_date.map(tt_app::trade::format_date).unwrap_or_else(|| "not released".to_owned()),
                ),
            ];
            let lines = lines
                .iter()
                .map(|stored| LineRow {
                    line_number: stored.line.line_number,
                    country: stored.line.country_of_origin.clone(),
                    hts_number: stored.line.hts_number.clone(),
                    value: tt_domain::trade::Cents::format(i128::from(stored.line.entered_value.0)),
                })
                .collect();
            (shipment, lines)
        }
    };
    Ok(CasePage {
        layout: Layout::for_signed_in(signed_in),
        case: CaseRow {
            id: details.case.id.to_string(),
            account_number: details.account_number,
            entry_number: details.case.entry_number,
            code: details.case.code,
            opened: display_time(details.case.opened_at),
            outcome: details.case.outcome.map(|outcome| outcome.outcome),
        },
        shipment,
        lines,
        can_close: can(&signed_in.actor, Permission::RecordCaseOutcome),
        errors,
    })
}

pub async fn case_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(case_page_with(&state, &signed_in, parse_case_id(&id)?, FormErrors::default()).await?.into_response())
}

pub async fn record_case_outcome(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let case_id = parse_case_id(&id)?;
    match state.app.record_case_outcome(&signed_in.actor, case_id, &form.value("outcome")).await {
        Ok(()) => Ok(see_other(&format!("/cases/{id}"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, case_page_with(&state, &signed_in, case_id, errors).await?)
                .into_response())
        }
    }
}
