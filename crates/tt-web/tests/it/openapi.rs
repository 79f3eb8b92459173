//! The OpenAPI document: generated from the code, committed as `openapi.json`, served at
//! `/api/v1/openapi.json`. A change to the API that is not committed fails here.

use axum::http::StatusCode;
use tt_testkit::TestApp;

fn committed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json")
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = tt_web::openapi::openapi_json();
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(committed_path(), &generated).expect("write openapi.json");
    }
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p tt-web --test it openapi` and commit it"
    );
}

#[test]
fn the_document_is_openapi_3_1_with_bearer_security() {
    let document: serde_json::Value = serde_json::from_str(&tt_web::openapi::openapi_json()).expect("json");
    assert!(document["openapi"].as_str().expect("version").starts_with("3.1"));
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn the_served_document_is_the_committed_one_and_the_docs_page_works_offline() {
    let test_app = TestApp::new().await;
    let client = test_app.client();
    let served = client.get("/api/v1/openapi.json").await;
    assert_eq!(served.status, StatusCode::OK);
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(committed_path()).expect("committed")).expect("json");
    assert_eq!(served.json(), committed);
    let docs = client.get("/api/v1/docs/").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(!docs.body.contains("https://"), "the docs page loads nothing from the internet");
    let script = client.get("/api/v1/docs/swagger-ui-bundle.js").await;
    assert_eq!(script.status, StatusCode::OK, "Swagger UI is vendored into the binary");
}
