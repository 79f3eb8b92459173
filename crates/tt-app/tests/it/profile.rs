//! The security profile through the use cases: answers and evidence, the officer's submission,
//! review criterion by criterion, approval, and the checks on evidence files.

use std::sync::Arc;

use tt_app::profile::ProfileAction;
use tt_app::{AppError, AppSettings};
use tt_domain::AccountNumber;
use tt_testkit::TestApp;

use crate::actor;

async fn importer(test_app: &TestApp) -> tt_domain::AccountId {
    test_app
        .app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id
}

fn answer(criterion: &str, text: &str) -> ProfileAction {
    ProfileAction::Answer { criterion: criterion.to_owned(), answer: "meets".to_owned(), narrative: text.to_owned() }
}

#[tokio::test]
async fn a_member_completes_and_submits_a_profile_and_a_specialist_returns_one_criterion_then_approves() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = importer(&test_app).await;
    let employee = actor(&test_app, "employee@greatlakes.example").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let specialist = actor(&test_app, "scss@cbp.example").await;

    let view = app.security_profile(&employee, account).await.expect("empty profile");
    assert_eq!((view.state, view.catalogue_version.as_deref(), view.criteria.len()), ("draft", None, 97));
    let view = app
        .change_profile(&employee, account, &answer("1.3", "Annual audit of the program by internal audit"))
        .await
        .expect("answer");
    assert_eq!(
        view.catalogue_version.as_deref(),
        Some("2019-11"),
        "the first answer starts the profile on the version in force"
    );
    let view = app
        .attach_evidence(&employee, account, "1.3", "audit-plan.pdf", b"%PDF-1.4 audit plan".to_vec())
        .await
        .expect("evidence");
    let evidence =
        view.criteria.iter().find(|criterion| criterion.id.as_str() == "1.3").expect("1.3").evidence[0].clone();
    assert_eq!(evidence.sha256.len(), 64);
    let file_id = evidence.key.rsplit('/').next().expect("file id");
    let (stored, bytes) = app.evidence_file(&officer, account, file_id).await.expect("download");
    assert_eq!((stored.file_name.as_str(), bytes.as_slice()), ("audit-plan.pdf", b"%PDF-1.4 audit plan".as_slice()));
    let other = actor(&test_app, "officer@pacificapparel.example").await;
    assert!(matches!(app.evidence_file(&other, account, file_id).await, Err(AppError::Forbidden(_))));
    assert!(matches!(app.evidence_file(&officer, account, "not-a-file").await, Err(AppError::NotFound)));

    let refused =
        app.change_profile(&officer, account, &ProfileAction::Submit { attestation: "I attest".to_owned() }).await;
    let Err(AppError::Invalid(errors)) = refused else { panic!("an incomplete profile cannot be submitted") };
    assert!(errors[0].message.contains("required criteria unanswered"), "{}", errors[0].message);
    let musts: Vec<String> = view
        .criteria
        .iter()
        .filter(|criterion| criterion.requirement == "must" && criterion.answer.is_none())
        .map(|criterion| criterion.id.to_string())
        .collect();
    for criterion in &musts {
        app.change_profile(&employee, account, &answer(criterion, "Written procedure in place")).await.expect("answer");
    }
    let by_employee =
        app.change_profile(&employee, account, &ProfileAction::Submit { attestation: "I attest".to_owned() }).await;
    assert!(matches!(by_employee, Err(AppError::Forbidden(_))), "only the company officer submits");
    let submitted = app
        .change_profile(&officer, account, &ProfileAction::Submit { attestation: "True and complete".to_owned() })
        .await
        .expect("submit");
    assert_eq!((submitted.state, submitted.completeness.musts_unanswered), ("submitted", 0));

    let review = |criterion: &str, decision: &str, comment: &str| ProfileAction::Review {
        criterion: criterion.to_owned(),
        decision: decision.to_owned(),
        comment: comment.to_owned(),
    };
    assert!(matches!(
        app.change_profile(&officer, account, &review("1.3", "approved", "")).await,
        Err(AppError::Forbidden(_))
    ));
    app.change_profile(&specialist, account, &review("1.3", "returned", "Attach the signed audit report"))
        .await
        .expect("review");
    let returned = app.change_profile(&specialist, account, &ProfileAction::Return).await.expect("return");
    assert_eq!(returned.state, "returned");
    let criterion = returned.criteria.iter().find(|criterion| criterion.id.as_str() == "1.3").expect("1.3");
    assert!(
        criterion.to_reaffirm
            && criterion.review == Some("returned")
            && criterion.review_comment == "Attach the signed audit report"
    );
    app.change_profile(&employee, account, &answer("1.3", "Signed audit report attached")).await.expect("re-answer");
    app.change_profile(&officer, account, &ProfileAction::Submit { attestation: "True and complete".to_owned() })
        .await
        .expect("resubmit");
    let answered: Vec<String> = app
        .security_profile(&specialist, account)
        .await
        .expect("view")
        .criteria
        .iter()
        .filter(|criterion| criterion.answer.is_some())
        .map(|criterion| criterion.id.to_string())
        .collect();
    for criterion in &answered {
        app.change_profile(&specialist, account, &review(criterion, "approved", "")).await.expect("approve criterion");
    }
    let approved = app.change_profile(&specialist, account, &ProfileAction::Approve).await.expect("approve");
    assert_eq!(approved.state, "approved");
    assert!(approved.approved_submission.is_some());
    let edited =
        app.change_profile(&employee, account, &answer("1.1", "Statement posted on the website")).await.expect("edit");
    assert_eq!(edited.changes_since_approval.len(), 1, "{:?}", edited.changes_since_approval);
    assert_eq!(edited.changes_since_approval[0].criterion.as_str(), "1.1");
}

struct RefuseExecutables;

impl tt_app::objects::EvidenceScanner for RefuseExecutables {
    fn scan(&self, _file_name: &str, bytes: &[u8]) -> Result<(), String> {
        if bytes.starts_with(b"MZ") { Err("the scanner found an executable".to_owned()) } else { Ok(()) }
    }
}

#[tokio::test]
async fn evidence_is_checked_for_type_size_and_by_the_scanner_hook() {
    let settings = AppSettings { evidence_max_bytes: 16, ..AppSettings::default() };
    let test_app = TestApp::with_settings(settings).await;
    test_app.app.seed_demo().await.expect("demo");
    let app = test_app.app.clone().with_scanner(Arc::new(RefuseExecutables));
    let account = importer(&test_app).await;
    let employee = actor(&test_app, "employee@greatlakes.example").await;
    let refused = app.attach_evidence(&employee, account, "1.3", "plan.pdf", b"%PDF".to_vec()).await;
    let Err(AppError::Invalid(errors)) = refused else { panic!("evidence needs an answer first") };
    assert!(errors[0].message.contains("answer the criterion before attaching evidence"), "{}", errors[0].message);
    app.change_profile(&employee, account, &answer("1.3", "Audit")).await.expect("answer");
    let invalid = |result: Result<tt_app::profile::ProfileView, AppError>| match result {
        Err(AppError::Invalid(errors)) => (errors[0].field, errors[0].message.clone()),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let (field, message) = invalid(app.attach_evidence(&employee, account, "1.3", "tool.exe", b"data".to_vec()).await);
    assert_eq!(field, "file");
    assert!(message.starts_with("'tool.exe' is not one of the accepted types: gif, jpg, csv, pdf"), "{message}");
    let (_, message) = invalid(app.attach_evidence(&employee, account, "1.3", "big.pdf", vec![b'x'; 17]).await);
    assert_eq!(message, "the file is 17 bytes; at most 16 are accepted");
    let (_, message) =
        invalid(app.attach_evidence(&employee, account, "1.3", "renamed.pdf", b"MZ\x90\x00".to_vec()).await);
    assert_eq!(message, "the scanner found an executable");
    let view = app
        .attach_evidence(&employee, account, "1.3", "../../etc/plan.pdf", b"%PDF-1.4".to_vec())
        .await
        .expect("stored");
    let evidence = &view.criteria.iter().find(|criterion| criterion.id.as_str() == "1.3").expect("1.3").evidence[0];
    assert_eq!(evidence.file_name, "plan.pdf", "only the file's own name is kept");
    assert!(evidence.key.starts_with(&format!("evidence/{account}/")));
}

#[tokio::test]
async fn publishing_a_new_catalogue_version_carries_a_profiles_answers_over_exactly_as_the_mapping_says() {
    use tt_app::criteria::{CATALOGUE_COLUMNS, MAPPING_COLUMNS};
    use tt_domain::criteria::CatalogueKind;
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let account = importer(&test_app).await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let director = actor(&test_app, "director@cbp.example").await;
    for criterion in ["1.1", "3.1", "4.4", "12.10"] {
        app.change_profile(&officer, account, &answer(criterion, &format!("how we meet {criterion}")))
            .await
            .expect("answer");
    }
    // The new version keeps 1.1 as it was, rewrites 3.1, renumbers 4.4 to 4.14, adds 4.15 and
    // drops everything else (12.10 among them).
    let header = "criterion_id,focus_area,category_number,category,requirement,must_from,text,guidance\n";
    let version = format!(
        "{header}1.1,Corporate Security,1,Vision,should,,Statement of support,\n\
         3.1,Corporate Security,3,Business Partners,must,,Screen partners including money laundering checks,\n\
         4.14,Corporate Security,4,Cybersecurity,should,,Threat sharing,\n\
         4.15,Corporate Security,4,Cybersecurity,must,,Multi-factor authentication,\n"
    );
    let mapping =
        "criterion_id,change,previous_id\n1.1,unchanged,1.1\n3.1,changed,3.1\n4.14,unchanged,4.4\n4.15,new,\n";
    let write = |name: &str, text: &str, columns: &[&str]| {
        let path = std::env::temp_dir().join(format!("tt-{}-{name}", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, text).expect("write");
        tt_feed::FeedFile::open(&path, columns).expect("open")
    };
    let effective = app.clock.now().date() + time::Duration::days(1);
    app.publish_catalogue(
        &director,
        CatalogueKind::Importer,
        "2027-1",
        effective,
        write("catalogue.csv", &version, &CATALOGUE_COLUMNS),
        Some(write("mapping.csv", mapping, &MAPPING_COLUMNS)),
    )
    .await
    .expect("publish");
    test_app.clock.advance(time::Duration::days(2));
    let before = app.security_profile(&officer, account).await.expect("profile");
    assert_eq!(before.newer_version.as_deref(), Some("2027-1"));
    let moved = app.change_profile(&officer, account, &ProfileAction::AdoptCurrentCatalogue).await.expect("adopt");
    assert_eq!(moved.catalogue_version.as_deref(), Some("2027-1"));
    let state: Vec<(&str, Option<&str>, bool, &str)> = moved
        .criteria
        .iter()
        .map(|criterion| (criterion.id.as_str(), criterion.answer, criterion.to_reaffirm, criterion.narrative.as_str()))
        .collect();
    assert_eq!(
        state,
        vec![
            ("1.1", Some("meets"), false, "how we meet 1.1"),
            ("3.1", Some("meets"), true, "how we meet 3.1"),
            ("4.14", Some("meets"), false, "how we meet 4.4"),
            ("4.15", None, false, ""),
        ]
    );
    assert_eq!((moved.completeness.musts_unanswered, moved.completeness.to_reaffirm), (1, 1));
}
