//! Request histories and their clocks at the edges.

use time::macros::{date, datetime};

use super::*;

fn event(sequence: i64, step: RequestStep) -> RequestEvent {
    RequestEvent { sequence, recorded_at: datetime!(2026-01-01 12:00 UTC), recorded_by: "test".to_owned(), step }
}

fn submitted(kind: RequestKind, details: &[(&str, &str)], received: Date, trade_compliance: bool) -> RequestEvent {
    let raw = details.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
    let details = kind.parse_details(&raw).expect("valid details");
    event(1, RequestStep::Submitted { kind, details, received, trade_compliance, renews: None })
}

fn decided(sequence: i64, on: Date) -> RequestEvent {
    event(sequence, RequestStep::Decided { granted: true, on, note: "H123456".to_owned(), amount: None })
}

fn ruling(trade_compliance: bool) -> RequestEvent {
    submitted(
        RequestKind::Ruling,
        &[("merchandise", "Steel brackets"), ("question", "classification"), ("description", "Heading 7326?")],
        date!(2026 - 03 - 02),
        trade_compliance,
    )
}

#[test]
fn a_trade_compliance_ruling_is_due_in_twenty_days_and_others_in_thirty() {
    let rules = ClockRules::default();
    let member = Request::replay(&[ruling(true)]).expect("replay");
    assert_eq!(member.decision_due(&rules).0, date!(2026 - 03 - 22));
    let other = Request::replay(&[ruling(false)]).expect("replay");
    assert_eq!(other.decision_due(&rules).0, date!(2026 - 04 - 01));
}

#[test]
fn the_ruling_clock_is_at_risk_five_days_before_and_breached_the_day_after_its_due_date() {
    let rules = ClockRules::default();
    let request = Request::replay(&[ruling(true)]).expect("replay");
    let status = |today: Date| request.clocks(&rules, today, None)[0].status;
    assert_eq!(status(date!(2026 - 03 - 16)), ClockStatus::Running);
    assert_eq!(status(date!(2026 - 03 - 17)), ClockStatus::AtRisk);
    assert_eq!(status(date!(2026 - 03 - 22)), ClockStatus::AtRisk, "the due date itself is still in time");
    assert_eq!(status(date!(2026 - 03 - 23)), ClockStatus::Breached);
    let on_time = Request::replay(&[ruling(true), decided(2, date!(2026 - 03 - 22))]).expect("replay");
    assert_eq!(on_time.clocks(&rules, date!(2026 - 06 - 01), None)[0].status, ClockStatus::Met);
    assert_eq!(on_time.turnaround_days(), Some(20));
    let late = Request::replay(&[ruling(true), decided(2, date!(2026 - 03 - 23))]).expect("replay");
    assert_eq!(late.clocks(&rules, date!(2026 - 06 - 01), None)[0].status, ClockStatus::Missed);
}

#[test]
fn reconciliation_is_due_twenty_one_months_after_the_earliest_summary_and_twelve_for_fta() {
    let rules = ClockRules::default();
    let flag = |issue: &str, earliest: &str| {
        let request = Request::replay(&[submitted(
            RequestKind::ReconciliationFlag,
            &[
                ("importer_number", "36-123456700"),
                ("entry_number", "ABC-1234567-8"),
                ("action", "flag"),
                ("issue", issue),
                ("earliest_date", earliest),
            ],
            date!(2026 - 01 - 10),
            true,
        )])
        .expect("replay");
        request.clocks(&rules, date!(2026 - 01 - 10), None)[1].due
    };
    assert_eq!(flag("value", "2025-05-31"), date!(2027 - 02 - 28), "month ends clamp");
    assert_eq!(flag("fta", "2024-02-29"), date!(2025 - 02 - 28));
}

#[test]
fn a_confidential_manifest_certificate_runs_two_years_and_asks_for_renewal_sixty_days_before() {
    let rules = ClockRules::default();
    let inward = [
        submitted(
            RequestKind::ConfidentialManifest,
            &[("direction", "inward"), ("names", "Great Lakes Home Goods"), ("addresses", "1 Main St, Detroit")],
            date!(2024 - 02 - 29),
            true,
        ),
        decided(2, date!(2024 - 03 - 15)),
    ];
    let request = Request::replay(&inward).expect("replay");
    assert_eq!(request.certification(), Some((date!(2024 - 02 - 29), date!(2026 - 02 - 28))));
    let renewal = |today: Date, renewed: Option<Date>| request.clocks(&rules, today, renewed)[1].clone();
    assert_eq!(renewal(date!(2025 - 01 - 01), None).due, date!(2025 - 12 - 30));
    assert_eq!(renewal(date!(2025 - 01 - 01), None).status, ClockStatus::NotStarted);
    assert_eq!(renewal(date!(2025 - 12 - 30), None).status, ClockStatus::AtRisk);
    assert_eq!(renewal(date!(2025 - 12 - 31), None).status, ClockStatus::Breached);
    assert_eq!(renewal(date!(2026 - 01 - 05), Some(date!(2025 - 12 - 01))).status, ClockStatus::Met);
    assert!(!request.lapsed(date!(2026 - 02 - 28), None), "valid through its last day");
    assert!(request.lapsed(date!(2026 - 03 - 01), None));
    assert!(!request.lapsed(date!(2026 - 03 - 01), Some(date!(2026 - 01 - 15))), "renewed late but before expiry");
    // Outward manifests run from approval.
    let mut outward = inward.clone();
    let RequestStep::Submitted { details, .. } = &mut outward[0].step else { unreachable!() };
    details.insert("direction".to_owned(), "outward".to_owned());
    let request = Request::replay(&outward).expect("replay");
    assert_eq!(request.certification(), Some((date!(2024 - 03 - 15), date!(2026 - 03 - 15))));
}

#[test]
fn detained_goods_have_three_months_and_a_penalty_petition_sixty_days() {
    let rules = ClockRules::default();
    let detention = Request::replay(&[submitted(
        RequestKind::WithholdReleaseOrderDetention,
        &[
            ("entry_number", "ABC12345678"),
            ("order", "WRO 2024-01"),
            ("detained_on", "2025-11-30"),
            ("intent", "prove_admissibility"),
        ],
        date!(2025 - 12 - 02),
        true,
    )])
    .expect("replay");
    assert_eq!(detention.clocks(&rules, date!(2025 - 12 - 02), None)[1].due, date!(2026 - 02 - 28));
    let penalty = Request::replay(&[submitted(
        RequestKind::PenaltyCase,
        &[
            ("violation_date", "2025-06-01"),
            ("notice_date", "2026-01-15"),
            ("culpability", "negligence"),
            ("loss_of_revenue", "10000"),
            ("dutiable_value", "100000.00"),
            ("domestic_value", "150000"),
            ("prior_disclosure", "no"),
        ],
        date!(2026 - 01 - 15),
        true,
    )])
    .expect("replay");
    let clocks = penalty.clocks(&rules, date!(2026 - 01 - 15), None);
    assert_eq!((clocks.len(), clocks[0].name, clocks[0].due), (1, "Petition due", date!(2026 - 03 - 16)));
    let facts = penalty.penalty_facts().expect("facts");
    assert_eq!((facts.loss_of_revenue, facts.trade_compliance_member), (Cents(1_000_000), true));
}

#[test]
fn bad_details_are_refused_field_by_field() {
    let raw = [("entry_number", "12"), ("action", "maybe"), ("colour", "red")]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let errors = RequestKind::ReconciliationFlag.parse_details(&raw).expect_err("bad");
    let fields: Vec<&str> = errors.iter().map(|error| error.field).collect();
    assert_eq!(fields, ["details", "importer_number", "entry_number", "action", "issue", "earliest_date"]);
    assert!(errors[3].message.contains("'maybe' is not one of flag, unflag"), "{}", errors[3].message);
}

#[test]
fn a_decided_request_cannot_be_decided_again_and_refusals_need_reasons() {
    let refused = event(
        2,
        RequestStep::Decided { granted: false, on: date!(2026 - 03 - 05), note: " ".to_owned(), amount: None },
    );
    assert!(Request::replay(&[ruling(true), refused]).is_err());
    let twice = [ruling(true), decided(2, date!(2026 - 03 - 05)), decided(3, date!(2026 - 03 - 06))];
    assert_eq!(Request::replay(&twice).expect_err("twice").0, "the request is already granted");
    let early = [ruling(true), decided(2, date!(2026 - 03 - 01))];
    assert!(Request::replay(&early).expect_err("early").0.contains("before the request"));
    let talk = [
        ruling(true),
        decided(2, date!(2026 - 03 - 05)),
        event(3, RequestStep::Message { from_agency: false, text: "Thanks".to_owned() }),
    ];
    assert!(Request::replay(&talk).is_ok(), "the conversation goes on after a decision");
}

#[test]
fn a_participation_covers_flags_only_while_both_bond_and_rider_are_in_force() {
    let participation = [
        submitted(
            RequestKind::ReconciliationParticipation,
            &[
                ("importer_number", "36-123456700"),
                ("bond_from", "2025-01-01"),
                ("rider_from", "2025-03-01"),
                ("rider_to", "2026-02-28"),
            ],
            date!(2025 - 01 - 10),
            true,
        ),
        decided(2, date!(2025 - 01 - 12)),
    ];
    let request = Request::replay(&participation).expect("replay");
    assert!(!request.covers_flagging("36123456700", date!(2025 - 02 - 28)), "no rider yet");
    assert!(request.covers_flagging("36123456700", date!(2025 - 03 - 01)));
    assert!(request.covers_flagging("36123456700", date!(2026 - 02 - 28)), "the rider's last day");
    assert!(!request.covers_flagging("36123456700", date!(2026 - 03 - 01)));
    assert!(!request.covers_flagging("95765432100", date!(2025 - 06 - 01)), "another importer number");
    let pending = Request::replay(&participation[..1]).expect("replay");
    assert!(!pending.covers_flagging("36123456700", date!(2025 - 06 - 01)), "not granted yet");
    let rules = ClockRules::default();
    assert_eq!(request.clocks(&rules, date!(2026 - 02 - 01), None)[1].due, date!(2026 - 02 - 28));
}

#[test]
fn a_bond_or_rider_cannot_end_before_it_starts() {
    let raw = [
        ("importer_number", "36-123456700"),
        ("bond_from", "2025-01-01"),
        ("bond_to", "2024-12-31"),
        ("rider_from", "2025-01-01"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    let errors = RequestKind::ReconciliationParticipation.parse_details(&raw).expect_err("bad");
    assert_eq!((errors[0].field, errors[0].message.as_str()), ("bond_to", "is before bond_from"));
}
