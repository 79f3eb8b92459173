//! Supplier questionnaires through the pages: a member sends one, the partner answers through
//! the link without an account, and the member sees the score.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_testkit::TestApp;

#[tokio::test]
async fn a_partner_answers_through_the_link_without_an_account() {
    let test_app = TestApp::with_demo().await;
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let sent = member
        .post_form_with_csrf(
            "/questionnaires",
            &[
                ("partner_name", "Norte Manufacturing"),
                ("partner_email", "ana@norte.example"),
                ("catalogue", "third-party-logistics"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let start = sent.body.find("/q/q_").expect("the link is shown once");
    let link: String = sent.body[start..].chars().take_while(|character| *character != '<').collect();

    let partner = test_app.client();
    let form = partner.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Security questionnaire from Great Lakes Home Goods, Inc."), "{}", form.body);
    let csrf = form.csrf_token().expect("form token");
    let criteria: Vec<String> = form
        .body
        .match_indices("name=\"comment_")
        .map(|(index, _)| {
            form.body[index + "name=\"comment_".len()..].chars().take_while(|character| *character != '"').collect()
        })
        .collect();
    assert!(criteria.len() > 50, "{} questions", criteria.len());
    let mut fields: Vec<(String, String)> =
        vec![("csrf_token".to_owned(), csrf), ("answered_by".to_owned(), "Ana, security manager".to_owned())];
    for criterion in &criteria {
        let answer = if criterion == "6.1" { "no" } else { "yes" };
        fields.push((format!("answer_{criterion}"), answer.to_owned()));
    }
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    let partial = partner.post_form(&link, &borrowed[..borrowed.len() - 1]).await;
    assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        partial.body.contains("value=\"yes\" checked") && partial.body.contains("value=\"Ana, security manager\""),
        "what was sent is kept"
    );
    let answered = partner.post_form(&link, &borrowed).await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    assert!(answered.body.contains("your answers are recorded"));
    assert_eq!(partner.get(&link).await.status, StatusCode::NOT_FOUND, "the link is closed once answered");

    let list = member.get("/questionnaires").await;
    assert!(list.body.contains("Answered") && list.body.contains("Norte Manufacturing"), "{}", list.body);
    let token = test_app.token_for("officer@greatlakes.example", tt_domain::TokenScope::ReadWrite).await;
    let api = test_app.api_client(&token);
    let listed = api.request(Method::GET, "/api/v1/questionnaires", None, String::new()).await;
    let score = listed.json()[0]["score"].clone();
    assert_eq!(score["gaps"][0]["criterion"], "6.1", "{score}");
    let id = listed.json()[0]["id"].as_str().expect("id").to_owned();
    let revoked =
        api.send_json(Method::POST, &format!("/api/v1/questionnaires/{id}"), &json!({"action": "revoke"})).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
}
