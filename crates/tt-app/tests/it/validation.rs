//! Validations through the use cases: plan, findings, the report's way to the member, the
//! member's answers, and who may do what.

use time::Duration;
use tt_app::AppError;
use tt_app::validation::ValidationAction;
use tt_domain::AccountNumber;
use tt_domain::validation::Site;
use tt_testkit::TestApp;

use crate::actor;

#[tokio::test]
async fn a_validation_goes_from_plan_to_a_report_the_member_answers() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id;
    let specialist = actor(&test_app, "scss@cbp.example").await;
    let supervisor = actor(&test_app, "scss.supervisor@cbp.example").await;
    let director = actor(&test_app, "director@cbp.example").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let today = app.clock.now().date();
    let plan = ValidationAction::Plan {
        kind: "initial".to_owned(),
        mode: "on_site".to_owned(),
        low_risk: false,
        sites: vec![Site {
            name: "Detroit DC".to_owned(),
            country: "us".to_owned(),
            share_of_imports: 70,
            no_go_reason: None,
        }],
        notice_sent: (today - Duration::days(40)).to_string(),
        domestic_visit: Some((today - Duration::days(5)).to_string()),
        foreign_visit: None,
    };
    assert!(matches!(app.plan_validation(&officer, account, &plan).await, Err(AppError::Forbidden(_))));
    let planned = app.plan_validation(&specialist, account, &plan).await.expect("plan");
    assert_eq!((planned.state_label, planned.sites[0].country.as_str()), ("Planned", "US"));
    let id = planned.id;
    let record = |criterion: &str, result: &str, action: &str| ValidationAction::RecordCriterion {
        criterion: criterion.to_owned(),
        result: result.to_owned(),
        internal_notes: "Seal log pages 3 to 9 missing".to_owned(),
        finding: "Seal inventory not reconciled".to_owned(),
        recommendation: "Reconcile weekly".to_owned(),
        required_action: action.to_owned(),
        action_due: (!action.is_empty()).then(|| (today + Duration::days(60)).to_string()),
        best_practice: None,
    };
    let unknown = app.change_validation(&specialist, id, &record("99.1", "yes", "")).await;
    let Err(AppError::Invalid(errors)) = unknown else { panic!("an unknown criterion is refused") };
    assert!(
        errors[0].message.contains("99.1 is not a criterion of Minimum Security Criteria: importers"),
        "{}",
        errors[0].message
    );
    app.change_validation(&specialist, id, &record("6.6", "no", "Reconcile the seal inventory with the logs"))
        .await
        .expect("6.6");
    app.change_validation(&specialist, id, &record("1.1", "yes", "")).await.expect("1.1");
    let early = officer.clone();
    let member_view = app.get_validation(&early, id).await.expect("member view");
    assert!(member_view.findings.is_empty(), "members see findings only once the report is sent");
    app.change_validation(
        &specialist,
        id,
        &ValidationAction::WriteSummary { summary: "Sound program; seal controls need work.".to_owned() },
    )
    .await
    .expect("summary");
    app.change_validation(&specialist, id, &ValidationAction::SubmitToSupervisor).await.expect("submit");
    assert!(matches!(
        app.change_validation(&specialist, id, &ValidationAction::Approve).await,
        Err(AppError::Forbidden(_))
    ));
    app.change_validation(&supervisor, id, &ValidationAction::Escalate { reason: "Repeated seal findings".to_owned() })
        .await
        .expect("escalate");
    assert!(
        matches!(app.change_validation(&supervisor, id, &ValidationAction::Approve).await, Err(AppError::Forbidden(_))),
        "headquarters approves an escalated report"
    );
    app.change_validation(&director, id, &ValidationAction::Approve).await.expect("approve");
    let sent = app.change_validation(&specialist, id, &ValidationAction::SendToMember).await.expect("send");
    assert_eq!(sent.action_plan.len(), 1);
    // The required action is due in 60 days: nothing yet; 30 days before it, the member is reminded.
    let quiet = app.run_reminders().await.expect("reminders");
    test_app.clock.advance(Duration::days(31));
    let reminded = app.run_reminders().await.expect("reminders");
    assert_eq!(reminded.created - quiet.created, 2, "the officer and the employee");
    let inbox = app.my_notifications(&officer).await.expect("inbox");
    assert!(
        inbox.iter().any(|notification| notification.subject.contains("Validation action on 6.6 due")),
        "{inbox:?}"
    );

    let seen = app.get_validation(&officer, id).await.expect("member view");
    assert_eq!(seen.findings.len(), 2);
    assert!(
        seen.findings.iter().all(|finding| finding.internal_notes.is_none()),
        "internal notes stay with the agency"
    );
    assert_eq!(seen.escalation, None);
    let answered = app
        .change_validation(
            &officer,
            id,
            &ValidationAction::Respond {
                criterion: "6.6".to_owned(),
                implemented: true,
                response: "Weekly reconciliation since this month".to_owned(),
            },
        )
        .await
        .expect("respond");
    assert!(answered.action_plan.is_empty());
    let other = actor(&test_app, "officer@pacificapparel.example").await;
    assert!(matches!(app.get_validation(&other, id).await, Err(AppError::Forbidden(_))));
    let listed = app.list_validations(&officer, None).await.expect("list");
    assert_eq!((listed.len(), listed[0].state_label), (1, "Sent to the member"));
}
