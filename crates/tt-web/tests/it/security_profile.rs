//! The security profile page and API: a member answers and attaches evidence through the forms,
//! downloads it back, and a specialist returns one criterion.

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
async fn a_member_answers_and_attaches_evidence_through_the_page_and_downloads_it_back() {
    let test_app = TestApp::with_demo().await;
    let account = importer_id(&test_app).await;
    let path = format!("/accounts/{account}/security-profile");
    let member = test_app.client();
    member.sign_in("employee@greatlakes.example").await;
    let page = member.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("0 of 97 answered"), "{}", page.body);
    let saved = member
        .post_form_with_csrf(
            &path,
            &[
                ("action", "answer"),
                ("criterion", "3.9"),
                ("answer", "partially"),
                ("narrative", "Code of conduct drafted"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let missing = member
        .post_form_with_csrf(
            &path,
            &[("action", "answer"), ("criterion", "1.3"), ("answer", "meets"), ("narrative", "")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("a narrative is required"), "{}", missing.body);
    let csrf = member.session_csrf_token().await;
    let boundary = "tt-evidence-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"criterion\"\r\n\r\n3.9\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"code-of-conduct.txt\"\r\nContent-Type: text/plain\r\n\r\nWe do not use forced labor.\r\n--{boundary}--\r\n"
    );
    let uploaded = member
        .request(
            Method::POST,
            &format!("{path}/evidence"),
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let page = member.get(&path).await;
    assert!(page.body.contains("1 of 97 answered"));
    let start = page.body.find(&format!("{path}/evidence/")).expect("a download link");
    let link: String = page.body[start..].chars().take_while(|character| *character != '"').collect();
    let download = member.get(&link).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body, "We do not use forced labor.");
    assert!(
        download
            .headers
            .get("content-disposition")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("code-of-conduct.txt"))
    );

    let key = format!("evidence/{account}/{}", link.rsplit('/').next().expect("file id"));
    let removed =
        member.post_form_with_csrf(&path, &[("action", "remove_evidence"), ("criterion", "3.9"), ("key", &key)]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert!(!member.get(&path).await.body.contains("code-of-conduct.txt"), "the file is off the profile");

    let other = test_app.client();
    other.sign_in("officer@pacificapparel.example").await;
    assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(other.get(&link).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_answers_and_a_reviewer_cannot_review_a_draft() {
    let test_app = TestApp::with_demo().await;
    let account = importer_id(&test_app).await;
    let member =
        test_app.api_client(&test_app.token_for("officer@greatlakes.example", tt_domain::TokenScope::ReadWrite).await);
    let path = format!("/api/v1/accounts/{account}/profile");
    let answered = member
        .send_json(
            Method::POST,
            &path,
            &json!({"action": "answer", "criterion": "1.1", "answer": "meets", "narrative": "Posted on our website"}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    assert_eq!(answered.json()["completeness"]["answered"], 1);
    let uploaded = member
        .request(
            Method::POST,
            &format!("{path}/evidence?criterion=1.1&file_name=statement.pdf"),
            Some("application/octet-stream"),
            "%PDF-1.4".to_owned(),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.body);
    let criterion = uploaded.json()["criteria"]
        .as_array()
        .and_then(|criteria| criteria.iter().find(|criterion| criterion["id"] == "1.1").cloned())
        .expect("1.1");
    assert_eq!(criterion["evidence"][0]["file_name"], "statement.pdf");
    let key = criterion["evidence"][0]["key"].as_str().expect("key").rsplit('/').next().expect("id").to_owned();
    let download = member.request(Method::GET, &format!("{path}/evidence/{key}"), None, String::new()).await;
    assert_eq!((download.status, download.body.as_str()), (StatusCode::OK, "%PDF-1.4"));
    let reviewer = test_app.api_client(&test_app.token_for("scss@cbp.example", tt_domain::TokenScope::ReadWrite).await);
    let early = reviewer
        .send_json(
            Method::POST,
            &path,
            &json!({"action": "review", "criterion": "1.1", "decision": "returned", "comment": "More detail"}),
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early.json()["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("only a submitted profile is reviewed"))
    );
}
