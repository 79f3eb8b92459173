//! Status credentials: a member's officer issues one, a partner checks it online (page and API)
//! and offline with an independent Ed25519 implementation; revocation, a change of status and
//! an altered byte all stop it verifying.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_domain::TokenScope;
use tt_testkit::TestApp;

/// The demo importer, Tier II in Trade Compliance, and the id of its account.
async fn certified_member() -> (TestApp, String) {
    let test_app = TestApp::with_demo().await;
    test_app.import_standing(&[("DEMO-IMP-001", 400, "ctpat", "T2"), ("DEMO-IMP-001", 300, "tc", "ON")]).await;
    let account = test_app.account_id("DEMO-IMP-001").await;
    (test_app, account.to_string())
}

/// Issues a credential as the company officer through the API; returns it as JSON.
async fn issue(test_app: &TestApp, account: &str, issued_to: &str) -> serde_json::Value {
    let token = test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await;
    let response = test_app
        .api_client(&token)
        .send_json(
            Method::POST,
            &format!("/api/v1/accounts/{account}/status-credentials"),
            &json!({"issued_to": issued_to, "valid_days": 30}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

/// What anyone, without signing in, learns about a credential's text from the public API.
async fn verify(test_app: &TestApp, text: &str) -> serde_json::Value {
    let path = format!("/api/v1/status-credentials/verify?credential={}", percent(text));
    let response = test_app.client().get(&path).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_partner_verifies_a_members_credential_online_until_the_member_revokes_it() {
    let (test_app, account) = certified_member().await;
    let issued = issue(&test_app, &account, "Harbor Forwarding LLC").await;
    assert_eq!(issued["state"], "valid");
    let text = issued["credential"].as_str().expect("credential text");

    let checked = verify(&test_app, text).await;
    assert_eq!(checked["outcome"], "valid", "{checked}");
    assert_eq!(checked["claims"]["ctpat_tier"], "Tier II");
    assert_eq!(checked["claims"]["trade_compliance"], true);
    assert_eq!(checked["claims"]["issued_to"], "Harbor Forwarding LLC");
    let page = test_app.client().get(&format!("/verify?credential={}", percent(text))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h2 id=\"result-heading\">Valid</h2>"), "{}", page.body);

    let officer = test_app.client();
    officer.sign_in("officer@greatlakes.example").await;
    let document = officer.get(&format!("/credentials/{}", issued["id"].as_str().expect("id"))).await;
    assert_eq!(document.status, StatusCode::OK);
    assert!(document.body.contains("<svg") && document.body.contains("QR code of this credential"), "a QR code");
    assert!(document.body.contains(&format!("/verify?credential={text}")), "and the address it holds");

    let revoked = officer
        .post_form_with_csrf(
            &format!("/credentials/{}/revoke", issued["id"].as_str().expect("id")),
            &[("reason", "the contract ended")],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    assert_eq!(verify(&test_app, text).await["outcome"], "revoked");
    let list = officer.get(&format!("/accounts/{account}/credentials")).await;
    assert!(list.body.contains("Revoked: the contract ended"), "{}", list.body);
    let director = test_app.token_for("director@cbp.example", TokenScope::Read).await;
    let audit = test_app.api_client(&director).get("/api/v1/audit?action=credential.").await.json();
    let actions: Vec<&str> =
        audit.as_array().expect("records").iter().filter_map(|record| record["action"].as_str()).collect();
    assert_eq!(actions.len(), 2, "issued and revoked, each in the audit trail: {audit}");
    assert!(actions.contains(&"credential.issue") && actions.contains(&"credential.revoke"), "{actions:?}");
}

#[tokio::test]
async fn a_credential_stops_verifying_at_once_when_the_companys_history_shows_it_no_longer_certified() {
    let (test_app, account) = certified_member().await;
    let issued = issue(&test_app, &account, "Lakeside Carriers").await;
    let text = issued["credential"].as_str().expect("credential text");
    assert_eq!(verify(&test_app, text).await["outcome"], "valid");
    test_app.import_standing(&[("DEMO-IMP-001", 0, "ctpat", "NONE")]).await;
    let checked = verify(&test_app, text).await;
    assert_eq!(checked["outcome"], "status_changed", "{checked}");
    assert!(checked["explanation"].as_str().is_some_and(|text| text.contains("no longer certified")));
}

#[tokio::test]
async fn a_credential_with_one_byte_changed_is_not_genuine_and_reveals_nothing() {
    let (test_app, account) = certified_member().await;
    let issued = issue(&test_app, &account, "Harbor Forwarding LLC").await;
    let text = issued["credential"].as_str().expect("credential text");
    let (payload, signature) = text.split_once('.').expect("two parts");
    // The partner's name changed in the claims, the signature kept.
    let claims = String::from_utf8(base64_decode(payload)).expect("json");
    let altered = format!("{}.{signature}", base64_encode(claims.replace("Harbor", "Harbur").as_bytes()));
    let checked = verify(&test_app, &altered).await;
    assert_eq!(checked["outcome"], "not_genuine");
    assert!(checked["claims"].is_null(), "nothing of the member is told");
    let garbage = test_app.client().get("/api/v1/status-credentials/verify?credential=DEMO-IMP-001").await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbage.body.contains("credential"), "{}", garbage.body);
}

#[tokio::test]
async fn checks_are_limited_per_network_address() {
    let settings = tt_app::AppSettings { status_verifications_per_address: 2, ..tt_app::AppSettings::default() };
    let test_app = TestApp::with_settings(settings).await;
    let path = "/api/v1/status-credentials/verify?credential=x.y";
    for _ in 0..2 {
        assert_eq!(test_app.client().get(path).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let refused = test_app.client().get(path).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
}

#[tokio::test]
async fn only_the_companys_officer_issues_and_a_company_not_certified_cannot() {
    let (test_app, account) = certified_member().await;
    let employee = test_app.token_for("employee@greatlakes.example", TokenScope::ReadWrite).await;
    let path = format!("/api/v1/accounts/{account}/status-credentials");
    let refused = test_app.api_client(&employee).send_json(Method::POST, &path, &json!({"issued_to": "Harbor"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    test_app.import_standing(&[("DEMO-IMP-001", 0, "ctpat", "NONE")]).await;
    let officer = test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await;
    let conflict = test_app.api_client(&officer).send_json(Method::POST, &path, &json!({"issued_to": "Harbor"})).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert!(conflict.body.contains("only a certified partner"), "{}", conflict.body);
}

/// An independent implementation: Python's `cryptography` package, as a partner would use.
#[tokio::test]
async fn an_independent_ed25519_implementation_verifies_the_credential_and_refuses_it_after_one_byte_changes() {
    let python_has_cryptography = std::process::Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|status| status.success());
    if !python_has_cryptography {
        assert!(
            std::env::var("CI").is_err(),
            "python3 with the cryptography package is required under CI (.ci/run installs it)"
        );
        eprintln!("skipping the offline verification: install python3 and its cryptography package to run it");
        return;
    }
    let (test_app, account) = certified_member().await;
    let issued = issue(&test_app, &account, "Harbor Forwarding LLC").await;
    let text = issued["credential"].as_str().expect("credential text").to_owned();
    let key = test_app.client().get("/api/v1/status-credentials/public-key").await.json();
    let key = key["public_key"].as_str().expect("public key").to_owned();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/verify_status_credential.py");
    let run = |credential: &str| {
        std::process::Command::new("python3").args([script, &key, credential]).output().expect("python3 runs")
    };

    let genuine = run(&text);
    assert_eq!(genuine.status.code(), Some(0), "{}", String::from_utf8_lossy(&genuine.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&genuine.stdout).expect("the claims as JSON");
    assert_eq!(printed["issued_to"], "Harbor Forwarding LLC");
    let from_the_address = run(issued["verification_url"].as_str().expect("address"));
    assert_eq!(from_the_address.status.code(), Some(0), "the QR code's address works as well");

    // One byte changed, in the signature and then in the claims (the partner's name).
    let (payload, signature) = text.split_once('.').expect("two parts");
    let mut signature_bytes = base64_decode(signature);
    signature_bytes[10] ^= 0x01;
    let claims = String::from_utf8(base64_decode(payload)).expect("json");
    for altered in [
        format!("{payload}.{}", base64_encode(&signature_bytes)),
        format!("{}.{signature}", base64_encode(claims.replace("Harbor", "Harbur").as_bytes())),
    ] {
        let refused = run(&altered);
        assert_eq!(refused.status.code(), Some(1), "not genuine: {}", String::from_utf8_lossy(&refused.stderr));
        assert_eq!(verify(&test_app, &altered).await["outcome"], "not_genuine", "and the program agrees");
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
