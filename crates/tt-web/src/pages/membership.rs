//! Membership pages: an account's lifecycle (states, derived dates with how each was computed,
//! requests, vetting, tiles, the timeline, and a form for each step the viewer may take now),
//! the work queue, the inbox and the outbox.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tt_app::membership::{MembershipView, StepInput, WorkFilter, WorkItem};
use tt_app::{AppError, Permission};
use tt_domain::AccountId;
use tt_domain::lifecycle::{ApplicationTile, ELIGIBILITY_QUESTIONS, Step, VettingBlock};

use super::{FormErrors, Layout, can, display_time, parse_account, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

/// How a form field is entered.
pub enum Input {
    Text,
    LongText,
    Date,
    Number,
    Checkbox,
    Select(Vec<(String, String)>),
}

/// One field of a step's form; `name` is the step's JSON field.
pub struct Field {
    pub name: String,
    pub label: String,
    pub input: Input,
}

impl Field {
    fn new(name: &str, label: &str, input: Input) -> Self {
        Self { name: name.to_owned(), label: label.to_owned(), input }
    }

    fn is_checkbox(&self) -> bool {
        matches!(self.input, Input::Checkbox)
    }

    fn is_long(&self) -> bool {
        matches!(self.input, Input::LongText)
    }

    fn input_type(&self) -> &'static str {
        match self.input {
            Input::Date => "date",
            Input::Number => "number",
            _ => "text",
        }
    }

    fn options(&self) -> &[(String, String)] {
        match &self.input {
            Input::Select(options) => options,
            _ => &[],
        }
    }
}

fn options(pairs: &[(&str, &str)]) -> Input {
    Input::Select(pairs.iter().map(|(value, label)| ((*value).to_owned(), (*label).to_owned())).collect())
}

const PROGRAMS: &[(&str, &str)] = &[("security", "CTPAT security"), ("trade_compliance", "Trade Compliance")];
const GROUNDS: &[(&str, &str)] = &[
    ("non_compliance", "Non-compliance (6 U.S.C. 967(a); 90 days to appeal)"),
    ("false_information", "False or misleading information (967(b); 30 days to appeal)"),
];
const TIERS: &[(&str, &str)] = &[("one", "Tier I"), ("two", "Tier II"), ("three", "Tier III")];
const VALIDATIONS: &[(&str, &str)] = &[("initial", "Initial validation"), ("revalidation", "Revalidation")];

/// The fields of each kind of step's form (beyond date, reason and document version).
fn fields_for(kind: &str) -> Vec<Field> {
    match kind {
        "information_requested" => vec![
            Field::new("program", "Program", options(PROGRAMS)),
            Field::new("request", "Request number", Input::Number),
            Field::new("question", "Question", Input::LongText),
            Field::new("due", "Answer due by", Input::Date),
        ],
        "information_answered" | "information_request_cancelled" => {
            let mut fields = vec![
                Field::new("program", "Program", options(PROGRAMS)),
                Field::new("request", "Request number", Input::Number),
            ];
            if kind == "information_answered" {
                fields.push(Field::new("answer", "Answer", Input::LongText));
            }
            fields
        }
        "specialist_assigned" => vec![
            Field::new("specialist", "Specialist's e-mail address", Input::Text),
            Field::new("supervisor", "Supervisor's e-mail address", Input::Text),
            Field::new("office", "Field office", Input::Text),
        ],
        "nam_assigned" => vec![
            Field::new("nam", "National Account Manager's e-mail address", Input::Text),
            Field::new("supervisor", "NAM supervisor's e-mail address", Input::Text),
        ],
        "vetting_recorded" => vec![
            Field::new(
                "block",
                "Vetting block",
                Input::Select(
                    VettingBlock::ALL
                        .into_iter()
                        .map(|block| (serde_value_name(&block), block.label().to_owned()))
                        .collect(),
                ),
            ),
            Field::new("derogatory", "Derogatory information found", Input::Checkbox),
            Field::new("notes", "Notes", Input::LongText),
        ],
        "validation_scheduled" => vec![
            Field::new("validation", "Validation", options(VALIDATIONS)),
            Field::new("visit", "Visit date", Input::Date),
        ],
        "validation_completed" => vec![
            Field::new("validation", "Validation", options(VALIDATIONS)),
            Field::new(
                "result",
                "Outcome",
                options(&[
                    ("tier_two", "Meets the criteria: Tier II"),
                    ("tier_three", "Exceeds them with a proven best practice: Tier III"),
                    ("failed", "Does not meet the criteria"),
                ]),
            ),
            Field::new("best_practice_title", "Best practice (for Tier III)", Input::Text),
            Field::new("senior_management_support", "Senior-management support", Input::Checkbox),
            Field::new("innovative", "Innovative process or technology", Input::Checkbox),
            Field::new("documented", "Documented process", Input::Checkbox),
            Field::new("verifiable_evidence", "Verifiable evidence of implementation", Input::Checkbox),
            Field::new("checks_and_balances", "Checks, balances and accountability", Input::Checkbox),
        ],
        "suspended" | "removed" => vec![Field::new("grounds", "Grounds", options(GROUNDS))],
        "reinstated" => vec![Field::new("tier", "Reinstated at", options(TIERS))],
        "corrective_action_plan_received" => vec![Field::new("summary", "Plan summary", Input::LongText)],
        "appeal_filed" => vec![Field::new("statement", "Statement", Input::LongText)],
        "appeal_decided" => vec![Field::new("reversed", "Decision reversed", Input::Checkbox)],
        "eligibility_checked" => {
            let mut fields = vec![
                Field::new("importing_since", "Importing since", Input::Date),
                Field::new("cbp_debt", "The company owes a debt to CBP", Input::Checkbox),
            ];
            for (number, question) in ELIGIBILITY_QUESTIONS.iter().enumerate() {
                fields.push(Field::new(
                    &format!("answer_{}", number + 1),
                    &format!("{}. {question}", number + 1),
                    Input::Checkbox,
                ));
            }
            fields
        }
        "tile_completed" => vec![
            Field::new(
                "tile",
                "Tile",
                Input::Select(
                    ApplicationTile::ALL
                        .into_iter()
                        .map(|tile| (serde_value_name(&tile), tile.label().to_owned()))
                        .collect(),
                ),
            ),
            Field::new("summary", "What it contains", Input::LongText),
        ],
        "annual_notification_filed" => vec![
            Field::new("year", "Letter year", Input::Number),
            Field::new("organizational_changes", "Organizational changes", Input::LongText),
            Field::new("importer_number_changes", "Importer-number changes", Input::LongText),
            Field::new("internal_control_changes", "Internal-control changes", Input::LongText),
            Field::new("risk_assessment_summary", "Risk assessment and self-testing summary", Input::LongText),
            Field::new("self_testing_errors_found", "Errors found", Input::LongText),
            Field::new("corrective_actions", "Corrective actions", Input::LongText),
            Field::new("disclosures_filed", "Disclosures filed", Input::LongText),
            Field::new("officer_certification", "I certify, as company officer, continued compliance", Input::Checkbox),
        ],
        "annual_notification_reviewed" => vec![
            Field::new("year", "Letter year", Input::Number),
            Field::new("accepted", "Accepted (unchecked: returned for correction)", Input::Checkbox),
        ],
        "voided" => vec![Field::new("sequence", "Number (#) of the step to withdraw", Input::Number)],
        _ => Vec::new(),
    }
}

/// The JSON name serde gives a unit enum value.
fn serde_value_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

fn number(form: &FormData, name: &'static str) -> Result<Value, AppError> {
    let text = form.value(name);
    text.trim()
        .parse::<i64>()
        .map(Value::from)
        .map_err(|_| AppError::invalid(name, format!("'{}' is not a whole number", text.trim())))
}

/// Builds a step from its form: the fields become the step's JSON, which the domain type then
/// parses, so a form and an API call are read by the same rules.
fn step_from_form(kind: &str, form: &FormData) -> Result<Step, AppError> {
    let mut object = Map::new();
    object.insert("step".to_owned(), Value::from(kind));
    let fields = fields_for(kind);
    match kind {
        "validation_completed" => {
            object.insert("validation".to_owned(), Value::from(form.value("validation")));
            let result = form.value("result");
            let mut outcome = Map::new();
            outcome.insert("result".to_owned(), Value::from(result.clone()));
            if result == "tier_three" {
                let mut practice = Map::new();
                practice.insert("title".to_owned(), Value::from(form.value("best_practice_title")));
                for element in [
                    "senior_management_support",
                    "innovative",
                    "documented",
                    "verifiable_evidence",
                    "checks_and_balances",
                ] {
                    practice.insert(element.to_owned(), Value::from(form.checked(element)));
                }
                outcome.insert("best_practices".to_owned(), Value::Array(vec![Value::Object(practice)]));
            }
            object.insert("outcome".to_owned(), Value::Object(outcome));
        }
        "eligibility_checked" => {
            object.insert("importing_since".to_owned(), Value::from(form.value("importing_since")));
            object.insert("cbp_debt".to_owned(), Value::from(form.checked("cbp_debt")));
            let answers: Vec<Value> = (1..=ELIGIBILITY_QUESTIONS.len())
                .map(|number| Value::from(form.checked(&format!("answer_{number}"))))
                .collect();
            object.insert("answers".to_owned(), Value::Array(answers));
        }
        "annual_notification_filed" => {
            let mut letter = Map::new();
            for field in &fields {
                let value = match field.input {
                    Input::Checkbox => Value::from(form.checked(&field.name)),
                    Input::Number => number(form, "year")?,
                    _ => Value::from(form.value(&field.name)),
                };
                letter.insert(field.name.clone(), value);
            }
            object.insert("letter".to_owned(), Value::Object(letter));
        }
        _ => {
            for field in &fields {
                let value = match field.input {
                    Input::Checkbox => Value::from(form.checked(&field.name)),
                    Input::Number => match field.name.as_str() {
                        "request" => number(form, "request")?,
                        "sequence" => number(form, "sequence")?,
                        _ => number(form, "year")?,
                    },
                    _ => Value::from(form.value(&field.name)),
                };
                object.insert(field.name.clone(), value);
            }
        }
    }
    serde_json::from_value(Value::Object(object)).map_err(|error| AppError::invalid("step", error.to_string()))
}

/// A form for one kind of step.
pub struct StepForm {
    pub kind: &'static str,
    pub label: String,
    pub fields: Vec<Field>,
    /// Whether the step needs a reason (shown as required).
    pub reason_required: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "membership.html")]
pub struct MembershipPage {
    layout: Layout,
    view: MembershipView,
    forms: Vec<StepForm>,
    errors: FormErrors,
    /// The kind of the form whose errors are shown.
    failed_kind: String,
    recorded_at: Vec<String>,
}

async fn membership_page_with(
    state: &WebState,
    signed_in: &SignedIn,
    account_id: AccountId,
    errors: FormErrors,
    failed_kind: String,
) -> Result<MembershipPage, PageError> {
    let view = state.app.account_membership(&signed_in.actor, account_id).await?;
    let forms = state
        .app
        .available_steps(&signed_in.actor, account_id)
        .await?
        .into_iter()
        .map(|(kind, label)| StepForm {
            kind,
            label,
            fields: fields_for(kind),
            reason_required: matches!(
                kind,
                "application_rejected" | "suspended" | "removed" | "trade_compliance_revoked" | "voided" | "reinstated"
            ),
        })
        .collect();
    let recorded_at = view.timeline.iter().map(|entry| display_time(entry.recorded_at)).collect();
    Ok(MembershipPage { layout: Layout::for_signed_in(signed_in), view, forms, errors, failed_kind, recorded_at })
}

pub async fn membership_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let account_id = parse_account(&id)?;
    Ok(membership_page_with(&state, &signed_in, account_id, FormErrors::default(), String::new())
        .await?
        .into_response())
}

pub async fn record_step(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    state.app.require_some_step_permission(&signed_in.actor)?;
    let account_id = parse_account(&id)?;
    let kind = form.value("step");
    let result = match step_from_form(&kind, &form) {
        Ok(step) => {
            let input = StepInput {
                effective_date: form.optional("effective_date"),
                reason: form.optional("reason"),
                document_version: form.optional("document_version"),
                step,
            };
            state.app.record_step(&signed_in.actor, account_id, &input).await.map(|_| ())
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/accounts/{account_id}/membership"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = membership_page_with(&state, &signed_in, account_id, errors, kind).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "work.html")]
pub struct WorkPage {
    layout: Layout,
    items: Vec<WorkItem>,
    scope: String,
    status: String,
    kind: String,
    office: String,
    load: Vec<tt_app::membership::LoadRow>,
    is_member: bool,
    can_see_team: bool,
}

pub async fn work_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(filter): Query<WorkFilter>,
) -> Result<Response, PageError> {
    let filter = WorkFilter {
        scope: filter.scope.filter(|value| !value.is_empty()),
        status: filter.status.filter(|value| !value.is_empty()),
        kind: filter.kind.filter(|value| !value.is_empty()),
        office: filter.office.filter(|value| !value.is_empty()),
    };
    let items = state.app.work_items(&signed_in.actor, &filter).await?;
    let actor = &signed_in.actor;
    let load = if filter.scope.as_deref() == Some("team") { state.app.team_load(actor).await? } else { Vec::new() };
    Ok(WorkPage {
        layout: Layout::for_signed_in(&signed_in),
        items,
        scope: filter.scope.unwrap_or_else(|| "mine".to_owned()),
        status: filter.status.unwrap_or_default(),
        kind: filter.kind.unwrap_or_default(),
        office: filter.office.unwrap_or_default(),
        load,
        is_member: !actor.is_agency(),
        can_see_team: can(actor, Permission::CertifyPartners) || can(actor, Permission::DecideTradeCompliance),
    }
    .into_response())
}

pub struct NotificationRow {
    pub id: String,
    pub subject: String,
    pub body: String,
    pub created: String,
    pub read: bool,
    pub recipient: String,
    pub emailed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    layout: Layout,
    rows: Vec<NotificationRow>,
    outbox: bool,
}

fn rows(notifications: Vec<tt_app::reminders::Notification>) -> Vec<NotificationRow> {
    notifications
        .into_iter()
        .map(|notification| NotificationRow {
            id: notification.id.to_string(),
            subject: notification.subject,
            body: notification.body,
            created: display_time(notification.created_at),
            read: notification.read_at.is_some(),
            recipient: notification.recipient_email,
            emailed: notification.emailed_at.is_some(),
        })
        .collect()
}

pub async fn inbox_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let notifications = state.app.my_notifications(&signed_in.actor).await?;
    Ok(InboxPage { layout: Layout::for_signed_in(&signed_in), rows: rows(notifications), outbox: false }
        .into_response())
}

pub async fn mark_read(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| PageError::from(AppError::NotFound))?;
    state.app.mark_notification_read(&signed_in.actor, id).await?;
    Ok(see_other("/inbox"))
}

pub async fn outbox_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let waiting = state.app.outbox(&signed_in.actor).await?;
    Ok(InboxPage { layout: Layout::for_signed_in(&signed_in), rows: rows(waiting), outbox: true }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "migration.html")]
pub struct MigrationPage {
    layout: Layout,
    rows: Vec<tt_app::membership::MigrationRow>,
}

pub async fn migration_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let rows = state.app.migration_schedule(&signed_in.actor).await?;
    Ok(MigrationPage { layout: Layout::for_signed_in(&signed_in), rows }.into_response())
}
