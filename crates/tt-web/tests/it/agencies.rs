//! Partner government agencies: per-agency consent decides what a liaison sees, every read of
//! a liaison is audited, the registry's matrix reaches the annual report, and a liaison's agency
//! is set by the director.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_domain::{EmailAddress, TokenScope};
use tt_testkit::TestApp;

async fn account_id(test_app: &TestApp, number: &str) -> String {
    test_app.account_id(number).await.to_string()
}

/// What the liaison's API lists: the account numbers it sees.
async fn seen_by_liaison(test_app: &TestApp) -> Vec<String> {
    let token = test_app.token_for("pga@fda.example", TokenScope::Read).await;
    let accounts = test_app.api_client(&token).get("/api/v1/accounts").await.json();
    accounts
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|account| account["account_number"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_liaison_sees_a_member_only_while_it_consents_to_the_liaisons_agency_and_each_read_is_audited() {
    let test_app = TestApp::with_demo().await;
    let pacific = account_id(&test_app, "DEMO-IMP-005").await;
    assert!(!seen_by_liaison(&test_app).await.contains(&"DEMO-IMP-005".to_owned()), "no consent yet");
    let officer =
        test_app.api_client(&test_app.token_for("officer@pacificapparel.example", TokenScope::ReadWrite).await);
    let consents = format!("/api/v1/accounts/{pacific}/agency-consents");

    let to_cpsc = officer.send_json(Method::PUT, &consents, &json!({"agency_code": "CPSC", "granted": true})).await;
    assert_eq!(to_cpsc.status, StatusCode::OK, "{}", to_cpsc.body);
    assert!(!seen_by_liaison(&test_app).await.contains(&"DEMO-IMP-005".to_owned()), "the FDA liaison: not the CPSC");

    let to_fda = officer.send_json(Method::PUT, &consents, &json!({"agency_code": "FDA", "granted": true})).await;
    assert_eq!(to_fda.status, StatusCode::OK);
    assert!(seen_by_liaison(&test_app).await.contains(&"DEMO-IMP-005".to_owned()), "consent to the FDA");
    let liaison = test_app.api_client(&test_app.token_for("pga@fda.example", TokenScope::Read).await);
    assert_eq!(liaison.get(&format!("/api/v1/accounts/{pacific}")).await.status, StatusCode::OK);
    let director = test_app.api_client(&test_app.token_for("director@cbp.example", TokenScope::Read).await);
    let reads = director.get(&format!("/api/v1/audit?action=account.read&object_id={pacific}")).await.json();
    assert!(
        reads.as_array().expect("records").iter().any(|record| record["actor"] == "pga@fda.example"),
        "the liaison's read is in the audit trail: {reads}"
    );
    assert_eq!(
        liaison.send_json(Method::PUT, &consents, &json!({"agency_code": "FDA", "granted": false})).await.status,
        StatusCode::FORBIDDEN,
        "read-only"
    );

    let withdrawn = officer.send_json(Method::PUT, &consents, &json!({"agency_code": "FDA", "granted": false})).await;
    assert_eq!(withdrawn.status, StatusCode::OK);
    assert!(!seen_by_liaison(&test_app).await.contains(&"DEMO-IMP-005".to_owned()), "withdrawn");
    assert_eq!(liaison.get(&format!("/api/v1/accounts/{pacific}")).await.status, StatusCode::FORBIDDEN);
    let unknown = officer.send_json(Method::PUT, &consents, &json!({"agency_code": "NASA", "granted": true})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("agency"), "{}", unknown.body);
}

#[tokio::test]
async fn the_registry_shows_what_each_agency_recognizes_and_the_annual_report_carries_the_matrix() {
    let test_app = TestApp::with_demo().await;
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let page = member.get("/agencies").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Food and Drug Administration (FDA)"), "{}", page.body);
    assert!(page.body.contains("Reduced FDA targeting"), "the recognized benefit by name");
    let director = test_app.api_client(&test_app.token_for("director@cbp.example", TokenScope::Read).await);
    let today = test_app.app.clock.now().date();
    let year = if u8::from(today.month()) >= 10 { today.year() + 1 } else { today.year() };
    let report = director.get(&format!("/api/v1/reports/annual?fiscal_year={year}")).await.json();
    let rows = report["partner_agencies"].as_array().expect("the matrix");
    let fda = rows.iter().find(|row| row["agency"] == "Food and Drug Administration (FDA)").expect("FDA");
    assert_eq!(fda["recognizes"], "Reduced FDA targeting");
    assert_eq!(rows.len(), 9, "every agency of the registry");
}

#[tokio::test]
async fn the_director_sets_a_liaisons_agency_and_only_a_liaison_has_one() {
    let test_app = TestApp::with_demo().await;
    let store = &test_app.app.store;
    let liaison = store
        .find_user_by_email(&EmailAddress::parse("pga@fda.example").expect("email"))
        .await
        .expect("find")
        .expect("liaison");
    let officer = store
        .find_user_by_email(&EmailAddress::parse("officer@greatlakes.example").expect("email"))
        .await
        .expect("find")
        .expect("officer");
    let director = test_app.api_client(&test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await);
    let set = |id: String, code: &'static str| {
        let director = &director;
        async move {
            director.send_json(Method::PUT, &format!("/api/v1/users/{id}/agency"), &json!({"agency_code": code})).await
        }
    };
    assert_eq!(set(liaison.id.to_string(), "CPSC").await.status, StatusCode::NO_CONTENT);
    assert_eq!(set(officer.id.to_string(), "CPSC").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(set(liaison.id.to_string(), "NASA").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Great Lakes consents to every agency; Maple Leaf too; now a CPSC grant decides for Pacific.
    let pacific = account_id(&test_app, "DEMO-IMP-005").await;
    let officer =
        test_app.api_client(&test_app.token_for("officer@pacificapparel.example", TokenScope::ReadWrite).await);
    let consents = format!("/api/v1/accounts/{pacific}/agency-consents");
    officer.send_json(Method::PUT, &consents, &json!({"agency_code": "CPSC", "granted": true})).await;
    assert!(
        seen_by_liaison(&test_app).await.contains(&"DEMO-IMP-005".to_owned()),
        "the liaison now works for the CPSC"
    );
}

#[tokio::test]
async fn the_engagement_plan_tracks_each_action_with_its_owner_due_date_state_and_history() {
    let test_app = TestApp::with_demo().await;
    let director = test_app.api_client(&test_app.token_for("director@cbp.example", TokenScope::ReadWrite).await);
    let yesterday = test_app.app.clock.now().date() - time::Duration::days(1);
    let added = director
        .send_json(
            Method::POST,
            "/api/v1/agency-actions",
            &json!({"agency_code": "CPSC", "action": "Pilot a shared trusted-trader benefit with the CPSC",
                    "owner_email": "scss@cbp.example", "due": yesterday.to_string(), "note": "From the 2016 COAC advice"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let action = added.json();
    assert_eq!((action["state"].as_str(), action["overdue"].as_bool()), (Some("planned"), Some(true)));
    assert_eq!(action["owner"], "Sam Specialist");

    let analyst = test_app.api_client(&test_app.token_for("tc.analyst@cbp.example", TokenScope::ReadWrite).await);
    let id = action["id"].as_str().expect("id");
    let updated = analyst
        .send_json(Method::POST, &format!("/api/v1/agency-actions/{id}"), &json!({"state": "done", "note": "Agreed"}))
        .await
        .json();
    assert_eq!((updated["state"].as_str(), updated["overdue"].as_bool()), (Some("done"), Some(false)));
    assert_eq!(updated["history"].as_array().expect("history").len(), 2, "both events kept: {updated}");

    let liaison = test_app.api_client(&test_app.token_for("pga@fda.example", TokenScope::Read).await);
    assert_eq!(liaison.get("/api/v1/agency-actions").await.json().as_array().expect("plan").len(), 1);
    let member = test_app.api_client(&test_app.token_for("officer@greatlakes.example", TokenScope::Read).await);
    assert_eq!(member.get("/api/v1/agency-actions").await.status, StatusCode::FORBIDDEN);
    let refused = director
        .send_json(
            Method::POST,
            "/api/v1/agency-actions",
            &json!({"agency_code": "FDA", "action": "Meet", "owner_email": "officer@greatlakes.example", "due": "2026-13-01"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("owner_email") && refused.body.contains("due"), "{}", refused.body);
    let page = test_app.client();
    page.sign_in("director@cbp.example").await;
    let plan = page.get("/agencies").await.body;
    assert!(plan.contains("Pilot a shared trusted-trader benefit with the CPSC"), "{plan}");
}
