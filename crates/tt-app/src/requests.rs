//! Benefit request use cases: a member asks (eligibility checked on the day, from the standing
//! history), staff assign, talk with the member and decide, the clocks are measured, the worker
//! reminds whoever a clock waits for, and the program reads turnaround and lapse KPIs.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tt_domain::membership::CtpatValue;
use tt_domain::penalty::{Culpability, Maximum, PenaltyAssessment, PenaltyFacts, assess};
use tt_domain::requests::{
    Clock, ClockOwner, ClockStatus, Input, Request, RequestEvent, RequestKind, RequestState, RequestStep,
};
use tt_domain::trade::Cents;
use tt_domain::{Account, AccountId, EmailAddress, Role, Side, User, ValidationError};
use tt_store::StoreError;
use tt_store::UserFilter;
use tt_store::membership::Notification;
use tt_store::requests::{NewRequestEvent, StoredRequest};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::NOTHING;
use crate::pdf::PdfDocument;
use crate::policy::POLICY;
use crate::{Actor, App, AppError, AppResult, Permission};

/// A new request as a member (or, for penalty cases, staff) files it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewRequest {
    /// One of the request kinds (`ruling`, `confidential_manifest`, ...).
    pub kind: String,
    /// The kind's fields by name (see `GET /api/v1/request-kinds`).
    #[serde(default)]
    pub details: BTreeMap<String, String>,
}

/// A change to a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RequestAction {
    /// Give the request to a member of staff (by e-mail address).
    Assign {
        to: String,
    },
    /// Write in the request's conversation (members and staff).
    Message {
        text: String,
    },
    /// Grant it; `note` carries the ruling or certificate reference, `amount` a penalty case's
    /// decided amount.
    Grant {
        #[serde(default)]
        note: String,
        #[serde(default)]
        amount: Option<String>,
    },
    Refuse {
        reason: String,
    },
    Withdraw {
        reason: String,
    },
}

/// A clock as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClockView {
    pub name: &'static str,
    /// `agency` or `member`: whose move it waits for.
    pub owner: &'static str,
    pub starts: String,
    pub due: String,
    pub basis: String,
    pub stopped: Option<String>,
    /// `running`, `at_risk`, `breached`, `met`, `missed` or `not_started`.
    pub status: &'static str,
    /// Days from today to the due date (negative once past).
    pub days_left: i64,
}

/// One of the request's fields with its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DetailView {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
}

/// One step of the request's history (messages included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestHistoryEntry {
    pub recorded_at: String,
    pub recorded_by: String,
    /// `submitted`, `assigned`, `message`, `granted`, `refused` or `withdrawn`.
    pub step: &'static str,
    pub from_agency: Option<bool>,
    pub text: String,
}

/// A penalty assessment as shown, amounts in dollars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PenaltyView {
    pub culpability: &'static str,
    /// The maximum in dollars, or `null` when only interest on the loss is owed.
    pub maximum: Option<String>,
    pub maximum_basis: String,
    pub guideline_low: Option<String>,
    pub guideline_high: Option<String>,
    pub guideline_basis: String,
    pub mitigating_factors: Vec<String>,
}

/// A request as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub legal_name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub benefit_id: &'static str,
    /// `submitted`, `in_review`, `granted`, `refused` or `withdrawn`.
    pub state: &'static str,
    pub state_label: &'static str,
    pub received: String,
    /// A Trade Compliance member's ruling or admissibility review: the front of the queue.
    pub front_of_line: bool,
    /// A Trade Compliance member when received (for a penalty case, on the violation's day).
    pub trade_compliance: bool,
    pub assigned_to: Option<String>,
    pub details: Vec<DetailView>,
    pub clocks: Vec<ClockView>,
    pub decided_on: Option<String>,
    pub decision_note: Option<String>,
    pub decided_amount: Option<String>,
    pub turnaround_days: Option<i64>,
    pub history: Vec<RequestHistoryEntry>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub renews: Option<Uuid>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub renewed_by: Option<Uuid>,
    /// A granted confidential-manifest certificate's validity.
    pub certificate_effective: Option<String>,
    pub certificate_expires: Option<String>,
    /// When its renewal may be filed, if it is a certificate not yet renewed.
    pub renewal_opens: Option<String>,
    pub lapsed: bool,
    pub penalty: Option<PenaltyView>,
}

/// A kind of request and its form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestKindView {
    pub kind: &'static str,
    pub label: &'static str,
    pub benefit_id: &'static str,
    pub opened_by_agency: bool,
    pub open_to_all: bool,
    pub fields: Vec<FieldView>,
}

/// One field of a request form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `long_text`, `date`, `entry_number`, `importer_number`, `money` or `choice`.
    pub input: &'static str,
    pub required: bool,
    /// For `choice`: (code, label) pairs.
    pub choices: Vec<(&'static str, &'static str)>,
}

/// Turnaround of one kind of request for one group of requesters over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestKpiRow {
    pub kind: &'static str,
    pub kind_label: &'static str,
    /// `trade_compliance` or `other`: the requester's standing when received.
    pub membership: &'static str,
    pub received: usize,
    pub decided: usize,
    pub granted: usize,
    /// Median days from receipt to decision, of those decided (`null` when none).
    pub median_turnaround_days: Option<i64>,
    /// Of those decided, how many by the due date.
    pub decided_on_time: usize,
    /// Still open and past the due date today.
    pub open_breached: usize,
}

/// The request KPIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestKpis {
    pub from: String,
    pub to: String,
    pub rows: Vec<RequestKpiRow>,
    /// Confidential-manifest certificates valid on `to`.
    pub active_certificates: usize,
    /// Certificates that expired within the period with no renewal received before expiry.
    pub lapsed_certificates: usize,
    /// When and from what these figures were computed.
    pub lineage: Vec<String>,
}

/// The penalty calculator's input, amounts in dollars as text.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PenaltyInput {
    pub culpability: String,
    pub loss_of_revenue: String,
    pub dutiable_value: String,
    pub domestic_value: String,
    #[serde(default)]
    pub prior_disclosure: bool,
    #[serde(default)]
    pub trade_compliance_member: bool,
}

fn money(cents: Cents) -> String {
    Cents::format(i128::from(cents.0))
}

fn penalty_view(facts: &PenaltyFacts, assessment: PenaltyAssessment) -> PenaltyView {
    PenaltyView {
        culpability: facts.culpability.label(),
        maximum: match assessment.maximum {
            Maximum::Amount(amount) => Some(money(amount)),
            Maximum::InterestOnLossOnly => None,
        },
        maximum_basis: assessment.maximum_basis,
        guideline_low: assessment.guideline_low.map(money),
        guideline_high: assessment.guideline_high.map(money),
        guideline_basis: assessment.guideline_basis,
        mitigating_factors: assessment.mitigating_factors,
    }
}

fn clock_view(clock: &Clock, today: Date) -> ClockView {
    ClockView {
        name: clock.name,
        owner: match clock.owner {
            ClockOwner::Agency => "agency",
            ClockOwner::Member => "member",
        },
        starts: clock.starts.to_string(),
        due: clock.due.to_string(),
        basis: clock.basis.clone(),
        stopped: clock.stopped.map(|day| day.to_string()),
        status: status_code(clock.status),
        days_left: (clock.due - today).whole_days(),
    }
}

const fn status_code(status: ClockStatus) -> &'static str {
    match status {
        ClockStatus::Running => "running",
        ClockStatus::AtRisk => "at_risk",
        ClockStatus::Breached => "breached",
        ClockStatus::Met => "met",
        ClockStatus::Missed => "missed",
        ClockStatus::NotStarted => "not_started",
    }
}

const fn state_code(state: RequestState) -> &'static str {
    match state {
        RequestState::Submitted => "submitted",
        RequestState::InReview => "in_review",
        RequestState::Granted => "granted",
        RequestState::Refused => "refused",
        RequestState::Withdrawn => "withdrawn",
    }
}

/// Every kind and its form.
#[must_use]
pub fn request_kinds() -> Vec<RequestKindView> {
    RequestKind::ALL
        .into_iter()
        .map(|kind| RequestKindView {
            kind: kind.code(),
            label: kind.label(),
            benefit_id: kind.benefit_id(),
            opened_by_agency: kind.opened_by_agency(),
            open_to_all: kind.open_to_all(),
            fields: kind
                .fields()
                .iter()
                .map(|field| FieldView {
                    name: field.name,
                    label: field.label,
                    input: match field.input {
                        Input::Text => "text",
                        Input::LongText => "long_text",
                        Input::Date => "date",
                        Input::EntryNumber => "entry_number",
                        Input::ImporterNumber => "importer_number",
                        Input::Money => "money",
                        Input::Choice(_) => "choice",
                    },
                    required: field.required,
                    choices: match field.input {
                        Input::Choice(choices) => choices.to_vec(),
                        _ => Vec::new(),
                    },
                })
                .collect(),
        })
        .collect()
}

/// The day a renewal of each certificate was received (renewals neither refused nor withdrawn).
fn renewals(requests: &[(Uuid, Request)]) -> HashMap<Uuid, (Uuid, Date)> {
    requests
        .iter()
        .filter(|(_, request)| !matches!(request.state, RequestState::Refused | RequestState::Withdrawn))
        .filter_map(|(id, request)| request.renews.map(|renewed| (renewed, (*id, request.received))))
        .collect()
}

fn replay(stored: &StoredRequest) -> AppResult<Request> {
    Request::replay(&stored.events).map_err(|refused| AppError::Internal(anyhow::anyhow!("request history: {refused}")))
}

/// The permissions that act on requests: members file and write, staff decide.
pub const REQUEST_PERMISSIONS: &[Permission] = &[Permission::RequestBenefits, Permission::DecideBenefitRequests];

impl App {
    /// Refuses someone who can neither file nor decide requests, before their input is read.
    ///
    /// # Errors
    /// `Forbidden`.
    pub fn require_request_permission(&self, actor: &Actor) -> AppResult<()> {
        let now = self.clock.now();
        if REQUEST_PERMISSIONS.iter().any(|permission| actor.require(*permission, now).is_ok()) {
            Ok(())
        } else {
            Err(AppError::Forbidden("your role neither files nor decides benefit requests"))
        }
    }

    fn request_view(
        &self,
        id: Uuid,
        account: &Account,
        events: &[RequestEvent],
        request: &Request,
        renewal: Option<(Uuid, Date)>,
    ) -> RequestView {
        let today = self.clock.now().date();
        let rules = &self.settings.benefit_clocks;
        let renewed_on = renewal.map(|(_, on)| on);
        let certificate = request.certification();
        let details = request
            .kind
            .fields()
            .iter()
            .filter_map(|field| {
                request.details.get(field.name).map(|value| {
                    let shown = match field.input {
                        Input::Choice(choices) => choices
                            .iter()
                            .find(|(code, _)| code == value)
                            .map_or_else(|| value.clone(), |(_, label)| (*label).to_owned()),
                        _ => value.clone(),
                    };
                    DetailView { name: field.name, label: field.label, value: shown }
                })
            })
            .collect();
        let history = events
            .iter()
            .map(|event| {
                let (from_agency, text) = match &event.step {
                    RequestStep::Submitted { .. } => (None, String::new()),
                    RequestStep::Assigned { to } => (None, to.clone()),
                    RequestStep::Message { from_agency, text } => (Some(*from_agency), text.clone()),
                    RequestStep::Decided { note, .. } => (None, note.clone()),
                    RequestStep::Withdrawn { reason, .. } => (None, reason.clone()),
                };
                RequestHistoryEntry {
                    recorded_at: event.recorded_at.to_string(),
                    recorded_by: event.recorded_by.clone(),
                    step: event.step.kind(),
                    from_agency,
                    text,
                }
            })
            .collect();
        RequestView {
            id,
            account_id: account.id,
            account_number: account.number.to_string(),
            legal_name: account.legal_name.as_str().to_owned(),
            kind: request.kind.code(),
            kind_label: request.kind.label(),
            benefit_id: request.kind.benefit_id(),
            state: state_code(request.state),
            state_label: request.state.label(),
            received: request.received.to_string(),
            front_of_line: request.front_of_line(),
            trade_compliance: request.trade_compliance,
            assigned_to: request.assigned_to.clone(),
            details,
            clocks: request.clocks(rules, today, renewed_on).iter().map(|clock| clock_view(clock, today)).collect(),
            decided_on: request.decided_on.map(|day| day.to_string()),
            decision_note: request.decision_note.clone(),
            decided_amount: request.decided_amount.map(money),
            turnaround_days: request.turnaround_days(),
            history,
            renews: request.renews,
            renewed_by: renewal.map(|(renewal, _)| renewal),
            certificate_effective: certificate.map(|(effective, _)| effective.to_string()),
            certificate_expires: certificate.map(|(_, expires)| expires.to_string()),
            renewal_opens: if renewal.is_none() {
                request.renewal_opens(rules).map(|day| day.to_string())
            } else {
                None
            },
            lapsed: request.lapsed(today, renewed_on),
            penalty: request.penalty_facts().map(|facts| penalty_view(&facts, assess(&facts))),
        }
    }

    /// Whether the account is a Trade Compliance member (Tier II or III with it) on `day`.
    async fn trade_compliance_on(&self, account_id: AccountId, day: Date) -> AppResult<bool> {
        let events = self.store.sourced_status_events(Some(account_id)).await?;
        let standing =
            tt_domain::membership::Timeline::new(events.into_iter().map(|(_, sourced)| sourced.event)).standing_on(day);
        Ok(standing.trade_compliance && matches!(standing.ctpat, CtpatValue::T2 | CtpatValue::T3))
    }

    /// Files a request for an account: checked field by field, refused with the reason when the
    /// account is not eligible today, received today.
    ///
    /// # Errors
    /// `Forbidden` (members file for their own account; staff open penalty cases), `Invalid`
    /// naming each bad field or the eligibility reason (field `kind`).
    pub async fn submit_request(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: &NewRequest,
    ) -> AppResult<RequestView> {
        let kind = RequestKind::parse(&input.kind)?;
        let permission =
            if kind.opened_by_agency() { Permission::DecideBenefitRequests } else { Permission::RequestBenefits };
        actor.require(permission, self.clock.now())?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let details = kind.parse_details(&input.details).map_err(AppError::Invalid)?;
        self.file_request(actor, &account, kind, details, None).await
    }

    async fn file_request(
        &self,
        actor: &Actor,
        account: &Account,
        kind: RequestKind,
        details: BTreeMap<String, String>,
        renews: Option<Uuid>,
    ) -> AppResult<RequestView> {
        let today = self.clock.now().date();
        if let Some(importer) = details.get("importer_number") {
            let sets_a_flag =
                kind == RequestKind::ReconciliationFlag && details.get("action").map(String::as_str) == Some("flag");
            self.check_reconciliation_importer(account, sets_a_flag, importer, today).await?;
        }
        if !kind.open_to_all() {
            self.check_benefit(account.id, kind.benefit_id(), today).await.map_err(|error| match error {
                AppError::Invalid(errors) => AppError::Invalid(
                    errors.into_iter().map(|error| ValidationError::new("kind", error.message)).collect(),
                ),
                other => other,
            })?;
        }
        let standing_day = Request::standing_day(kind, &details, today);
        let trade_compliance = self.trade_compliance_on(account.id, standing_day).await?;
        let step = RequestStep::Submitted { kind, details, received: today, trade_compliance, renews };
        self.append_request(actor, Uuid::now_v7(), account, kind, None, Vec::new(), step).await
    }

    /// A reconciliation request names one of the account's importer numbers, and a flag needs
    /// that importer's continuous bond and reconciliation rider on file the day it is set (an
    /// unflag does not).
    async fn check_reconciliation_importer(
        &self,
        account: &Account,
        sets_a_flag: bool,
        importer: &str,
        today: Date,
    ) -> AppResult<()> {
        if !account.importer_numbers.iter().any(|number| number.as_str() == importer) {
            return Err(AppError::invalid(
                "importer_number",
                format!("{importer} is not one of this account's importer numbers"),
            ));
        }
        if sets_a_flag
            && !self
                .account_requests(account.id)
                .await?
                .iter()
                .any(|(_, request)| request.covers_flagging(importer, today))
        {
            return Err(AppError::invalid(
                "importer_number",
                format!(
                    "a reconciliation flag needs a continuous bond and a reconciliation rider in force for {importer} on {today}: record the participation first"
                ),
            ));
        }
        Ok(())
    }

    /// Renews a confidential-manifest certificate with one click: a new request with the same
    /// names and addresses, marked as its renewal.
    ///
    /// # Errors
    /// `Invalid` when the request is not a granted certificate, is renewed already, or its
    /// renewal window has not opened.
    pub async fn renew_request(&self, actor: &Actor, id: Uuid) -> AppResult<RequestView> {
        actor.require(Permission::RequestBenefits, self.clock.now())?;
        let stored = self.store.request(id).await?.ok_or(AppError::NotFound)?;
        let account = self.store.get_account(stored.account_id).await?;
        actor.require_account_visible(&account)?;
        let request = replay(&stored)?;
        if request.certification().is_none() {
            return Err(AppError::invalid("request", "only a granted confidential-manifest certificate is renewed"));
        }
        let siblings = self.account_requests(account.id).await?;
        if let Some((renewal, _)) = renewals(&siblings).get(&id) {
            return Err(AppError::invalid(
                "request",
                format!("this certificate is already renewed by request {renewal}"),
            ));
        }
        let today = self.clock.now().date();
        if let Some(opens) = request.renewal_opens(&self.settings.benefit_clocks).filter(|opens| today < *opens) {
            return Err(AppError::invalid("request", format!("the renewal window opens on {opens}")));
        }
        self.file_request(actor, &account, request.kind, request.details.clone(), Some(id)).await
    }

    async fn account_requests(&self, account_id: AccountId) -> AppResult<Vec<(Uuid, Request)>> {
        self.store
            .requests(Some(account_id))
            .await?
            .iter()
            .map(|stored| Ok((stored.request_id, replay(stored)?)))
            .collect()
    }

    /// One request.
    ///
    /// # Errors
    /// `NotFound`, or `Forbidden` outside the actor's scope.
    pub async fn get_request(&self, actor: &Actor, id: Uuid) -> AppResult<RequestView> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("partner agencies do not see benefit requests")?;
        let stored = self.store.request(id).await?.ok_or(AppError::NotFound)?;
        let account = self.store.get_account(stored.account_id).await?;
        actor.require_account_visible(&account)?;
        let request = replay(&stored)?;
        let renewal = renewals(&self.account_requests(account.id).await?).get(&id).copied();
        Ok(self.request_view(id, &account, &stored.events, &request, renewal))
    }

    /// Requests in the actor's scope (members: their account's), open ones first, Trade
    /// Compliance members' at the front of the line, then by the agency's due date.
    ///
    /// # Errors
    /// `Forbidden` for someone who may not see accounts.
    pub async fn list_requests(&self, actor: &Actor, account_id: Option<AccountId>) -> AppResult<Vec<RequestView>> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("partner agencies do not see benefit requests")?;
        let scope = actor.own_account().or(account_id);
        let stored = self.store.requests(scope).await?;
        let replayed: Vec<(Uuid, Request)> =
            stored.iter().map(|request| Ok((request.request_id, replay(request)?))).collect::<AppResult<_>>()?;
        let renewed = renewals(&replayed);
        let mut accounts: HashMap<AccountId, Account> = HashMap::new();
        let mut views = Vec::new();
        for (stored, (id, request)) in stored.iter().zip(&replayed) {
            if let std::collections::hash_map::Entry::Vacant(entry) = accounts.entry(stored.account_id) {
                entry.insert(self.store.get_account(stored.account_id).await?);
            }
            let account = &accounts[&stored.account_id];
            if !actor.can_see_account(account) {
                continue;
            }
            views.push(self.request_view(*id, account, &stored.events, request, renewed.get(id).copied()));
        }
        let rules = &self.settings.benefit_clocks;
        // Open first; among open ones, breached agency clocks, then front-of-line benefits, then
        // the soonest due.
        let today = self.clock.now().date();
        let order: HashMap<Uuid, (bool, bool, Option<Date>)> = replayed
            .iter()
            .map(|(id, request)| {
                let due = request.decision_due(rules).0;
                let open = request.state.is_open();
                (*id, (open && today > due, open && request.front_of_line(), open.then_some(due)))
            })
            .collect();
        views.sort_by_cached_key(|view| {
            let (breached, front, due) = order.get(&view.id).copied().unwrap_or((false, false, None));
            let open = matches!(view.state, "submitted" | "in_review");
            (!open, !breached, !front, due, std::cmp::Reverse(view.received.clone()))
        });
        Ok(views)
    }

    /// Assigns, answers, decides or withdraws a request.
    ///
    /// # Errors
    /// `Forbidden` for the wrong role or scope, `Invalid` when the step does not fit.
    pub async fn change_request(&self, actor: &Actor, id: Uuid, action: &RequestAction) -> AppResult<RequestView> {
        let now = self.clock.now();
        let stored = self.store.request(id).await?.ok_or(AppError::NotFound)?;
        let account = self.store.get_account(stored.account_id).await?;
        actor.require_account_visible(&account)?;
        let request = replay(&stored)?;
        let staff_decides = |actor: &Actor| actor.require(Permission::DecideBenefitRequests, now);
        let today = now.date();
        let step = match action {
            RequestAction::Assign { to } => {
                staff_decides(actor)?;
                let email = EmailAddress::parse(to.trim()).map_err(|error| AppError::invalid("to", error.message))?;
                let assignee = self.store.find_user_by_email(&email).await?.filter(|user| {
                    user.active
                        && user.role.side() == Side::Agency
                        && permission_holders(Permission::DecideBenefitRequests).contains(&user.role)
                });
                if assignee.is_none() {
                    return Err(AppError::invalid("to", format!("{email} is not active staff who decide requests")));
                }
                RequestStep::Assigned { to: email.to_string() }
            }
            RequestAction::Message { text } => {
                let from_agency = actor.is_agency();
                actor.require(
                    if from_agency { Permission::DecideBenefitRequests } else { Permission::RequestBenefits },
                    now,
                )?;
                if text.trim().is_empty() {
                    return Err(AppError::invalid("text", "is required"));
                }
                RequestStep::Message { from_agency, text: text.trim().to_owned() }
            }
            RequestAction::Grant { note, amount } => {
                staff_decides(actor)?;
                let amount = match amount.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                    Some(text) => Some(Cents::parse("amount", text, false)?),
                    None => None,
                };
                match (amount, request.penalty_facts()) {
                    (Some(_), None) => {
                        return Err(AppError::invalid("amount", "only a penalty case is decided with an amount"));
                    }
                    (Some(decided), Some(facts)) => {
                        if let Maximum::Amount(maximum) = assess(&facts).maximum
                            && decided > maximum
                        {
                            return Err(AppError::invalid(
                                "amount",
                                format!("{} is above the statutory maximum of {}", money(decided), money(maximum)),
                            ));
                        }
                    }
                    (None, _) => {}
                }
                RequestStep::Decided { granted: true, on: today, note: note.trim().to_owned(), amount }
            }
            RequestAction::Refuse { reason } => {
                staff_decides(actor)?;
                if reason.trim().is_empty() {
                    return Err(AppError::invalid("reason", "a refusal needs its reason"));
                }
                RequestStep::Decided { granted: false, on: today, note: reason.trim().to_owned(), amount: None }
            }
            RequestAction::Withdraw { reason } => {
                actor.require(
                    if request.kind.opened_by_agency() {
                        Permission::DecideBenefitRequests
                    } else {
                        Permission::RequestBenefits
                    },
                    now,
                )?;
                RequestStep::Withdrawn { on: today, reason: reason.trim().to_owned() }
            }
        };
        let last = stored.events.last().map(|event| event.sequence);
        self.append_request(actor, id, &account, request.kind, last, stored.events, step).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn append_request(
        &self,
        actor: &Actor,
        id: Uuid,
        account: &Account,
        kind: RequestKind,
        expected_last: Option<i64>,
        mut events: Vec<RequestEvent>,
        step: RequestStep,
    ) -> AppResult<RequestView> {
        let now = self.clock.now();
        events.push(RequestEvent {
            sequence: expected_last.unwrap_or(0) + 1,
            recorded_at: now,
            recorded_by: actor.label.clone(),
            step: step.clone(),
        });
        let after = Request::replay(&events).map_err(|refused| AppError::invalid("action", refused.0))?;
        let audit = actor.audit(
            now,
            &format!("request.{}", step.kind()),
            "request",
            Some(id.to_string()),
            NOTHING,
            Some(&step),
        );
        let event = NewRequestEvent {
            request_id: id,
            account_id: account.id,
            kind,
            recorded_at: now,
            recorded_by: actor.label.clone(),
            recorded_by_user: actor.user.as_ref().map(|user| user.id),
            step,
        };
        match self.store.append_request_event(expected_last, &event, &audit).await {
            Ok(()) => {}
            Err(StoreError::Conflict { field: "request" }) => {
                return Err(AppError::Conflict {
                    field: "request",
                    message: "the request changed meanwhile; reload it and try again".to_owned(),
                });
            }
            Err(StoreError::Conflict { field: "renews" }) => {
                return Err(AppError::Conflict {
                    field: "request",
                    message: "this certificate is already renewed".to_owned(),
                });
            }
            Err(error) => return Err(error.into()),
        }
        let recorded = events.last().map(|event| (event.sequence, event.step.clone()));
        if let Some((sequence, step)) = recorded {
            // The request is recorded; a failed notice is logged, not an error.
            if let Err(error) = self.notify_request_step(id, account, &after, sequence, &step).await {
                tracing::warn!(request = %id, error = %error, "could not notify about a request step");
            }
        }
        let renewal = renewals(&self.account_requests(account.id).await?).get(&id).copied();
        Ok(self.request_view(id, account, &events, &after, renewal))
    }

    /// Tells the other side about a step: the member's officers and employees about the agency's
    /// messages and decisions; the assignee (or, unassigned, the account's National Account
    /// Manager) about a new request or the member's messages.
    async fn notify_request_step(
        &self,
        id: Uuid,
        account: &Account,
        request: &Request,
        sequence: i64,
        step: &RequestStep,
    ) -> AppResult<()> {
        let to_member = match step {
            RequestStep::Message { from_agency, .. } => *from_agency,
            RequestStep::Decided { .. } => true,
            RequestStep::Submitted { .. } => request.kind.opened_by_agency(),
            RequestStep::Assigned { .. } | RequestStep::Withdrawn { .. } => return Ok(()),
        };
        let recipients: Vec<User> = if to_member {
            let filter = UserFilter { account_id: Some(account.id), side: Some(Side::Trade) };
            self.store
                .list_users(&filter)
                .await?
                .into_iter()
                .filter(|user| user.active && matches!(user.role, Role::CompanyOfficer | Role::Employee))
                .collect()
        } else {
            let staff = match request.assigned_to.clone() {
                Some(assignee) => Some(assignee),
                None => self.account_nam(account).await?,
            };
            match staff.as_deref().map(EmailAddress::parse) {
                Some(Ok(email)) => self
                    .store
                    .find_user_by_email(&email)
                    .await?
                    .filter(|user| {
                        user.active && permission_holders(Permission::DecideBenefitRequests).contains(&user.role)
                    })
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            }
        };
        let what = match step {
            RequestStep::Message { text, .. } => format!("New message: {text}"),
            RequestStep::Decided { granted: true, note, .. } => format!("Granted. {note}"),
            RequestStep::Decided { granted: false, note, .. } => format!("Refused: {note}"),
            _ => "A new request to review.".to_owned(),
        };
        let now = self.clock.now();
        for user in recipients {
            let notification = Notification {
                id: Uuid::now_v7(),
                reminder_key: format!("request:{id}:step:{sequence}"),
                account_id: Some(account.id),
                recipient: user.id,
                recipient_email: user.email.to_string(),
                subject: format!("[Trusted Trader] {} ({}): {}", request.kind.label(), account.number, step.kind()),
                body: format!("{what}\n\n{}/requests/{id}\n", self.settings.public_base_url.trim_end_matches('/')),
                created_at: now,
                read_at: None,
                emailed_at: None,
            };
            self.store.add_notification(&notification).await?;
        }
        Ok(())
    }

    /// The confidential-manifest certificate as a PDF.
    ///
    /// # Errors
    /// `Invalid` when the request is not a granted certificate.
    pub async fn certificate_pdf(&self, actor: &Actor, id: Uuid) -> AppResult<Vec<u8>> {
        let view = self.get_request(actor, id).await?;
        let (Some(effective), Some(expires)) = (&view.certificate_effective, &view.certificate_expires) else {
            return Err(AppError::invalid("request", "only a granted confidential-manifest certificate is printed"));
        };
        let mut document = PdfDocument::new("Confidential manifest certification");
        document
            .title("Confidential manifest certification")
            .paragraph(&format!("{} ({})", view.legal_name, view.account_number))
            .paragraph(&format!(
                "Certified under 19 CFR 103.31(d), valid from {effective} to {expires}. Renew at least 60 days before it expires."
            ));
        document.heading("Withheld from manifests");
        for detail in &view.details {
            document.paragraph(&format!("{}: {}", detail.label, detail.value));
        }
        if let Some(note) = view.decision_note.as_deref().filter(|note| !note.is_empty()) {
            document.paragraph(&format!("Reference: {note}"));
        }
        document.paragraph(&format!("Request {} received {}.", view.id, view.received));
        Ok(document.to_bytes())
    }

    /// The 19 U.S.C. 1592 calculator.
    ///
    /// # Errors
    /// `Invalid` naming each bad amount or the culpability.
    pub fn calculate_penalty(&self, actor: &Actor, input: &PenaltyInput) -> AppResult<PenaltyView> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let mut errors = Vec::new();
        let mut amount = |field: &'static str, text: &str| {
            Cents::parse(field, text.trim(), false).map_err(|error| errors.push(error)).unwrap_or_default()
        };
        let loss_of_revenue = amount("loss_of_revenue", &input.loss_of_revenue);
        let dutiable_value = amount("dutiable_value", &input.dutiable_value);
        let domestic_value = amount("domestic_value", &input.domestic_value);
        let culpability = Culpability::parse("culpability", &input.culpability).map_err(|error| errors.push(error));
        let Ok(culpability) = culpability else { return Err(AppError::Invalid(errors)) };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let facts = PenaltyFacts {
            culpability,
            loss_of_revenue,
            dutiable_value,
            domestic_value,
            prior_disclosure: input.prior_disclosure,
            trade_compliance_member: input.trade_compliance_member,
        };
        Ok(penalty_view(&facts, assess(&facts)))
    }

    /// Turnaround by kind and membership for requests received in `from..=to`, and certificates.
    ///
    /// # Errors
    /// `Forbidden` without access to program data.
    pub async fn request_kpis(&self, actor: &Actor, from: Date, to: Date) -> AppResult<RequestKpis> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        if to < from {
            return Err(AppError::invalid("to", "is before from"));
        }
        Ok(self
            .dashboard_projection(format!("request_kpis:{from}:{to}"), move |app| async move {
                app.compute_request_kpis(from, to).await
            })
            .await?
            .marked())
    }

    async fn compute_request_kpis(&self, from: Date, to: Date) -> AppResult<RequestKpis> {
        let today = self.clock.now().date();
        let rules = &self.settings.benefit_clocks;
        let stored = self.store.requests(None).await?;
        let accounts: HashMap<Uuid, AccountId> =
            stored.iter().map(|request| (request.request_id, request.account_id)).collect();
        let replayed: Vec<(Uuid, Request)> =
            stored.iter().map(|stored| Ok((stored.request_id, replay(stored)?))).collect::<AppResult<_>>()?;
        let renewed = renewals(&replayed);
        let mut groups: BTreeMap<(RequestKind, bool), Vec<&Request>> = BTreeMap::new();
        for (_, request) in &replayed {
            if (from..=to).contains(&request.received) {
                groups.entry((request.kind, request.trade_compliance)).or_default().push(request);
            }
        }
        let rows = groups
            .into_iter()
            .map(|((kind, trade_compliance), requests)| {
                let mut turnaround: Vec<i64> =
                    requests.iter().filter_map(|request| request.turnaround_days()).collect();
                turnaround.sort_unstable();
                RequestKpiRow {
                    kind: kind.code(),
                    kind_label: kind.label(),
                    membership: if trade_compliance { "trade_compliance" } else { "other" },
                    received: requests.len(),
                    decided: turnaround.len(),
                    granted: requests.iter().filter(|request| request.state == RequestState::Granted).count(),
                    // The lower median, so it is always a day some request actually took.
                    median_turnaround_days: (!turnaround.is_empty()).then(|| turnaround[(turnaround.len() - 1) / 2]),
                    // A penalty case has no decision clock (its clock is the member's petition).
                    decided_on_time: requests
                        .iter()
                        .filter(|request| request.kind != RequestKind::PenaltyCase)
                        .filter(|request| request.decided_on.is_some_and(|on| on <= request.decision_due(rules).0))
                        .count(),
                    open_breached: requests
                        .iter()
                        .filter(|request| request.kind != RequestKind::PenaltyCase)
                        .filter(|request| request.state.is_open() && today > request.decision_due(rules).0)
                        .count(),
                }
            })
            .collect();
        let certificates: Vec<(&Uuid, &Request)> =
            replayed.iter().filter(|(_, request)| request.certification().is_some()).map(|(id, r)| (id, r)).collect();
        // Partners with a valid certificate (a renewal overlapping its predecessor counts once).
        let active_certificates = certificates
            .iter()
            .filter(|(_, request)| {
                request.certification().is_some_and(|(effective, expires)| effective <= to && to <= expires)
            })
            .filter_map(|(id, _)| accounts.get(*id))
            .collect::<std::collections::HashSet<_>>()
            .len();
        let lapsed_certificates = certificates
            .iter()
            .filter(|(id, request)| {
                request.certification().is_some_and(|(_, expires)| {
                    (from..=to).contains(&expires)
                        && expires < today
                        && renewed.get(*id).is_none_or(|(_, renewed_on)| *renewed_on > expires)
                })
            })
            .count();
        Ok(RequestKpis {
            from: from.to_string(),
            to: to.to_string(),
            rows,
            active_certificates,
            lapsed_certificates,
            lineage: vec![
                self.computed_at(),
                format!(
                    "Turnaround from each request's recorded history (append-only) for requests received {from} to {to}, counted under the requester's Trade Compliance standing; certificates as recorded"
                ),
            ],
        })
    }

    /// Puts a reminder in the inbox of whoever a request's clock waits for: the member's officers
    /// and employees before their deadlines and once overdue; the assignee (or, unassigned, the
    /// supervisors) when the agency's clock is at risk, and the supervisors too once breached.
    pub(crate) async fn remind_request_clocks(
        &self,
        members: &mut HashMap<AccountId, Vec<User>>,
        staff: &[User],
        now: OffsetDateTime,
        leads: &[i64],
    ) -> AppResult<usize> {
        let today = now.date();
        let rules = &self.settings.benefit_clocks;
        let stored = self.store.requests(None).await?;
        let replayed: Vec<(Uuid, Request)> =
            stored.iter().map(|request| Ok((request.request_id, replay(request)?))).collect::<AppResult<_>>()?;
        let renewed = renewals(&replayed);
        let supervisors: Vec<&User> = staff
            .iter()
            .filter(|user| user.active && matches!(user.role, Role::NamSupervisor | Role::ScssSupervisor))
            .collect();
        let mut created = 0;
        for (stored, (id, request)) in stored.iter().zip(&replayed) {
            for clock in request.clocks(rules, today, renewed.get(id).map(|(_, on)| *on)) {
                let days_left = (clock.due - today).whole_days();
                let stage = match (clock.status, clock.owner) {
                    (ClockStatus::Breached, _) => "overdue".to_owned(),
                    (ClockStatus::AtRisk, ClockOwner::Agency) => "at_risk".to_owned(),
                    (ClockStatus::Running | ClockStatus::AtRisk, ClockOwner::Member) => {
                        match leads.iter().find(|lead| days_left <= **lead) {
                            Some(lead) => format!("{lead}d"),
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                let recipients: Vec<User> = match clock.owner {
                    ClockOwner::Member => {
                        if let std::collections::hash_map::Entry::Vacant(entry) = members.entry(stored.account_id) {
                            let filter = UserFilter { account_id: Some(stored.account_id), side: Some(Side::Trade) };
                            entry.insert(self.store.list_users(&filter).await?);
                        }
                        members[&stored.account_id]
                            .iter()
                            .filter(|user| user.active && matches!(user.role, Role::CompanyOfficer | Role::Employee))
                            .cloned()
                            .collect()
                    }
                    ClockOwner::Agency => {
                        let assignee = request
                            .assigned_to
                            .as_deref()
                            .and_then(|email| staff.iter().find(|user| user.active && user.email.as_str() == email));
                        let mut recipients: Vec<User> = assignee.into_iter().cloned().collect();
                        if assignee.is_none() || stage == "overdue" {
                            recipients.extend(supervisors.iter().map(|user| (*user).clone()));
                        }
                        recipients
                    }
                };
                let account = self.store.get_account(stored.account_id).await?;
                for user in recipients {
                    let notification = Notification {
                        id: Uuid::now_v7(),
                        reminder_key: format!("request:{id}:{}:{}:{stage}", clock.name, clock.due),
                        account_id: Some(stored.account_id),
                        recipient: user.id,
                        recipient_email: user.email.to_string(),
                        subject: format!(
                            "[Trusted Trader] {}{} for {} ({}): {}",
                            if stage == "overdue" { "OVERDUE: " } else { "" },
                            clock.name,
                            request.kind.label(),
                            account.number,
                            clock.due
                        ),
                        body: format!(
                            "{} — {}\n{}: {} ({}).\n\n{}/requests/{id}\n",
                            account.number,
                            account.legal_name.as_str(),
                            clock.name,
                            clock.due,
                            clock.basis,
                            self.settings.public_base_url.trim_end_matches('/'),
                        ),
                        created_at: now,
                        read_at: None,
                        emailed_at: None,
                    };
                    if self.store.add_notification(&notification).await? {
                        created += 1;
                    }
                }
            }
        }
        Ok(created)
    }
}

/// The roles that hold a permission.
fn permission_holders(permission: Permission) -> &'static [Role] {
    POLICY.iter().find(|(held, ..)| *held == permission).map_or(&[], |(_, _, _, roles)| roles)
}

impl crate::projections::WithLineage for RequestKpis {
    fn lineage_mut(&mut self) -> &mut Vec<String> {
        &mut self.lineage
    }
}
