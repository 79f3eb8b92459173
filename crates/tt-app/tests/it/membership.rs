//! The membership lifecycle through the use cases: who may take which step, the standing the
//! KPIs read, the work queues and the reminder worker.

use time::Duration;
use tt_app::membership::{StepInput, WorkFilter};
use tt_app::{Actor, AppError};
use tt_domain::AccountNumber;
use tt_domain::lifecycle::{
    ApplicationTile, DecisionGrounds, Program, Step, ValidationKind, ValidationResult, VettingBlock,
};
use tt_domain::{AccountId, BusinessType};
use tt_testkit::TestApp;

use crate::actor;

fn step(step: Step) -> StepInput {
    StepInput { effective_date: None, reason: Some("as recorded".to_owned()), document_version: None, step }
}

fn on(date: time::Date, step: Step) -> StepInput {
    StepInput { effective_date: Some(date.to_string()), ..self::step(step) }
}

async fn demo_importer(test_app: &TestApp) -> AccountId {
    test_app
        .app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id
}

/// Takes the demo importer from nothing to Tier I, `days_ago` days before today.
async fn certify(test_app: &TestApp, account: AccountId, days_ago: i64) {
    let app = &test_app.app;
    let today = app.clock.now().date();
    let day = |offset: i64| today - Duration::days(days_ago + offset);
    let officer = actor(test_app, "officer@greatlakes.example").await;
    let specialist = actor(test_app, "scss@cbp.example").await;
    let supervisor = actor(test_app, "scss.supervisor@cbp.example").await;
    app.record_step(&officer, account, &on(day(60), Step::CompanyProfileCreated)).await.expect("profile");
    app.record_step(&officer, account, &on(day(50), Step::ApplicationSubmitted)).await.expect("application");
    app.record_step(
        &supervisor,
        account,
        &on(
            day(49),
            Step::SpecialistAssigned {
                specialist: "scss@cbp.example".to_owned(),
                supervisor: "scss.supervisor@cbp.example".to_owned(),
                office: "Laredo".to_owned(),
            },
        ),
    )
    .await
    .expect("assign");
    app.record_step(&specialist, account, &on(day(40), Step::ProfileApproved)).await.expect("approve");
    for block in VettingBlock::required_for(BusinessType::Importer) {
        app.record_step(
            &specialist,
            account,
            &on(day(30), Step::VettingRecorded { block, derogatory: false, notes: "nothing found".to_owned() }),
        )
        .await
        .expect("vetting");
    }
    app.record_step(&supervisor, account, &on(day(0), Step::CertifiedTierOne)).await.expect("certify");
}

#[tokio::test]
async fn an_applicant_is_certified_tier_one_and_the_kpis_count_it_from_that_day() {
    let test_app = TestApp::with_demo().await;
    let account = demo_importer(&test_app).await;
    certify(&test_app, account, 10).await;
    let director = actor(&test_app, "director@cbp.example").await;
    let view = test_app.app.account_membership(&director, account).await.expect("view");
    assert_eq!((view.security_state.as_str(), view.ctpat_tier.as_str()), ("certified", "T1"));
    assert_eq!(view.specialist.as_deref(), Some("scss@cbp.example"));
    let due = view.dates.iter().find(|date| date.key == "initial_validation_due").expect("validation due");
    assert!(due.explanation.starts_with("1 year after the Tier I certification of"), "{}", due.explanation);
    assert_eq!(due.status, "upcoming");
    assert!(
        view.timeline
            .iter()
            .any(|entry| entry.kind == "certified_tier_one" && entry.recorded_by == "scss.supervisor@cbp.example")
    );
    let standing = test_app.app.store.sourced_status_events(Some(account)).await.expect("standing");
    assert_eq!(standing.len(), 1, "{standing:?}");
    assert_eq!(standing[0].1.event.change.value(), "T1");
    assert_eq!(standing[0].1.event.effective_date, test_app.app.clock.now().date() - Duration::days(10));
    assert_eq!(standing[0].1.source, "workflow");
    let audit = test_app
        .app
        .store
        .list_audit(&tt_store::AuditFilter {
            action_prefix: Some("membership.certified_tier_one".to_owned()),
            limit: 5,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    let after = audit[0].record.after.as_deref().unwrap_or_default();
    assert!(after.contains("Certified Tier I"), "{after}");
}

#[tokio::test]
async fn each_step_is_refused_to_roles_that_do_not_take_it() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = demo_importer(&test_app).await;
    let employee = actor(&test_app, "employee@greatlakes.example").await;
    let specialist = actor(&test_app, "scss@cbp.example").await;
    let other_officer = actor(&test_app, "officer@pacificapparel.example").await;
    app.record_step(&employee, account, &step(Step::CompanyProfileCreated)).await.expect("employee prepares");
    let refused = app.record_step(&employee, account, &step(Step::ApplicationSubmitted)).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "only the company officer signs: {refused:?}");
    let refused = app.record_step(&other_officer, account, &step(Step::ApplicationSubmitted)).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "another company's officer: {refused:?}");
    let refused = app.record_step(&specialist, account, &step(Step::CertifiedTierOne)).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "a specialist does not certify: {refused:?}");
    let refused =
        app.record_step(&specialist, account, &step(Step::Suspended { grounds: DecisionGrounds::NonCompliance })).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "suspension is the program director's: {refused:?}");
    let director = actor(&test_app, "director@cbp.example").await;
    let refused = app.record_step(&director, account, &step(Step::TradeComplianceSuspended)).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "only the system suspends Trade Compliance: {refused:?}");
    assert_eq!(app.store.membership_events(account).await.expect("history").len(), 1, "refusals record nothing");
}

#[tokio::test]
async fn an_invalid_transition_is_refused_with_the_rule_and_records_nothing() {
    let test_app = TestApp::with_demo().await;
    let account = demo_importer(&test_app).await;
    let specialist = actor(&test_app, "scss@cbp.example").await;
    let Err(AppError::Invalid(errors)) =
        test_app.app.record_step(&specialist, account, &step(Step::ProfileApproved)).await
    else {
        panic!("approving a profile that was never submitted must be refused");
    };
    assert_eq!(errors[0].field, "step");
    assert_eq!(errors[0].message, "only an applicant's profile can be approved; the account is Not started");
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let tomorrow = test_app.app.clock.now().date() + Duration::days(1);
    let Err(AppError::Invalid(errors)) =
        test_app.app.record_step(&officer, account, &on(tomorrow, Step::CompanyProfileCreated)).await
    else {
        panic!("a step in the future must be refused");
    };
    assert_eq!(errors[0].field, "effective_date");
    let director = actor(&test_app, "director@cbp.example").await;
    app_requires_reason(&test_app, &director, account).await;
    assert!(test_app.app.store.membership_events(account).await.expect("history").is_empty());
}

async fn app_requires_reason(test_app: &TestApp, director: &Actor, account: AccountId) {
    let input = StepInput { reason: None, ..step(Step::Removed { grounds: DecisionGrounds::NonCompliance }) };
    let Err(AppError::Invalid(errors)) = test_app.app.record_step(director, account, &input).await else {
        panic!("a removal without a reason must be refused");
    };
    assert_eq!(errors[0].field, "reason");
}

#[tokio::test]
async fn losing_tier_two_suspends_trade_compliance_as_its_own_step_in_the_standing_and_on_the_dashboard() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = demo_importer(&test_app).await;
    certify(&test_app, account, 400).await;
    let today = app.clock.now().date();
    let ago = |days: i64| today - Duration::days(days);
    let specialist = actor(&test_app, "scss@cbp.example").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let analyst = actor(&test_app, "tc.analyst@cbp.example").await;
    let director = actor(&test_app, "director@cbp.example").await;
    app.record_step(
        &specialist,
        account,
        &on(ago(300), Step::ValidationScheduled { validation: ValidationKind::Initial, visit: ago(260) }),
    )
    .await
    .expect("schedule");
    app.record_step(
        &specialist,
        account,
        &on(
            ago(260),
            Step::ValidationCompleted { validation: ValidationKind::Initial, outcome: ValidationResult::TierTwo },
        ),
    )
    .await
    .expect("tier two");
    app.record_step(
        &officer,
        account,
        &on(
            ago(100),
            Step::EligibilityChecked { answers: vec![true; 13], importing_since: ago(3000), cbp_debt: false },
        ),
    )
    .await
    .expect("eligible");
    for tile in ApplicationTile::ALL {
        app.record_step(&officer, account, &on(ago(95), Step::TileCompleted { tile, summary: "complete".to_owned() }))
            .await
            .expect("tile");
    }
    app.record_step(&officer, account, &on(ago(90), Step::TradeComplianceSubmitted)).await.expect("submit");
    app.record_step(&officer, account, &on(ago(80), Step::MemorandumSigned)).await.expect("memorandum");
    app.record_step(&analyst, account, &on(ago(70), Step::TradeComplianceAccepted)).await.expect("accept");
    let view = app
        .record_step(&director, account, &on(ago(10), Step::Suspended { grounds: DecisionGrounds::NonCompliance }))
        .await
        .expect("suspend");
    assert_eq!(view.trade_compliance_state, "suspended");
    let last = view.timeline.last().expect("timeline");
    assert_eq!((last.kind.as_str(), last.recorded_by.as_str()), ("trade_compliance_suspended", "system"));
    let standing: Vec<(String, String)> = app
        .store
        .sourced_status_events(Some(account))
        .await
        .expect("standing")
        .into_iter()
        .map(|(_, sourced)| (sourced.event.effective_date.to_string(), sourced.event.change.value().to_owned()))
        .collect();
    let expected: Vec<(String, String)> = [(400, "T1"), (260, "T2"), (70, "ON"), (10, "NONE"), (10, "OFF")]
        .into_iter()
        .map(|(days, value)| (ago(days).to_string(), value.to_owned()))
        .collect();
    let mut sorted = standing.clone();
    sorted.sort();
    let mut expected_sorted = expected;
    expected_sorted.sort();
    assert_eq!(sorted, expected_sorted);
    // A correction withdraws the suspension: the standing goes back to Tier II from that day;
    // Trade Compliance stays suspended until staff reinstate it.
    let suspension = view.timeline.iter().find(|entry| entry.kind == "suspended").expect("suspension").sequence;
    let correction = StepInput {
        reason: Some("recorded on the wrong account".to_owned()),
        ..step(Step::Voided { sequence: suspension })
    };
    let supervisor = actor(&test_app, "scss.supervisor@cbp.example").await;
    let refused = app.record_step(&supervisor, account, &correction).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "a supervisor cannot withdraw the program director's suspension: {refused:?}"
    );
    let suspensions = |dashboard: &tt_app::dashboards::ProgramDashboard| -> i64 {
        let series = &dashboard.suspensions_removals_appeals.series;
        series.iter().find(|series| series.name == "Suspensions").map_or(-1, |series| series.values.iter().sum())
    };
    let dashboard = app.program_dashboard(&director, None).await.expect("dashboard");
    assert_eq!(suspensions(&dashboard), 1, "the program dashboard counts the suspension in its month");
    let corrected = app.record_step(&director, account, &correction).await.expect("correction");
    let dashboard = app.program_dashboard(&director, None).await.expect("dashboard");
    assert_eq!(suspensions(&dashboard), 0, "a withdrawn suspension is not counted");
    assert_eq!((corrected.ctpat_tier.as_str(), corrected.trade_compliance_state.as_str()), ("T2", "suspended"));
    assert!(corrected.timeline.iter().any(|entry| entry.sequence == suspension && entry.withdrawn));
    let reinstated =
        app.record_step(&analyst, account, &step(Step::TradeComplianceReinstated)).await.expect("reinstate");
    assert_eq!(reinstated.trade_compliance_state, "active");
    let timeline = tt_domain::membership::Timeline::new(
        app.store
            .sourced_status_events(Some(account))
            .await
            .expect("standing")
            .into_iter()
            .map(|(_, sourced)| sourced.event),
    );
    let standing = timeline.standing_on(ago(5));
    assert_eq!((standing.ctpat, standing.trade_compliance), (tt_domain::membership::CtpatValue::T2, false));
    let standing = timeline.standing_on(today);
    assert_eq!((standing.ctpat, standing.trade_compliance), (tt_domain::membership::CtpatValue::T2, true));
}

#[tokio::test]
async fn work_queues_show_each_person_what_falls_to_them() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = demo_importer(&test_app).await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let specialist = actor(&test_app, "scss@cbp.example").await;
    app.record_step(&officer, account, &step(Step::CompanyProfileCreated)).await.expect("profile");
    app.record_step(&officer, account, &step(Step::ApplicationSubmitted)).await.expect("apply");
    let queue = app.work_items(&specialist, &WorkFilter::default()).await.expect("queue");
    let item =
        queue.iter().find(|item| item.account_id == account).expect("the certification target is the specialist's");
    assert_eq!(item.due.key, "certification_target");
    assert_eq!(item.due.days_left, 90);
    let due = app.clock.now().date() + Duration::days(20);
    app.record_step(
        &specialist,
        account,
        &step(Step::InformationRequested {
            program: Program::Security,
            request: 1,
            question: "Seal log?".to_owned(),
            due,
        }),
    )
    .await
    .expect("request");
    let owed = app.work_items(&officer, &WorkFilter::default()).await.expect("member queue");
    assert_eq!(owed.len(), 1);
    assert_eq!((owed[0].due.key.as_str(), owed[0].due.status), ("information_request:security:1", "due_soon"));
    let other = actor(&test_app, "officer@pacificapparel.example").await;
    assert!(app.work_items(&other, &WorkFilter::default()).await.expect("other member").is_empty());
    let viewer = actor(&test_app, "pga@fda.example").await;
    assert!(matches!(app.work_items(&viewer, &WorkFilter::default()).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn reminders_reach_the_responsible_people_once_however_often_the_worker_runs() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = demo_importer(&test_app).await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let specialist = actor(&test_app, "scss@cbp.example").await;
    app.record_step(&officer, account, &step(Step::CompanyProfileCreated)).await.expect("profile");
    app.record_step(&officer, account, &step(Step::ApplicationSubmitted)).await.expect("apply");
    let due = app.clock.now().date() + Duration::days(5);
    app.record_step(
        &specialist,
        account,
        &step(Step::InformationRequested {
            program: Program::Security,
            request: 7,
            question: "Seal log?".to_owned(),
            due,
        }),
    )
    .await
    .expect("request");
    let first = app.run_reminders().await.expect("first pass");
    // The officer and the employee of the company; the read-only user and the consultant are not reminded.
    assert_eq!(first.created, 2, "{first:?}");
    assert_eq!(first.emailed, 2);
    let second = app.run_reminders().await.expect("second pass");
    assert_eq!((second.created, second.emailed), (0, 0), "a second pass sends nothing again");
    let sent = test_app.mailer.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().any(|email| email.to == "officer@greatlakes.example"));
    assert!(sent[0].subject.contains("Answer to request for information #7 for DEMO-IMP-001"), "{}", sent[0].subject);
    let inbox = app.my_notifications(&officer).await.expect("inbox");
    assert_eq!(inbox.len(), 1);
    app.mark_notification_read(&officer, inbox[0].id).await.expect("read");
    let employee = actor(&test_app, "employee@greatlakes.example").await;
    assert!(matches!(app.mark_notification_read(&employee, inbox[0].id).await, Err(AppError::NotFound)));
    // Past the due date the item is overdue: the member is reminded again and, with no
    // specialist assigned, the specialists' supervisor is told.
    test_app.clock.advance(Duration::days(6));
    let overdue = app.run_reminders().await.expect("overdue pass");
    assert_eq!(overdue.created, 3, "{overdue:?}");
    let escalated: Vec<String> = test_app
        .mailer
        .sent()
        .into_iter()
        .filter(|email| email.subject.starts_with("[Trusted Trader] OVERDUE: "))
        .map(|email| email.to)
        .collect();
    assert_eq!(escalated.len(), 3);
    assert!(escalated.contains(&"scss.supervisor@cbp.example".to_owned()), "{escalated:?}");
}

#[tokio::test]
async fn legacy_self_assessment_members_are_scheduled_to_migrate_on_their_letter_anniversary() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = demo_importer(&test_app).await;
    let import = |kind: &str, value: &str| tt_store::trade::NewStatusEvent {
        account_id: account,
        effective_date: time::macros::date!(2016 - 05 - 01),
        change: tt_domain::membership::StatusChange::parse(kind, value).expect("change"),
        reason: None,
        source: "import",
        recorded_at: tt_testkit::contract::now(),
    };
    app.store
        .append_status_events(
            &[import("ctpat", "T2"), import("tc", "ON")],
            &tt_testkit::contract::audit("status.import"),
        )
        .await
        .expect("legacy standing");
    app.store
        .set_anl_anniversary(account, Some("02-29"), &tt_testkit::contract::audit("account.import"))
        .await
        .expect("anniversary");
    let nam = actor(&test_app, "nam@cbp.example").await;
    let schedule = app.migration_schedule(&nam).await.expect("schedule");
    assert_eq!(schedule.len(), 1, "{schedule:?}");
    let row = &schedule[0];
    assert_eq!((row.account_number.as_str(), row.state), ("DEMO-IMP-001", "Scheduled"));
    let due = row.due.as_ref().expect("due date");
    let today = app.clock.now().date();
    assert!(due.date >= today && due.date.month() == time::Month::February && due.date.day() >= 28, "{due:?}");
    assert!(due.explanation.contains("(02-29)"), "{}", due.explanation);
    app.record_step(&nam, account, &step(Step::MigrationInvited)).await.expect("invite");
    assert_eq!(app.migration_schedule(&nam).await.expect("schedule")[0].state, "Invited");
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    assert!(matches!(app.migration_schedule(&officer).await, Err(AppError::Forbidden(_))));
    let refused = app.record_step(&nam, account, &step(Step::MigrationCompleted)).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "completing the migration is for NAM supervisors and HQ");
}

#[tokio::test]
async fn supervisors_see_their_team_load_and_queues_filter_by_field_office() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = demo_importer(&test_app).await;
    certify(&test_app, account, 10).await;
    let supervisor = actor(&test_app, "scss.supervisor@cbp.example").await;
    let load = app.team_load(&supervisor).await.expect("load");
    let specialist_load = load.iter().find(|row| row.staff == "scss@cbp.example").expect("the specialist's row");
    assert_eq!(specialist_load.overdue + specialist_load.due_soon + specialist_load.upcoming, 1, "{load:?}");
    let specialist = actor(&test_app, "scss@cbp.example").await;
    let in_office = |office: &str| WorkFilter { office: Some(office.to_owned()), ..WorkFilter::default() };
    let laredo = app.work_items(&specialist, &in_office("laredo")).await.expect("laredo");
    assert_eq!(laredo.iter().map(|item| item.due.key.as_str()).collect::<Vec<_>>(), vec!["initial_validation_due"]);
    assert_eq!(laredo[0].office.as_deref(), Some("Laredo"));
    assert!(app.work_items(&specialist, &in_office("El Paso")).await.expect("el paso").is_empty());
    let bad_scope = WorkFilter { scope: Some("everything".to_owned()), ..WorkFilter::default() };
    assert!(matches!(app.work_items(&specialist, &bad_scope).await, Err(AppError::Invalid(_))));
}
