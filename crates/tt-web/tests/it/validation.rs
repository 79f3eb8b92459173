//! Validation pages: a specialist plans and reports, the supervisor approves, the member reads
//! the report (without the internal notes) and answers.

use axum::http::{Method, StatusCode};
use time::Duration;
use tt_domain::AccountNumber;
use tt_testkit::TestApp;

#[tokio::test]
async fn a_validation_is_planned_reported_approved_sent_and_answered_through_the_pages() {
    let test_app = TestApp::with_demo().await;
    let account = test_app
        .app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id;
    let today = test_app.app.clock.now().date();
    let specialist = test_app.client();
    specialist.sign_in("scss@cbp.example").await;
    let list = specialist.get(&format!("/validations?account={account}")).await;
    assert!(list.body.contains("Plan a validation"), "{}", list.body);
    let notice = (today - Duration::days(40)).to_string();
    let visit = (today - Duration::days(2)).to_string();
    let too_soon = (today - Duration::days(20)).to_string();
    let plan = |visit: &str| {
        vec![
            ("kind", "initial".to_owned()),
            ("mode", "on_site".to_owned()),
            ("site_name", "Detroit DC".to_owned()),
            ("site_country", "US".to_owned()),
            ("site_share", "80".to_owned()),
            ("notice_sent", notice.clone()),
            ("domestic_visit", visit.to_owned()),
        ]
    };
    let fields = plan(&too_soon);
    let refused = specialist
        .post_form_with_csrf(
            &format!("/accounts/{account}/validations"),
            &fields.iter().map(|(name, value)| (*name, value.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("days&#39; notice") || refused.body.contains("days' notice"), "{}", refused.body);
    let fields = plan(&visit);
    let planned = specialist
        .post_form_with_csrf(
            &format!("/accounts/{account}/validations"),
            &fields.iter().map(|(name, value)| (*name, value.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
    let page = planned.location().expect("validation page").to_owned();
    let due = (today + Duration::days(60)).to_string();
    let recorded = specialist
        .post_form_with_csrf(
            &page,
            &[
                ("action", "record_criterion"),
                ("criterion", "6.6"),
                ("result", "no"),
                ("internal_notes", "Seal log pages missing"),
                ("finding", "Seal inventory not reconciled"),
                ("recommendation", "Reconcile weekly"),
                ("required_action", "Reconcile the seal inventory"),
                ("action_due", &due),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    specialist
        .post_form_with_csrf(
            &page,
            &[("action", "write_summary"), ("summary", "Sound program; seal controls need work.")],
        )
        .await;
    let submitted = specialist.post_form_with_csrf(&page, &[("action", "submit_to_supervisor")]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);

    let supervisor = test_app.client();
    supervisor.sign_in("scss.supervisor@cbp.example").await;
    assert_eq!(supervisor.post_form_with_csrf(&page, &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        specialist.post_form_with_csrf(&page, &[("action", "send_to_member")]).await.status,
        StatusCode::SEE_OTHER
    );

    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let report = member.get(&format!("{page}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.body.contains("Seal inventory not reconciled") && !report.body.contains("Seal log pages missing"),
        "{}",
        report.body
    );
    let view = member.get(&page).await;
    assert!(view.body.contains("Action plan") && !view.body.contains("Seal log pages missing"));
    let pdf = member.get(&format!("{page}/report.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF-1.4"));
    if let Some(text) = tt_testkit::pdf::pdf_text(pdf.body.as_bytes()) {
        assert!(text.contains("CTPAT validation report"), "{text}");
        assert!(text.contains("6.6: No. Finding: Seal inventory not reconciled."), "{text}");
        assert!(text.contains("Sound program; seal controls need work."), "{text}");
        assert!(!text.contains("Seal log pages missing"), "no internal notes in the PDF");
    }
    let csrf = member.session_csrf_token().await;
    let boundary = "tt-response-boundary";
    let part = |name: &str, value: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let body = format!(
        "{}{}{}{}--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"seal-log.csv\"\r\nContent-Type: text/csv\r\n\r\nweek,seals\r\n--{boundary}--\r\n",
        part("csrf_token", &csrf),
        part("criterion", "6.6"),
        part("implemented", "on"),
        part("response", "Reconciled weekly since this month"),
    );
    let answered = member
        .request(
            Method::POST,
            &format!("{page}/responses"),
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let view = member.get(&page).await;
    assert!(view.body.contains("Implemented: Reconciled weekly since this month"), "{}", view.body);
    let start = view.body.find(&format!("{page}/evidence/")).expect("an evidence link");
    let link: String = view.body[start..].chars().take_while(|character| *character != '"').collect();
    let file = member.get(&link).await;
    assert_eq!((file.status, file.body.as_str()), (StatusCode::OK, "week,seals"));
}
