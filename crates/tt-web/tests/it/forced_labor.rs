//! Forced labor: a watch list loaded from its file, a member's supply-chain map screened against
//! it, a hit reviewed by CBP, and the risk the member's map shows.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_domain::TokenScope;
use tt_testkit::TestApp;

const ENTITY_LIST: &str = "entity,country,manufacturer_id,commodity,effective_from,effective_to
Xinjiang Example Textile Co. Ltd.,CN,,cotton,2023-06-09,
Revoked Example Co.,CN,,polysilicon,2023-01-01,2024-01-01
";

#[tokio::test]
async fn a_mapped_supplier_on_a_watch_list_is_a_hit_that_cbp_reviews_and_the_members_risk_follows() {
    let test_app = TestApp::with_demo().await;
    let analyst = test_app.api_client(&test_app.token_for("tc.analyst@cbp.example", TokenScope::ReadWrite).await);
    let loaded = analyst
        .request(
            Method::POST,
            "/api/v1/watch-lists/entity_list?file_name=uflpa.csv",
            Some("text/csv"),
            ENTITY_LIST.to_owned(),
        )
        .await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.body);
    assert_eq!(loaded.json()["imported"], 2);
    let broken = analyst
        .request(
            Method::POST,
            "/api/v1/watch-lists/wro?file_name=wro.csv",
            Some("text/csv"),
            "entity,country,manufacturer_id,commodity,effective_from,effective_to\nSomeone,China,,,2024-01-01,\n"
                .to_owned(),
        )
        .await
        .json();
    assert_eq!(broken["imported"], 0);
    assert_eq!(broken["rejected"][0]["field"], "country");
    assert_eq!(broken["rejected"][0]["row"], 2);

    let account = test_app.account_id("DEMO-IMP-001").await;
    let officer = test_app.api_client(&test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await);
    let map = format!("/api/v1/accounts/{account}/supply-chain");
    assert_eq!(officer.get(&map).await.json()["risk"]["level"], "unknown", "nothing mapped yet");
    for supplier in [
        json!({"tier": "1", "name": "Guangzhou Home Goods Ltd", "country": "CN", "commodity": "towels"}),
        json!({"tier": "2", "name": "XINJIANG EXAMPLE TEXTILE LIMITED", "country": "cn", "commodity": "cotton yarn"}),
        json!({"tier": "2", "name": "Revoked Example Co", "country": "CN", "commodity": "polysilicon"}),
    ] {
        let added = officer.send_json(Method::POST, &map, &supplier).await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    let refused = officer.send_json(Method::POST, &map, &json!({"tier": "0", "name": "", "country": "China"})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(["tier", "name", "country"].iter().all(|field| refused.body.contains(field)), "{}", refused.body);
    let screened = officer.get(&map).await.json();
    assert_eq!(screened["risk"]["level"], "under review", "{screened}");
    assert_eq!(screened["risk"]["open_hits"], 1, "the revoked entry is not in force: {screened}");

    assert_eq!(officer.get("/api/v1/screening-hits").await.status, StatusCode::FORBIDDEN, "CBP reviews");
    let specialist = test_app.api_client(&test_app.token_for("scss@cbp.example", TokenScope::ReadWrite).await);
    let hits = specialist.get("/api/v1/screening-hits").await.json();
    let hit = &hits[0];
    assert_eq!(
        (hit["supplier"].as_str(), hit["review"].as_str()),
        (Some("XINJIANG EXAMPLE TEXTILE LIMITED"), Some("open"))
    );
    let reviewed = specialist
        .send_json(
            Method::POST,
            "/api/v1/screening-hits/review",
            &json!({"supplier_id": hit["supplier_id"], "entry_key": hit["entry_key"], "decision": "confirmed",
                    "note": "The same spinning mill in Aksu"}),
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    let after_review = officer.get(&map).await.json();
    assert_eq!(after_review["risk"]["level"], "high");
    let reviewed_hit = &after_review["suppliers"][1]["hits"][0];
    assert_eq!(reviewed_hit["review"], "confirmed");
    assert!(reviewed_hit["review_note"].is_null(), "CBP's note is not the member's to read: {reviewed_hit}");

    let liaison = test_app.api_client(&test_app.token_for("pga@fda.example", TokenScope::Read).await);
    assert_eq!(liaison.get(&map).await.status, StatusCode::FORBIDDEN, "not shared with partner agencies");
    let page = test_app.client();
    page.sign_in("officer@greatlakes.example").await;
    let shown = page.get(&format!("/accounts/{account}/supply-chain")).await.body;
    assert!(shown.contains("Risk: <strong>high</strong>"), "{shown}");
    let profile = page.get(&format!("/accounts/{account}/security-profile")).await.body;
    assert!(profile.contains("<dt>Forced-labor risk</dt><dd>high"), "the risk assessment takes it in: {profile}");
}

#[tokio::test]
async fn an_allegation_is_taken_in_and_followed_up_to_a_finding_by_cbp_only() {
    let test_app = TestApp::with_demo().await;
    let specialist = test_app.api_client(&test_app.token_for("scss@cbp.example", TokenScope::ReadWrite).await);
    let taken = specialist
        .send_json(
            Method::POST,
            "/api/v1/allegations",
            &json!({"account_number": "DEMO-IMP-001", "subject": "Aksu spinning mill", "country": "CN",
                    "source": "NGO report", "description": "Workers transferred under a labor program",
                    "received_on": "2026-11-01"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.body);
    let allegation = taken.json();
    assert_eq!(
        (allegation["state"].as_str(), allegation["account_number"].as_str()),
        (Some("open"), Some("DEMO-IMP-001"))
    );
    let id = allegation["id"].as_str().expect("id");
    let followed = specialist
        .send_json(
            Method::POST,
            &format!("/api/v1/allegations/{id}"),
            &json!({"state": "substantiated", "note": "Confirmed by the audit of the mill"}),
        )
        .await
        .json();
    assert_eq!(followed["state"], "substantiated");
    assert_eq!(followed["history"].as_array().expect("history").len(), 2);
    let refused = specialist
        .send_json(
            Method::POST,
            "/api/v1/allegations",
            &json!({"subject": "", "country": "China", "source": "tip",
                                                                  "description": "x", "received_on": "yesterday"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(["subject", "country", "received_on"].iter().all(|field| refused.body.contains(field)), "{}", refused.body);
    let member = test_app.api_client(&test_app.token_for("officer@greatlakes.example", TokenScope::Read).await);
    assert_eq!(member.get("/api/v1/allegations").await.status, StatusCode::FORBIDDEN, "members never see them");
}

#[tokio::test]
async fn a_member_evidences_a_forced_labor_requirement_and_trade_compliance_staff_accept_it() {
    let test_app = TestApp::with_demo().await;
    let account = test_app.account_id("DEMO-IMP-001").await;
    let path = format!("/accounts/{account}/supply-chain");
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let before = member.get(&path).await.body;
    assert!(before.contains("Code of conduct against forced labor, published (TC-FL-2)</th><td>missing"), "{before}");
    let csrf = member.session_csrf_token().await;
    let boundary = "tt-requirement-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"requirement\"\r\n\r\nTC-FL-2\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nPublished on our website\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"code-of-conduct.txt\"\r\nContent-Type: text/plain\r\n\r\nWe do not use forced labor.\r\n--{boundary}--\r\n"
    );
    let submitted = member
        .request(
            Method::POST,
            &format!("/accounts/{account}/forced-labor-evidence"),
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
    let page = member.get(&path).await.body;
    assert!(page.contains("(TC-FL-2)</th><td>submitted"), "{page}");
    let start = page.find(&format!("/accounts/{account}/forced-labor-evidence/")).expect("a download link");
    let link: String = page[start..].chars().take_while(|character| *character != '"').collect();
    let download = member.get(&link).await;
    assert_eq!((download.status, download.body.as_str()), (StatusCode::OK, "We do not use forced labor."));

    let nam = test_app.client();
    nam.sign_in("nam@cbp.example").await;
    let review = format!("/accounts/{account}/forced-labor-evidence/review");
    let without_note = nam.post_form_with_csrf(&review, &[("requirement", "TC-FL-2"), ("decision", "accepted")]).await;
    assert_eq!(without_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    let accepted = nam
        .post_form_with_csrf(
            &review,
            &[("requirement", "TC-FL-2"), ("decision", "accepted"), ("note", "Public and current")],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert!(member.get(&path).await.body.contains("(TC-FL-2)</th><td>accepted"));
    let nothing_to_review =
        nam.post_form_with_csrf(&review, &[("requirement", "TC-FL-3"), ("decision", "accepted"), ("note", "x")]).await;
    assert_eq!(nothing_to_review.status, StatusCode::UNPROCESSABLE_ENTITY, "TC-FL-3 has no evidence yet");
}
