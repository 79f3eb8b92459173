//! Policies for comment: a version opens its window, the working group comments, staff dispose
//! of each comment, and the next version with its change summary follows only after both.

use axum::http::{Method, StatusCode};
use serde_json::json;
use time::Duration;
use tt_domain::TokenScope;
use tt_testkit::TestApp;

#[tokio::test]
async fn a_policy_is_commented_on_during_its_window_and_revised_once_every_comment_is_answered() {
    let test_app = TestApp::with_demo().await;
    let director = test_app.api_client(&test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await);
    let officer = test_app.api_client(&test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await);
    let first = json!({"policy_key": "tc-procedures", "title": "Trade Compliance procedures",
                       "body": "Annual Notification Letters are due on the anniversary of acceptance."});
    let published = director.send_json(Method::POST, "/api/v1/policies", &first).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(published.json()["versions"][0]["open_for_comment"], true);

    let commented = officer
        .send_json(Method::POST, "/api/v1/policies/tc-procedures/comments", &json!({"text": "Allow 30 days after it."}))
        .await;
    assert_eq!(commented.status, StatusCode::OK, "{}", commented.body);
    let comment_id = commented.json()["comments"][0]["id"].as_str().expect("id").to_owned();
    let employee = test_app.api_client(&test_app.token_for("employee@greatlakes.example", TokenScope::ReadWrite).await);
    let not_in_the_group =
        employee.send_json(Method::POST, "/api/v1/policies/tc-procedures/comments", &json!({"text": "Me too"})).await;
    assert_eq!(not_in_the_group.status, StatusCode::FORBIDDEN);

    let next = json!({"policy_key": "tc-procedures", "title": "Trade Compliance procedures",
                      "body": "Annual Notification Letters are due within 15 days after the anniversary.",
                      "change_summary": "Fifteen days' grace after the anniversary, from the working group's comment."});
    let too_early = director.send_json(Method::POST, "/api/v1/policies", &next).await;
    assert_eq!(too_early.status, StatusCode::CONFLICT, "the window is open: {}", too_early.body);

    test_app.clock.advance(Duration::days(31));
    // Tokens of a month ago have expired: new ones.
    let director = test_app.api_client(&test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await);
    let officer = test_app.api_client(&test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await);
    let late =
        officer.send_json(Method::POST, "/api/v1/policies/tc-procedures/comments", &json!({"text": "Late"})).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let unanswered = director.send_json(Method::POST, "/api/v1/policies", &next).await;
    assert_eq!(unanswered.status, StatusCode::CONFLICT);
    assert!(unanswered.body.contains("await their disposition"), "{}", unanswered.body);

    let disposed = director
        .send_json(
            Method::POST,
            &format!("/api/v1/policies/tc-procedures/comments/{comment_id}/disposition"),
            &json!({"disposition": "accepted_in_part", "response": "Fifteen days, not thirty."}),
        )
        .await;
    assert_eq!(disposed.status, StatusCode::OK, "{}", disposed.body);
    let no_summary = json!({"policy_key": "tc-procedures", "title": "Trade Compliance procedures", "body": "Changed."});
    let refused = director.send_json(Method::POST, "/api/v1/policies", &no_summary).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("change_summary"), "{}", refused.body);
    let revised = director.send_json(Method::POST, "/api/v1/policies", &next).await.json();
    assert_eq!(revised["versions"][0]["version"], 2);
    assert_eq!(revised["versions"][1]["version"], 1, "the first version is kept");

    let page = test_app.client();
    page.sign_in("officer@greatlakes.example").await;
    let shown = page.get("/policies/tc-procedures").await.body;
    assert!(shown.contains("What changed:</strong> Fifteen days&#39; grace"), "{shown}");
    assert!(shown.contains("accepted_in_part: Fifteen days, not thirty."), "{shown}");
}
