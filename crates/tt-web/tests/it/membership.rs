//! The membership pages and API: forms for the steps a role may take now, the rules' refusals
//! shown on the form, derived dates with how they were computed, and the work queue.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_domain::AccountNumber;
use tt_testkit::TestApp;

async fn importer_id(test_app: &TestApp) -> String {
    test_app
        .app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id
        .to_string()
}

#[tokio::test]
async fn an_officer_applies_through_the_page_and_the_specialist_finds_it_in_the_queue() {
    let test_app = TestApp::with_demo().await;
    let account = importer_id(&test_app).await;
    let page_path = format!("/accounts/{account}/membership");
    let steps_path = format!("/accounts/{account}/membership/steps");
    let officer = test_app.client();
    officer.sign_in("officer@greatlakes.example").await;
    let page = officer.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Create the company profile"), "the first step is offered");
    assert!(!page.body.contains("Certify Tier I"), "a member is not offered staff steps");
    let created = officer.post_form_with_csrf(&steps_path, &[("step", "company_profile_created")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let submitted = officer
        .post_form_with_csrf(&steps_path, &[("step", "application_submitted"), ("document_version", "agreement-2024")])
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
    let page = officer.get(&page_path).await;
    assert!(page.body.contains("Applicant (specialist review)"), "{}", page.body);
    assert!(page.body.contains("days after the application of"), "the target says how it was computed");
    assert!(page.body.contains("document version agreement-2024"));

    let specialist = test_app.client();
    specialist.sign_in("scss@cbp.example").await;
    let work = specialist.get("/work").await;
    assert_eq!(work.status, StatusCode::OK);
    assert!(work.body.contains("Tier I certification target") && work.body.contains("DEMO-IMP-001"), "{}", work.body);
    let refused = specialist.post_form_with_csrf(&steps_path, &[("step", "certified_tier_one")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "a specialist does not certify");
    let early = specialist
        .post_form_with_csrf(&steps_path, &[("step", "vetting_recorded"), ("block", "dice"), ("notes", "clean")])
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("vetting starts once the profile is approved"), "{}", early.body);
    assert!(early.body.contains("href=\"#vetting_recorded-step\""), "the summary links to the form");
    let approved = specialist.post_form_with_csrf(&steps_path, &[("step", "profile_approved")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = specialist.get(&page_path).await;
    assert!(page.body.contains("Vetting checklist") && page.body.contains("Not recorded"));
    assert!(page.body.contains("Record a vetting block"));
}

#[tokio::test]
async fn the_api_records_steps_as_json_and_refuses_broken_rules_with_422() {
    let test_app = TestApp::with_demo().await;
    let account = importer_id(&test_app).await;
    let officer_token = test_app.token_for("officer@greatlakes.example", tt_domain::TokenScope::ReadWrite).await;
    let officer = test_app.api_client(&officer_token);
    let path = format!("/api/v1/accounts/{account}/membership/steps");
    let created = officer.send_json(Method::POST, &path, &json!({"step": "company_profile_created"})).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.json()["security_state"], "pre_applicant");
    let ineligible = officer
        .send_json(
            Method::POST,
            &path,
            &json!({"step": "eligibility_checked", "answers": vec![true; 13], "importing_since": "2010-01-01", "cbp_debt": false}),
        )
        .await;
    assert_eq!(ineligible.status, StatusCode::OK, "the check is recorded even when it fails: {}", ineligible.body);
    let failures = ineligible.json()["eligibility_failures"].clone();
    assert_eq!(failures[0], "CTPAT security must be Tier II or III in good standing; it is Pre-applicant");
    let broken = officer.send_json(Method::POST, &path, &json!({"step": "trade_compliance_submitted"})).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(broken.json()["errors"][0]["field"], "step");
    let bad_date =
        officer.send_json(Method::POST, &path, &json!({"step": "withdrawn", "effective_date": "2026-02-30"})).await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_date.json()["errors"][0]["field"], "effective_date");
    let unknown = officer.send_json(Method::POST, &path, &json!({"step": "promoted_to_tier_nine"})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let read =
        officer.request(Method::GET, &format!("/api/v1/accounts/{account}/membership"), None, String::new()).await;
    assert_eq!(read.status, StatusCode::OK);
    let timeline = read.json()["timeline"].clone();
    assert_eq!(timeline.as_array().map(Vec::len), Some(2));
    assert_eq!(timeline[1]["kind"], "eligibility_checked");
    let work = officer.request(Method::GET, "/api/v1/work", None, String::new()).await;
    assert_eq!(work.status, StatusCode::OK);
    let owed = work.json();
    assert_eq!(owed.as_array().map(Vec::len), Some(1), "{owed}");
    assert_eq!(owed[0]["key"], "security_profile_due", "a pre-applicant owes its security profile");
    assert_eq!(owed[0]["days_left"], 30);
}

#[tokio::test]
async fn a_company_signs_up_and_its_officer_lands_on_its_membership_as_a_pre_applicant() {
    let test_app = TestApp::with_demo().await;
    let visitor = test_app.client();
    let form = visitor.get("/signup").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf_token().expect("form token");
    let fields = |email: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("legal_name", "Prairie Housewares LLC".to_owned()),
            ("business_type", "importer".to_owned()),
            ("address_line1", "1 Elm St".to_owned()),
            ("city", "Omaha".to_owned()),
            ("country", "US".to_owned()),
            ("name", "Pia Officer".to_owned()),
            ("email", email.to_owned()),
            ("password", "Prairie-Passphrase-9".to_owned()),
            ("password_confirmation", "Prairie-Passphrase-9".to_owned()),
        ]
    };
    let taken: Vec<(&str, String)> = fields("officer@greatlakes.example");
    let refused = visitor
        .post_form("/signup", &taken.iter().map(|(name, value)| (*name, value.as_str())).collect::<Vec<_>>())
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("a user with this e-mail address already exists"), "{}", refused.body);
    assert!(refused.body.contains("value=\"Prairie Housewares LLC\""), "the form keeps what was typed");
    let fresh: Vec<(&str, String)> = fields("pia@prairie.example");
    let created = visitor
        .post_form("/signup", &fresh.iter().map(|(name, value)| (*name, value.as_str())).collect::<Vec<_>>())
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let target = created.location().expect("redirect").to_owned();
    assert!(target.ends_with("/membership"), "{target}");
    let page = visitor.get(&target).await;
    assert_eq!(page.status, StatusCode::OK, "the officer is signed in");
    assert!(page.body.contains("Prairie Housewares LLC") && page.body.contains("Pre-applicant"), "{}", page.body);
    assert!(page.body.contains("Submit the security profile and sign the partner agreement"));
    assert!(page.body.contains("Recorded by pia@prairie.example"), "the first step is the officer's own");
}
