//! Pages as a person uses them: signing in and out, the role-aware home page, forms, the audit
//! trail, and the operational endpoints.

use axum::http::StatusCode;
use tt_testkit::TestApp;

#[tokio::test]
async fn the_sign_in_page_is_accessible_markup() {
    let test_app = TestApp::new().await;
    let page = test_app.client().get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = page.csrf_token().expect("token");
    let html = page.body.replace(&token, "[csrf token]");
    insta::assert_snapshot!("sign_in_page", html);
}

#[tokio::test]
async fn staff_see_their_work_and_members_see_their_company() {
    let test_app = TestApp::with_demo().await;
    let staff = test_app.client();
    staff.sign_in("scss@cbp.example").await;
    let home = staff.get("/").await;
    assert!(home.body.contains("My work"));
    assert!(home.body.contains("Applications to review"));
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let home = member.get("/").await;
    assert!(home.body.contains("My company"));
    assert!(home.body.contains("Great Lakes Home Goods, Inc."));
    assert!(!home.body.contains("Harbor Customs"));
}

#[tokio::test]
async fn a_director_registers_an_account_through_the_form() {
    let test_app = TestApp::with_demo().await;
    let client = test_app.client();
    client.sign_in("director@cbp.example").await;
    assert_eq!(client.get("/accounts/new").await.status, StatusCode::OK);
    let response = client
        .post_form_with_csrf(
            "/accounts",
            &[
                ("account_number", "web-1"),
                ("legal_name", "Form Filled LLC"),
                ("business_type", "third_party_logistics"),
                ("ior_numbers", "11-2223333-00\n44-5556666-00"),
                ("scacs", "ABCD"),
                ("country", ""),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let page = client.get(response.location().expect("location")).await;
    assert!(page.body.contains("Form Filled LLC"));
    assert!(page.body.contains("WEB-1"));
    assert!(page.body.contains("11222333300, 44555666600"));
    let audit = client.get("/admin/audit?action=account.create").await;
    assert!(audit.body.contains("director@cbp.example"));
}

#[tokio::test]
async fn agency_staff_are_led_through_two_factor_enrolment_at_first_sign_in() {
    let test_app = TestApp::with_demo().await;
    let system = tt_app::Actor::system("test");
    let input = tt_app::users::UserInput {
        email: "fresh.nam@cbp.example".to_owned(),
        name: "Fresh Manager".to_owned(),
        role: "nam".to_owned(),
        account_number: None,
        password: Some(tt_app::demo::DEMO_PASSWORD.to_owned()),
    };
    test_app.app.create_user(&system, &input).await.expect("create");
    let client = test_app.client();
    let response = client.submit_sign_in("fresh.nam@cbp.example", tt_app::demo::DEMO_PASSWORD).await;
    assert_eq!(response.location(), Some("/profile/two-factor"));
    // Until enrolled, other pages send the user back to enrolment.
    assert_eq!(client.get("/accounts").await.location(), Some("/profile/two-factor"));
    client.sign_in("fresh.nam@cbp.example").await;
    assert_eq!(client.get("/accounts").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_created_on_the_profile_page_works_on_the_api_and_can_be_revoked() {
    let test_app = TestApp::with_demo().await;
    let client = test_app.client();
    client.sign_in("employee@greatlakes.example").await;
    let page = client
        .post_form_with_csrf("/profile/tokens", &[("name", "laptop"), ("scope", "read"), ("expires_in_days", "30")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.body.find("id=\"new-token\">").expect("token shown") + "id=\"new-token\">".len();
    let token = &page.body[start..start + page.body[start..].find('<').expect("end")];
    let api = test_app.api_client(token);
    assert_eq!(api.get("/api/v1/me").await.json()["email"], "employee@greatlakes.example");
    let tokens = api.get("/api/v1/tokens").await.json();
    let id = tokens[0]["id"].as_str().expect("id").to_owned();
    let revoked = client.post_form_with_csrf(&format!("/profile/tokens/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_audit_trail_downloads_as_csv() {
    let test_app = TestApp::with_demo().await;
    let client = test_app.client();
    client.sign_in("audit@cbp.example").await;
    let csv = client.get("/admin/audit.csv?action=user.create").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().expect("type").starts_with("text/csv"));
    assert_eq!(csv.body.lines().count(), 1 + 16, "a header and one line per demo user");
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let test_app = TestApp::new().await;
    let client = test_app.client();
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(client.get("/readyz").await.body, "ready\n");
    let login = client.get("/login").await;
    assert!(login.headers.contains_key("x-request-id"));
    let metrics = client.get("/metrics").await.body;
    assert!(metrics.contains("http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 1"), "{metrics}");
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let test_app = TestApp::new().await;
    match &test_app.database {
        tt_testkit::TestDatabase::Sqlite(store) => store.pool().close().await,
        tt_testkit::TestDatabase::Postgres(store) => store.pool().close().await,
    }
    assert_eq!(test_app.client().get("/readyz").await.status, StatusCode::SERVICE_UNAVAILABLE);
}
