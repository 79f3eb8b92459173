//! Status verification between members: a request answered, what each side shares, the alert
//! when a connected partner's status changes, automatic acceptance, and the refusals.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_domain::TokenScope;
use tt_testkit::TestApp;

/// Great Lakes (Tier II) and Pacific Apparel (Tier I), both certified for over a year.
async fn two_certified_members() -> TestApp {
    let test_app = TestApp::with_demo().await;
    test_app.import_standing(&[("DEMO-IMP-001", 400, "ctpat", "T2"), ("DEMO-IMP-005", 400, "ctpat", "T1")]).await;
    test_app
}

#[tokio::test]
async fn a_request_accepted_shows_each_side_what_the_other_shares_and_a_later_status_change_is_alerted_once() {
    let test_app = two_certified_members().await;
    let great_lakes = test_app.client();
    great_lakes.sign_in("officer@greatlakes.example").await;
    let asked = great_lakes
        .post_form_with_csrf("/connections", &[("account_number", "DEMO-IMP-005"), ("share_tier", "yes")])
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);

    let pacific = test_app.client();
    pacific.sign_in("officer@pacificapparel.example").await;
    let page = pacific.get("/connections").await;
    assert!(page.body.contains("Awaiting your answer"), "{}", page.body);
    let start = page.body.find("action=\"/connections/").expect("the answer form") + "action=\"".len();
    let action = &page.body[start..start + page.body[start..].find('"').expect("end")];
    let accepted = pacific.post_form_with_csrf(action, &[("step", "accepted"), ("share_contact", "yes")]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);

    let seen_by_pacific = pacific.get("/connections").await.body;
    assert!(seen_by_pacific.contains("CTPAT certified, Tier II"), "Great Lakes shares its tier: {seen_by_pacific}");
    let seen_by_great_lakes = great_lakes.get("/connections").await.body;
    assert!(seen_by_great_lakes.contains("<td>CTPAT certified</td>"), "no tier: {seen_by_great_lakes}");
    assert!(
        seen_by_great_lakes.contains("Pat Officer &#60;officer@pacificapparel.example&#62;"),
        "the contact: {seen_by_great_lakes}"
    );

    test_app.import_standing(&[("DEMO-IMP-001", 0, "ctpat", "NONE")]).await;
    let first = test_app.app.run_reminders().await.expect("worker pass");
    let again = test_app.app.run_reminders().await.expect("worker pass");
    assert!(first.created >= 1, "{first:?}");
    assert_eq!(again.created, 0, "once per change");
    let inbox = pacific.get("/inbox").await.body;
    assert!(inbox.contains("Great Lakes Home Goods, Inc.&#39;s status changed"), "{inbox}");
    assert_eq!(inbox.matches("status changed").count(), 1, "{inbox}");
    assert!(pacific.get("/connections").await.body.contains("Not certified (pending, suspended or removed)"));
    let great_lakes_inbox = great_lakes.get("/inbox").await.body;
    assert!(!great_lakes_inbox.contains("status changed"), "Pacific's status did not change: {great_lakes_inbox}");
}

#[tokio::test]
async fn a_member_that_accepts_automatically_is_connected_at_once_sharing_what_it_chose() {
    let test_app = two_certified_members().await;
    let pacific = test_app.token_for("officer@pacificapparel.example", TokenScope::ReadWrite).await;
    let set = test_app
        .api_client(&pacific)
        .send_json(
            Method::PUT,
            "/api/v1/connections/preferences",
            &json!({"auto_accept": true, "share_tier": true, "share_contact": false}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let great_lakes = test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await;
    let connected = test_app
        .api_client(&great_lakes)
        .send_json(Method::POST, "/api/v1/connections", &json!({"account_number": "DEMO-IMP-005"}))
        .await;
    assert_eq!(connected.status, StatusCode::OK, "{}", connected.body);
    let view = connected.json();
    assert_eq!(view["state"], "connected");
    assert_eq!(view["partner_status"], "CTPAT certified, Tier I");
    assert!(view["partner_contact"].is_null());
}

#[tokio::test]
async fn connections_are_refused_to_the_uncertified_to_strangers_twice_and_to_the_wrong_side() {
    let test_app = two_certified_members().await;
    let path = "/api/v1/connections";
    let broker = test_app.token_for("officer@harborbrokers.example", TokenScope::ReadWrite).await;
    let uncertified =
        test_app.api_client(&broker).send_json(Method::POST, path, &json!({"account_number": "DEMO-IMP-005"})).await;
    assert_eq!(uncertified.status, StatusCode::CONFLICT, "{}", uncertified.body);

    let great_lakes =
        test_app.api_client(&test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await);
    for number in ["DEMO-BRK-002", "NO-SUCH-MEMBER", "DEMO-IMP-001"] {
        let refused = great_lakes.send_json(Method::POST, path, &json!({"account_number": number})).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{number}: {}", refused.body);
        assert!(refused.body.contains("account_number"), "{}", refused.body);
    }
    let asked = great_lakes.send_json(Method::POST, path, &json!({"account_number": "DEMO-IMP-005"})).await;
    assert_eq!(asked.status, StatusCode::OK);
    let twice = great_lakes.send_json(Method::POST, path, &json!({"account_number": "DEMO-IMP-005"})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let id = asked.json()["id"].as_str().expect("id").to_owned();
    let own_answer = great_lakes.send_json(Method::POST, &format!("{path}/{id}"), &json!({"step": "accepted"})).await;
    assert_eq!(own_answer.status, StatusCode::UNPROCESSABLE_ENTITY, "the asker does not answer");
    let employee = test_app.token_for("employee@greatlakes.example", TokenScope::ReadWrite).await;
    let not_an_officer =
        test_app.api_client(&employee).send_json(Method::POST, path, &json!({"account_number": "DEMO-IMP-005"})).await;
    assert_eq!(not_an_officer.status, StatusCode::FORBIDDEN);
}
