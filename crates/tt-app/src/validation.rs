//! Validation use cases: plan a validation, record findings criterion by criterion, take the
//! report from draft through the supervisor (and headquarters) to the member, and record the
//! member's answers. Members never see the team's internal notes.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tt_domain::criteria::CriterionId;
use tt_domain::lifecycle::{BestPractice, ValidationKind};
use tt_domain::validation::{
    ActionItem, CriterionFinding, CriterionResult, ReportState, Site, Validation, ValidationEvent, ValidationMode,
    ValidationStep,
};
use tt_domain::{Account, AccountId};
use tt_store::StoreError;
use tt_store::validation::NewValidationEvent;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::NOTHING;
use crate::{Actor, App, AppError, AppResult, Permission};

/// A change to a validation, as staff or the member make it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ValidationAction {
    /// Plan (or re-plan, before any finding).
    Plan {
        /// `initial` or `revalidation`.
        kind: String,
        /// `on_site`, `virtual` or `mutual_recognition`.
        mode: String,
        #[serde(default)]
        low_risk: bool,
        #[schema(value_type = Vec<Object>)]
        sites: Vec<Site>,
        notice_sent: String,
        #[serde(default)]
        domestic_visit: Option<String>,
        #[serde(default)]
        foreign_visit: Option<String>,
    },
    RecordCriterion {
        criterion: String,
        /// `no`, `yes`, `yes_best_practice` or `not_applicable`.
        result: String,
        #[serde(default)]
        internal_notes: String,
        #[serde(default)]
        finding: String,
        #[serde(default)]
        recommendation: String,
        #[serde(default)]
        required_action: String,
        #[serde(default)]
        action_due: Option<String>,
        #[serde(default)]
        #[schema(value_type = Option<Object>)]
        best_practice: Option<BestPractice>,
    },
    WriteSummary {
        summary: String,
    },
    SubmitToSupervisor,
    Return {
        comment: String,
    },
    Escalate {
        reason: String,
    },
    Approve,
    SendToMember,
    /// The member answers a recommendation or required action.
    Respond {
        criterion: String,
        implemented: bool,
        response: String,
    },
}

/// One criterion's finding as shown (internal notes only to agency staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FindingView {
    #[schema(value_type = String)]
    pub criterion: CriterionId,
    /// `no`, `yes`, `yes_best_practice`, `not_applicable`.
    #[schema(value_type = String)]
    pub result: CriterionResult,
    pub internal_notes: Option<String>,
    pub finding: String,
    pub recommendation: String,
    pub required_action: String,
    pub action_due: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub best_practice: Option<BestPractice>,
    /// The member's answer, if any.
    pub response: Option<String>,
    pub implemented: Option<bool>,
    /// The evidence files the member attached to the answer.
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<tt_domain::profile::Evidence>,
}

/// A validation as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ValidationView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub legal_name: String,
    /// `planned`, `draft`, `submitted_to_supervisor`, `escalated_to_headquarters`, `approved`,
    /// `sent_to_member`.
    #[schema(value_type = String)]
    pub state: ReportState,
    pub state_label: &'static str,
    pub kind: Option<&'static str>,
    pub mode: Option<&'static str>,
    #[schema(value_type = Vec<Object>)]
    pub sites: Vec<Site>,
    pub notice_sent: Option<String>,
    pub domestic_visit: Option<String>,
    pub foreign_visit: Option<String>,
    pub executive_summary: String,
    pub supervisor_comment: Option<String>,
    pub escalation: Option<String>,
    pub findings: Vec<FindingView>,
    #[schema(value_type = Vec<Object>)]
    pub action_plan: Vec<ActionItem>,
}

/// A validation in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ValidationListItem {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub state_label: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
}

/// Validations are the agency's and the member's: partner-agency liaisons read standing, not
/// validation reports.
fn date(field: &'static str, text: &str) -> AppResult<Date> {
    tt_domain::calendar::iso_date::parse(text)
        .ok_or_else(|| AppError::invalid(field, format!("'{}' is not a date as YYYY-MM-DD", text.trim())))
}

fn optional_date(field: &'static str, text: Option<&str>) -> AppResult<Option<Date>> {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        None => Ok(None),
        Some(text) => date(field, text).map(Some),
    }
}

impl App {
    /// Plans a new validation of an account.
    ///
    /// # Errors
    /// `Forbidden` without the permission, `Invalid` for a plan the rules refuse.
    pub async fn plan_validation(
        &self,
        actor: &Actor,
        account_id: AccountId,
        action: &ValidationAction,
    ) -> AppResult<ValidationView> {
        actor.require(Permission::ReviewSecurityMembership, self.clock.now())?;
        if !matches!(action, ValidationAction::Plan { .. }) {
            return Err(AppError::invalid("action", "a validation starts with its plan"));
        }
        let account = self.store.get_account(account_id).await?;
        let step = self.validation_step(&account, action).await?;
        self.append_validation(actor, Uuid::now_v7(), &account, None, Vec::new(), step).await
    }

    /// Applies a change to an existing validation, checked against its history and the
    /// actor's role: the specialist plans, records, writes and submits; the supervisor returns,
    /// escalates and approves (headquarters, the program director, approves an escalated report);
    /// staff send it; the member answers.
    ///
    /// # Errors
    /// `Forbidden` for the wrong role, `NotFound` for an unknown validation, `Invalid` naming the
    /// rule broken.
    pub async fn change_validation(
        &self,
        actor: &Actor,
        id: Uuid,
        action: &ValidationAction,
    ) -> AppResult<ValidationView> {
        let (account_id, events) = self.store.validation_events(id).await?.ok_or(AppError::NotFound)?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let current =
            Validation::replay(&events).map_err(|refused| AppError::invalid("validation", refused.message))?;
        let permission = match action {
            ValidationAction::Plan { .. }
            | ValidationAction::RecordCriterion { .. }
            | ValidationAction::WriteSummary { .. }
            | ValidationAction::SubmitToSupervisor
            | ValidationAction::SendToMember => Permission::ReviewSecurityMembership,
            // Once escalated, headquarters decides: the supervisor can no longer return or approve.
            ValidationAction::Approve | ValidationAction::Return { .. }
                if current.state == ReportState::EscalatedToHeadquarters =>
            {
                Permission::DecideStanding
            }
            ValidationAction::Return { .. } | ValidationAction::Escalate { .. } | ValidationAction::Approve => {
                Permission::CertifyPartners
            }
            ValidationAction::Respond { .. } => Permission::PrepareMembership,
        };
        actor.require(permission, self.clock.now())?;
        let last = events.last().map(|event| event.sequence);
        let step = self.validation_step(&account, action).await?;
        self.append_validation(actor, id, &account, last, events, step).await
    }

    async fn append_validation(
        &self,
        actor: &Actor,
        id: Uuid,
        account: &Account,
        expected_last: Option<i64>,
        mut events: Vec<ValidationEvent>,
        step: ValidationStep,
    ) -> AppResult<ValidationView> {
        let now = self.clock.now();
        events.push(ValidationEvent {
            sequence: expected_last.unwrap_or(0) + 1,
            recorded_at: now,
            recorded_by: actor.label.clone(),
            step: step.clone(),
        });
        let after = Validation::replay(&events).map_err(|refused| AppError::invalid("step", refused.message))?;
        let audit = actor.audit(
            now,
            &format!("validation.{}", step.kind()),
            "validation",
            Some(id.to_string()),
            NOTHING,
            Some(&step),
        );
        let event = NewValidationEvent {
            validation_id: id,
            account_id: account.id,
            recorded_at: now,
            recorded_by: actor.label.clone(),
            recorded_by_user: actor.user.as_ref().map(|user| user.id),
            step,
        };
        match self.store.append_validation_events(id, expected_last, &[event], &audit).await {
            Ok(()) => Ok(self.validation_view(actor, id, account, &after)),
            Err(StoreError::Conflict { field: "validation" }) => Err(AppError::Conflict {
                field: "validation",
                message: "the validation changed meanwhile; reload it and try again".to_owned(),
            }),
            Err(error) => Err(error.into()),
        }
    }

    async fn validation_step(&self, account: &Account, action: &ValidationAction) -> AppResult<ValidationStep> {
        let criterion_of = |text: &str| CriterionId::parse(text).map_err(AppError::from);
        Ok(match action {
            ValidationAction::Plan { kind, mode, low_risk, sites, notice_sent, domestic_visit, foreign_visit } => {
                ValidationStep::Planned {
                    kind: match kind.trim() {
                        "initial" => ValidationKind::Initial,
                        "revalidation" => ValidationKind::Revalidation,
                        other => {
                            return Err(AppError::invalid("kind", format!("'{other}' is not initial or revalidation")));
                        }
                    },
                    mode: match mode.trim() {
                        "on_site" => ValidationMode::OnSite,
                        "virtual" => ValidationMode::Virtual,
                        "mutual_recognition" => ValidationMode::MutualRecognition,
                        other => {
                            return Err(AppError::invalid(
                                "mode",
                                format!("'{other}' is not on_site, virtual or mutual_recognition"),
                            ));
                        }
                    },
                    low_risk: *low_risk,
                    sites: sites
                        .iter()
                        .map(|site| Site {
                            name: site.name.trim().to_owned(),
                            country: site.country.trim().to_ascii_uppercase(),
                            share_of_imports: site.share_of_imports,
                            no_go_reason: site.no_go_reason.clone().filter(|reason| !reason.trim().is_empty()),
                        })
                        .collect(),
                    notice_sent: date("notice_sent", notice_sent)?,
                    domestic_visit: optional_date("domestic_visit", domestic_visit.as_deref())?,
                    foreign_visit: optional_date("foreign_visit", foreign_visit.as_deref())?,
                }
            }
            ValidationAction::RecordCriterion {
                criterion,
                result,
                internal_notes,
                finding,
                recommendation,
                required_action,
                action_due,
                best_practice,
            } => {
                let criterion = criterion_of(criterion)?;
                if let Some(kind) = crate::profile::catalogue_for(account.business_type) {
                    let view = self.catalogue(&Actor::system("system:validation"), kind, None, None).await?;
                    if !view.criteria.iter().any(|known| known.id == criterion) {
                        return Err(AppError::invalid(
                            "criterion",
                            format!(
                                "{criterion} is not a criterion of {} {}",
                                view.summary.label, view.summary.version
                            ),
                        ));
                    }
                }
                ValidationStep::CriterionRecorded {
                    criterion,
                    finding: CriterionFinding {
                        result: match result.trim() {
                            "no" => CriterionResult::No,
                            "yes" => CriterionResult::Yes,
                            "yes_best_practice" => CriterionResult::YesBestPractice,
                            "not_applicable" => CriterionResult::NotApplicable,
                            other => {
                                return Err(AppError::invalid(
                                    "result",
                                    format!("'{other}' is not no, yes, yes_best_practice or not_applicable"),
                                ));
                            }
                        },
                        internal_notes: internal_notes.trim().to_owned(),
                        finding: finding.trim().to_owned(),
                        recommendation: recommendation.trim().to_owned(),
                        required_action: required_action.trim().to_owned(),
                        action_due: optional_date("action_due", action_due.as_deref())?,
                        best_practice: best_practice.clone(),
                    },
                }
            }
            ValidationAction::WriteSummary { summary } => {
                ValidationStep::ExecutiveSummaryWritten { summary: summary.clone() }
            }
            ValidationAction::SubmitToSupervisor => ValidationStep::SubmittedToSupervisor,
            ValidationAction::Return { comment } => {
                ValidationStep::ReturnedBySupervisor { comment: comment.trim().to_owned() }
            }
            ValidationAction::Escalate { reason } => {
                ValidationStep::EscalatedToHeadquarters { reason: reason.trim().to_owned() }
            }
            ValidationAction::Approve => ValidationStep::Approved,
            ValidationAction::SendToMember => ValidationStep::SentToMember,
            ValidationAction::Respond { criterion, implemented, response } => ValidationStep::MemberResponded {
                criterion: criterion_of(criterion)?,
                implemented: *implemented,
                response: response.trim().to_owned(),
                evidence: Vec::new(),
            },
        })
    }

    fn validation_view(&self, actor: &Actor, id: Uuid, account: &Account, validation: &Validation) -> ValidationView {
        // Program staff (not partner-agency liaisons) see the team's notes and the workflow.
        let staff = actor.is_agency() && actor.role() != Some(tt_domain::Role::PgaLiaison);
        let plan = validation.plan.as_ref();
        ValidationView {
            id,
            account_id: account.id,
            account_number: account.number.to_string(),
            legal_name: account.legal_name.as_str().to_owned(),
            state: validation.state,
            state_label: validation.state.label(),
            kind: plan.map(|plan| match plan.kind {
                ValidationKind::Initial => "initial",
                ValidationKind::Revalidation => "revalidation",
            }),
            mode: plan.map(|plan| plan.mode.label()),
            sites: plan.map(|plan| plan.sites.clone()).unwrap_or_default(),
            notice_sent: plan.map(|plan| plan.notice_sent.to_string()),
            domestic_visit: plan.and_then(|plan| plan.domestic_visit.map(|day| day.to_string())),
            foreign_visit: plan.and_then(|plan| plan.foreign_visit.map(|day| day.to_string())),
            executive_summary: validation.executive_summary.clone(),
            supervisor_comment: validation.supervisor_comment.clone().filter(|_| staff),
            escalation: validation.escalation.clone().filter(|_| staff),
            findings: validation
                .findings
                .iter()
                .map(|(criterion, finding)| {
                    let response = validation.responses.get(criterion);
                    FindingView {
                        criterion: criterion.clone(),
                        result: finding.result,
                        internal_notes: staff.then(|| finding.internal_notes.clone()),
                        finding: finding.finding.clone(),
                        recommendation: finding.recommendation.clone(),
                        required_action: finding.required_action.clone(),
                        action_due: finding.action_due.map(|day| day.to_string()),
                        best_practice: finding.best_practice.clone(),
                        response: response.map(|response| response.response.clone()),
                        implemented: response.map(|response| response.implemented),
                        evidence: response.map(|response| response.evidence.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
            action_plan: validation.action_plan(self.clock.now().date()),
        }
    }

    /// One validation. Members see their own only once the report is sent (before that, the
    /// plan and its dates), and never the team's internal notes.
    ///
    /// # Errors
    /// `NotFound`, or `Forbidden` outside the actor's scope.
    pub async fn get_validation(&self, actor: &Actor, id: Uuid) -> AppResult<ValidationView> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("partner agencies do not see validations")?;
        let (account_id, events) = self.store.validation_events(id).await?.ok_or(AppError::NotFound)?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let validation =
            Validation::replay(&events).map_err(|refused| AppError::invalid("validation", refused.message))?;
        let mut view = self.validation_view(actor, id, &account, &validation);
        if !actor.is_agency() && validation.state != ReportState::SentToMember {
            view.findings.clear();
            view.executive_summary.clear();
        }
        Ok(view)
    }

    /// Validations of one account (or, for staff, of all), newest first.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope.
    pub async fn list_validations(
        &self,
        actor: &Actor,
        account_id: Option<AccountId>,
    ) -> AppResult<Vec<ValidationListItem>> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("partner agencies do not see validations")?;
        let scope = match (actor.is_agency(), account_id, actor.own_account()) {
            (true, account, _) => account,
            (false, _, Some(own)) => Some(own),
            (false, _, None) => return Err(AppError::Forbidden("only members see their validations")),
        };
        if let Some(account_id) = scope {
            let account = self.store.get_account(account_id).await?;
            actor.require_account_visible(&account)?;
        }
        let accounts: std::collections::HashMap<AccountId, String> = self
            .store
            .list_accounts()
            .await?
            .into_iter()
            .map(|account| (account.id, account.number.to_string()))
            .collect();
        let mut items = Vec::new();
        for summary in self.store.list_validations(scope).await? {
            let Some((_, events)) = self.store.validation_events(summary.validation_id).await? else { continue };
            let state = Validation::replay(&events).map(|validation| validation.state.label()).unwrap_or("Unreadable");
            items.push(ValidationListItem {
                id: summary.validation_id,
                account_id: summary.account_id,
                account_number: accounts.get(&summary.account_id).cloned().unwrap_or_default(),
                state_label: state,
                started_at: summary.started_at,
            });
        }
        Ok(items)
    }
}

impl App {
    /// The member's validation report as a PDF: executive summary, findings, recommendations,
    /// required actions and best practices (never the internal notes).
    ///
    /// # Errors
    /// As [`App::get_validation`].
    pub async fn validation_report_pdf(&self, actor: &Actor, id: Uuid) -> AppResult<Vec<u8>> {
        let view = self.get_validation(actor, id).await?;
        let mut document = crate::pdf::PdfDocument::new(&format!("CTPAT validation report: {}", view.legal_name));
        document.title("CTPAT validation report");
        document.paragraph(&format!(
            "{} ({}). {}{}. State: {}.",
            view.legal_name,
            view.account_number,
            view.kind.map_or_else(String::new, |kind| format!("{} validation", capitalized(kind))),
            view.mode.map_or_else(String::new, |mode| format!(", {mode}")),
            view.state_label
        ));
        if let Some(visit) = view.domestic_visit.as_ref().or(view.foreign_visit.as_ref()) {
            document
                .paragraph(&format!("Visit: {visit}. Notice sent: {}.", view.notice_sent.clone().unwrap_or_default()));
        }
        document.heading("Executive summary");
        document.paragraph(if view.executive_summary.is_empty() { "None yet." } else { &view.executive_summary });
        document.heading("Findings, recommendations and required actions");
        if view.findings.is_empty() {
            document.paragraph("None.");
        }
        for finding in &view.findings {
            let mut text = format!("{}: {}.", finding.criterion, finding.result.label());
            for (label, value) in [
                ("Finding", &finding.finding),
                ("Recommendation", &finding.recommendation),
                ("Required action", &finding.required_action),
            ] {
                if !value.is_empty() {
                    text.push_str(&format!(" {label}: {value}"));
                    if !value.ends_with('.') {
                        text.push('.');
                    }
                }
            }
            if let Some(due) = &finding.action_due {
                text.push_str(&format!(" Due {due}."));
            }
            if let Some(response) = &finding.response {
                text.push_str(&format!(" Member's answer: {response}"));
            }
            document.paragraph(&text);
        }
        let practices: Vec<String> = view
            .findings
            .iter()
            .filter_map(|finding| {
                finding.best_practice.as_ref().map(|practice| format!("{}: {}", finding.criterion, practice.title))
            })
            .collect();
        document.heading("Best practices");
        document.paragraph(&if practices.is_empty() { "None recorded.".to_owned() } else { practices.join("\n") });
        Ok(document.to_bytes())
    }
}

fn capitalized(text: &str) -> String {
    let mut characters = text.chars();
    characters.next().map_or_else(String::new, |first| first.to_uppercase().chain(characters).collect())
}

impl App {
    /// The member's answer to a recommendation or required action, with evidence files (each
    /// checked and stored like profile evidence).
    ///
    /// # Errors
    /// As [`App::change_validation`]; `Invalid` on `file` for a refused file.
    pub async fn respond_with_evidence(
        &self,
        actor: &Actor,
        id: Uuid,
        criterion: &str,
        implemented: bool,
        response: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> AppResult<ValidationView> {
        actor.require(Permission::PrepareMembership, self.clock.now())?;
        let (account_id, events) = self.store.validation_events(id).await?.ok_or(AppError::NotFound)?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let criterion = CriterionId::parse(criterion)?;
        let step = |evidence| ValidationStep::MemberResponded {
            criterion: criterion.clone(),
            implemented,
            response: response.trim().to_owned(),
            evidence,
        };
        // The answer is checked before the files are stored, so a refused answer stores nothing.
        let mut trial = events.clone();
        trial.push(ValidationEvent {
            sequence: i64::MAX,
            recorded_at: self.clock.now(),
            recorded_by: actor.label.clone(),
            step: step(Vec::new()),
        });
        Validation::replay(&trial).map_err(|refused| AppError::invalid("step", refused.message))?;
        let mut evidence = Vec::new();
        for (name, bytes) in files {
            evidence.push(self.store_evidence_file(account_id, &name, bytes).await?);
        }
        let last = events.last().map(|event| event.sequence);
        self.append_validation(actor, id, &account, last, events, step(evidence)).await
    }

    /// An evidence file the member attached to an answer, by its id (the last part of its key).
    ///
    /// # Errors
    /// `NotFound` unless it belongs to this validation.
    pub async fn validation_evidence_file(
        &self,
        actor: &Actor,
        id: Uuid,
        file_id: &str,
    ) -> AppResult<(tt_domain::profile::Evidence, Vec<u8>)> {
        let view = self.get_validation(actor, id).await?;
        let suffix = format!("/{}", file_id.trim());
        let evidence = view
            .findings
            .into_iter()
            .flat_map(|finding| finding.evidence)
            .find(|evidence| evidence.key.ends_with(&suffix))
            .ok_or(AppError::NotFound)?;
        let bytes = self.objects.get(&evidence.key).await.map_err(AppError::Internal)?;
        Ok((evidence, bytes))
    }
}
