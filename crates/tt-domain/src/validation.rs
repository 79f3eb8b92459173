//! A validation of a member's security measures: its plan (type, mode, sites, visit dates, the
//! member's notice), its execution criterion by criterion, and its report's workflow from draft
//! to the member, who answers each recommendation and required action. Replayed from an
//! append-only history like the membership and the profile.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::calendar::{add_days, days_between};
use crate::criteria::CriterionId;
use crate::lifecycle::{BestPractice, ValidationKind};

/// How the validation is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationMode {
    OnSite,
    /// Only for revalidations of low-risk members.
    Virtual,
    /// A validation by a mutual-recognition partner's program, accepted as a revalidation.
    MutualRecognition,
}

impl ValidationMode {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::OnSite => "On-site",
            Self::Virtual => "Virtual",
            Self::MutualRecognition => "Accepted from a mutual-recognition partner",
        }
    }
}

/// A site to visit, or a no-go zone the team cannot visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub name: String,
    pub country: String,
    /// Percent of the member's imports that pass through the site.
    pub share_of_imports: u8,
    /// Why the site cannot be visited, when it is a no-go zone.
    #[serde(default)]
    pub no_go_reason: Option<String>,
}

/// The result for one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionResult {
    No,
    Yes,
    YesBestPractice,
    NotApplicable,
}

impl CriterionResult {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::No => "No",
            Self::Yes => "Yes",
            Self::YesBestPractice => "Yes, best practice",
            Self::NotApplicable => "Not applicable",
        }
    }
}

/// What the team found on one criterion: internal notes stay with the agency; the finding,
/// recommendation and required action are in the member's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionFinding {
    pub result: CriterionResult,
    pub internal_notes: String,
    pub finding: String,
    pub recommendation: String,
    pub required_action: String,
    /// When the required action is due, if there is one.
    #[serde(default, with = "crate::criteria::optional_date")]
    pub action_due: Option<Date>,
    /// For `yes_best_practice`: the practice and its five elements.
    #[serde(default)]
    pub best_practice: Option<BestPractice>,
}

/// Where the report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Planned,
    Draft,
    SubmittedToSupervisor,
    EscalatedToHeadquarters,
    Approved,
    SentToMember,
}

impl ReportState {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Planned => "Planned",
            Self::Draft => "Report in draft",
            Self::SubmittedToSupervisor => "Submitted to the supervisor",
            Self::EscalatedToHeadquarters => "Escalated to headquarters",
            Self::Approved => "Approved",
            Self::SentToMember => "Sent to the member",
        }
    }
}

/// One step of a validation's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ValidationStep {
    Planned {
        kind: ValidationKind,
        mode: ValidationMode,
        low_risk: bool,
        sites: Vec<Site>,
        #[serde(with = "crate::calendar::iso_date")]
        notice_sent: Date,
        #[serde(default, with = "crate::criteria::optional_date")]
        domestic_visit: Option<Date>,
        #[serde(default, with = "crate::criteria::optional_date")]
        foreign_visit: Option<Date>,
    },
    CriterionRecorded {
        criterion: CriterionId,
        finding: CriterionFinding,
    },
    ExecutiveSummaryWritten {
        summary: String,
    },
    SubmittedToSupervisor,
    ReturnedBySupervisor {
        comment: String,
    },
    EscalatedToHeadquarters {
        reason: String,
    },
    Approved,
    SentToMember,
    /// The member's answer to a recommendation or required action.
    MemberResponded {
        criterion: CriterionId,
        implemented: bool,
        response: String,
        #[serde(default)]
        evidence: Vec<crate::profile::Evidence>,
    },
}

impl ValidationStep {
    /// A stable identifier of the step's kind (the `step` field of its JSON).
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Planned { .. } => "planned",
            Self::CriterionRecorded { .. } => "criterion_recorded",
            Self::ExecutiveSummaryWritten { .. } => "executive_summary_written",
            Self::SubmittedToSupervisor => "submitted_to_supervisor",
            Self::ReturnedBySupervisor { .. } => "returned_by_supervisor",
            Self::EscalatedToHeadquarters { .. } => "escalated_to_headquarters",
            Self::Approved => "approved",
            Self::SentToMember => "sent_to_member",
            Self::MemberResponded { .. } => "member_responded",
        }
    }
}

/// A step as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationEvent {
    pub sequence: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub step: ValidationStep,
}

/// The plan of a validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub kind: ValidationKind,
    pub mode: ValidationMode,
    pub sites: Vec<Site>,
    pub notice_sent: Date,
    pub domestic_visit: Option<Date>,
    pub foreign_visit: Option<Date>,
}

/// The member's answer to one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberResponse {
    pub implemented: bool,
    pub response: String,
    pub evidence: Vec<crate::profile::Evidence>,
    pub responded_on: Date,
}

/// A validation derived from its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub plan: Option<Plan>,
    pub state: ReportState,
    pub findings: BTreeMap<CriterionId, CriterionFinding>,
    pub executive_summary: String,
    pub supervisor_comment: Option<String>,
    pub escalation: Option<String>,
    pub responses: BTreeMap<CriterionId, MemberResponse>,
}

/// A step the validation refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationRefused {
    pub message: String,
}

fn refuse<T>(message: impl Into<String>) -> Result<T, ValidationRefused> {
    Err(ValidationRefused { message: message.into() })
}

/// Days of notice a member gets before the first visit.
pub const NOTICE_DAYS: i64 = 30;

/// An open item of the member's action plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub criterion: CriterionId,
    pub required_action: String,
    #[serde(default, with = "crate::criteria::optional_date")]
    pub due: Option<Date>,
    pub overdue: bool,
}

impl Validation {
    /// Replays a history.
    ///
    /// # Errors
    /// The first step that breaks a rule, naming it.
    pub fn replay(events: &[ValidationEvent]) -> Result<Self, ValidationRefused> {
        let mut validation = Self {
            plan: None,
            state: ReportState::Planned,
            findings: BTreeMap::new(),
            executive_summary: String::new(),
            supervisor_comment: None,
            escalation: None,
            responses: BTreeMap::new(),
        };
        for event in events {
            validation.apply(event).map_err(|refused| ValidationRefused {
                message: format!("step #{}: {}", event.sequence, refused.message),
            })?;
        }
        Ok(validation)
    }

    fn first_visit(&self) -> Option<Date> {
        let plan = self.plan.as_ref()?;
        match (plan.domestic_visit, plan.foreign_visit) {
            (Some(domestic), Some(foreign)) => Some(domestic.min(foreign)),
            (visit, None) | (None, visit) => visit,
        }
    }

    #[allow(clippy::too_many_lines)]
    fn apply(&mut self, event: &ValidationEvent) -> Result<(), ValidationRefused> {
        let day = event.recorded_at.date();
        match &event.step {
            ValidationStep::Planned { kind, mode, low_risk, sites, notice_sent, domestic_visit, foreign_visit } => {
                if !matches!(self.state, ReportState::Planned) || !self.findings.is_empty() {
                    return refuse("the plan can change only before the findings are recorded");
                }
                if *mode == ValidationMode::Virtual && (*kind == ValidationKind::Initial || !low_risk) {
                    return refuse("a virtual validation is allowed only for the revalidation of a low-risk member");
                }
                if *mode == ValidationMode::MutualRecognition && *kind == ValidationKind::Initial {
                    return refuse("a partner program's validation is accepted only as a revalidation");
                }
                if sites.is_empty() && *mode != ValidationMode::MutualRecognition {
                    return refuse("list at least one site");
                }
                for site in sites {
                    if site.name.trim().is_empty() || site.country.trim().len() != 2 {
                        return refuse("every site needs a name and a two-letter country code");
                    }
                    if site.share_of_imports > 100 {
                        return refuse(format!("{}: a share of imports is at most 100 percent", site.name));
                    }
                }
                let total: u32 = sites.iter().map(|site| u32::from(site.share_of_imports)).sum();
                if total > 100 {
                    return refuse(format!("the sites' shares of imports add up to {total} percent, more than 100"));
                }
                let first = match (domestic_visit, foreign_visit) {
                    (Some(domestic), Some(foreign)) => Some((*domestic).min(*foreign)),
                    (visit, None) | (None, visit) => *visit,
                };
                if *mode == ValidationMode::OnSite && first.is_none() {
                    return refuse("an on-site validation needs a visit date");
                }
                if let Some(first) = first
                    && days_between(*notice_sent, first) < NOTICE_DAYS
                {
                    return refuse(format!(
                        "the member must have {NOTICE_DAYS} days' notice: with notice sent on {notice_sent}, the first visit can be on {} at the earliest",
                        add_days(*notice_sent, NOTICE_DAYS)
                    ));
                }
                self.plan = Some(Plan {
                    kind: *kind,
                    mode: *mode,
                    sites: sites.clone(),
                    notice_sent: *notice_sent,
                    domestic_visit: *domestic_visit,
                    foreign_visit: *foreign_visit,
                });
            }
            ValidationStep::CriterionRecorded { criterion, finding } => {
                if self.plan.is_none() {
                    return refuse("plan the validation first");
                }
                if !matches!(self.state, ReportState::Planned | ReportState::Draft) {
                    return refuse(format!(
                        "the report is {}; findings change only in draft",
                        self.state.label().to_lowercase()
                    ));
                }
                if let Some(first) = self.first_visit()
                    && day < first
                    && self.plan.as_ref().is_some_and(|plan| plan.mode == ValidationMode::OnSite)
                {
                    return refuse(format!("findings are recorded from the first visit on {first}"));
                }
                if finding.result == CriterionResult::YesBestPractice
                    && !finding.best_practice.as_ref().is_some_and(BestPractice::meets_all_five_elements)
                {
                    return refuse(format!("{criterion}: a best practice must show all five elements"));
                }
                if finding.result == CriterionResult::No && finding.finding.trim().is_empty() {
                    return refuse(format!("{criterion}: a criterion not met needs a finding for the member"));
                }
                if !finding.required_action.trim().is_empty() && finding.action_due.is_none() {
                    return refuse(format!("{criterion}: a required action needs a due date"));
                }
                self.findings.insert(criterion.clone(), finding.clone());
                self.state = ReportState::Draft;
            }
            ValidationStep::ExecutiveSummaryWritten { summary } => {
                if !matches!(self.state, ReportState::Planned | ReportState::Draft) || self.plan.is_none() {
                    return refuse("the executive summary is written while the report is in draft");
                }
                self.executive_summary = summary.trim().to_owned();
                self.state = ReportState::Draft;
            }
            ValidationStep::SubmittedToSupervisor => {
                if self.state != ReportState::Draft {
                    return refuse(format!(
                        "only a draft report is submitted; it is {}",
                        self.state.label().to_lowercase()
                    ));
                }
                if self.executive_summary.is_empty() || self.findings.is_empty() {
                    return refuse("write the executive summary and record the findings before submitting");
                }
                self.state = ReportState::SubmittedToSupervisor;
                self.supervisor_comment = None;
            }
            ValidationStep::ReturnedBySupervisor { comment } => {
                if !matches!(self.state, ReportState::SubmittedToSupervisor | ReportState::EscalatedToHeadquarters) {
                    return refuse("only a submitted report is returned");
                }
                if comment.trim().is_empty() {
                    return refuse("say what must change");
                }
                self.supervisor_comment = Some(comment.clone());
                self.state = ReportState::Draft;
            }
            ValidationStep::EscalatedToHeadquarters { reason } => {
                if self.state != ReportState::SubmittedToSupervisor {
                    return refuse("only a report with the supervisor is escalated");
                }
                if reason.trim().is_empty() {
                    return refuse("say why the report goes to headquarters");
                }
                self.escalation = Some(reason.clone());
                self.state = ReportState::EscalatedToHeadquarters;
            }
            ValidationStep::Approved => {
                if !matches!(self.state, ReportState::SubmittedToSupervisor | ReportState::EscalatedToHeadquarters) {
                    return refuse("only a submitted report is approved");
                }
                self.state = ReportState::Approved;
            }
            ValidationStep::SentToMember => {
                if self.state != ReportState::Approved {
                    return refuse("only an approved report is sent to the member");
                }
                self.state = ReportState::SentToMember;
            }
            ValidationStep::MemberResponded { criterion, implemented, response, evidence } => {
                if self.state != ReportState::SentToMember {
                    return refuse("the member answers once the report is sent");
                }
                let Some(finding) = self.findings.get(criterion) else {
                    return refuse(format!("the report has nothing on {criterion}"));
                };
                if finding.recommendation.trim().is_empty() && finding.required_action.trim().is_empty() {
                    return refuse(format!("{criterion} has no recommendation or required action to answer"));
                }
                if response.trim().is_empty() {
                    return refuse(format!("{criterion}: describe what was done"));
                }
                // A new answer keeps the files of earlier ones: evidence is never dropped.
                let mut files =
                    self.responses.get(criterion).map(|earlier| earlier.evidence.clone()).unwrap_or_default();
                files.extend(evidence.iter().cloned());
                self.responses.insert(
                    criterion.clone(),
                    MemberResponse {
                        implemented: *implemented,
                        response: response.clone(),
                        evidence: files,
                        responded_on: day,
                    },
                );
            }
        }
        Ok(())
    }

    /// The member's action plan: required actions not yet answered as implemented, with their
    /// due dates; overdue after the due date.
    #[must_use]
    pub fn action_plan(&self, today: Date) -> Vec<ActionItem> {
        if self.state != ReportState::SentToMember {
            return Vec::new();
        }
        self.findings
            .iter()
            .filter(|(_, finding)| !finding.required_action.trim().is_empty())
            .filter(|(criterion, _)| !self.responses.get(*criterion).is_some_and(|response| response.implemented))
            .map(|(criterion, finding)| ActionItem {
                criterion: criterion.clone(),
                required_action: finding.required_action.clone(),
                due: finding.action_due,
                overdue: finding.action_due.is_some_and(|due| due < today),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
