//! Membership lifecycle use cases: record a step (checked against the whole history and the
//! actor's role), show an account's history with its derived dates, and the work queues that
//! list what is due, for whom.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tt_domain::calendar::days_between;
use tt_domain::lifecycle::{
    ApplicationTile, DerivedDate, LegacyStanding, Membership, MembershipEvent, Party, Program, SecurityState, Step,
    TradeComplianceState, VettingBlock, standing_corrections,
};
use tt_domain::membership::{CtpatValue, StatusChange, StatusEvent};
use tt_domain::{Account, AccountId, EmailAddress, Role};
use tt_store::StoreError;
use tt_store::membership::{NewMembershipEvent, SourcedStatusEvent};
use tt_store::trade::NewStatusEvent;
use utoipa::ToSchema;

use crate::{Actor, App, AppError, AppResult, Permission};

/// A step as a person or client records it. The step's own fields sit beside these (the JSON
/// `step` field names the kind, as in `{"step": "profile_approved", "reason": "…"}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StepInput {
    /// The day the step took effect, `YYYY-MM-DD`; today when omitted. Never in the future.
    #[serde(default)]
    pub effective_date: Option<String>,
    /// Why: required for rejections, suspensions, removals, revocations and corrections.
    #[serde(default)]
    pub reason: Option<String>,
    /// The version of the document the step concerns (agreement, profile, letter).
    #[serde(default)]
    pub document_version: Option<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub step: Step,
}

/// One step in an account's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub sequence: i64,
    #[serde(with = "tt_domain::calendar::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub effective_date: Date,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub kind: String,
    pub description: String,
    pub reason: Option<String>,
    pub document_version: Option<String>,
    /// Withdrawn by a later correction (kept, and shown struck through).
    pub withdrawn: bool,
}

/// A derived date with where it stands today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DueDate {
    pub key: String,
    pub label: String,
    #[serde(with = "tt_domain::calendar::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub explanation: String,
    /// Whose move it is (`member`, `specialist`, …); absent for dates that are facts.
    #[schema(value_type = Option<String>)]
    pub owed_by: Option<Party>,
    /// `overdue`, `due_soon` (within 30 days), `upcoming`, or `fact`.
    pub status: &'static str,
    /// Days from today (negative when past).
    pub days_left: i64,
}

impl DueDate {
    fn of(derived: DerivedDate, today: Date) -> Self {
        let days_left = days_between(today, derived.date);
        let status = match (derived.owed_by, days_left) {
            (None, _) => "fact",
            (Some(_), days) if days < 0 => "overdue",
            (Some(_), days) if days <= 30 => "due_soon",
            _ => "upcoming",
        };
        Self {
            key: derived.key,
            label: derived.label,
            date: derived.date,
            explanation: derived.explanation,
            owed_by: derived.owed_by,
            status,
            days_left,
        }
    }
}

/// A request for information as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestView {
    #[schema(value_type = String)]
    pub program: Program,
    pub request: u32,
    pub question: String,
    #[serde(with = "tt_domain::calendar::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub asked_on: Date,
    #[serde(with = "tt_domain::calendar::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub due: Date,
    pub state: &'static str,
}

/// One vetting block: required or optional for the business type, and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VettingView {
    #[schema(value_type = String)]
    pub block: VettingBlock,
    pub label: &'static str,
    pub required: bool,
    /// `None` until recorded.
    pub derogatory: Option<bool>,
}

/// A Trade Compliance application tile and whether it is complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TileView {
    #[schema(value_type = String)]
    pub tile: ApplicationTile,
    pub label: &'static str,
    pub complete: bool,
}

/// An account's membership: both states, the timeline and every derived date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MembershipView {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub legal_name: String,
    /// `not_started`, `pre_applicant`, `applicant`, `approved`, `rejected`, `certified`,
    /// `suspended`, `removed` or `withdrawn`.
    pub security_state: String,
    pub security_label: String,
    /// `T1`, `T2`, `T3` or `NONE` (what the KPIs count the account as from today).
    pub ctpat_tier: String,
    pub trade_compliance_state: String,
    pub trade_compliance_label: String,
    pub specialist: Option<String>,
    pub specialist_supervisor: Option<String>,
    /// The field office the account is assigned to.
    pub office: Option<String>,
    pub national_account_manager: Option<String>,
    pub nam_supervisor: Option<String>,
    pub dates: Vec<DueDate>,
    pub requests: Vec<RequestView>,
    pub vetting: Vec<VettingView>,
    pub tiles: Vec<TileView>,
    pub eligibility_failures: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
}

/// An item in a work queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WorkItem {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub legal_name: String,
    #[serde(flatten)]
    pub due: DueDate,
    /// The staff member the item falls to (the assigned specialist, supervisor or NAM), if any.
    pub assigned_to: Option<String>,
    /// The field office the account is assigned to.
    pub office: Option<String>,
}

/// Which work items to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct WorkFilter {
    /// `mine` (default: assigned to me, or unassigned for my role), `team` (supervisors: their
    /// team's), or `all`.
    #[serde(default)]
    pub scope: Option<String>,
    /// Only items whose status is this (`overdue`, `due_soon`, `upcoming`).
    #[serde(default)]
    pub status: Option<String>,
    /// Only items of this kind (the key's first part, such as `revalidation_due`).
    #[serde(default)]
    pub kind: Option<String>,
    /// Only accounts assigned to this field office (compared without case).
    #[serde(default)]
    pub office: Option<String>,
}

/// Every permission that takes some membership step.
pub const STEP_PERMISSIONS: &[Permission] = &[
    Permission::PrepareMembership,
    Permission::SignAndSubmit,
    Permission::ReviewSecurityMembership,
    Permission::CertifyPartners,
    Permission::DecideStanding,
    Permission::ReviewTradeCompliance,
    Permission::DecideTradeCompliance,
    Permission::CorrectHistory,
];

/// Steps that need a reason.
fn needs_reason(step: &Step) -> bool {
    matches!(
        step,
        Step::ApplicationRejected
            | Step::Suspended { .. }
            | Step::Removed { .. }
            | Step::TradeComplianceRevoked
            | Step::Voided { .. }
            | Step::Reinstated { .. }
    )
}

/// Whether the actor may take a step: its permission, or for a withdrawal also the program
/// director's (who withdraws a suspended partner that never answered, so it may apply again
/// after a year instead of being removed for good).
fn may_take(actor: &Actor, step: &Step, now: OffsetDateTime) -> AppResult<()> {
    match actor.require(permission_for(step), now) {
        Err(_) if matches!(step, Step::Withdrawn) => actor.require(Permission::DecideStanding, now),
        result => result,
    }
}

/// Which permission a step needs; steps a member officer alone may take need `SignAndSubmit`.
fn permission_for(step: &Step) -> Permission {
    match step {
        Step::CompanyProfileCreated | Step::TileCompleted { .. } | Step::InformationAnswered { .. } => {
            Permission::PrepareMembership
        }
        Step::ApplicationSubmitted
        | Step::AnnualReviewSubmitted
        | Step::Withdrawn
        | Step::AppealFiled { .. }
        | Step::EligibilityChecked { .. }
        | Step::TradeComplianceSubmitted
        | Step::MemorandumSigned
        | Step::AnnualNotificationFiled { .. } => Permission::SignAndSubmit,
        Step::InformationRequested { program: Program::TradeCompliance, .. }
        | Step::InformationRequestCancelled { program: Program::TradeCompliance, .. }
        | Step::AnnualNotificationReviewed { .. }
        | Step::MigrationInvited
        | Step::OnboardingSessionHeld => Permission::ReviewTradeCompliance,
        Step::InformationRequested { .. }
        | Step::InformationRequestCancelled { .. }
        | Step::ProfileApproved
        | Step::ApplicationRejected
        | Step::VettingRecorded { .. }
        | Step::ValidationScheduled { .. }
        | Step::ValidationCompleted { .. }
        | Step::AnnualReviewApproved
        | Step::CorrectiveActionPlanReceived { .. } => Permission::ReviewSecurityMembership,
        Step::CertifiedTierOne | Step::SpecialistAssigned { .. } => Permission::CertifyPartners,
        Step::Suspended { .. } | Step::Reinstated { .. } | Step::Removed { .. } | Step::AppealDecided { .. } => {
            Permission::DecideStanding
        }
        Step::TradeComplianceAccepted
        | Step::NamAssigned { .. }
        | Step::TradeComplianceSuspended
        | Step::TradeComplianceReinstated
        | Step::TradeComplianceRevoked
        | Step::MigrationCompleted => Permission::DecideTradeCompliance,
        Step::Voided { .. } => Permission::CorrectHistory,
    }
}

fn security_state_id(state: SecurityState) -> &'static str {
    match state {
        SecurityState::NotStarted => "not_started",
        SecurityState::PreApplicant => "pre_applicant",
        SecurityState::Applicant => "applicant",
        SecurityState::Approved => "approved",
        SecurityState::Rejected => "rejected",
        SecurityState::Certified { .. } => "certified",
        SecurityState::Suspended { .. } => "suspended",
        SecurityState::Removed => "removed",
        SecurityState::Withdrawn => "withdrawn",
    }
}

fn trade_compliance_state_id(state: TradeComplianceState) -> &'static str {
    match state {
        TradeComplianceState::NotApplied => "not_applied",
        TradeComplianceState::ApplicationOpen => "application_open",
        TradeComplianceState::Submitted => "submitted",
        TradeComplianceState::MemorandumSigned => "memorandum_signed",
        TradeComplianceState::Active => "active",
        TradeComplianceState::Suspended => "suspended",
        TradeComplianceState::Revoked => "revoked",
    }
}

/// The longest text accepted in a step's free-text fields.
const MAX_TEXT: usize = 4000;

/// How many times a step is validated again when another was appended meanwhile.
const APPEND_ATTEMPTS: usize = 3;

/// An account's history and standing, as read from storage.
struct LoadedHistory {
    events: Vec<MembershipEvent>,
    legacy: Vec<(Date, CtpatValue)>,
    legacy_trade_compliance: Vec<(Date, bool)>,
    current: Vec<(Date, CtpatValue)>,
    current_trade_compliance: Vec<(Date, bool)>,
    seed: LegacyStanding,
}

impl LoadedHistory {
    fn new(events: Vec<MembershipEvent>, status: &[SourcedStatusEvent], letter_anniversary: Option<&str>) -> Self {
        let mut ordered: Vec<&SourcedStatusEvent> = status.iter().collect();
        ordered.sort_by_key(|sourced| (sourced.event.effective_date, sourced.event.sequence));
        let mut history = Self {
            events,
            legacy: Vec::new(),
            legacy_trade_compliance: Vec::new(),
            current: Vec::new(),
            current_trade_compliance: Vec::new(),
            seed: LegacyStanding::default(),
        };
        let mut imported: Vec<StatusEvent> = Vec::new();
        for sourced in ordered {
            let event = sourced.event;
            let legacy = sourced.source == "import";
            if legacy {
                imported.push(event);
            }
            match event.change {
                StatusChange::Ctpat(value) => {
                    history.current.push((event.effective_date, value));
                    if legacy {
                        history.legacy.push((event.effective_date, value));
                    }
                }
                StatusChange::TradeCompliance(on) => {
                    history.current_trade_compliance.push((event.effective_date, on));
                    if legacy {
                        history.legacy_trade_compliance.push((event.effective_date, on));
                    }
                }
            }
        }
        history.seed = LegacyStanding {
            letter_anniversary: letter_anniversary.and_then(|text| tt_domain::membership::parse_anniversary(text).ok()),
            ..LegacyStanding::from_events(&imported)
        };
        history
    }

    fn last_sequence(&self) -> Option<i64> {
        self.events.iter().map(|event| event.sequence).max()
    }
}

impl App {
    fn lifecycle_today(&self) -> Date {
        self.clock.now().date()
    }

    async fn load_history(&self, account_id: AccountId) -> AppResult<LoadedHistory> {
        let events = self.store.membership_events(account_id).await?;
        let status: Vec<SourcedStatusEvent> =
            self.store.sourced_status_events(Some(account_id)).await?.into_iter().map(|(_, event)| event).collect();
        let anniversary = self.store.anl_anniversary(account_id).await?;
        Ok(LoadedHistory::new(events, &status, anniversary.as_deref()))
    }

    /// The account's National Account Manager, if one is assigned (`None` also when its history
    /// cannot be replayed under today's rules).
    pub(crate) async fn account_nam(&self, account: &Account) -> AppResult<Option<String>> {
        let history = self.load_history(account.id).await?;
        Ok(self.replay(account, &history).ok().and_then(|membership| membership.nam.map(|(nam, _)| nam)))
    }

    fn replay(&self, account: &Account, history: &LoadedHistory) -> AppResult<Membership> {
        Membership::replay(
            &history.events,
            account.business_type,
            &history.seed,
            &self.settings.lifecycle,
            self.lifecycle_today(),
        )
        .map_err(|refused| AppError::invalid("step", refused.message))
    }

    /// An account's membership: states, derived dates, requests, vetting, tiles and timeline.
    ///
    /// # Errors
    /// `Forbidden` when the account is not the actor's to see, `NotFound` when unknown.
    pub async fn account_membership(&self, actor: &Actor, account_id: AccountId) -> AppResult<MembershipView> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let history = self.load_history(account_id).await?;
        let membership = self.replay(&account, &history)?;
        Ok(self.membership_view(&account, &history.events, &membership))
    }

    fn membership_view(
        &self,
        account: &Account,
        events: &[MembershipEvent],
        membership: &Membership,
    ) -> MembershipView {
        let today = self.lifecycle_today();
        let required = VettingBlock::required_for(account.business_type);
        let ctpat_tier = match membership.security {
            SecurityState::Certified { tier } => match tier {
                tt_domain::lifecycle::CertifiedTier::One => "T1",
                tt_domain::lifecycle::CertifiedTier::Two => "T2",
                tt_domain::lifecycle::CertifiedTier::Three => "T3",
            },
            _ => "NONE",
        };
        let mut timeline: Vec<TimelineEntry> = events
            .iter()
            .map(|event| TimelineEntry {
                sequence: event.sequence,
                effective_date: event.effective_date,
                recorded_at: event.recorded_at,
                recorded_by: event.recorded_by.clone(),
                kind: event.step.kind().to_owned(),
                description: event.step.describe(),
                reason: event.reason.clone(),
                document_version: event.document_version.clone(),
                withdrawn: membership.voided.contains(&event.sequence),
            })
            .collect();
        timeline.sort_by_key(|entry| (entry.effective_date, entry.sequence));
        MembershipView {
            account_id: account.id,
            account_number: account.number.to_string(),
            legal_name: account.legal_name.as_str().to_owned(),
            security_state: security_state_id(membership.security).to_owned(),
            security_label: membership.security.label(),
            ctpat_tier: ctpat_tier.to_owned(),
            trade_compliance_state: trade_compliance_state_id(membership.trade_compliance).to_owned(),
            trade_compliance_label: membership.trade_compliance.label().to_owned(),
            specialist: membership.specialist.as_ref().map(|(specialist, _)| specialist.clone()),
            specialist_supervisor: membership.specialist.as_ref().map(|(_, supervisor)| supervisor.clone()),
            office: membership.office.clone(),
            national_account_manager: membership.nam.as_ref().map(|(nam, _)| nam.clone()),
            nam_supervisor: membership.nam.as_ref().map(|(_, supervisor)| supervisor.clone()),
            dates: membership
                .derived_dates(&self.settings.lifecycle, today)
                .into_iter()
                .map(|derived| DueDate::of(derived, today))
                .collect(),
            requests: membership
                .requests
                .iter()
                .map(|request| RequestView {
                    program: request.program,
                    request: request.request,
                    question: request.question.clone(),
                    asked_on: request.asked_on,
                    due: request.due,
                    state: request.state,
                })
                .collect(),
            vetting: VettingBlock::ALL
                .into_iter()
                .filter(|block| required.contains(block) || membership.vetting.contains_key(block))
                .map(|block| VettingView {
                    block,
                    label: block.label(),
                    required: required.contains(&block),
                    derogatory: membership.vetting.get(&block).copied(),
                })
                .collect(),
            tiles: ApplicationTile::ALL
                .into_iter()
                .map(|tile| TileView {
                    tile,
                    label: tile.label(),
                    complete: membership.tiles_completed.contains(&tile),
                })
                .collect(),
            eligibility_failures: membership.eligibility_failures.clone(),
            timeline,
        }
    }

    /// Checks the fields of a step that the history cannot: free text lengths, reasons,
    /// assigned staff being staff of the right role.
    async fn check_step_input(&self, input: &StepInput) -> AppResult<()> {
        let reason = input.reason.as_deref().map(str::trim).unwrap_or_default();
        if needs_reason(&input.step) && reason.is_empty() {
            return Err(AppError::invalid("reason", "give the reason for this step"));
        }
        let texts: Vec<(&'static str, &str)> = match &input.step {
            Step::InformationRequested { question, .. } => vec![("question", question)],
            Step::InformationAnswered { answer, .. } => vec![("answer", answer)],
            Step::VettingRecorded { notes, .. } => vec![("notes", notes)],
            Step::CorrectiveActionPlanReceived { summary } | Step::TileCompleted { summary, .. } => {
                vec![("summary", summary)]
            }
            Step::AppealFiled { statement } => vec![("statement", statement)],
            _ => Vec::new(),
        };
        for (field, text) in texts.into_iter().chain([("reason", reason)]) {
            if text.chars().count() > MAX_TEXT {
                return Err(AppError::invalid(field, format!("must be at most {MAX_TEXT} characters")));
            }
        }
        let assignments: Vec<(&'static str, &str, &[Role])> = match &input.step {
            Step::SpecialistAssigned { specialist, supervisor, .. } => vec![
                ("specialist", specialist, &[Role::Scss, Role::ScssSupervisor]),
                ("supervisor", supervisor, &[Role::ScssSupervisor]),
            ],
            Step::NamAssigned { nam, supervisor } => {
                vec![
                    ("nam", nam, &[Role::Nam, Role::NamSupervisor]),
                    ("supervisor", supervisor, &[Role::NamSupervisor]),
                ]
            }
            _ => Vec::new(),
        };
        for (field, email, roles) in assignments {
            let address = EmailAddress::parse(email).map_err(|error| AppError::invalid(field, error.message))?;
            let user = self.store.find_user_by_email(&address).await?;
            if !user.is_some_and(|user| user.active && roles.contains(&user.role)) {
                let names: Vec<&str> = roles.iter().map(|role| role.label()).collect();
                return Err(AppError::invalid(field, format!("{email} is not an active {}", names.join(" or "))));
            }
        }
        Ok(())
    }

    /// Refuses actors whose role takes no membership step at all, before their input is read.
    ///
    /// # Errors
    /// `Forbidden`.
    pub fn require_some_step_permission(&self, actor: &Actor) -> AppResult<()> {
        let now = self.clock.now();
        if STEP_PERMISSIONS.iter().any(|permission| actor.require(*permission, now).is_ok()) {
            Ok(())
        } else {
            Err(AppError::Forbidden("your role takes no membership steps"))
        }
    }

    /// Records one step of an account's membership after checking the actor may take it and
    /// that the whole history, with it, still follows the rules. A step that takes the security
    /// membership out of Tier II/III while Trade Compliance is active also records Trade
    /// Compliance's suspension, as its own step. The standing the KPIs read follows in the same
    /// transaction.
    ///
    /// # Errors
    /// `Forbidden` for the wrong role or someone else's account, `Invalid` naming the field or
    /// (as `step`) the rule the step breaks.
    pub async fn record_step(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: &StepInput,
    ) -> AppResult<MembershipView> {
        let now = self.clock.now();
        let today = self.lifecycle_today();
        may_take(actor, &input.step, now)?;
        if matches!(input.step, Step::TradeComplianceSuspended) && actor.user.is_some() {
            // Recorded by the system when the security tier drops; staff revoke instead.
            return Err(AppError::invalid(
                "step",
                "Trade Compliance is suspended automatically when the security membership leaves Tier II or III",
            ));
        }
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let effective_date = match input.effective_date.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            None => today,
            Some(text) => tt_domain::calendar::iso_date::parse(text)
                .ok_or_else(|| AppError::invalid("effective_date", format!("'{text}' is not a date as YYYY-MM-DD")))?,
        };
        if effective_date > today {
            return Err(AppError::invalid("effective_date", format!("{effective_date} is in the future")));
        }
        self.check_step_input(input).await?;
        let reason = input.reason.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned);
        let document_version =
            input.document_version.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned);
        for _ in 0..APPEND_ATTEMPTS {
            let mut history = self.load_history(account_id).await?;
            // Withdrawing a step needs the right to take that step too: a correction cannot
            // undo a decision its author could not have made.
            if let Step::Voided { sequence } = &input.step
                && let Some(target) = history.events.iter().find(|event| event.sequence == *sequence)
            {
                may_take(actor, &target.step, now)?;
            }
            let expected_last = history.last_sequence();
            let before = self.replay(&account, &history)?;
            let provisional = |sequence: i64, step: Step, recorded_by: &str, reason: Option<String>| MembershipEvent {
                sequence,
                effective_date,
                recorded_at: now,
                recorded_by: recorded_by.to_owned(),
                reason,
                document_version: document_version.clone(),
                step,
            };
            let next = expected_last.unwrap_or(0) + 1;
            history.events.push(provisional(next, input.step.clone(), &actor.label, reason.clone()));
            let mut after = self.replay(&account, &history)?;
            let mut steps = vec![input.step.clone()];
            if after.trade_compliance == TradeComplianceState::Active && !after.security.is_tier_two_or_three() {
                let automatic = Step::TradeComplianceSuspended;
                history.events.push(provisional(
                    next + 1,
                    automatic.clone(),
                    "system",
                    Some(format!("security membership is {}", after.security.label())),
                ));
                after = self.replay(&account, &history)?;
                steps.push(automatic);
            }
            let new_events: Vec<NewMembershipEvent> = history.events[history.events.len() - steps.len()..]
                .iter()
                .map(|event| NewMembershipEvent {
                    account_id,
                    effective_date,
                    recorded_at: now,
                    recorded_by: event.recorded_by.clone(),
                    recorded_by_user: if event.recorded_by == "system" {
                        None
                    } else {
                        actor.user.as_ref().map(|user| user.id)
                    },
                    reason: event.reason.clone(),
                    document_version: document_version.clone(),
                    step: event.step.clone(),
                })
                .collect();
            let standing = standing_events(account_id, &history, &after, now, input.step.kind());
            let audit = actor.audit(
                now,
                &format!("membership.{}", input.step.kind()),
                "account",
                Some(account_id.to_string()),
                Some(&StateSnapshot::of(&before)),
                Some(&StepRecord {
                    effective_date,
                    step: &input.step,
                    reason: reason.as_deref(),
                    state: StateSnapshot::of(&after),
                }),
            );
            match self.store.append_membership_events(account_id, expected_last, &new_events, &standing, &audit).await {
                Ok(_) => {
                    let events = self.store.membership_events(account_id).await?;
                    return Ok(self.membership_view(&account, &events, &after));
                }
                Err(StoreError::Conflict { field: "history" }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict {
            field: "step",
            message: "the history kept changing while this step was checked; try again".to_owned(),
        })
    }

    /// The steps the actor could record on the account now: those their role takes and the
    /// history would accept (tried with a representative of each kind), as `(kind, label)`.
    /// Pages offer exactly these forms.
    ///
    /// # Errors
    /// As [`App::account_membership`].
    pub async fn available_steps(
        &self,
        actor: &Actor,
        account_id: AccountId,
    ) -> AppResult<Vec<(&'static str, String)>> {
        let now = self.clock.now();
        actor.require(Permission::ViewAccounts, now)?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let mut history = self.load_history(account_id).await?;
        let membership = self.replay(&account, &history)?;
        let today = self.lifecycle_today();
        let next = history.last_sequence().unwrap_or(0) + 1;
        let mut available = Vec::new();
        for candidate in representative_steps(&membership, &history.events, &account, &self.settings.lifecycle, today) {
            let withdraws_unpermitted = match &candidate {
                Step::Voided { sequence } => history
                    .events
                    .iter()
                    .find(|event| event.sequence == *sequence)
                    .is_some_and(|target| may_take(actor, &target.step, now).is_err()),
                _ => false,
            };
            if may_take(actor, &candidate, now).is_err()
                || withdraws_unpermitted
                || (matches!(candidate, Step::TradeComplianceSuspended) && actor.user.is_some())
            {
                continue;
            }
            history.events.push(MembershipEvent {
                sequence: next,
                effective_date: today,
                recorded_at: now,
                recorded_by: actor.label.clone(),
                reason: Some("check".to_owned()),
                document_version: None,
                step: candidate.clone(),
            });
            if self.replay(&account, &history).is_ok() && !available.iter().any(|(kind, _)| *kind == candidate.kind()) {
                available.push((candidate.kind(), step_label(&candidate).to_owned()));
            }
            history.events.pop();
        }
        Ok(available)
    }

    /// Work queues: every due item derived from the histories that falls to the actor. Members
    /// see what their company owes; specialists and NAMs what is assigned to them (or not yet
    /// assigned to anyone); supervisors their team's; the program director everything.
    ///
    /// # Errors
    /// `Forbidden` without a queue of one's own.
    pub async fn work_items(&self, actor: &Actor, filter: &WorkFilter) -> AppResult<Vec<WorkItem>> {
        let now = self.clock.now();
        let role = actor.role();
        let own_account = actor.own_account();
        if role.is_some_and(|role| role.side() == tt_domain::Side::Trade) {
            actor.require(Permission::ViewAccounts, now)?;
        } else {
            actor.require(Permission::ViewWorkQueues, now)?;
        }
        let scope = filter.scope.as_deref().unwrap_or("mine");
        if !matches!(scope, "mine" | "team" | "all") {
            return Err(AppError::invalid("scope", "must be mine, team or all"));
        }
        let me = actor.user.as_ref().map(|user| user.email.to_string()).unwrap_or_default();
        // Everyone's items, kept until the next change, filtered below (a member's to its own).
        let items = self.all_due_items().await?;
        let mut selected: Vec<WorkItem> = items
            .iter()
            .filter(|item| match (role, own_account) {
                (Some(role), Some(account)) if role.side() == tt_domain::Side::Trade => {
                    item.account_id == account && item.due.owed_by == Some(Party::Member)
                }
                _ => {
                    let owed_by = item.due.owed_by;
                    let parties = parties_of(role);
                    match scope {
                        "all" => owed_by.is_some(),
                        "team" => {
                            owed_by.is_some_and(|party| party != Party::Member)
                                && (role.is_none()
                                    || role == Some(Role::ProgramDirector)
                                    || item.supervisor.as_deref() == Some(me.as_str()))
                        }
                        _ => {
                            owed_by.is_some_and(|party| parties.contains(&party))
                                && item.assigned.as_deref().is_none_or(|assigned| assigned == me)
                        }
                    }
                }
            })
            .filter(|item| filter.status.as_deref().is_none_or(|status| item.due.status == status))
            .filter(|item| filter.kind.as_deref().is_none_or(|kind| item.due.key.split(':').next() == Some(kind)))
            .filter(|item| {
                filter.office.as_deref().is_none_or(|office| {
                    item.office.as_deref().is_some_and(|assigned| assigned.eq_ignore_ascii_case(office.trim()))
                })
            })
            .map(|item| WorkItem {
                account_id: item.account_id,
                account_number: item.account_number.clone(),
                legal_name: item.legal_name.clone(),
                assigned_to: item.assigned.clone(),
                office: item.office.clone(),
                due: item.due.clone(),
            })
            .collect();
        selected.sort_by(|left, right| {
            left.due.date.cmp(&right.due.date).then_with(|| left.account_number.cmp(&right.account_number))
        });
        Ok(selected)
    }

    /// A supervisor's view of the team's load: for each staff member (and for items nobody is
    /// assigned yet), how many items are overdue, due within 30 days and later. Uses the
    /// `team` scope of [`App::work_items`] (the program director sees everyone).
    ///
    /// # Errors
    /// As [`App::work_items`].
    pub async fn team_load(&self, actor: &Actor) -> AppResult<Vec<LoadRow>> {
        let filter = WorkFilter { scope: Some("team".to_owned()), ..WorkFilter::default() };
        let mut rows: Vec<LoadRow> = Vec::new();
        for item in self.work_items(actor, &filter).await? {
            let staff = item.assigned_to.unwrap_or_else(|| "not assigned".to_owned());
            let index = match rows.iter().position(|row| row.staff == staff) {
                Some(index) => index,
                None => {
                    rows.push(LoadRow { staff, overdue: 0, due_soon: 0, upcoming: 0 });
                    rows.len() - 1
                }
            };
            match item.due.status {
                "overdue" => rows[index].overdue += 1,
                "due_soon" => rows[index].due_soon += 1,
                _ => rows[index].upcoming += 1,
            }
        }
        rows.sort_by(|left, right| right.overdue.cmp(&left.overdue).then_with(|| left.staff.cmp(&right.staff)));
        Ok(rows)
    }

    /// Every owed date of every account, with who it is assigned to: a projection kept until
    /// the next recorded change or day.
    pub(crate) async fn all_due_items(&self) -> AppResult<Arc<Vec<DueItem>>> {
        self.projection("due_items", || self.compute_due_items()).await
    }

    async fn compute_due_items(&self) -> AppResult<Vec<DueItem>> {
        let today = self.lifecycle_today();
        let mut items = Vec::new();
        for (account, membership) in self.replay_accounts().await?.iter() {
            for derived in membership.derived_dates(&self.settings.lifecycle, today) {
                let Some(party) = derived.owed_by else { continue };
                let (assigned, supervisor) = match party {
                    Party::Member => (None, None),
                    Party::Specialist => (
                        membership.specialist.as_ref().map(|pair| pair.0.clone()),
                        membership.specialist.as_ref().map(|pair| pair.1.clone()),
                    ),
                    Party::SpecialistSupervisor => (membership.specialist.as_ref().map(|pair| pair.1.clone()), None),
                    Party::NationalAccountManager => (
                        membership.nam.as_ref().map(|pair| pair.0.clone()),
                        membership.nam.as_ref().map(|pair| pair.1.clone()),
                    ),
                    Party::ProgramDirector => (None, None),
                };
                items.push(DueItem {
                    account_id: account.id,
                    account_number: account.number.to_string(),
                    legal_name: account.legal_name.as_str().to_owned(),
                    due: DueDate::of(derived, today),
                    assigned,
                    supervisor,
                    specialist: membership.specialist.clone(),
                    nam: membership.nam.clone(),
                    office: membership.office.clone(),
                });
            }
        }
        Ok(items)
    }

    /// Every account with its replayed membership, in account-number order: a projection kept
    /// until the next recorded change or day. Members known only from the legacy import are
    /// included: they have dates too.
    pub(crate) async fn replay_accounts(&self) -> AppResult<Arc<Vec<(Account, Membership)>>> {
        self.projection("replayed_accounts", || self.compute_replayed_accounts()).await
    }

    async fn compute_replayed_accounts(&self) -> AppResult<Vec<(Account, Membership)>> {
        let mut accounts: Vec<Account> = self.store.list_accounts().await?;
        accounts.sort_by(|left, right| left.number.cmp(&right.number));
        let mut status: HashMap<AccountId, Vec<SourcedStatusEvent>> = HashMap::new();
        for (account_id, event) in self.store.sourced_status_events(None).await? {
            status.entry(account_id).or_default().push(event);
        }
        let mut histories: HashMap<AccountId, Vec<MembershipEvent>> =
            self.store.all_membership_events().await?.into_iter().collect();
        let anniversaries: HashMap<AccountId, String> = self.store.letter_anniversaries().await?.into_iter().collect();
        let mut replayed = Vec::with_capacity(accounts.len());
        for account in accounts {
            let history = LoadedHistory::new(
                histories.remove(&account.id).unwrap_or_default(),
                status.get(&account.id).map_or(&[][..], Vec::as_slice),
                anniversaries.get(&account.id).map(String::as_str),
            );
            match self.replay(&account, &history) {
                Ok(membership) => replayed.push((account, membership)),
                // A history that no longer replays (rules changed under it) must not hide
                // everyone else's; it is logged for the administrator.
                Err(error) => {
                    tracing::warn!(account = %account.number, error = %error, "membership history does not replay")
                }
            }
        }
        Ok(replayed)
    }

    /// The migration schedule of legacy Importer Self-Assessment members: who migrates when
    /// (their next letter anniversary), where each stands, and the NAM responsible; soonest
    /// first, migrated members last.
    ///
    /// # Errors
    /// `Forbidden` without a work queue.
    pub async fn migration_schedule(&self, actor: &Actor) -> AppResult<Vec<MigrationRow>> {
        actor.require(Permission::ViewWorkQueues, self.clock.now())?;
        let today = self.lifecycle_today();
        let mut rows: Vec<MigrationRow> = self
            .replay_accounts()
            .await?
            .iter()
            .filter_map(|(account, membership)| {
                let state = membership.migration?;
                let due = membership
                    .derived_dates(&self.settings.lifecycle, today)
                    .into_iter()
                    .find(|derived| derived.key == "migration_due")
                    .map(|derived| DueDate::of(derived, today));
                Some(MigrationRow {
                    account_id: account.id,
                    account_number: account.number.to_string(),
                    legal_name: account.legal_name.as_str().to_owned(),
                    state: state.label(),
                    due,
                    national_account_manager: membership.nam.as_ref().map(|(nam, _)| nam.clone()),
                })
            })
            .collect();
        rows.sort_by(|left, right| {
            let key = |row: &MigrationRow| (row.due.is_none(), row.due.as_ref().map(|due| due.date));
            key(left).cmp(&key(right)).then_with(|| left.account_number.cmp(&right.account_number))
        });
        Ok(rows)
    }
}

/// A legacy Importer Self-Assessment member on the migration schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MigrationRow {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub legal_name: String,
    /// `Scheduled`, `Invited`, `Onboarding session held` or `Migrated`.
    pub state: &'static str,
    /// When the migration is due (absent once migrated).
    pub due: Option<DueDate>,
    pub national_account_manager: Option<String>,
}

/// One step of each kind, filled in as the current state suggests, to find which kinds the
/// history would accept now.
fn representative_steps(
    membership: &Membership,
    events: &[MembershipEvent],
    account: &Account,
    rules: &tt_domain::lifecycle::LifecycleRules,
    today: Date,
) -> Vec<Step> {
    use tt_domain::calendar::add_days;
    use tt_domain::lifecycle::{
        AnnualNotificationLetter, CertifiedTier, DecisionGrounds, ValidationKind, ValidationResult,
    };
    let next_request = |program: Program| {
        membership
            .requests
            .iter()
            .filter(|request| request.program == program)
            .map(|request| request.request)
            .max()
            .unwrap_or(0)
            + 1
    };
    let open_request = membership.requests.iter().find(|request| request.state == "new");
    let missing_block = VettingBlock::required_for(account.business_type)
        .into_iter()
        .find(|block| !membership.vetting.contains_key(block))
        .unwrap_or(VettingBlock::PortalQueries);
    let missing_tile = ApplicationTile::ALL
        .into_iter()
        .find(|tile| !membership.tiles_completed.contains(tile))
        .unwrap_or(ApplicationTile::Contacts);
    let validation =
        if membership.last_validated_on.is_some() { ValidationKind::Revalidation } else { ValidationKind::Initial };
    let letter_year = membership.first_letter_due(rules).map_or(today.year(), |first| {
        (first.year()..).find(|year| !membership.letters_filed.contains(year)).unwrap_or(first.year())
    });
    let pending_letter =
        membership.letters_filed.difference(&membership.letters_accepted).next().copied().unwrap_or(letter_year);
    let named = || ("someone@example.gov".to_owned(), "supervisor@example.gov".to_owned());
    let mut steps = vec![
        Step::CompanyProfileCreated,
        Step::ApplicationSubmitted,
        Step::SpecialistAssigned { specialist: named().0, supervisor: named().1, office: String::new() },
        Step::ProfileApproved,
        Step::ApplicationRejected,
        Step::VettingRecorded { block: missing_block, derogatory: false, notes: String::new() },
        Step::CertifiedTierOne,
        Step::InformationRequested {
            program: Program::Security,
            request: next_request(Program::Security),
            question: "?".to_owned(),
            due: add_days(today, 30),
        },
        Step::InformationRequested {
            program: Program::TradeCompliance,
            request: next_request(Program::TradeCompliance),
            question: "?".to_owned(),
            due: add_days(today, 30),
        },
        Step::ValidationScheduled { validation, visit: add_days(today, rules.validation_notice_days) },
        Step::ValidationCompleted {
            validation: membership.scheduled_validation.map_or(validation, |(kind, _)| kind),
            outcome: ValidationResult::TierTwo,
        },
        Step::AnnualReviewSubmitted,
        Step::AnnualReviewApproved,
        Step::Suspended { grounds: DecisionGrounds::NonCompliance },
        Step::CorrectiveActionPlanReceived { summary: "plan".to_owned() },
        Step::Reinstated { tier: CertifiedTier::One },
        Step::Removed { grounds: DecisionGrounds::NonCompliance },
        Step::Withdrawn,
        Step::AppealFiled { statement: "appeal".to_owned() },
        Step::AppealDecided { reversed: false },
        Step::EligibilityChecked {
            answers: vec![true; tt_domain::lifecycle::ELIGIBILITY_QUESTIONS.len()],
            importing_since: add_days(today, -3650),
            cbp_debt: false,
        },
        Step::TileCompleted { tile: missing_tile, summary: String::new() },
        Step::TradeComplianceSubmitted,
        Step::MemorandumSigned,
        Step::TradeComplianceAccepted,
        Step::NamAssigned { nam: named().0, supervisor: named().1 },
        Step::AnnualNotificationFiled {
            letter: AnnualNotificationLetter { year: letter_year, officer_certification: true, ..Default::default() },
        },
        Step::AnnualNotificationReviewed { year: pending_letter, accepted: true },
        Step::TradeComplianceReinstated,
        Step::TradeComplianceRevoked,
        Step::MigrationInvited,
        Step::OnboardingSessionHeld,
        Step::MigrationCompleted,
    ];
    if let Some(request) = open_request {
        steps.push(Step::InformationAnswered {
            program: request.program,
            request: request.request,
            answer: "answer".to_owned(),
        });
        steps.push(Step::InformationRequestCancelled { program: request.program, request: request.request });
    }
    if let Some(latest) = events
        .iter()
        .rev()
        .find(|event| !matches!(event.step, Step::Voided { .. }) && !membership.voided.contains(&event.sequence))
    {
        steps.push(Step::Voided { sequence: latest.sequence });
    }
    steps
}

/// What a form for a kind of step is called.
#[must_use]
pub fn step_label(step: &Step) -> &'static str {
    match step {
        Step::CompanyProfileCreated => "Create the company profile",
        Step::ApplicationSubmitted => "Submit the security profile and sign the partner agreement",
        Step::InformationRequested { .. } => "Request information",
        Step::InformationAnswered { .. } => "Answer a request for information",
        Step::InformationRequestCancelled { .. } => "Cancel a request for information",
        Step::SpecialistAssigned { .. } => "Assign the specialist",
        Step::ProfileApproved => "Approve the security profile",
        Step::ApplicationRejected => "Reject the application",
        Step::VettingRecorded { .. } => "Record a vetting block",
        Step::CertifiedTierOne => "Certify Tier I",
        Step::ValidationScheduled { .. } => "Schedule a validation",
        Step::ValidationCompleted { .. } => "Record a validation's outcome",
        Step::AnnualReviewSubmitted => "Submit the annual security profile review",
        Step::AnnualReviewApproved => "Approve the annual review",
        Step::Suspended { .. } => "Suspend",
        Step::CorrectiveActionPlanReceived { .. } => "Record the corrective action plan",
        Step::Reinstated { .. } => "Reinstate",
        Step::Removed { .. } => "Remove from the program",
        Step::Withdrawn => "Withdraw from the program",
        Step::AppealFiled { .. } => "File an appeal",
        Step::AppealDecided { .. } => "Decide the appeal",
        Step::EligibilityChecked { .. } => "Check Trade Compliance eligibility",
        Step::TileCompleted { .. } => "Complete an application tile",
        Step::TradeComplianceSubmitted => "Submit the Trade Compliance application",
        Step::MemorandumSigned => "Sign the memorandum of understanding",
        Step::TradeComplianceAccepted => "Accept into Trade Compliance",
        Step::NamAssigned { .. } => "Assign the National Account Manager",
        Step::AnnualNotificationFiled { .. } => "File the Annual Notification Letter",
        Step::AnnualNotificationReviewed { .. } => "Review an Annual Notification Letter",
        Step::TradeComplianceSuspended => "Suspend Trade Compliance",
        Step::TradeComplianceReinstated => "Reinstate Trade Compliance",
        Step::TradeComplianceRevoked => "Revoke Trade Compliance",
        Step::MigrationInvited => "Invite to migrate from Importer Self-Assessment",
        Step::OnboardingSessionHeld => "Record the onboarding session",
        Step::MigrationCompleted => "Complete the migration onto the Trade Compliance portal",
        Step::Voided { .. } => "Withdraw a step recorded in error",
    }
}

/// One staff member's load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LoadRow {
    /// An e-mail address, or `not assigned`.
    pub staff: String,
    pub overdue: usize,
    pub due_soon: usize,
    pub upcoming: usize,
}

/// A due item with everything the queues and the reminder worker need.
#[derive(Debug, Clone)]
pub(crate) struct DueItem {
    pub account_id: AccountId,
    pub account_number: String,
    pub legal_name: String,
    pub due: DueDate,
    pub assigned: Option<String>,
    pub supervisor: Option<String>,
    pub specialist: Option<(String, String)>,
    pub nam: Option<(String, String)>,
    pub office: Option<String>,
}

/// The parties whose items a role works.
fn parties_of(role: Option<Role>) -> Vec<Party> {
    match role {
        None | Some(Role::ProgramDirector) => {
            vec![Party::Specialist, Party::SpecialistSupervisor, Party::NationalAccountManager, Party::ProgramDirector]
        }
        Some(Role::Scss) => vec![Party::Specialist],
        Some(Role::ScssSupervisor) => vec![Party::Specialist, Party::SpecialistSupervisor],
        Some(Role::Nam | Role::NamSupervisor | Role::TcHqAnalyst) => vec![Party::NationalAccountManager],
        Some(_) => Vec::new(),
    }
}

/// The status events that bring the stored standing in line with the replayed history.
fn standing_events(
    account_id: AccountId,
    history: &LoadedHistory,
    after: &Membership,
    now: OffsetDateTime,
    kind: &str,
) -> Vec<NewStatusEvent> {
    let reason = Some(format!("membership step {kind}"));
    let event = |effective_date: Date, change: StatusChange| NewStatusEvent {
        account_id,
        effective_date,
        change,
        reason: reason.clone(),
        source: "workflow",
        recorded_at: now,
    };
    let mut events: Vec<NewStatusEvent> =
        standing_corrections(&history.current, &history.legacy, &after.ctpat_changes, CtpatValue::None)
            .into_iter()
            .map(|(day, value)| event(day, StatusChange::Ctpat(value)))
            .collect();
    events.extend(
        standing_corrections(
            &history.current_trade_compliance,
            &history.legacy_trade_compliance,
            &after.trade_compliance_changes,
            false,
        )
        .into_iter()
        .map(|(day, on)| event(day, StatusChange::TradeCompliance(on))),
    );
    events
}

/// The states before and after a step, for the audit trail.
#[derive(Serialize)]
struct StateSnapshot {
    security: String,
    trade_compliance: &'static str,
}

impl StateSnapshot {
    fn of(membership: &Membership) -> Self {
        Self { security: membership.security.label(), trade_compliance: membership.trade_compliance.label() }
    }
}

#[derive(Serialize)]
struct StepRecord<'a> {
    #[serde(with = "tt_domain::calendar::iso_date")]
    effective_date: Date,
    step: &'a Step,
    reason: Option<&'a str>,
    state: StateSnapshot,
}
