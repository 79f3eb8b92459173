//! Benefit requests: a member asks for a benefit (a ruling, a reconciliation flag, an exam
//! location, a confidential-manifest certification...), agency staff decide, and the clocks that
//! measure the benefit run from the request's receipt. Each request is replayed from an
//! append-only history, like the membership; its conversation with the agency is part of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::ValidationError;
use crate::calendar::{add_days, add_months, add_years, days_between};
use crate::penalty::{Culpability, PenaltyFacts};
use crate::trade::{Cents, parse_date, parse_entry_number};

/// Post-entry amendments on unliquidated entries are processed within 90 days (Trusted Trader
/// pilot benefit).
pub const POST_ENTRY_AMENDMENT_DAYS: i64 = 90;
/// A confidential-manifest certification is valid for two years (19 CFR 103.31(d)).
pub const CONFIDENTIAL_MANIFEST_YEARS: i32 = 2;
/// A renewal must be filed at least 60 days before the certification expires (19 CFR 103.31(d)).
pub const CONFIDENTIAL_MANIFEST_RENEWAL_DAYS: i64 = 60;
/// Goods detained under a withhold release order must be re-exported, or shown admissible,
/// within three months (19 CFR 12.44).
pub const WITHHOLD_RELEASE_ORDER_MONTHS: i32 = 3;

/// The request clocks that come from practice or policy rather than law; the program can change
/// them (`[app.benefit_clocks]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClockRules {
    /// Target days to issue a ruling for a Trade Compliance member.
    pub ruling_days_trade_compliance: i64,
    /// Days to issue a ruling for everyone else (the National Commodity Specialist Division's
    /// usual 30 calendar days).
    pub ruling_days_baseline: i64,
    /// Months from the earliest flagged entry summary to the reconciliation entry (non-FTA issues).
    pub reconciliation_months: i32,
    /// Months from the earliest import to the reconciliation entry for FTA issues.
    pub reconciliation_fta_months: i32,
    /// Days staff take to decide a request without a clock of its own.
    pub decision_days: i64,
    /// Days staff take to decide a request about goods being released (exam location, partial
    /// release, hold-intact letter, redelivery hold): cargo is waiting.
    pub release_decision_days: i64,
    /// Days after a penalty notice to file a petition (19 CFR 171.12).
    pub penalty_petition_days: i64,
    /// A running clock is "at risk" once this many days or fewer are left.
    pub warning_days: i64,
    /// A confidential-manifest renewal may be filed from this many days before the certificate
    /// expires (it is due 60 days before, by regulation).
    pub confidential_manifest_renewal_window_days: i64,
}

impl Default for ClockRules {
    fn default() -> Self {
        Self {
            ruling_days_trade_compliance: 20,
            ruling_days_baseline: 30,
            reconciliation_months: 21,
            reconciliation_fta_months: 12,
            decision_days: 30,
            release_decision_days: 2,
            penalty_petition_days: 60,
            warning_days: 5,
            confidential_manifest_renewal_window_days: 120,
        }
    }
}

/// How a field is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Text,
    LongText,
    Date,
    EntryNumber,
    ImporterNumber,
    Money,
    /// One of these codes, each with its label.
    Choice(&'static [(&'static str, &'static str)]),
}

/// One field of a request's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
}

/// A struct literal rather than a `const fn`, so the field lists are promoted to statics.
macro_rules! field {
    ($name:expr, $label:expr, $input:expr, $required:expr $(,)?) => {
        Field { name: $name, label: $label, input: $input, required: $required }
    };
}

const ENTRY: Field = field!("entry_number", "Entry number", Input::EntryNumber, true);
const IMPORTER: Field = field!("importer_number", "Importer number", Input::ImporterNumber, true);
const YES_NO: &[(&str, &str)] = &[("no", "No"), ("yes", "Yes")];

/// The kinds of request, one per benefit flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Ruling,
    ReconciliationParticipation,
    ReconciliationFlag,
    ExamLocation,
    PartialRelease,
    HoldIntact,
    PostEntryAmendment,
    ConfidentialManifest,
    AdmissibilityReview,
    RedeliveryHold,
    WithholdReleaseOrderDetention,
    PenaltyCase,
}

impl RequestKind {
    pub const ALL: [Self; 12] = [
        Self::Ruling,
        Self::ReconciliationParticipation,
        Self::ReconciliationFlag,
        Self::ExamLocation,
        Self::PartialRelease,
        Self::HoldIntact,
        Self::PostEntryAmendment,
        Self::ConfidentialManifest,
        Self::AdmissibilityReview,
        Self::RedeliveryHold,
        Self::WithholdReleaseOrderDetention,
        Self::PenaltyCase,
    ];

    /// # Errors
    /// For a code that names no kind.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == text.trim())
            .ok_or_else(|| ValidationError::new("kind", format!("'{}' is not a kind of request", text.trim())))
    }

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Ruling => "ruling",
            Self::ReconciliationParticipation => "reconciliation_participation",
            Self::ReconciliationFlag => "reconciliation_flag",
            Self::ExamLocation => "exam_location",
            Self::PartialRelease => "partial_release",
            Self::HoldIntact => "hold_intact",
            Self::PostEntryAmendment => "post_entry_amendment",
            Self::ConfidentialManifest => "confidential_manifest",
            Self::AdmissibilityReview => "admissibility_review",
            Self::RedeliveryHold => "redelivery_hold",
            Self::WithholdReleaseOrderDetention => "withhold_release_order_detention",
            Self::PenaltyCase => "penalty_case",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Ruling => "Ruling request",
            Self::ReconciliationParticipation => "Reconciliation participation (bond and rider)",
            Self::ReconciliationFlag => "Retroactive reconciliation flag or unflag",
            Self::ExamLocation => "Choice of exam location",
            Self::PartialRelease => "Partial release of a held shipment",
            Self::HoldIntact => "Hold-intact letter for a multi-container entry",
            Self::PostEntryAmendment => "Post-entry amendment",
            Self::ConfidentialManifest => "Confidential manifest certification",
            Self::AdmissibilityReview => "Front-of-line forced-labor admissibility review",
            Self::RedeliveryHold => "Redelivery hold at the member's own facility",
            Self::WithholdReleaseOrderDetention => "Shipment detained under a withhold release order",
            Self::PenaltyCase => "Penalty case",
        }
    }

    /// The catalogue benefit this request delivers.
    #[must_use]
    pub const fn benefit_id(self) -> &'static str {
        match self {
            Self::Ruling => "expedited_rulings",
            Self::ReconciliationFlag | Self::ReconciliationParticipation => "reconciliation_retroactive_flagging",
            Self::ExamLocation | Self::PartialRelease | Self::PostEntryAmendment => "post_release_exam_choices",
            Self::HoldIntact => "front_of_line_exams",
            Self::ConfidentialManifest => "confidential_manifest",
            Self::AdmissibilityReview | Self::RedeliveryHold | Self::WithholdReleaseOrderDetention => {
                "forced_labor_facilitation"
            }
            Self::PenaltyCase => "penalty_mitigation",
        }
    }

    /// Whether anyone may file it, members outside the benefit only without its advantage: any
    /// importer may ask for a ruling (30 days); Trade Compliance members get the expedited clock,
    /// and penalty cases are opened against anyone, members or not.
    #[must_use]
    pub const fn open_to_all(self) -> bool {
        matches!(self, Self::Ruling | Self::ReconciliationParticipation | Self::PenaltyCase)
    }

    /// Opened by agency staff rather than by the member.
    #[must_use]
    pub const fn opened_by_agency(self) -> bool {
        matches!(self, Self::PenaltyCase)
    }

    /// The form's fields.
    #[must_use]
    pub const fn fields(self) -> &'static [Field] {
        match self {
            Self::Ruling => &[
                field!("merchandise", "Merchandise", Input::Text, true),
                field!(
                    "question",
                    "Question",
                    Input::Choice(&[
                        ("classification", "Tariff classification"),
                        ("valuation", "Valuation"),
                        ("origin", "Country of origin"),
                        ("marking", "Marking"),
                        ("other", "Other"),
                    ]),
                    true,
                ),
                field!("description", "Description and proposed answer", Input::LongText, true),
            ],
            Self::ReconciliationParticipation => &[
                IMPORTER,
                field!("bond_from", "Continuous bond in force from", Input::Date, true),
                field!("bond_to", "Continuous bond in force to (empty while it runs)", Input::Date, false),
                field!("rider_from", "Reconciliation rider in force from", Input::Date, true),
                field!("rider_to", "Reconciliation rider in force to (empty while it runs)", Input::Date, false),
            ],
            Self::ReconciliationFlag => &[
                IMPORTER,
                ENTRY,
                field!("action", "Action", Input::Choice(&[("flag", "Flag"), ("unflag", "Unflag")]), true),
                field!(
                    "issue",
                    "Issue",
                    Input::Choice(&[
                        ("value", "Value"),
                        ("classification", "Classification"),
                        ("9802", "HTSUS 9802 value"),
                        ("fta", "Free trade agreement eligibility (19 U.S.C. 1520(d))"),
                    ]),
                    true,
                ),
                field!(
                    "earliest_date",
                    "Earliest entry summary date (import date for FTA issues) of the group",
                    Input::Date,
                    true,
                ),
            ],
            Self::ExamLocation => &[
                ENTRY,
                field!("location", "Proposed exam location", Input::Text, true),
                field!("reason", "Why", Input::LongText, false),
            ],
            Self::PartialRelease => &[
                ENTRY,
                field!("release", "Containers or lines to release", Input::Text, true),
                field!("hold", "Containers or lines that stay held", Input::Text, true),
            ],
            Self::HoldIntact => &[
                ENTRY,
                field!("held_containers", "Containers selected for exam (held intact)", Input::Text, true),
                field!("moved_containers", "Containers to move out of the terminal", Input::Text, true),
                field!("signatory", "Officer signing the hold-intact letter", Input::Text, true),
            ],
            Self::PostEntryAmendment => &[ENTRY, field!("change", "What the amendment changes", Input::LongText, true)],
            Self::ConfidentialManifest => &[
                field!(
                    "direction",
                    "Manifests",
                    Input::Choice(&[("inward", "Inward (importer or consignee)"), ("outward", "Outward (shipper)")]),
                    true,
                ),
                field!("names", "Names to keep confidential", Input::LongText, true),
                field!("addresses", "Addresses to keep confidential", Input::LongText, true),
                field!("shippers", "Shippers' names and addresses (inward only)", Input::LongText, false),
                field!("employer_identification_number", "IRS employer identification number", Input::Text, false),
            ],
            Self::AdmissibilityReview => &[ENTRY, field!("goods", "Goods and supply chain", Input::LongText, true)],
            Self::RedeliveryHold => {
                &[ENTRY, field!("facility", "Facility where the goods are held", Input::Text, true)]
            }
            Self::WithholdReleaseOrderDetention => &[
                ENTRY,
                field!("order", "Withhold release order", Input::Text, true),
                field!("detained_on", "Date of detention", Input::Date, true),
                field!(
                    "intent",
                    "The member will",
                    Input::Choice(&[
                        ("prove_admissibility", "Prove admissibility"),
                        ("re_export", "Re-export"),
                        ("move_to_bonded_facility", "Move the goods to a bonded facility meanwhile"),
                    ]),
                    true,
                ),
            ],
            Self::PenaltyCase => &[
                field!("violation_date", "Date of the violation", Input::Date, true),
                field!("notice_date", "Date of the penalty notice", Input::Date, true),
                field!(
                    "culpability",
                    "Culpability",
                    Input::Choice(&[
                        ("negligence", "Negligence"),
                        ("gross_negligence", "Gross negligence"),
                        ("fraud", "Fraud"),
                    ]),
                    true,
                ),
                field!("loss_of_revenue", "Loss of revenue (USD)", Input::Money, true),
                field!("dutiable_value", "Dutiable value (USD)", Input::Money, true),
                field!("domestic_value", "Domestic value (USD)", Input::Money, true),
                field!("prior_disclosure", "Prior disclosure", Input::Choice(YES_NO), true),
            ],
        }
    }

    /// Checks and normalizes a form's values; unknown fields are refused, so nothing typed is
    /// silently dropped.
    ///
    /// # Errors
    /// One error per bad field.
    pub fn parse_details(
        self,
        raw: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, Vec<ValidationError>> {
        let fields = self.fields();
        let mut errors: Vec<ValidationError> = raw
            .keys()
            .filter(|name| !fields.iter().any(|field| field.name == name.as_str()))
            .map(|name| ValidationError::new("details", format!("'{name}' is not a field of a {}", self.label())))
            .collect();
        let mut details = BTreeMap::new();
        for field in fields {
            let text = raw.get(field.name).map_or("", |value| value.trim());
            if text.is_empty() {
                if field.required {
                    errors.push(ValidationError::new(field.name, "is required"));
                }
                continue;
            }
            let value = match field.input {
                Input::Text | Input::LongText => Ok(text.to_owned()),
                Input::Date => parse_date(field.name, text).map(|date| date.to_string()),
                Input::EntryNumber => {
                    parse_entry_number(text).map_err(|error| ValidationError::new(field.name, error.message))
                }
                Input::ImporterNumber => crate::ImporterNumber::parse(text)
                    .map(|number| number.as_str().to_owned())
                    .map_err(|error| ValidationError::new(field.name, error.message)),
                Input::Money => Cents::parse(field.name, text, false).map(|cents| Cents::format(i128::from(cents.0))),
                Input::Choice(choices) => {
                    if choices.iter().any(|(code, _)| *code == text) {
                        Ok(text.to_owned())
                    } else {
                        let codes: Vec<&str> = choices.iter().map(|(code, _)| *code).collect();
                        Err(ValidationError::new(field.name, format!("'{text}' is not one of {}", codes.join(", "))))
                    }
                }
            };
            match value {
                Ok(value) => {
                    details.insert(field.name.to_owned(), value);
                }
                Err(error) => errors.push(error),
            }
        }
        for (from, to) in [("bond_from", "bond_to"), ("rider_from", "rider_to")] {
            if let (Some(start), Some(end)) = (details.get(from), details.get(to))
                && end < start
            {
                errors.push(ValidationError::new(to, format!("is before {from}")));
            }
        }
        if errors.is_empty() { Ok(details) } else { Err(errors) }
    }
}

/// One step of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RequestStep {
    Submitted {
        kind: RequestKind,
        details: BTreeMap<String, String>,
        received: Date,
        /// A Trade Compliance member on the day received (for a penalty case, on the day of the
        /// violation): the expedited clock, the front of the queue, the mitigating factor.
        trade_compliance: bool,
        /// The certification this request renews (confidential manifests).
        #[serde(default)]
        renews: Option<Uuid>,
    },
    Assigned {
        to: String,
    },
    /// A message in the request's conversation.
    Message {
        from_agency: bool,
        text: String,
    },
    Decided {
        granted: bool,
        on: Date,
        /// The reason for a refusal; the ruling's or certificate's reference for a grant.
        note: String,
        /// For penalty cases: the amount decided after mitigation.
        #[serde(default)]
        amount: Option<Cents>,
    },
    Withdrawn {
        on: Date,
        reason: String,
    },
}

impl RequestStep {
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Submitted { .. } => "submitted",
            Self::Assigned { .. } => "assigned",
            Self::Message { .. } => "message",
            Self::Decided { granted: true, .. } => "granted",
            Self::Decided { granted: false, .. } => "refused",
            Self::Withdrawn { .. } => "withdrawn",
        }
    }
}

/// A recorded step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEvent {
    pub sequence: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: time::OffsetDateTime,
    pub recorded_by: String,
    pub step: RequestStep,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Submitted,
    InReview,
    Granted,
    Refused,
    Withdrawn,
}

impl RequestState {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Submitted => "Submitted",
            Self::InReview => "In review",
            Self::Granted => "Granted",
            Self::Refused => "Refused",
            Self::Withdrawn => "Withdrawn",
        }
    }

    #[must_use]
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Submitted | Self::InReview)
    }
}

/// Whose move a clock waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockOwner {
    Agency,
    Member,
}

/// How a clock stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    Running,
    AtRisk,
    Breached,
    /// Stopped by the event it waited for, on or before the due date.
    Met,
    /// Stopped, but after the due date.
    Missed,
    /// Not yet started (a renewal window that has not opened).
    NotStarted,
}

/// A deadline on a request, with the rule that set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub name: &'static str,
    pub owner: ClockOwner,
    pub starts: Date,
    pub due: Date,
    pub basis: String,
    /// When it stopped (the decision for an agency clock), if it has.
    pub stopped: Option<Date>,
    pub status: ClockStatus,
}

/// A request replayed from its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub kind: RequestKind,
    pub details: BTreeMap<String, String>,
    pub received: Date,
    pub trade_compliance: bool,
    pub renews: Option<Uuid>,
    pub state: RequestState,
    pub assigned_to: Option<String>,
    pub decided_on: Option<Date>,
    pub decision_note: Option<String>,
    pub decided_amount: Option<Cents>,
    pub withdrawn: Option<(Date, String)>,
}

/// Why a history cannot be replayed (a step that does not fit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RequestRefused(pub String);

fn refuse<T>(message: impl Into<String>) -> Result<T, RequestRefused> {
    Err(RequestRefused(message.into()))
}

impl Request {
    /// Replays a history; every step must fit the request as it stood.
    ///
    /// # Errors
    /// The first step that does not fit, and why.
    pub fn replay(events: &[RequestEvent]) -> Result<Self, RequestRefused> {
        let mut steps = events.iter().map(|event| &event.step);
        let Some(RequestStep::Submitted { kind, details, received, trade_compliance, renews }) = steps.next() else {
            return refuse("a request starts with its submission");
        };
        let mut request = Self {
            kind: *kind,
            details: details.clone(),
            received: *received,
            trade_compliance: *trade_compliance,
            renews: *renews,
            state: RequestState::Submitted,
            assigned_to: None,
            decided_on: None,
            decision_note: None,
            decided_amount: None,
            withdrawn: None,
        };
        for step in steps {
            match step {
                RequestStep::Submitted { .. } => return refuse("the request was already submitted"),
                RequestStep::Message { text, .. } => {
                    if text.trim().is_empty() {
                        return refuse("a message needs text");
                    }
                }
                RequestStep::Assigned { to } => {
                    if !request.state.is_open() {
                        return refuse(format!("the request is {}", request.state.label().to_lowercase()));
                    }
                    request.assigned_to = Some(to.clone());
                    request.state = RequestState::InReview;
                }
                RequestStep::Decided { granted, on, note, amount } => {
                    if !request.state.is_open() {
                        return refuse(format!("the request is already {}", request.state.label().to_lowercase()));
                    }
                    if *on < request.received {
                        return refuse(format!(
                            "a decision on {on} would come before the request ({})",
                            request.received
                        ));
                    }
                    if !granted && note.trim().is_empty() {
                        return refuse("a refusal needs its reason");
                    }
                    request.state = if *granted { RequestState::Granted } else { RequestState::Refused };
                    request.decided_on = Some(*on);
                    request.decision_note = Some(note.clone());
                    request.decided_amount = *amount;
                }
                RequestStep::Withdrawn { on, reason } => {
                    if !request.state.is_open() {
                        return refuse(format!("the request is already {}", request.state.label().to_lowercase()));
                    }
                    request.state = RequestState::Withdrawn;
                    request.withdrawn = Some((*on, reason.clone()));
                }
            }
        }
        Ok(request)
    }

    fn detail_date(&self, name: &str) -> Option<Date> {
        self.details.get(name).and_then(|text| parse_date("detail", text).ok())
    }

    /// The day whose standing a request of this kind is judged by: the violation's for a penalty
    /// case, otherwise the day it is received.
    #[must_use]
    pub fn standing_day(kind: RequestKind, details: &BTreeMap<String, String>, received: Date) -> Date {
        match kind {
            RequestKind::PenaltyCase => details
                .get("violation_date")
                .and_then(|text| parse_date("violation_date", text).ok())
                .unwrap_or(received),
            _ => received,
        }
    }

    /// Whether the request jumps the queue: a Trade Compliance member's ruling or forced-labor
    /// admissibility review (front-of-line benefits).
    #[must_use]
    pub fn front_of_line(&self) -> bool {
        self.trade_compliance && matches!(self.kind, RequestKind::Ruling | RequestKind::AdmissibilityReview)
    }

    /// When the agency's decision is due, and the rule.
    #[must_use]
    pub fn decision_due(&self, rules: &ClockRules) -> (Date, String) {
        let (days, basis) = match self.kind {
            RequestKind::Ruling if self.trade_compliance => (
                rules.ruling_days_trade_compliance,
                format!(
                    "{} days after receipt: the expedited target for Trade Compliance members",
                    rules.ruling_days_trade_compliance
                ),
            ),
            RequestKind::Ruling => (
                rules.ruling_days_baseline,
                format!("{} days after receipt: the usual ruling time", rules.ruling_days_baseline),
            ),
            RequestKind::PostEntryAmendment => (
                POST_ENTRY_AMENDMENT_DAYS,
                format!("{POST_ENTRY_AMENDMENT_DAYS} days after receipt: the Trusted Trader amendment benefit"),
            ),
            RequestKind::ExamLocation
            | RequestKind::PartialRelease
            | RequestKind::HoldIntact
            | RequestKind::RedeliveryHold => (
                rules.release_decision_days,
                format!("{} days after receipt: goods are waiting", rules.release_decision_days),
            ),
            _ => (rules.decision_days, format!("{} days after receipt", rules.decision_days)),
        };
        (add_days(self.received, days), basis)
    }

    /// A confidential-manifest certification's validity: from receipt for inward manifests, from
    /// approval for outward ones, two years.
    #[must_use]
    pub fn certification(&self) -> Option<(Date, Date)> {
        if self.kind != RequestKind::ConfidentialManifest || self.state != RequestState::Granted {
            return None;
        }
        let effective = if self.details.get("direction").map(String::as_str) == Some("outward") {
            self.decided_on?
        } else {
            self.received
        };
        Some((effective, add_years(effective, CONFIDENTIAL_MANIFEST_YEARS)))
    }

    /// The first day a renewal of this certification may be filed.
    #[must_use]
    pub fn renewal_opens(&self, rules: &ClockRules) -> Option<Date> {
        self.certification().map(|(_, expires)| add_days(expires, -rules.confidential_manifest_renewal_window_days))
    }

    /// Every clock on the request on `today`. `renewed_on` is when a renewal of this
    /// certification was received, if one was.
    #[must_use]
    pub fn clocks(&self, rules: &ClockRules, today: Date, renewed_on: Option<Date>) -> Vec<Clock> {
        let mut clocks = Vec::new();
        let (due, basis) = self.decision_due(rules);
        let decision_stop = self.decided_on.or(self.withdrawn.as_ref().map(|(on, _)| *on));
        let agency_name = match self.kind {
            RequestKind::Ruling => "Ruling due",
            RequestKind::PenaltyCase => "Decision on the petition",
            _ => "Decision due",
        };
        // A penalty case is decided when the agency is ready; its clock is the member's petition.
        if self.kind != RequestKind::PenaltyCase {
            clocks.push(clock(agency_name, ClockOwner::Agency, self.received, due, basis, decision_stop, today, rules));
        }
        let member_stop = self.withdrawn.as_ref().map(|(on, _)| *on).or(if self.state == RequestState::Refused {
            self.decided_on
        } else {
            None
        });
        match self.kind {
            RequestKind::ReconciliationFlag if self.details.get("action").map(String::as_str) == Some("flag") => {
                if let Some(earliest) = self.detail_date("earliest_date") {
                    let (months, basis) = if self.details.get("issue").map(String::as_str) == Some("fta") {
                        (
                            rules.reconciliation_fta_months,
                            format!(
                                "{} months after the earliest import (FTA issues)",
                                rules.reconciliation_fta_months
                            ),
                        )
                    } else {
                        (
                            rules.reconciliation_months,
                            format!("{} months after the earliest entry summary", rules.reconciliation_months),
                        )
                    };
                    clocks.push(clock(
                        "Reconciliation entry due",
                        ClockOwner::Member,
                        earliest,
                        add_months(earliest, months),
                        basis,
                        member_stop,
                        today,
                        rules,
                    ));
                }
            }
            RequestKind::ReconciliationParticipation if self.state == RequestState::Granted => {
                if let Some(rider_to) = self.detail_date("rider_to") {
                    clocks.push(clock(
                        "Reconciliation rider expires",
                        ClockOwner::Member,
                        self.received,
                        rider_to,
                        "flags need the rider in force on the day they are set".to_owned(),
                        None,
                        today,
                        rules,
                    ));
                }
            }
            RequestKind::WithholdReleaseOrderDetention => {
                if let Some(detained) = self.detail_date("detained_on") {
                    clocks.push(clock(
                        "Re-export or prove admissibility by",
                        ClockOwner::Member,
                        detained,
                        add_months(detained, WITHHOLD_RELEASE_ORDER_MONTHS),
                        format!("{WITHHOLD_RELEASE_ORDER_MONTHS} months after detention (19 CFR 12.44)"),
                        member_stop,
                        today,
                        rules,
                    ));
                }
            }
            RequestKind::PenaltyCase => {
                if let Some(notice) = self.detail_date("notice_date") {
                    clocks.push(clock(
                        "Petition due",
                        ClockOwner::Member,
                        notice,
                        add_days(notice, rules.penalty_petition_days),
                        format!("{} days after the penalty notice (19 CFR 171.12)", rules.penalty_petition_days),
                        self.decided_on.or(member_stop),
                        today,
                        rules,
                    ));
                }
            }
            RequestKind::ConfidentialManifest => {
                if let Some((_, expires)) = self.certification() {
                    let renew_by = add_days(expires, -CONFIDENTIAL_MANIFEST_RENEWAL_DAYS);
                    let mut renewal = clock(
                        "Renew by",
                        ClockOwner::Member,
                        add_days(expires, -rules.confidential_manifest_renewal_window_days),
                        renew_by,
                        format!(
                            "{CONFIDENTIAL_MANIFEST_RENEWAL_DAYS} days before the certification expires on {expires} (19 CFR 103.31(d))"
                        ),
                        renewed_on,
                        today,
                        rules,
                    );
                    if renewed_on.is_none() && today < renewal.starts {
                        renewal.status = ClockStatus::NotStarted;
                    }
                    clocks.push(renewal);
                }
            }
            _ => {}
        }
        clocks
    }

    /// Whether a granted confidential-manifest certification has lapsed on `today`: expired with
    /// no renewal received before it expired.
    #[must_use]
    pub fn lapsed(&self, today: Date, renewed_on: Option<Date>) -> bool {
        self.certification().is_some_and(|(_, expires)| today > expires && renewed_on.is_none_or(|on| on > expires))
    }

    /// Whether this granted participation has the importer's (normalized number) continuous bond and reconciliation
    /// rider in force on `day`, as a flag set that day needs.
    #[must_use]
    pub fn covers_flagging(&self, importer_number: &str, day: Date) -> bool {
        let in_force = |from: &str, to: &str| {
            self.detail_date(from).is_some_and(|from| from <= day) && self.detail_date(to).is_none_or(|to| day <= to)
        };
        self.kind == RequestKind::ReconciliationParticipation
            && self.state == RequestState::Granted
            && self.details.get("importer_number").map(String::as_str) == Some(importer_number)
            && in_force("bond_from", "bond_to")
            && in_force("rider_from", "rider_to")
    }

    /// Days from receipt to decision, once decided.
    #[must_use]
    pub fn turnaround_days(&self) -> Option<i64> {
        self.decided_on.map(|on| days_between(self.received, on))
    }

    /// The calculator's facts, for penalty cases.
    #[must_use]
    pub fn penalty_facts(&self) -> Option<PenaltyFacts> {
        if self.kind != RequestKind::PenaltyCase {
            return None;
        }
        let money = |name: &'static str| self.details.get(name).and_then(|text| Cents::parse(name, text, false).ok());
        Some(PenaltyFacts {
            culpability: Culpability::parse("culpability", self.details.get("culpability")?).ok()?,
            loss_of_revenue: money("loss_of_revenue")?,
            dutiable_value: money("dutiable_value")?,
            domestic_value: money("domestic_value")?,
            prior_disclosure: self.details.get("prior_disclosure").map(String::as_str) == Some("yes"),
            trade_compliance_member: self.trade_compliance,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn clock(
    name: &'static str,
    owner: ClockOwner,
    starts: Date,
    due: Date,
    basis: String,
    stopped: Option<Date>,
    today: Date,
    rules: &ClockRules,
) -> Clock {
    let status = match stopped {
        Some(on) if on <= due => ClockStatus::Met,
        Some(_) => ClockStatus::Missed,
        None if today > due => ClockStatus::Breached,
        None if days_between(today, due) <= rules.warning_days => ClockStatus::AtRisk,
        None => ClockStatus::Running,
    };
    Clock { name, owner, starts, due, basis, stopped, status }
}

#[cfg(test)]
mod tests;
