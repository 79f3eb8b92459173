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

/// Enrols DEMO-IMP-001 in Defender with broker B01 and ingests its history: 25 entries at
/// port 2704 from China, then one through an unauthorized broker at a new port.
async fn defender_history(test_app: &TestApp) {
    use std::fmt::Write as _;
    let actor = tt_app::Actor::system("test");
    let folder = std::env::temp_dir().join(format!("tt-web-defender-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("folder");
    let filers = folder.join("filers.csv");
    std::fs::write(&filers, "account_number,filer_code,authorized_from\nDEMO-IMP-001,B01,2024-01-01\n").expect("write");
    let mut file = tt_app::trade::FeedFile::open(&filers, &[]).expect("open");
    test_app
        .app
        .import_membership(&actor, tt_app::trade::MembershipFile::DefenderFilers, &mut file, "filers.csv")
        .await
        .expect("import");
    let mut entries = String::from(
        "entry_number,line_number,entry_type,importer_number,port_code,entry_date,country_of_origin,hts_number,entered_value_usd\n",
    );
    for day in 1..=25 {
        writeln!(entries, "B01{day:07}0,1,01,36123456700,2704,2025-05-{day:02},CN,8471300100,100").expect("write");
    }
    writeln!(entries, "X99{:07}0,1,01,36123456700,3001,2025-06-01,CN,8471300100,100", 1).expect("write");
    let path = folder.join("entries.csv");
    std::fs::write(&path, entries).expect("write");
    let file = tt_app::trade::FeedFile::open(&path, &[]).expect("open");
    test_app.app.ingest_entries(&actor, file, "entries.csv", None, &mut |_, _| {}).await.expect("ingest");
}

#[tokio::test]
async fn a_member_confirms_and_denies_alerts_and_staff_close_the_case() {
    let test_app = TestApp::with_demo().await;
    defender_history(&test_app).await;
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let page = member.get("/alerts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("X990000001") && page.body.contains("UNAUTHORIZED_FILER") && page.body.contains("NEW_PORT"),
        "{}",
        page.body
    );
    let confirmed = member
        .post_form_with_csrf(
            "/alerts/review",
            &[("entry_number", "X9900000010"), ("code", "NEW_PORT"), ("decision", "confirmed")],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    let denied = member
        .post_form_with_csrf(
            "/alerts/review",
            &[("entry_number", "X9900000010"), ("code", "UNAUTHORIZED_FILER"), ("decision", "denied")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::SEE_OTHER);
    let again = member
        .post_form_with_csrf(
            "/alerts/review",
            &[("entry_number", "X9900000010"), ("code", "UNAUTHORIZED_FILER"), ("decision", "confirmed")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "an alert is answered once");
    let page = member.get("/alerts").await;
    assert!(page.body.contains("Confirmed: this shipment is ours") && page.body.contains("Denied: case opened"));

    let staff = test_app.client();
    staff.sign_in("scss@cbp.example").await;
    let cases = staff.get("/cases").await;
    assert!(cases.body.contains("X9900000010") && cases.body.contains("<strong>Open</strong>"));
    let start = cases.body.find("href=\"/cases/").expect("case link") + "href=\"/cases/".len();
    let id = &cases.body[start..start + 36];
    let case = staff.get(&format!("/cases/{id}")).await;
    assert!(case.body.contains("3001") && case.body.contains("X99"), "the shipment's details are shown");
    let closed = staff
        .post_form_with_csrf(
            &format!("/cases/{id}/outcome"),
            &[("outcome", "Broker X99 used a stolen importer number; referred to enforcement")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    assert!(member.get("/alerts").await.body.contains("referred to enforcement"), "the member sees the outcome");
    let auditor = test_app.client();
    auditor.sign_in("audit@cbp.example").await;
    let trail = auditor.get("/admin/audit?action=defender.").await.body;
    for action in ["defender.alert_confirmed", "defender.alert_denied", "defender.case_closed"] {
        assert!(trail.contains(action), "{action} is audited");
    }
}

#[tokio::test]
async fn members_see_their_kpis_beside_the_baseline_and_staff_see_the_lineage() {
    let test_app = TestApp::with_demo().await;
    defender_history(&test_app).await;
    let member = test_app.client();
    member.sign_in("employee@greatlakes.example").await;
    let page = member.get("/kpis?from=2025-01-01&to=2025-12-31").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Your company, by month")
            && page.body.contains("2025-05")
            && page.body.contains("Non-member baseline")
    );
    let staff = test_app.client();
    staff.sign_in("nam@cbp.example").await;
    let page = staff.get("/kpis?from=2025-01-01&to=2025-12-31").await;
    assert!(
        page.body.contains("By month, tier and Trade Compliance") && page.body.contains("entries.csv"),
        "{}",
        page.body
    );
    let bad = staff.get("/kpis?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_trade_api_serves_kpis_uploads_and_reviews() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("tc.analyst@cbp.example", tt_domain::TokenScope::ReadWrite).await;
    let api = test_app.api_client(&token);
    let csv = "entry_number,line_number,entry_type,importer_number,port_code,entry_date,country_of_origin,hts_number,entered_value_usd\nAB112345678,1,01,36123456700,2704,2025-03-01,CN,8471300100,12.50\nAB1,1,01,1,2704,2025-03-01,CN,8471300100,1\n";
    let report = api
        .request(axum::http::Method::POST, "/api/v1/ingest?file_name=upload.csv", Some("text/csv"), csv.to_owned())
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert_eq!(report.json()["lines_ingested"], 1);
    assert_eq!(report.json()["rejects"][0]["row"], 3);
    let kpis = api.get("/api/v1/kpis?from=2025-01-01&to=2025-12-31&by=month,account").await.json();
    assert_eq!(kpis[0]["account_number"], "DEMO-IMP-001");
    assert_eq!(kpis[0]["entered_value_usd"], "12.50");
    let bad = api.get("/api/v1/kpis?from=2025-13-01&to=2025-12-31").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let member_token = test_app.token_for("officer@greatlakes.example", tt_domain::TokenScope::ReadWrite).await;
    let member = test_app.api_client(&member_token);
    assert_eq!(member.get("/api/v1/alerts").await.json(), serde_json::json!([]));
    let missing = member
        .send_json(
            axum::http::Method::POST,
            "/api/v1/alerts/review",
            &serde_json::json!({"entry_number": "AB112345678", "code": "NEW_PORT", "decision": "maybe"}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
}
