//! Supplier questionnaires through the use cases: sent with a link, answered by the partner
//! without an account, scored, attached as evidence; links closed, renewed and throttled.

use time::Duration;
use tt_app::auth::RequestOrigin;
use tt_app::profile::ProfileAction;
use tt_app::questionnaire::SendQuestionnaire;
use tt_app::{AppError, AppSettings};
use tt_testkit::TestApp;

use crate::actor;

fn origin(address: &str) -> RequestOrigin {
    RequestOrigin { source_address: Some(address.to_owned()), request_id: None }
}

fn secret_of(link: &str) -> String {
    link.rsplit('/').next().expect("secret").to_owned()
}

#[tokio::test]
async fn a_partner_answers_through_the_link_and_the_member_attaches_the_result_as_evidence() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let input = SendQuestionnaire {
        partner_name: "Norte Manufacturing".to_owned(),
        partner_email: "ana@norte.example".to_owned(),
        catalogue: "importer".to_owned(),
    };
    let sent = app.send_questionnaire(&officer, &input).await.expect("send");
    assert_eq!((sent.questionnaire.state_label, sent.questionnaire.questions), ("Waiting for the partner", 97));
    let email =
        test_app.mailer.sent().into_iter().find(|email| email.to == "ana@norte.example").expect("the partner's e-mail");
    assert!(email.body.contains(&sent.link), "the link is in the e-mail");
    let secret = secret_of(&sent.link);
    let form = app.partner_form(&secret, &origin("198.51.100.7")).await.expect("form");
    assert_eq!(form.member_name, "Great Lakes Home Goods, Inc.");
    let mut answers: Vec<(String, String, String)> = form
        .questions
        .iter()
        .map(|question| (question.criterion.to_string(), "yes".to_owned(), String::new()))
        .collect();
    answers.retain(|(criterion, _, _)| criterion != "6.2");
    let incomplete = app.answer_partner_form(&secret, "Ana Partner", &answers, &origin("198.51.100.7")).await;
    let Err(AppError::Invalid(errors)) = incomplete else { panic!("every question must be answered") };
    assert_eq!(errors[0].message, "answer question 6.2");
    answers.push(("6.2".to_owned(), "partially".to_owned(), "ISO 17712 seals on most lanes".to_owned()));
    app.answer_partner_form(&secret, "Ana Partner", &answers, &origin("198.51.100.7")).await.expect("answer");
    assert!(
        matches!(
            app.answer_partner_form(&secret, "Ana Partner", &answers, &origin("198.51.100.7")).await,
            Err(AppError::NotFound)
        ),
        "an answered link is closed"
    );
    let view = app.get_questionnaire(&officer, sent.questionnaire.id).await.expect("view");
    let score = view.score.expect("a score");
    assert_eq!(score.musts - score.musts_met, 1);
    assert_eq!(score.gaps[0].criterion.as_str(), "6.2");

    let refused = app.attach_questionnaire_as_evidence(&officer, view.id, "6.2").await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "only business-partner criteria take questionnaire results");
    app.change_profile(
        &officer,
        view.account_id,
        &ProfileAction::Answer {
            criterion: "3.5".to_owned(),
            answer: "meets".to_owned(),
            narrative: "Partners answer our questionnaire yearly".to_owned(),
        },
    )
    .await
    .expect("answer 3.5");
    app.attach_questionnaire_as_evidence(&officer, view.id, "3.5").await.expect("attach");
    let profile = app.security_profile(&officer, view.account_id).await.expect("profile");
    let evidence = &profile.criteria.iter().find(|criterion| criterion.id.as_str() == "3.5").expect("3.5").evidence;
    assert_eq!(evidence[0].file_name, "questionnaire-norte-manufacturing.txt");
    let renewed = app.renew_questionnaire(&officer, view.id).await;
    assert!(matches!(renewed, Err(AppError::Conflict { .. })), "an answered questionnaire keeps its link closed");
    let other = actor(&test_app, "officer@pacificapparel.example").await;
    assert!(matches!(app.get_questionnaire(&other, view.id).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn links_are_revoked_renewed_reminded_and_guessing_them_is_throttled() {
    let settings = AppSettings { login_failures_per_address: 3, questionnaires_per_day: 3, ..AppSettings::default() };
    let test_app = TestApp::with_settings(settings).await;
    test_app.app.seed_demo().await.expect("demo");
    let app = &test_app.app;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let input = SendQuestionnaire {
        partner_name: "Carrier Uno".to_owned(),
        partner_email: "ops@uno.example".to_owned(),
        catalogue: "highway-carrier".to_owned(),
    };
    let first = app.send_questionnaire(&officer, &input).await.expect("send");
    let renewed = app.renew_questionnaire(&officer, first.questionnaire.id).await.expect("renew");
    assert!(
        matches!(app.partner_form(&secret_of(&first.link), &origin("10.1.1.1")).await, Err(AppError::NotFound)),
        "the old link stopped working"
    );
    app.partner_form(&secret_of(&renewed.link), &origin("10.1.1.1")).await.expect("the new link works");
    app.revoke_questionnaire(&officer, first.questionnaire.id).await.expect("revoke");
    assert!(matches!(app.partner_form(&secret_of(&renewed.link), &origin("10.1.1.2")).await, Err(AppError::NotFound)));

    let second = app
        .send_questionnaire(&officer, &SendQuestionnaire { partner_email: "ops2@uno.example".to_owned(), ..input })
        .await
        .expect("send");
    let bulk = SendQuestionnaire {
        partner_name: "Carrier Dos".to_owned(),
        partner_email: "ops@dos.example".to_owned(),
        catalogue: "highway-carrier".to_owned(),
    };
    assert!(
        matches!(app.send_questionnaire(&officer, &bulk).await, Err(AppError::Throttled { .. })),
        "three e-mails a day (two sends and a renewal) is this account's budget"
    );
    test_app.clock.advance(Duration::days(25));
    let report = app.run_reminders().await.expect("reminders");
    assert!(report.created >= 2, "the officer and the employee are reminded: {report:?}");
    let inbox = app.my_notifications(&officer).await.expect("inbox");
    assert!(inbox.iter().any(|notification| notification.subject.contains("Questionnaire to Carrier Uno unanswered")));
    assert_eq!(app.run_reminders().await.expect("again").created, 0);
    test_app.clock.advance(Duration::days(6));
    assert!(
        matches!(app.partner_form(&secret_of(&second.link), &origin("10.1.1.3")).await, Err(AppError::NotFound)),
        "expired"
    );

    for _ in 0..3 {
        assert!(matches!(app.partner_form("q_guess", &origin("203.0.113.9")).await, Err(AppError::NotFound)));
    }
    assert!(matches!(app.partner_form("q_guess", &origin("203.0.113.9")).await, Err(AppError::Throttled { .. })));
}
