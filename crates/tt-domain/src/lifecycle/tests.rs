//! Rules of the lifecycle: each transition, the refusals, the derived dates and replay.

use proptest::prelude::*;
use time::macros::{date, datetime};

use super::*;

const TODAY: Date = date!(2026 - 11 - 29);

fn event(sequence: i64, effective_date: Date, step: Step) -> MembershipEvent {
    MembershipEvent {
        sequence,
        effective_date,
        recorded_at: datetime!(2026-11-29 10:00 UTC),
        recorded_by: "tester@example.gov".into(),
        reason: Some("recorded by a test".into()),
        document_version: None,
        step,
    }
}

/// Builds a history one step at a time, as the application records it.
struct History {
    events: Vec<MembershipEvent>,
    business_type: BusinessType,
    legacy: LegacyStanding,
}

impl History {
    fn new() -> Self {
        Self { events: Vec::new(), business_type: BusinessType::Importer, legacy: LegacyStanding::default() }
    }

    fn try_step(&mut self, day: Date, step: Step) -> Result<Membership, TransitionRefused> {
        let sequence = i64::try_from(self.events.len()).unwrap_or(0) + 1;
        self.events.push(event(sequence, day, step));
        let replayed =
            Membership::replay(&self.events, self.business_type, &self.legacy, &LifecycleRules::default(), TODAY);
        if replayed.is_err() {
            self.events.pop();
        }
        replayed
    }

    fn step(&mut self, day: Date, step: Step) -> Membership {
        match self.try_step(day, step.clone()) {
            Ok(membership) => membership,
            Err(refused) => panic!("{step:?} on {day} was refused: {refused}"),
        }
    }

    fn refused(&mut self, day: Date, step: Step) -> String {
        match self.try_step(day, step.clone()) {
            Ok(membership) => panic!("{step:?} on {day} was accepted in {:?}", membership.security),
            Err(refused) => refused.message,
        }
    }

    fn membership(&self) -> Membership {
        Membership::replay(&self.events, self.business_type, &self.legacy, &LifecycleRules::default(), TODAY).unwrap()
    }

    fn certified_on(day: Date) -> Self {
        let mut history = Self::new();
        history.step(add_days(day, -60), Step::CompanyProfileCreated);
        history.step(add_days(day, -50), Step::ApplicationSubmitted);
        history.step(add_days(day, -40), Step::ProfileApproved);
        for block in VettingBlock::required_for(BusinessType::Importer) {
            history.step(add_days(day, -20), Step::VettingRecorded { block, derogatory: false, notes: String::new() });
        }
        history.step(day, Step::CertifiedTierOne);
        history
    }

    fn validated_on(day: Date) -> Self {
        let mut history = Self::certified_on(add_months(day, -6));
        history.step(add_days(day, -40), Step::ValidationScheduled { validation: ValidationKind::Initial, visit: day });
        history.step(
            day,
            Step::ValidationCompleted { validation: ValidationKind::Initial, outcome: ValidationResult::TierTwo },
        );
        history
    }

    fn trade_compliance_accepted_on(day: Date) -> Self {
        let mut history = Self::validated_on(add_months(day, -6));
        history.step(
            add_days(day, -30),
            Step::EligibilityChecked {
                answers: vec![true; 13],
                importing_since: date!(2015 - 01 - 01),
                cbp_debt: false,
            },
        );
        for tile in ApplicationTile::ALL {
            history.step(add_days(day, -25), Step::TileCompleted { tile, summary: "done".into() });
        }
        history.step(add_days(day, -20), Step::TradeComplianceSubmitted);
        history.step(add_days(day, -10), Step::MemorandumSigned);
        history.step(day, Step::TradeComplianceAccepted);
        history
    }
}

fn dated(membership: &Membership, key: &str) -> DerivedDate {
    membership
        .derived_dates(&LifecycleRules::default(), TODAY)
        .into_iter()
        .find(|derived| derived.key == key)
        .unwrap_or_else(|| panic!("no derived date {key}"))
}

#[test]
fn an_applicant_moves_from_pre_applicant_to_tier_one_through_review_and_vetting() {
    let history = History::certified_on(date!(2026 - 03 - 14));
    let membership = history.membership();
    assert_eq!(membership.security, SecurityState::Certified { tier: CertifiedTier::One });
    assert_eq!(membership.applied_on, Some(date!(2026 - 01 - 23)));
    assert_eq!(membership.certified_on, Some(date!(2026 - 03 - 14)));
    assert_eq!(membership.ctpat_changes, vec![(date!(2026 - 03 - 14), CtpatValue::T1)]);
}

#[test]
fn the_certification_target_is_ninety_days_after_the_application() {
    let mut history = History::new();
    history.step(date!(2026 - 10 - 01), Step::CompanyProfileCreated);
    let membership = history.step(date!(2026 - 10 - 02), Step::ApplicationSubmitted);
    let target = dated(&membership, "certification_target");
    assert_eq!(target.date, date!(2026 - 12 - 31));
    assert_eq!(target.explanation, "90 days after the application of 2026-10-02 (6 U.S.C. 964)");
    assert_eq!(target.owed_by, Some(Party::Specialist));
}

#[test]
fn certification_is_refused_until_every_required_vetting_block_is_recorded_clean() {
    let mut history = History::new();
    history.step(date!(2026 - 01 - 01), Step::CompanyProfileCreated);
    history.step(date!(2026 - 01 - 02), Step::ApplicationSubmitted);
    history.step(date!(2026 - 01 - 10), Step::ProfileApproved);
    let message = history.refused(date!(2026 - 01 - 20), Step::CertifiedTierOne);
    assert!(message.starts_with("vetting is not complete: missing"), "{message}");
    assert!(message.contains("DICE"), "{message}");
    for block in VettingBlock::required_for(BusinessType::Importer) {
        let derogatory = block == VettingBlock::Bond;
        history.step(date!(2026 - 01 - 15), Step::VettingRecorded { block, derogatory, notes: String::new() });
    }
    let message = history.refused(date!(2026 - 01 - 20), Step::CertifiedTierOne);
    assert!(message.contains("derogatory information (Bond query)"), "{message}");
    history.step(
        date!(2026 - 01 - 18),
        Step::VettingRecorded { block: VettingBlock::Bond, derogatory: false, notes: "cleared".into() },
    );
    history.step(date!(2026 - 01 - 20), Step::CertifiedTierOne);
}

#[test]
fn vetting_blocks_depend_on_the_business_type() {
    let importer = VettingBlock::required_for(BusinessType::Importer);
    let highway = VettingBlock::required_for(BusinessType::HighwayCarrier);
    assert!(importer.contains(&VettingBlock::AtsImport) && !importer.contains(&VettingBlock::Transportation));
    assert!(highway.contains(&VettingBlock::Transportation) && !highway.contains(&VettingBlock::AtsImport));
    assert!(BusinessType::ALL.into_iter().all(|kind| VettingBlock::required_for(kind).contains(&VettingBlock::Dice)));
}

#[test]
fn the_initial_validation_is_due_a_year_after_certification_and_revalidation_four_years_after_validation() {
    let history = History::certified_on(date!(2024 - 02 - 29));
    let due = dated(&history.membership(), "initial_validation_due");
    assert_eq!(due.date, date!(2025 - 02 - 28));
    let history = History::validated_on(date!(2023 - 03 - 14));
    let due = dated(&history.membership(), "revalidation_due");
    assert_eq!(due.date, date!(2027 - 03 - 14));
    assert_eq!(due.explanation, "4 years after validation of 2023-03-14 (6 U.S.C. 969)");
}

#[test]
fn a_validation_needs_thirty_days_notice_and_a_schedule_before_its_outcome() {
    let mut history = History::certified_on(date!(2026 - 01 - 10));
    let message = history.refused(
        date!(2026 - 02 - 01),
        Step::ValidationCompleted { validation: ValidationKind::Initial, outcome: ValidationResult::TierTwo },
    );
    assert_eq!(message, "schedule the validation before recording its outcome");
    let message = history.refused(
        date!(2026 - 02 - 01),
        Step::ValidationScheduled { validation: ValidationKind::Initial, visit: date!(2026 - 03 - 02) },
    );
    assert!(message.contains("the visit can be on 2026-03-03 at the earliest"), "{message}");
    history.step(
        date!(2026 - 02 - 01),
        Step::ValidationScheduled { validation: ValidationKind::Initial, visit: date!(2026 - 03 - 03) },
    );
    let message = history.refused(
        date!(2026 - 02 - 01),
        Step::ValidationScheduled { validation: ValidationKind::Revalidation, visit: date!(2026 - 04 - 03) },
    );
    assert_eq!(message, "a revalidation is for a certified partner validated before");
}

#[test]
fn tier_three_needs_a_best_practice_meeting_all_five_elements() {
    let mut history = History::validated_on(date!(2025 - 01 - 10));
    history.step(
        date!(2026 - 01 - 01),
        Step::ValidationScheduled { validation: ValidationKind::Revalidation, visit: date!(2026 - 02 - 15) },
    );
    let mut practice = BestPractice {
        title: "Seal verification with photo evidence".into(),
        senior_management_support: true,
        innovative: true,
        documented: true,
        verifiable_evidence: true,
        checks_and_balances: false,
    };
    let message = history.refused(
        date!(2026 - 02 - 15),
        Step::ValidationCompleted {
            validation: ValidationKind::Revalidation,
            outcome: ValidationResult::TierThree { best_practices: vec![practice.clone()] },
        },
    );
    assert!(message.starts_with("Tier III needs at least one best practice meeting all five elements"));
    practice.checks_and_balances = true;
    let membership = history.step(
        date!(2026 - 02 - 15),
        Step::ValidationCompleted {
            validation: ValidationKind::Revalidation,
            outcome: ValidationResult::TierThree { best_practices: vec![practice] },
        },
    );
    assert_eq!(membership.security, SecurityState::Certified { tier: CertifiedTier::Three });
    assert_eq!(dated(&membership, "revalidation_due").date, date!(2030 - 02 - 15));
}

#[test]
fn an_annual_review_counts_only_inside_the_window_before_the_anniversary() {
    let mut history = History::certified_on(date!(2025 - 03 - 14));
    let message = history.refused(date!(2025 - 12 - 13), Step::AnnualReviewSubmitted);
    assert!(message.contains("opens on 2025-12-14 (90 days before)"), "{message}");
    let membership = history.step(date!(2025 - 12 - 14), Step::AnnualReviewSubmitted);
    assert!(membership.annual_reviews_submitted.contains(&2026));
    let membership = history.step(date!(2025 - 12 - 20), Step::AnnualReviewApproved);
    assert!(membership.annual_reviews_approved.contains(&2026));
    // 2026's review is done; the next owed is the anniversary of 2027, whose window opens 90 days before.
    let opens = dated(&membership, "annual_review_opens:2027");
    assert_eq!(opens.date, date!(2026 - 12 - 14));
}

#[test]
fn an_anniversary_that_passed_without_a_review_stays_owed() {
    let history = History::certified_on(date!(2025 - 03 - 14));
    let due = dated(&history.membership(), "annual_review_due:2026");
    assert_eq!(due.date, date!(2026 - 03 - 14));
    assert_eq!(due.owed_by, Some(Party::Member));
}

#[test]
fn a_review_window_that_crosses_a_year_end_opens_in_the_previous_year() {
    let mut history = History::certified_on(date!(2025 - 01 - 10));
    let membership = history.step(date!(2025 - 10 - 12), Step::AnnualReviewSubmitted);
    assert!(membership.annual_reviews_submitted.contains(&2026));
}

#[test]
fn a_twenty_ninth_of_february_certification_has_its_anniversary_on_the_twenty_eighth_in_common_years() {
    let mut history = History::certified_on(date!(2024 - 02 - 29));
    let message = history.refused(date!(2024 - 11 - 29), Step::AnnualReviewSubmitted);
    assert!(
        message.starts_with("the annual review window for the anniversary of 2025-02-28 opens on 2024-11-30"),
        "{message}"
    );
    let membership = history.step(date!(2024 - 11 - 30), Step::AnnualReviewSubmitted);
    assert!(membership.annual_reviews_submitted.contains(&2025));
}

#[test]
fn suspension_gives_ninety_days_to_respond_and_reinstatement_is_at_the_prior_tier_or_lower() {
    let mut history = History::validated_on(date!(2025 - 06 - 01));
    let membership = history.step(date!(2026 - 11 - 01), Step::Suspended { grounds: DecisionGrounds::NonCompliance });
    assert_eq!(membership.security, SecurityState::Suspended { prior: CertifiedTier::Two });
    assert_eq!(dated(&membership, "suspension_response_due").date, date!(2027 - 01 - 30));
    assert_eq!(dated(&membership, "appeal_filing_deadline").date, date!(2027 - 01 - 30));
    let message = history.refused(date!(2026 - 11 - 20), Step::Reinstated { tier: CertifiedTier::Three });
    assert_eq!(message, "reinstatement is at the prior tier (Tier II) or lower, not Tier III");
    history.step(date!(2026 - 11 - 10), Step::CorrectiveActionPlanReceived { summary: "new seal procedure".into() });
    let membership = history.step(date!(2026 - 11 - 20), Step::Reinstated { tier: CertifiedTier::One });
    assert_eq!(membership.security, SecurityState::Certified { tier: CertifiedTier::One });
    assert_eq!(
        membership.ctpat_changes.iter().map(|(_, value)| *value).collect::<Vec<_>>(),
        vec![CtpatValue::T1, CtpatValue::T2, CtpatValue::None, CtpatValue::T1]
    );
}

#[test]
fn an_appeal_is_filed_within_ninety_days_for_non_compliance_and_thirty_for_false_information() {
    let mut history = History::validated_on(date!(2025 - 06 - 01));
    history.step(date!(2026 - 01 - 01), Step::Removed { grounds: DecisionGrounds::FalseInformation });
    let message = history.refused(date!(2026 - 02 - 01), Step::AppealFiled { statement: "we disagree".into() });
    assert!(
        message.starts_with("the appeal window closed on 2026-01-31: 30 days after the decision of 2026-01-01"),
        "{message}"
    );
    let membership = history.step(date!(2026 - 01 - 31), Step::AppealFiled { statement: "we disagree".into() });
    assert_eq!(dated(&membership, "appeal_decision_due").date, date!(2026 - 07 - 30));
    let membership = history.step(date!(2026 - 03 - 01), Step::AppealDecided { reversed: true });
    assert_eq!(membership.security, SecurityState::Certified { tier: CertifiedTier::Two });

    let mut history = History::validated_on(date!(2025 - 06 - 01));
    history.step(date!(2026 - 01 - 01), Step::Suspended { grounds: DecisionGrounds::NonCompliance });
    history.refused(date!(2026 - 04 - 02), Step::AppealFiled { statement: "late".into() });
    history.step(date!(2026 - 04 - 01), Step::AppealFiled { statement: "on the last day".into() });
}

#[test]
fn a_withdrawn_partner_cannot_apply_again_for_a_year() {
    let mut history = History::certified_on(date!(2025 - 01 - 01));
    let membership = history.step(date!(2025 - 06 - 15), Step::Withdrawn);
    assert_eq!(dated(&membership, "reapply_from").date, date!(2026 - 06 - 15));
    let message = history.refused(date!(2026 - 06 - 14), Step::CompanyProfileCreated);
    assert!(message.starts_with("a withdrawn partner may apply again from 2026-06-15"), "{message}");
    history.step(date!(2026 - 06 - 15), Step::CompanyProfileCreated);
}

#[test]
fn requests_for_information_are_new_answered_expired_or_cancelled() {
    let mut history = History::new();
    history.step(date!(2026 - 09 - 01), Step::CompanyProfileCreated);
    history.step(date!(2026 - 09 - 02), Step::ApplicationSubmitted);
    let ask = |request: u32, due: Date| Step::InformationRequested {
        program: Program::Security,
        request,
        question: "Describe your seal controls".into(),
        due,
    };
    history.step(date!(2026 - 09 - 10), ask(1, date!(2026 - 10 - 10)));
    history.step(date!(2026 - 09 - 10), ask(2, date!(2026 - 10 - 10)));
    history.step(date!(2026 - 09 - 10), ask(3, date!(2026 - 10 - 10)));
    history.step(date!(2026 - 09 - 10), ask(4, date!(2026 - 12 - 10)));
    history.step(
        date!(2026 - 10 - 01),
        Step::InformationAnswered { program: Program::Security, request: 1, answer: "Seals are ISO 17712".into() },
    );
    history.step(date!(2026 - 10 - 02), Step::InformationRequestCancelled { program: Program::Security, request: 2 });
    let message = history.refused(
        date!(2026 - 10 - 11),
        Step::InformationAnswered { program: Program::Security, request: 3, answer: "late".into() },
    );
    assert_eq!(message, "request #3 expired on 2026-10-10; it can no longer be answered");
    let states: Vec<_> = history.membership().requests.iter().map(|request| request.state).collect();
    assert_eq!(states, vec!["answered", "cancelled", "expired", "new"]);
    history.refused(date!(2026 - 10 - 12), ask(4, date!(2026 - 12 - 12)));
}

#[test]
fn trade_compliance_needs_tier_two_two_years_of_imports_no_debt_and_thirteen_yes_answers() {
    let mut history = History::certified_on(date!(2025 - 01 - 01));
    let membership = history.step(
        date!(2026 - 01 - 05),
        Step::EligibilityChecked {
            answers: [vec![true; 12], vec![false]].concat(),
            importing_since: date!(2024 - 02 - 01),
            cbp_debt: true,
        },
    );
    assert_eq!(membership.trade_compliance, TradeComplianceState::NotApplied);
    assert_eq!(
        membership.eligibility_failures,
        vec![
            "CTPAT security must be Tier II or III in good standing; it is Certified Tier I".to_owned(),
            "at least 2 years of importing are needed: importing since 2024-02-01 reaches that on 2026-02-01"
                .to_owned(),
            "the company must have no debt to CBP".to_owned(),
            "question 13 must be answered yes".to_owned(),
        ]
    );
    let message = history.refused(
        date!(2026 - 01 - 06),
        Step::TileCompleted { tile: ApplicationTile::Contacts, summary: String::new() },
    );
    assert!(message.starts_with("application tiles are filled in while the application is open"));
}

#[test]
fn a_trade_compliance_application_is_submitted_only_with_every_tile_complete() {
    let mut history = History::validated_on(date!(2025 - 01 - 01));
    history.step(
        date!(2026 - 01 - 05),
        Step::EligibilityChecked { answers: vec![true; 13], importing_since: date!(2020 - 01 - 01), cbp_debt: false },
    );
    history
        .step(date!(2026 - 01 - 06), Step::TileCompleted { tile: ApplicationTile::Contacts, summary: String::new() });
    let message = history.refused(date!(2026 - 01 - 07), Step::TradeComplianceSubmitted);
    assert!(
        message.starts_with("the application is incomplete: Importer-number selection; Questionnaire"),
        "{message}"
    );
    history.refused(date!(2026 - 01 - 07), Step::TradeComplianceAccepted);
}

#[test]
fn the_first_annual_notification_letter_is_due_thirteen_months_after_acceptance_then_yearly() {
    let mut history = History::trade_compliance_accepted_on(date!(2025 - 01 - 31));
    let membership = history.membership();
    let due = dated(&membership, "anl_due:2026");
    assert_eq!(due.date, date!(2026 - 02 - 28));
    assert_eq!(due.explanation, "13 months after the Trade Compliance acceptance of 2025-01-31");
    let letter = AnnualNotificationLetter { year: 2026, officer_certification: true, ..Default::default() };
    let membership = history.step(date!(2026 - 02 - 20), Step::AnnualNotificationFiled { letter: letter.clone() });
    assert_eq!(dated(&membership, "anl_due:2027").date, date!(2027 - 02 - 28));
    assert_eq!(dated(&membership, "anl_review:2026").owed_by, Some(Party::NationalAccountManager));
    history.refused(date!(2026 - 02 - 21), Step::AnnualNotificationFiled { letter });
    let membership =
        history.step(date!(2026 - 03 - 01), Step::AnnualNotificationReviewed { year: 2026, accepted: false });
    assert_eq!(dated(&membership, "anl_due:2026").date, date!(2026 - 02 - 28));
    let unsigned = AnnualNotificationLetter { year: 2026, officer_certification: false, ..Default::default() };
    let message = history.refused(date!(2026 - 03 - 02), Step::AnnualNotificationFiled { letter: unsigned });
    assert_eq!(message, "the company officer must certify continued compliance");
}

#[test]
fn losing_tier_two_leaves_trade_compliance_to_be_suspended_by_its_own_step() {
    let mut history = History::trade_compliance_accepted_on(date!(2025 - 06 - 01));
    let membership = history.step(date!(2026 - 01 - 01), Step::Suspended { grounds: DecisionGrounds::NonCompliance });
    assert_eq!(membership.trade_compliance, TradeComplianceState::Active);
    let membership = history.step(date!(2026 - 01 - 01), Step::TradeComplianceSuspended);
    assert_eq!(membership.trade_compliance, TradeComplianceState::Suspended);
    assert_eq!(membership.trade_compliance_changes.last(), Some(&(date!(2026 - 01 - 01), false)));
    let message = history.refused(date!(2026 - 01 - 02), Step::TradeComplianceReinstated);
    assert!(message.starts_with("CTPAT security must be Tier II or III again first"));
}

#[test]
fn a_correction_withdraws_a_step_and_must_explain_itself() {
    let mut history = History::validated_on(date!(2025 - 06 - 01));
    let suspended = history.step(date!(2026 - 01 - 01), Step::Suspended { grounds: DecisionGrounds::NonCompliance });
    assert!(matches!(suspended.security, SecurityState::Suspended { .. }));
    let suspension = history.events.last().unwrap().sequence;
    history.events.push(MembershipEvent {
        reason: None,
        ..event(100, date!(2026 - 01 - 02), Step::Voided { sequence: suspension })
    });
    let refused =
        Membership::replay(&history.events, BusinessType::Importer, &history.legacy, &LifecycleRules::default(), TODAY);
    assert_eq!(refused.unwrap_err().message, "a correction must explain why the step is withdrawn");
    history.events.pop();
    let membership = history.step(date!(2026 - 01 - 02), Step::Voided { sequence: suspension });
    assert_eq!(membership.security, SecurityState::Certified { tier: CertifiedTier::Two });
    assert!(membership.voided.contains(&suspension));
}

#[test]
fn a_correction_that_would_break_a_later_step_is_refused_naming_that_step() {
    let mut history = History::certified_on(date!(2025 - 01 - 01));
    let certification = history.events.last().unwrap().sequence;
    history.step(date!(2025 - 06 - 15), Step::Withdrawn);
    let refused = history.try_step(date!(2025 - 07 - 01), Step::Voided { sequence: 1 }).unwrap_err();
    assert_eq!(refused.sequence, Some(2));
    assert!(
        refused.message.starts_with("an application can be submitted only by a pre-applicant"),
        "{}",
        refused.message
    );
    // Withdrawing is allowed before certification too, so this correction stands.
    let membership = history.step(date!(2025 - 07 - 01), Step::Voided { sequence: certification });
    assert_eq!((membership.security, membership.certified_on), (SecurityState::Withdrawn, None));
}

#[test]
fn a_legacy_tier_two_member_can_be_suspended_and_is_due_for_revalidation() {
    use crate::membership::{StatusChange, StatusEvent};
    let mut history = History::new();
    history.legacy = LegacyStanding::from_events(&[
        StatusEvent { effective_date: date!(2019 - 05 - 01), sequence: 1, change: StatusChange::Ctpat(CtpatValue::T1) },
        StatusEvent { effective_date: date!(2020 - 05 - 01), sequence: 2, change: StatusChange::Ctpat(CtpatValue::T2) },
    ]);
    let before = history.membership();
    assert_eq!(before.security, SecurityState::Certified { tier: CertifiedTier::Two }, "known only from the import");
    assert_eq!(dated(&before, "revalidation_due").date, date!(2024 - 05 - 01));
    let membership = history.step(date!(2026 - 01 - 01), Step::Suspended { grounds: DecisionGrounds::NonCompliance });
    assert_eq!(membership.security, SecurityState::Suspended { prior: CertifiedTier::Two });
    assert_eq!(membership.certified_on, Some(date!(2019 - 05 - 01)));
    assert_eq!(membership.ctpat_changes, vec![(date!(2026 - 01 - 01), CtpatValue::None)]);
}

#[test]
fn standing_corrections_make_the_stored_timeline_match_the_derived_one() {
    let legacy = [(date!(2020 - 01 - 01), CtpatValue::T2)];
    let current = [(date!(2020 - 01 - 01), CtpatValue::T2), (date!(2026 - 01 - 01), CtpatValue::None)];
    // A correction withdrew the suspension: nothing derived any more, the legacy tier stands.
    assert_eq!(
        standing_corrections(&current, &legacy, &[], CtpatValue::None),
        vec![(date!(2026 - 01 - 01), CtpatValue::T2)]
    );
    let derived = [(date!(2026 - 01 - 01), CtpatValue::None), (date!(2026 - 02 - 01), CtpatValue::T1)];
    assert_eq!(
        standing_corrections(&current, &legacy, &derived, CtpatValue::None),
        vec![(date!(2026 - 02 - 01), CtpatValue::T1)]
    );
}

fn arbitrary_step() -> impl Strategy<Value = Step> {
    let tier = prop_oneof![Just(CertifiedTier::One), Just(CertifiedTier::Two), Just(CertifiedTier::Three)];
    let grounds = prop_oneof![Just(DecisionGrounds::NonCompliance), Just(DecisionGrounds::FalseInformation)];
    let kind = prop_oneof![Just(ValidationKind::Initial), Just(ValidationKind::Revalidation)];
    prop_oneof![
        Just(Step::CompanyProfileCreated),
        Just(Step::ApplicationSubmitted),
        Just(Step::ProfileApproved),
        Just(Step::ApplicationRejected),
        (0..VettingBlock::ALL.len(), any::<bool>()).prop_map(|(index, derogatory)| Step::VettingRecorded {
            block: VettingBlock::ALL[index],
            derogatory,
            notes: String::new()
        }),
        Just(Step::CertifiedTierOne),
        (kind.clone(), 0..400_i64).prop_map(|(validation, days)| Step::ValidationScheduled {
            validation,
            visit: add_days(date!(2024 - 01 - 01), days + 30)
        }),
        kind.prop_map(|validation| Step::ValidationCompleted { validation, outcome: ValidationResult::TierTwo }),
        Just(Step::AnnualReviewSubmitted),
        Just(Step::AnnualReviewApproved),
        grounds.clone().prop_map(|grounds| Step::Suspended { grounds }),
        tier.prop_map(|tier| Step::Reinstated { tier }),
        grounds.prop_map(|grounds| Step::Removed { grounds }),
        Just(Step::Withdrawn),
        Just(Step::AppealFiled { statement: "appeal".into() }),
        any::<bool>().prop_map(|reversed| Step::AppealDecided { reversed }),
        Just(Step::EligibilityChecked {
            answers: vec![true; 13],
            importing_since: date!(2015 - 01 - 01),
            cbp_debt: false
        }),
        (0..4_usize)
            .prop_map(|index| Step::TileCompleted { tile: ApplicationTile::ALL[index], summary: String::new() }),
        Just(Step::TradeComplianceSubmitted),
        Just(Step::MemorandumSigned),
        Just(Step::TradeComplianceAccepted),
        Just(Step::TradeComplianceSuspended),
        (1..40_i64).prop_map(|sequence| Step::Voided { sequence }),
    ]
}

proptest! {
    /// Whatever order the rows come back from storage in, and however often it is done, the
    /// replay of a history gives the same state and the same derived dates; and the history the
    /// application accepts step by step is the one that replays as a whole.
    #[test]
    fn replaying_a_history_in_any_order_gives_the_same_state_and_dates(
        steps in proptest::collection::vec((0..800_i64, arbitrary_step()), 1..40),
        rotation in 0..40_usize,
    ) {
        let mut history = History::new();
        for (offset, step) in steps {
            // Accepted or refused, the history stays replayable.
            let _ = history.try_step(add_days(date!(2024 - 01 - 01), offset), step);
        }
        let first = history.membership();
        let mut shuffled = history.events.clone();
        let length = shuffled.len();
        shuffled.rotate_left(rotation % length.max(1));
        shuffled.reverse();
        let second = Membership::replay(&shuffled, BusinessType::Importer, &history.legacy, &LifecycleRules::default(), TODAY).unwrap();
        prop_assert_eq!(&first, &second);
        let rules = LifecycleRules::default();
        prop_assert_eq!(first.derived_dates(&rules, TODAY), second.derived_dates(&rules, TODAY));
    }
}

/// Every security step tried in every security state: exactly the listed ones are accepted;
/// each other one is refused with a message.
#[test]
fn every_security_step_is_refused_outside_the_states_that_allow_it() {
    let day = date!(2026 - 06 - 01);
    let security_steps = || {
        vec![
            Step::CompanyProfileCreated,
            Step::ApplicationSubmitted,
            Step::SpecialistAssigned {
                specialist: "scss@cbp.example".into(),
                supervisor: "boss@cbp.example".into(),
                office: "Laredo".into(),
            },
            Step::ProfileApproved,
            Step::ApplicationRejected,
            Step::InformationRequested {
                program: Program::Security,
                request: 99,
                question: "?".into(),
                due: add_days(day, 30),
            },
            Step::VettingRecorded { block: VettingBlock::Dice, derogatory: false, notes: String::new() },
            Step::CertifiedTierOne,
            Step::ValidationScheduled { validation: ValidationKind::Initial, visit: add_days(day, 30) },
            Step::Suspended { grounds: DecisionGrounds::NonCompliance },
            Step::CorrectiveActionPlanReceived { summary: "plan".into() },
            Step::Reinstated { tier: CertifiedTier::One },
            Step::Removed { grounds: DecisionGrounds::NonCompliance },
            Step::Withdrawn,
            Step::AppealFiled { statement: "appeal".into() },
        ]
    };
    let approved_with_vetting = || {
        let mut history = History::new();
        history.step(date!(2026 - 01 - 01), Step::CompanyProfileCreated);
        history.step(date!(2026 - 01 - 02), Step::ApplicationSubmitted);
        history.step(date!(2026 - 01 - 03), Step::ProfileApproved);
        for block in VettingBlock::required_for(BusinessType::Importer) {
            history
                .step(date!(2026 - 01 - 04), Step::VettingRecorded { block, derogatory: false, notes: String::new() });
        }
        history
    };
    let after = |mut history: History, steps: &[Step]| {
        for step in steps {
            history.step(date!(2026 - 05 - 01), step.clone());
        }
        history
    };
    let states: Vec<(&str, History, Vec<&str>)> = vec![
        ("not started", History::new(), vec!["company_profile_created"]),
        (
            "pre-applicant",
            after(History::new(), &[Step::CompanyProfileCreated]),
            vec!["application_submitted", "specialist_assigned", "removed", "withdrawn"],
        ),
        (
            "applicant",
            after(History::new(), &[Step::CompanyProfileCreated, Step::ApplicationSubmitted]),
            vec![
                "specialist_assigned",
                "profile_approved",
                "application_rejected",
                "information_requested",
                "removed",
                "withdrawn",
            ],
        ),
        (
            "approved with vetting done",
            approved_with_vetting(),
            vec![
                "specialist_assigned",
                "application_rejected",
                "information_requested",
                "vetting_recorded",
                "certified_tier_one",
                "removed",
                "withdrawn",
            ],
        ),
        (
            "rejected",
            after(
                History::new(),
                &[Step::CompanyProfileCreated, Step::ApplicationSubmitted, Step::ApplicationRejected],
            ),
            vec!["company_profile_created", "specialist_assigned", "removed", "withdrawn"],
        ),
        (
            "tier one",
            History::certified_on(date!(2026 - 03 - 01)),
            vec![
                "specialist_assigned",
                "information_requested",
                "vetting_recorded",
                "validation_scheduled",
                "suspended",
                "removed",
                "withdrawn",
            ],
        ),
        (
            "tier two",
            History::validated_on(date!(2026 - 03 - 01)),
            vec![
                "specialist_assigned",
                "information_requested",
                "vetting_recorded",
                "suspended",
                "removed",
                "withdrawn",
            ],
        ),
        (
            "suspended",
            after(
                History::validated_on(date!(2026 - 03 - 01)),
                &[Step::Suspended { grounds: DecisionGrounds::NonCompliance }],
            ),
            vec![
                "specialist_assigned",
                "information_requested",
                "vetting_recorded",
                "corrective_action_plan_received",
                "reinstated",
                "removed",
                "withdrawn",
                "appeal_filed",
            ],
        ),
        (
            "removed",
            after(
                History::validated_on(date!(2026 - 03 - 01)),
                &[Step::Removed { grounds: DecisionGrounds::NonCompliance }],
            ),
            vec!["specialist_assigned", "appeal_filed"],
        ),
        (
            "withdrawn less than a year ago",
            after(History::certified_on(date!(2026 - 03 - 01)), &[Step::Withdrawn]),
            vec!["specialist_assigned"],
        ),
    ];
    for (state, history, allowed) in states {
        for candidate in security_steps() {
            let mut trial = History {
                events: history.events.clone(),
                business_type: history.business_type,
                legacy: LegacyStanding::default(),
            };
            let kind = candidate.kind();
            let result = trial.try_step(day, candidate);
            match (allowed.contains(&kind), result) {
                (true, Err(refused)) => panic!("{kind} should be accepted when {state}, but: {refused}"),
                (false, Ok(membership)) => {
                    panic!("{kind} should be refused when {state}, but led to {:?}", membership.security)
                }
                (false, Err(refused)) => {
                    assert!(!refused.message.is_empty(), "{kind} when {state}: a refusal explains itself")
                }
                (true, Ok(_)) => {}
            }
        }
    }
}

/// Every Trade Compliance step tried in every Trade Compliance state, on a Tier II partner.
#[test]
fn every_trade_compliance_step_is_refused_outside_the_states_that_allow_it() {
    let day = date!(2026 - 09 - 01);
    let letter = AnnualNotificationLetter { year: 2026, officer_certification: true, ..Default::default() };
    let steps = || {
        vec![
            Step::EligibilityChecked {
                answers: vec![true; 13],
                importing_since: date!(2015 - 01 - 01),
                cbp_debt: false,
            },
            Step::TileCompleted { tile: ApplicationTile::Contacts, summary: String::new() },
            Step::TradeComplianceSubmitted,
            Step::MemorandumSigned,
            Step::TradeComplianceAccepted,
            Step::NamAssigned { nam: "nam@cbp.example".into(), supervisor: "boss@cbp.example".into() },
            Step::InformationRequested {
                program: Program::TradeCompliance,
                request: 99,
                question: "?".into(),
                due: add_days(day, 30),
            },
            Step::AnnualNotificationFiled { letter: letter.clone() },
            Step::TradeComplianceSuspended,
            Step::TradeComplianceReinstated,
            Step::TradeComplianceRevoked,
        ]
    };
    let on = |day: Date, history: &mut History, step: Step| {
        history.step(day, step);
    };
    let tier_two = || History::validated_on(date!(2025 - 01 - 01));
    let open = || {
        let mut history = tier_two();
        on(
            date!(2025 - 06 - 01),
            &mut history,
            Step::EligibilityChecked {
                answers: vec![true; 13],
                importing_since: date!(2015 - 01 - 01),
                cbp_debt: false,
            },
        );
        history
    };
    let submitted = || {
        let mut history = open();
        for tile in ApplicationTile::ALL {
            on(date!(2025 - 06 - 02), &mut history, Step::TileCompleted { tile, summary: String::new() });
        }
        on(date!(2025 - 06 - 03), &mut history, Step::TradeComplianceSubmitted);
        history
    };
    let signed = || {
        let mut history = submitted();
        on(date!(2025 - 06 - 04), &mut history, Step::MemorandumSigned);
        history
    };
    let active = || {
        let mut history = signed();
        on(date!(2025 - 06 - 05), &mut history, Step::TradeComplianceAccepted);
        history
    };
    let with = |mut history: History, step: Step| {
        on(date!(2025 - 07 - 01), &mut history, step);
        history
    };
    let states: Vec<(&str, History, Vec<&str>)> = vec![
        ("not applied", tier_two(), vec!["eligibility_checked"]),
        ("application open", open(), vec!["tile_completed", "nam_assigned", "trade_compliance_revoked"]),
        (
            "submitted",
            submitted(),
            vec!["memorandum_signed", "nam_assigned", "information_requested", "trade_compliance_revoked"],
        ),
        (
            "memorandum signed",
            signed(),
            vec!["trade_compliance_accepted", "nam_assigned", "information_requested", "trade_compliance_revoked"],
        ),
        (
            "active",
            active(),
            vec![
                "nam_assigned",
                "information_requested",
                "annual_notification_filed",
                "trade_compliance_suspended",
                "trade_compliance_revoked",
            ],
        ),
        (
            "suspended",
            with(active(), Step::TradeComplianceSuspended),
            vec!["nam_assigned", "trade_compliance_reinstated", "trade_compliance_revoked"],
        ),
        ("revoked", with(active(), Step::TradeComplianceRevoked), vec!["eligibility_checked", "nam_assigned"]),
    ];
    for (state, history, allowed) in states {
        for candidate in steps() {
            let mut trial = History {
                events: history.events.clone(),
                business_type: history.business_type,
                legacy: LegacyStanding::default(),
            };
            let kind = candidate.kind();
            match (allowed.contains(&kind), trial.try_step(day, candidate)) {
                (true, Err(refused)) => panic!("{kind} should be accepted when {state}, but: {refused}"),
                (false, Ok(membership)) => {
                    panic!("{kind} should be refused when {state}, but led to {:?}", membership.trade_compliance);
                }
                _ => {}
            }
        }
    }
}

fn legacy_trade_compliance_member(anniversary: (u8, u8)) -> History {
    use crate::membership::{StatusChange, StatusEvent};
    let mut history = History::new();
    history.legacy = LegacyStanding {
        letter_anniversary: Some(anniversary),
        ..LegacyStanding::from_events(&[
            StatusEvent {
                effective_date: date!(2015 - 05 - 01),
                sequence: 1,
                change: StatusChange::Ctpat(CtpatValue::T2),
            },
            StatusEvent {
                effective_date: date!(2016 - 05 - 01),
                sequence: 2,
                change: StatusChange::TradeCompliance(true),
            },
        ])
    };
    history
}

#[test]
fn a_legacy_self_assessment_member_migrates_on_its_next_letter_anniversary() {
    // 29 February: in 2027 the anniversary is the 28th.
    let mut history = legacy_trade_compliance_member((2, 29));
    let membership = history.membership();
    assert_eq!(membership.migration, Some(MigrationState::Scheduled));
    let due = dated(&membership, "migration_due");
    assert_eq!(due.date, date!(2027 - 02 - 28));
    assert_eq!(
        due.explanation,
        "on the next Annual Notification Letter anniversary (02-29) of the legacy Importer Self-Assessment membership"
    );
    assert_eq!(dated(&membership, "anl_due:2026").date, date!(2026 - 02 - 28), "this year's letter is still owed");
    let message = history.refused(date!(2026 - 11 - 01), Step::MigrationCompleted);
    assert_eq!(message, "the migration is scheduled; this step follows \"onboarding session held\"");
    history.step(date!(2026 - 11 - 01), Step::MigrationInvited);
    history.step(date!(2026 - 11 - 10), Step::OnboardingSessionHeld);
    let migrated = history.step(date!(2026 - 11 - 20), Step::MigrationCompleted);
    assert_eq!(migrated.migration, Some(MigrationState::Migrated));
    assert!(migrated.derived_dates(&LifecycleRules::default(), TODAY).iter().all(|date| date.key != "migration_due"));
    let letter = AnnualNotificationLetter { year: 2026, officer_certification: true, ..Default::default() };
    let filed = history.step(date!(2026 - 11 - 21), Step::AnnualNotificationFiled { letter });
    assert_eq!(dated(&filed, "anl_due:2027").date, date!(2027 - 02 - 28));
    assert_eq!(dated(&filed, "anl_due:2027").explanation, "yearly on the legacy letter anniversary 02-29");
}

#[test]
fn only_legacy_self_assessment_members_are_migrated() {
    let mut history = History::trade_compliance_accepted_on(date!(2025 - 01 - 31));
    let message = history.refused(date!(2026 - 01 - 01), Step::MigrationInvited);
    assert_eq!(message, "only legacy Importer Self-Assessment members with a letter anniversary are migrated");
}

#[test]
fn a_pre_applicant_owes_its_security_profile_thirty_days_after_the_company_profile() {
    let mut history = History::new();
    let membership = history.step(date!(2026 - 12 - 15), Step::CompanyProfileCreated);
    let due = dated(&membership, "security_profile_due");
    assert_eq!(due.date, date!(2027 - 01 - 14), "the window crosses the year end");
    assert_eq!(due.owed_by, Some(Party::Member));
    let applied = history.step(date!(2027 - 01 - 10), Step::ApplicationSubmitted);
    assert!(
        applied.derived_dates(&LifecycleRules::default(), TODAY).iter().all(|date| date.key != "security_profile_due")
    );
}

#[test]
fn applying_again_after_withdrawing_starts_a_new_membership() {
    let mut history = History::validated_on(date!(2020 - 09 - 01));
    history.step(date!(2023 - 01 - 10), Step::Withdrawn);
    history.step(date!(2024 - 03 - 01), Step::CompanyProfileCreated);
    history.step(date!(2024 - 03 - 02), Step::ApplicationSubmitted);
    history.step(date!(2024 - 03 - 10), Step::ProfileApproved);
    for block in VettingBlock::required_for(BusinessType::Importer) {
        history.step(date!(2024 - 04 - 01), Step::VettingRecorded { block, derogatory: false, notes: String::new() });
    }
    let membership = history.step(date!(2024 - 05 - 01), Step::CertifiedTierOne);
    let keys: Vec<String> =
        membership.derived_dates(&LifecycleRules::default(), TODAY).into_iter().map(|date| date.key).collect();
    assert!(
        keys.contains(&"initial_validation_due".to_owned()) && !keys.contains(&"revalidation_due".to_owned()),
        "{keys:?}"
    );
    assert_eq!(dated(&membership, "initial_validation_due").date, date!(2025 - 05 - 01));
}

#[test]
fn a_corrective_action_plan_answers_the_suspension_and_reinstatement_settles_the_appeal() {
    let mut history = History::validated_on(date!(2025 - 06 - 01));
    history.step(date!(2026 - 01 - 05), Step::Suspended { grounds: DecisionGrounds::NonCompliance });
    let appealed = history.step(date!(2026 - 01 - 20), Step::AppealFiled { statement: "we disagree".into() });
    assert!(
        appealed.derived_dates(&LifecycleRules::default(), TODAY).iter().any(|date| date.key == "appeal_decision_due")
    );
    let answered = history
        .step(date!(2026 - 02 - 01), Step::CorrectiveActionPlanReceived { summary: "new seal procedure".into() });
    assert!(
        answered
            .derived_dates(&LifecycleRules::default(), TODAY)
            .iter()
            .all(|date| date.key != "suspension_response_due")
    );
    let reinstated = history.step(date!(2026 - 03 - 01), Step::Reinstated { tier: CertifiedTier::Two });
    let keys: Vec<String> =
        reinstated.derived_dates(&LifecycleRules::default(), TODAY).into_iter().map(|date| date.key).collect();
    assert!(!keys.iter().any(|key| key.starts_with("appeal")), "{keys:?}");
}

#[test]
fn a_missed_annual_review_stays_owed_beside_the_next_one() {
    // Certified 2024-06-01, no review for the 2026 anniversary; today 2026-11-29: 2026 is
    // overdue and 2027 is next.
    let history = History::certified_on(date!(2024 - 06 - 01));
    let membership = history.membership();
    assert_eq!(dated(&membership, "annual_review_due:2026").date, date!(2026 - 06 - 01));
    assert_eq!(dated(&membership, "annual_review_due:2027").date, date!(2027 - 06 - 01));
}
