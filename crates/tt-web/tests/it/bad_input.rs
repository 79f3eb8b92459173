//! Malformed and invalid input gets a clear 4xx naming the field, never a 500; failures that
//! are ours show a request id and no internals.

use axum::http::{Method, StatusCode, header};
use serde_json::json;
use tt_domain::TokenScope;
use tt_testkit::TestApp;

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await;
    let client = test_app.api_client(&token);
    let response =
        client.request(Method::POST, "/api/v1/accounts", Some("application/json"), "{not json".to_owned()).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(response.json()["status"], 400);
    let response = client.request(Method::POST, "/api/v1/accounts", Some("text/plain"), "{}".to_owned()).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_missing_or_mistyped_or_unknown_field_is_a_422_naming_it() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await;
    let client = test_app.api_client(&token);
    for (body, field) in [
        (json!({"legal_name": "X", "business_type": "importer"}), "account_number"),
        (json!({"account_number": "A1", "legal_name": 42, "business_type": "importer"}), "legal_name"),
        (json!({"account_number": "A1", "legal_name": "X", "business_type": "importer", "colour": "red"}), "colour"),
    ] {
        let response = client.send_json(Method::POST, "/api/v1/accounts", &body).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let problem = response.json();
        assert!(problem["errors"][0]["message"].as_str().expect("message").contains(field), "{problem}");
    }
}

#[tokio::test]
async fn invalid_values_are_a_422_listing_every_field() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await;
    let client = test_app.api_client(&token);
    let response = client
        .send_json(
            Method::POST,
            "/api/v1/accounts",
            &json!({"account_number": "no spaces allowed", "legal_name": "", "business_type": "zeppelin", "scacs": ["12"]}),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut problem = response.json();
    assert!(problem["request_id"].is_string());
    problem["request_id"] = json!("[request id]");
    insta::assert_json_snapshot!("invalid_account_problem", problem);
}

#[tokio::test]
async fn a_taken_importer_number_is_a_409_naming_the_field() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await;
    let client = test_app.api_client(&token);
    let response = client
        .send_json(
            Method::POST,
            "/api/v1/accounts",
            &json!({"account_number": "DUP-1", "legal_name": "Dup", "business_type": "importer", "ior_numbers": ["95765432100"]}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.json()["errors"][0]["field"], "ior_numbers");
}

#[tokio::test]
async fn unknown_routes_are_404_for_pages_and_the_api() {
    let test_app = TestApp::new().await;
    let client = test_app.client();
    let page = client.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("There is no page at this address."));
    let api = client.get("/api/v1/nothing-here").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["status"], 404);
    let token = test_app.app.store.list_accounts().await.expect("list");
    assert!(token.is_empty());
}

#[tokio::test]
async fn a_bad_id_in_the_path_is_a_404_not_a_500() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await;
    let client = test_app.api_client(&token);
    assert_eq!(client.get("/api/v1/accounts/not-a-uuid").await.status, StatusCode::NOT_FOUND);
    assert_eq!(client.get(&format!("/api/v1/users/{}", uuid::Uuid::new_v4())).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let test_app = TestApp::with_demo().await;
    let client = test_app.client();
    client.sign_in("director@cbp.example").await;
    let before = test_app.app.store.list_accounts().await.expect("list").len();
    let response = client
        .post_form(
            "/accounts",
            &[("account_number", "CSRF-1"), ("legal_name", "Forged"), ("business_type", "importer")],
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.body.contains("did not come from this site"));
    assert_eq!(test_app.app.store.list_accounts().await.expect("list").len(), before);
    let wrong = client
        .post_form(
            "/accounts",
            &[
                ("csrf_token", "guess"),
                ("account_number", "CSRF-1"),
                ("legal_name", "Forged"),
                ("business_type", "importer"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_invalid_form_is_shown_again_with_an_error_summary_linking_each_field() {
    let test_app = TestApp::with_demo().await;
    let client = test_app.client();
    client.sign_in("director@cbp.example").await;
    let response = client
        .post_form_with_csrf(
            "/accounts",
            &[
                ("account_number", "A B"),
                ("legal_name", "Kept Name"),
                ("business_type", "importer"),
                ("ior_numbers", "12"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.body.contains("role=\"alert\""));
    assert!(response.body.contains("href=\"#account_number\""));
    assert!(response.body.contains("href=\"#ior_numbers\""));
    assert!(response.body.contains("value=\"Kept Name\""), "what the user typed is kept");
}

#[tokio::test]
async fn a_server_error_shows_a_request_id_and_no_sql() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await;
    test_app.database.drop_table("account_identifiers").await;
    let client = test_app.api_client(&token);
    let response = client.get("/api/v1/accounts").await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    let problem = response.json();
    assert!(problem["request_id"].is_string());
    let text = response.body.to_lowercase();
    for leak in ["select", "account_identifiers", "sqlx", "no such table", "relation"] {
        assert!(!text.contains(leak), "the body leaks '{leak}': {}", response.body);
    }
    assert_eq!(response.headers["x-request-id"].to_str().expect("id"), problem["request_id"]);
}

#[tokio::test]
async fn too_many_failed_sign_ins_are_answered_with_429() {
    let test_app = TestApp::with_demo().await;
    let client = test_app.client();
    for _ in 0..5 {
        assert_eq!(client.submit_sign_in("officer@greatlakes.example", "wrong").await.status, StatusCode::UNAUTHORIZED);
    }
    let response = client.submit_sign_in("officer@greatlakes.example", tt_app::demo::DEMO_PASSWORD).await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(response.body.contains("Too many failed attempts"));
}
