//! Mutual recognition: a partner program's certificate list imported whole or not at all, an
//! operator looked up in each program's latest list, and a member recording it as evidence.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_domain::TokenScope;
use tt_testkit::TestApp;

const EU_LIST: &str = "operator_id,name,country,status,valid_from,valid_to
DE1234567890,Rhein Logistik GmbH,DE,certified,2024-01-01,
FR9876543210,Lyon Textiles SA,FR,suspended,2023-05-01,2027-04-30
";

#[tokio::test]
async fn a_list_is_imported_whole_or_not_at_all_and_an_operator_is_found_in_the_latest_lists() {
    let test_app = TestApp::with_demo().await;
    let analyst = test_app.api_client(&test_app.token_for("tc.analyst@cbp.example", TokenScope::ReadWrite).await);
    let import = |body: &'static str| {
        let analyst = &analyst;
        async move {
            analyst
                .request(
                    Method::POST,
                    "/api/v1/mutual-recognition/EU/operators?file_name=eu-aeo.csv",
                    Some("text/csv"),
                    body.to_owned(),
                )
                .await
        }
    };
    let imported = import(EU_LIST).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert_eq!(imported.json()["imported"], 2);

    let broken = import(
        "operator_id,name,country,status,valid_from,valid_to\nIT1,Milano Srl,IT,certified,2024-01-01,\nES2,Madrid SL,ES,certified,2024-02-30,\n",
    )
    .await;
    let report = broken.json();
    assert_eq!(report["imported"], 0, "a list is a snapshot: nothing of a list with a wrong row");
    assert_eq!(
        report["rejected"],
        json!([{"row": 3, "field": "valid_from", "reason": "\"2024-02-30\" is not a date (YYYY-MM-DD)"}])
    );

    let member = test_app.api_client(&test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await);
    let found = member.get("/api/v1/foreign-operators/de1234567890").await.json();
    assert_eq!(found[0]["operator"]["name"], "Rhein Logistik GmbH");
    assert_eq!(found[0]["certified_today"], true);
    assert_eq!(found[0]["arrangement"], "European Union");
    let suspended = member.get("/api/v1/foreign-operators/FR9876543210").await.json();
    assert_eq!(suspended[0]["certified_today"], false);
    assert_eq!(member.get("/api/v1/foreign-operators/IT1").await.json(), json!([]), "not in the list that was refused");
    let arrangements = member.get("/api/v1/mutual-recognition").await.json();
    let eu = arrangements.as_array().expect("list").iter().find(|view| view["code"] == "EU").expect("EU");
    assert_eq!(eu["operators"], 2);
    assert_eq!(arrangements.as_array().expect("list").len(), 18);

    let page = test_app.client();
    page.sign_in("officer@greatlakes.example").await;
    let looked_up = page.get("/mutual-recognition?operator_id=DE1234567890").await;
    assert!(looked_up.body.contains("Rhein Logistik GmbH (DE1234567890, DE)"), "{}", looked_up.body);
    assert!(looked_up.body.contains("Record as evidence"));
}

#[tokio::test]
async fn a_member_records_a_lookup_as_evidence_for_its_business_partner_criterion() {
    let test_app = TestApp::with_demo().await;
    let analyst = test_app.api_client(&test_app.token_for("tc.analyst@cbp.example", TokenScope::ReadWrite).await);
    let path = "/api/v1/mutual-recognition/EU/operators?file_name=eu-aeo.csv";
    assert_eq!(analyst.request(Method::POST, path, Some("text/csv"), EU_LIST.to_owned()).await.status, StatusCode::OK);
    let account = test_app.account_id("DEMO-IMP-001").await;
    let member = test_app.api_client(&test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await);
    let answered = member
        .send_json(
            Method::POST,
            &format!("/api/v1/accounts/{account}/profile"),
            &json!({"action": "answer", "criterion": "3.4", "answer": "meets", "narrative": "Our forwarder is an EU AEO"}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    let evidence = format!("/api/v1/accounts/{account}/foreign-operator-evidence");
    let recorded =
        member.send_json(Method::POST, &evidence, &json!({"operator_id": "DE1234567890", "criterion": "3.4"})).await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    let profile = recorded.json();
    let criterion = profile["criteria"]
        .as_array()
        .expect("criteria")
        .iter()
        .find(|criterion| criterion["id"] == "3.4")
        .expect("3.4")
        .clone();
    assert_eq!(criterion["evidence"][0]["file_name"], "foreign-operator-de1234567890.pdf", "{criterion}");
    let unknown = member.send_json(Method::POST, &evidence, &json!({"operator_id": "XX000", "criterion": "3.4"})).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
