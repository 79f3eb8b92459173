//! A validation's plan rules, findings, report workflow and the member's action plan.

use time::macros::date;

use super::*;

fn at(day: Date) -> OffsetDateTime {
    day.with_hms(12, 0, 0).expect("time").assume_utc()
}

struct History {
    events: Vec<ValidationEvent>,
}

impl History {
    fn try_step(&mut self, day: Date, step: ValidationStep) -> Result<Validation, ValidationRefused> {
        self.events.push(ValidationEvent {
            sequence: i64::try_from(self.events.len()).unwrap_or(0) + 1,
            recorded_at: at(day),
            recorded_by: "scss@cbp.example".to_owned(),
            step,
        });
        let result = Validation::replay(&self.events);
        if result.is_err() {
            self.events.pop();
        }
        result
    }

    fn step(&mut self, day: Date, step: ValidationStep) -> Validation {
        match self.try_step(day, step.clone()) {
            Ok(validation) => validation,
            Err(refused) => panic!("{step:?} refused: {refused}"),
        }
    }
}

fn site(name: &str, share: u8) -> Site {
    Site { name: name.to_owned(), country: "MX".to_owned(), share_of_imports: share, no_go_reason: None }
}

fn plan(kind: ValidationKind, mode: ValidationMode, low_risk: bool, visit: Option<Date>) -> ValidationStep {
    ValidationStep::Planned {
        kind,
        mode,
        low_risk,
        sites: vec![site("Monterrey plant", 60)],
        notice_sent: date!(2026 - 01 - 05),
        domestic_visit: visit,
        foreign_visit: None,
    }
}

fn finding(result: CriterionResult, action: &str, due: Option<Date>) -> CriterionFinding {
    CriterionFinding {
        result,
        internal_notes: "seen on site".to_owned(),
        finding: "Seal log not reconciled".to_owned(),
        recommendation: "Reconcile weekly".to_owned(),
        required_action: action.to_owned(),
        action_due: due,
        best_practice: None,
    }
}

fn id(text: &str) -> CriterionId {
    CriterionId::parse(text).expect("id")
}

#[test]
fn a_virtual_validation_is_only_for_low_risk_revalidations_and_visits_need_thirty_days_notice() {
    let mut history = History { events: Vec::new() };
    let refused = history
        .try_step(date!(2026 - 01 - 05), plan(ValidationKind::Initial, ValidationMode::Virtual, true, None))
        .unwrap_err();
    assert!(
        refused.message.ends_with("a virtual validation is allowed only for the revalidation of a low-risk member")
    );
    let refused = history
        .try_step(date!(2026 - 01 - 05), plan(ValidationKind::Revalidation, ValidationMode::Virtual, false, None))
        .unwrap_err();
    assert!(refused.message.contains("low-risk"));
    let refused = history
        .try_step(
            date!(2026 - 01 - 05),
            plan(ValidationKind::Initial, ValidationMode::OnSite, false, Some(date!(2026 - 02 - 03))),
        )
        .unwrap_err();
    assert!(refused.message.ends_with("the first visit can be on 2026-02-04 at the earliest"), "{refused}");
    history.step(
        date!(2026 - 01 - 05),
        plan(ValidationKind::Initial, ValidationMode::OnSite, false, Some(date!(2026 - 02 - 04))),
    );
    history.step(date!(2026 - 01 - 05), plan(ValidationKind::Revalidation, ValidationMode::Virtual, true, None));
    let overfull = ValidationStep::Planned {
        kind: ValidationKind::Initial,
        mode: ValidationMode::OnSite,
        low_risk: false,
        sites: vec![site("A", 70), site("B", 40)],
        notice_sent: date!(2026 - 01 - 05),
        domestic_visit: Some(date!(2026 - 03 - 01)),
        foreign_visit: None,
    };
    assert!(history.try_step(date!(2026 - 01 - 05), overfull).unwrap_err().message.contains("add up to 110 percent"));
}

#[test]
fn a_report_goes_from_draft_to_the_supervisor_headquarters_and_the_member() {
    let mut history = History { events: Vec::new() };
    history.step(
        date!(2026 - 01 - 05),
        plan(ValidationKind::Initial, ValidationMode::OnSite, false, Some(date!(2026 - 02 - 10))),
    );
    let early = history.try_step(
        date!(2026 - 02 - 01),
        ValidationStep::CriterionRecorded {
            criterion: id("6.6"),
            finding: finding(CriterionResult::No, "Reconcile seal logs", Some(date!(2026 - 06 - 01))),
        },
    );
    assert!(early.unwrap_err().message.contains("findings are recorded from the first visit on 2026-02-10"));
    let no_due = history.try_step(
        date!(2026 - 02 - 10),
        ValidationStep::CriterionRecorded {
            criterion: id("6.6"),
            finding: finding(CriterionResult::No, "Reconcile seal logs", None),
        },
    );
    assert!(no_due.unwrap_err().message.contains("a required action needs a due date"));
    history.step(
        date!(2026 - 02 - 10),
        ValidationStep::CriterionRecorded {
            criterion: id("6.6"),
            finding: finding(CriterionResult::No, "Reconcile seal logs", Some(date!(2026 - 06 - 01))),
        },
    );
    let weak_practice = CriterionFinding {
        best_practice: Some(BestPractice {
            title: "Photo seal verification".to_owned(),
            senior_management_support: true,
            innovative: true,
            documented: true,
            verifiable_evidence: false,
            checks_and_balances: true,
        }),
        ..finding(CriterionResult::YesBestPractice, "", None)
    };
    let refused = history.try_step(
        date!(2026 - 02 - 10),
        ValidationStep::CriterionRecorded { criterion: id("7.5"), finding: weak_practice },
    );
    assert!(refused.unwrap_err().message.contains("all five elements"));
    assert!(
        history
            .try_step(date!(2026 - 02 - 11), ValidationStep::SubmittedToSupervisor)
            .unwrap_err()
            .message
            .contains("executive summary")
    );
    history.step(
        date!(2026 - 02 - 11),
        ValidationStep::ExecutiveSummaryWritten { summary: "Sound program; seal controls need work.".to_owned() },
    );
    history.step(date!(2026 - 02 - 12), ValidationStep::SubmittedToSupervisor);
    let returned = history.step(
        date!(2026 - 02 - 13),
        ValidationStep::ReturnedBySupervisor { comment: "Cite the seal log dates".to_owned() },
    );
    assert_eq!(returned.state, ReportState::Draft);
    history.step(date!(2026 - 02 - 14), ValidationStep::SubmittedToSupervisor);
    history.step(
        date!(2026 - 02 - 15),
        ValidationStep::EscalatedToHeadquarters { reason: "Possible suspension".to_owned() },
    );
    assert!(history.try_step(date!(2026 - 02 - 16), ValidationStep::SentToMember).is_err(), "not before approval");
    history.step(date!(2026 - 02 - 16), ValidationStep::Approved);
    let sent = history.step(date!(2026 - 02 - 17), ValidationStep::SentToMember);
    let plan = sent.action_plan(date!(2026 - 06 - 02));
    assert_eq!(plan.len(), 1);
    assert!(plan[0].overdue, "past its due date");
    let answered = history.step(
        date!(2026 - 03 - 01),
        ValidationStep::MemberResponded {
            criterion: id("6.6"),
            implemented: true,
            response: "Weekly reconciliation since March".to_owned(),
            evidence: Vec::new(),
        },
    );
    assert!(answered.action_plan(date!(2026 - 06 - 02)).is_empty());
    let unknown = history.try_step(
        date!(2026 - 03 - 01),
        ValidationStep::MemberResponded {
            criterion: id("1.1"),
            implemented: true,
            response: "n/a".to_owned(),
            evidence: Vec::new(),
        },
    );
    assert!(unknown.unwrap_err().message.contains("the report has nothing on 1.1"));
}
