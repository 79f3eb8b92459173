//! The criteria pages and API: catalogues listed and shown by category, a version published by
//! uploading files through the page and by the API, and bad rows named.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_testkit::TestApp;

const HEADER: &str = "criterion_id,focus_area,category_number,category,requirement,must_from,text,guidance\n";

/// A `multipart/form-data` body with text fields and files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str)]) -> (String, String) {
    let boundary = "tt-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    for (name, file_name, content) in files {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn members_read_the_criteria_and_the_director_publishes_a_version_by_upload() {
    let test_app = TestApp::with_demo().await;
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let list = member.get("/criteria").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Minimum Security Criteria: importers") && list.body.contains("(in force)"));
    let importer = member.get("/criteria/importer").await;
    assert_eq!(importer.status, StatusCode::OK);
    assert!(importer.body.contains("3. Business Partners"), "criteria are grouped by category");
    assert!(importer.body.contains("must from 2023-01-01"), "3.9 shows when it became a must");
    assert_eq!(member.get("/criteria/publish").await.status, StatusCode::FORBIDDEN);

    let director = test_app.client();
    director.sign_in("director@cbp.example").await;
    let form = director.get("/criteria/publish").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf_token().expect("token");
    let effective = (test_app.app.clock.now().date() + time::Duration::days(30)).to_string();
    let bad = format!("{HEADER}1.1,Corporate Security,1,Vision,sometimes,,Text,\n");
    let (content_type, body) = multipart(
        &[("csrf_token", &csrf), ("catalogue", "importer"), ("version", "2027-1"), ("effective_from", &effective)],
        &[("file", "importer-2027.csv", &bad)],
    );
    let refused = director.request(Method::POST, "/criteria/publish", Some(&content_type), body).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("row 2: &#39;sometimes&#39; is not must or should")
            || refused.body.contains("row 2: 'sometimes' is not must or should"),
        "{}",
        refused.body
    );
    let good = format!(
        "{HEADER}1.1,Corporate Security,1,Vision,should,,Statement of support,\n4.15,Corporate Security,4,Cybersecurity,must,,Multi-factor authentication,\n"
    );
    let mapping = "criterion_id,change,previous_id\n1.1,unchanged,1.1\n";
    let (content_type, body) = multipart(
        &[("csrf_token", &csrf), ("catalogue", "importer"), ("version", "2027-1"), ("effective_from", &effective)],
        &[("file", "importer-2027.csv", &good), ("mapping", "mapping.csv", mapping)],
    );
    let published = director.request(Method::POST, "/criteria/publish", Some(&content_type), body).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    assert_eq!(published.location(), Some("/criteria/importer?version=2027-1"));
    let page = director.get("/criteria/importer?version=2027-1").await;
    assert!(page.body.contains("Replaces</dt><dd>version 2019-11"), "{}", page.body);
    assert!(page.body.contains(">unchanged<") && page.body.contains(">new<"), "{}", page.body);
    let (content_type, body) = multipart(&[("catalogue", "importer"), ("version", "2027-2")], &[]);
    let forged = director.request(Method::POST, "/criteria/publish", Some(&content_type), body).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST, "an upload without its CSRF token is refused");
}

#[tokio::test]
async fn the_api_lists_shows_and_publishes_catalogue_versions() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("director@cbp.example", tt_domain::TokenScope::ReadWrite).await;
    let api = test_app.api_client(&token);
    let list = api.request(Method::GET, "/api/v1/criteria", None, String::new()).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json().as_array().map(Vec::len), Some(6));
    let eligibility =
        api.request(Method::GET, "/api/v1/criteria/trade-compliance-eligibility", None, String::new()).await;
    assert_eq!(eligibility.json()["criteria"].as_array().map(Vec::len), Some(13));
    let before = api.request(Method::GET, "/api/v1/criteria/importer?on=2022-12-31", None, String::new()).await;
    let social = |body: &serde_json::Value| {
        body["criteria"]
            .as_array()
            .and_then(|criteria| criteria.iter().find(|criterion| criterion["id"] == "3.9"))
            .map(|criterion| criterion["requirement"].clone())
    };
    assert_eq!(social(&before.json()), Some(json!("should")));
    let effective = (test_app.app.clock.now().date() + time::Duration::days(30)).to_string();
    let published = api
        .send_json(
            Method::POST,
            "/api/v1/criteria/best-practice-elements",
            &json!({
                "version": "2027-1",
                "effective_from": effective,
                "catalogue_csv": format!("{HEADER}bp1,Best practices,1,Framework,must,,Senior-management support,\n"),
            }),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(published.json()["previous_version"], "2019-11");
    assert_eq!(published.json()["retired"], json!(["bp2", "bp3", "bp4", "bp5"]));
    let unknown = api.request(Method::GET, "/api/v1/criteria/pirates", None, String::new()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
