//! Use cases through the application's public interface, on a fresh database (SQLite, or
//! PostgreSQL when `TT_TEST_DATABASE_URL` names one).

use time::Duration;
use tt_app::accounts::AccountInput;
use tt_app::auth::{RequestOrigin, SecondFactorStep};
use tt_app::users::UserInput;
use tt_app::{Actor, AppError, Via};
use tt_domain::{AccountNumber, EmailAddress, Role, TokenScope};
use tt_testkit::TestApp;

mod criteria;
mod membership;
mod profile;
mod questionnaire;
mod requests;
mod validation;

const PASSWORD: &str = tt_app::demo::DEMO_PASSWORD;

fn origin(address: &str) -> RequestOrigin {
    RequestOrigin { source_address: Some(address.to_owned()), request_id: None }
}

async fn actor(test_app: &TestApp, email: &str) -> Actor {
    let user = test_app
        .app
        .store
        .find_user_by_email(&EmailAddress::parse(email).expect("email"))
        .await
        .expect("find")
        .expect("exists");
    Actor::for_user(user, Via::Session, Some("127.0.0.1".to_owned()), None)
}

#[tokio::test]
async fn sign_in_is_throttled_after_five_failures_for_one_address_and_recovers_later() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    for _ in 0..5 {
        let error =
            app.sign_in("officer@greatlakes.example", "wrong password", &origin("10.0.0.1")).await.expect_err("wrong");
        assert!(matches!(error, AppError::Unauthenticated));
    }
    // Even the right password is refused while throttled.
    let error = app.sign_in("officer@greatlakes.example", PASSWORD, &origin("10.0.0.2")).await.expect_err("throttled");
    assert!(matches!(error, AppError::Throttled { .. }));
    test_app.clock.advance(Duration::minutes(16));
    let signed_in =
        app.sign_in("officer@greatlakes.example", PASSWORD, &origin("10.0.0.2")).await.expect("window passed");
    assert_eq!(signed_in.next_step, SecondFactorStep::NotRequired);
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer_and_are_audited() {
    let test_app = TestApp::with_demo().await;
    let unknown = test_app.app.sign_in("nobody@example.com", PASSWORD, &origin("10.0.0.3")).await.expect_err("unknown");
    let wrong =
        test_app.app.sign_in("officer@greatlakes.example", "nope", &origin("10.0.0.3")).await.expect_err("wrong");
    assert_eq!(unknown.to_string(), wrong.to_string());
    let failures = test_app
        .app
        .store
        .list_audit(&tt_store::AuditFilter {
            action_prefix: Some("session.sign_in_failed".to_owned()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].record.source_address.as_deref(), Some("10.0.0.3"));
}

#[tokio::test]
async fn agency_staff_without_an_authenticator_must_enrol_before_anything_else() {
    let test_app = TestApp::with_demo().await;
    let system = Actor::system("test");
    let input = UserInput {
        email: "new.scss@cbp.example".to_owned(),
        name: "New Specialist".to_owned(),
        role: "scss".to_owned(),
        account_number: None,
        password: Some(PASSWORD.to_owned()),
    };
    test_app.app.create_user(&system, &input).await.expect("create");
    let signed_in =
        test_app.app.sign_in("new.scss@cbp.example", PASSWORD, &origin("10.0.0.4")).await.expect("password ok");
    assert_eq!(signed_in.next_step, SecondFactorStep::Enroll);
    let session = test_app
        .app
        .resume_session(&signed_in.session_secret, &origin("10.0.0.4"))
        .await
        .expect("resume")
        .expect("session");
    assert_eq!(session.next_step, SecondFactorStep::Enroll);
    let enrollment = test_app.app.start_two_factor_enrollment(&session.actor).expect("start");
    let secret = tt_app::totp::base32_decode(&enrollment.secret).expect("base32");
    let wrong = test_app
        .app
        .confirm_two_factor_enrollment(Some(&signed_in.session_secret), &session.actor, &enrollment.secret, "000000")
        .await;
    assert!(matches!(wrong, Err(AppError::Invalid(_))));
    let code = tt_app::totp::code_at(&secret, test_app.app.clock.now().unix_timestamp());
    let recovery_codes = test_app
        .app
        .confirm_two_factor_enrollment(Some(&signed_in.session_secret), &session.actor, &enrollment.secret, &code)
        .await
        .expect("confirm");
    assert_eq!(recovery_codes.len(), 10);
    let session = test_app
        .app
        .resume_session(&signed_in.session_secret, &origin("10.0.0.4"))
        .await
        .expect("resume")
        .expect("session");
    assert_eq!(session.next_step, SecondFactorStep::NotRequired);
    // The next sign-in asks for a code, and a recovery code works exactly once.
    let again = test_app.app.sign_in("new.scss@cbp.example", PASSWORD, &origin("10.0.0.4")).await.expect("sign in");
    assert_eq!(again.next_step, SecondFactorStep::Verify);
    let pending = test_app
        .app
        .resume_session(&again.session_secret, &origin("10.0.0.4"))
        .await
        .expect("resume")
        .expect("session");
    test_app
        .app
        .verify_second_factor(&again.session_secret, &pending.actor, &recovery_codes[0])
        .await
        .expect("recovery code");
    let third = test_app.app.sign_in("new.scss@cbp.example", PASSWORD, &origin("10.0.0.4")).await.expect("sign in");
    let pending = test_app
        .app
        .resume_session(&third.session_secret, &origin("10.0.0.4"))
        .await
        .expect("resume")
        .expect("session");
    assert!(
        test_app.app.verify_second_factor(&third.session_secret, &pending.actor, &recovery_codes[0]).await.is_err()
    );
}

#[tokio::test]
async fn sessions_end_after_the_idle_timeout() {
    let test_app = TestApp::with_demo().await;
    let signed_in =
        test_app.app.sign_in("employee@greatlakes.example", PASSWORD, &origin("10.0.0.5")).await.expect("sign in");
    test_app.clock.advance(Duration::minutes(29));
    assert!(
        test_app.app.resume_session(&signed_in.session_secret, &origin("10.0.0.5")).await.expect("resume").is_some()
    );
    test_app.clock.advance(Duration::minutes(31));
    assert!(
        test_app.app.resume_session(&signed_in.session_secret, &origin("10.0.0.5")).await.expect("resume").is_none()
    );
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let test_app = TestApp::with_demo().await;
    let first =
        test_app.app.sign_in("employee@greatlakes.example", PASSWORD, &origin("10.0.0.6")).await.expect("first");
    let second =
        test_app.app.sign_in("employee@greatlakes.example", PASSWORD, &origin("10.0.0.6")).await.expect("second");
    let session = test_app
        .app
        .resume_session(&first.session_secret, &origin("10.0.0.6"))
        .await
        .expect("resume")
        .expect("session");
    let weak = test_app.app.change_password(&session.actor, PASSWORD, "short", "short").await;
    assert!(matches!(weak, Err(AppError::Invalid(ref errors)) if errors[0].field == "password"));
    let new_secret = test_app
        .app
        .change_password(&session.actor, PASSWORD, "A-Much-Better-Passphrase-9", "A-Much-Better-Passphrase-9")
        .await
        .expect("change");
    assert!(test_app.app.resume_session(&second.session_secret, &origin("10.0.0.6")).await.expect("resume").is_none());
    assert!(test_app.app.resume_session(&new_secret, &origin("10.0.0.6")).await.expect("resume").is_some());
    assert!(
        test_app
            .app
            .sign_in("employee@greatlakes.example", "A-Much-Better-Passphrase-9", &origin("10.0.0.7"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn members_see_only_their_own_account_and_liaisons_only_consenting_ones() {
    let test_app = TestApp::with_demo().await;
    let employee = actor(&test_app, "employee@greatlakes.example").await;
    let visible = test_app.app.list_accounts(&employee).await.expect("list");
    assert_eq!(visible.iter().map(|a| a.number.as_str()).collect::<Vec<_>>(), vec!["DEMO-IMP-001"]);
    let other = test_app
        .app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-BRK-002").expect("n"))
        .await
        .expect("find")
        .expect("exists");
    assert!(matches!(test_app.app.get_account(&employee, other.id).await, Err(AppError::Forbidden(_))));

    let liaison = actor(&test_app, "pga@fda.example").await;
    let visible = test_app.app.list_accounts(&liaison).await.expect("list");
    assert!(visible.iter().all(|account| account.partner_agency_consent));
    assert_eq!(visible.len(), 2);
    let consenting = &visible[0];
    test_app.app.get_account(&liaison, consenting.id).await.expect("read");
    let reads = test_app
        .app
        .store
        .list_audit(&tt_store::AuditFilter {
            action_prefix: Some("account.read".to_owned()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(reads.len(), 1, "a liaison's read of member data is audited");
    assert_eq!(reads[0].record.object_id, Some(consenting.id.to_string()));
}

#[tokio::test]
async fn a_forbidden_change_is_refused_and_changes_nothing() {
    let test_app = TestApp::with_demo().await;
    let viewer = actor(&test_app, "viewer@greatlakes.example").await;
    let account = test_app.app.list_accounts(&viewer).await.expect("list").remove(0);
    let records_before = test_app.app.store.audit_chain(0, 10_000).await.expect("chain").len();
    let mut input = AccountInput::from_account(&account);
    input.legal_name = "Hijacked".to_owned();
    assert!(matches!(test_app.app.update_account(&viewer, account.id, &input).await, Err(AppError::Forbidden(_))));
    assert_eq!(test_app.app.store.get_account(account.id).await.expect("get"), account);
    assert_eq!(test_app.app.store.audit_chain(0, 10_000).await.expect("chain").len(), records_before);
}

#[tokio::test]
async fn an_account_reports_every_invalid_field_at_once() {
    let test_app = TestApp::with_demo().await;
    let director = actor(&test_app, "director@cbp.example").await;
    let input = AccountInput {
        account_number: "bad number!".to_owned(),
        legal_name: String::new(),
        business_type: "spaceship".to_owned(),
        ior_numbers: vec!["123".to_owned()],
        scacs: vec!["TOOLONG".to_owned()],
        ..AccountInput::default()
    };
    let Err(AppError::Invalid(errors)) = test_app.app.create_account(&director, &input).await else {
        panic!("expected invalid")
    };
    let fields: Vec<_> = errors.iter().map(|error| error.field).collect();
    assert_eq!(fields, vec!["account_number", "legal_name", "business_type", "ior_numbers", "scacs"]);
}

#[tokio::test]
async fn an_importer_number_already_owned_is_refused_with_the_field_named() {
    let test_app = TestApp::with_demo().await;
    let director = actor(&test_app, "director@cbp.example").await;
    let input = AccountInput {
        account_number: "NEW-1".to_owned(),
        legal_name: "Copycat Imports".to_owned(),
        business_type: "importer".to_owned(),
        ior_numbers: vec!["36-1234567-00".to_owned()],
        ..AccountInput::default()
    };
    let error = test_app.app.create_account(&director, &input).await.expect_err("conflict");
    assert!(matches!(error, AppError::Conflict { field: "ior_numbers", .. }), "got {error:?}");
}

#[tokio::test]
async fn a_consultant_acts_in_the_officers_name_only_while_the_delegation_runs() {
    let test_app = TestApp::with_demo().await;
    let consultant = actor(&test_app, "consultant@greatlakes.example").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let account = test_app.app.list_accounts(&consultant).await.expect("list").remove(0);
    let mut input = AccountInput::from_account(&account);
    input.doing_business_as = Some("Great Lakes Goods".to_owned());
    test_app.app.update_account(&consultant, account.id, &input).await.expect("update while delegated");
    let update = test_app
        .app
        .store
        .list_audit(&tt_store::AuditFilter {
            action_prefix: Some("account.update".to_owned()),
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("audit")
        .remove(0);
    assert_eq!(update.record.actor_label, "consultant@greatlakes.example");
    assert_eq!(update.record.acting_for, officer.user.as_ref().map(|user| user.id));
    assert!(update.record.before.as_deref().is_some_and(|before| !before.contains("Great Lakes Goods")));
    assert!(update.record.after.as_deref().is_some_and(|after| after.contains("Great Lakes Goods")));

    test_app.clock.advance(Duration::days(91));
    let expired = actor(&test_app, "consultant@greatlakes.example").await;
    assert!(matches!(test_app.app.list_accounts(&expired).await, Err(AppError::Forbidden(_))));
    assert!(test_app.app.sign_in("consultant@greatlakes.example", PASSWORD, &origin("10.0.0.8")).await.is_err());
}

#[tokio::test]
async fn officers_add_only_member_roles_and_only_to_their_own_account() {
    let test_app = TestApp::with_demo().await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let mut input = UserInput {
        email: "new.employee@greatlakes.example".to_owned(),
        name: "New Employee".to_owned(),
        role: "employee".to_owned(),
        account_number: Some("DEMO-IMP-001".to_owned()),
        password: None,
    };
    let created = test_app.app.create_user(&officer, &input).await.expect("own account");
    assert!(created.invitation_link.is_some());
    input.email = "spy@greatlakes.example".to_owned();
    input.role = "scss".to_owned();
    input.account_number = None;
    assert!(matches!(test_app.app.create_user(&officer, &input).await, Err(AppError::Forbidden(_))));
    input.role = "employee".to_owned();
    input.account_number = Some("DEMO-BRK-002".to_owned());
    assert!(matches!(test_app.app.create_user(&officer, &input).await, Err(AppError::Forbidden(_))));
    let viewer = actor(&test_app, "viewer@greatlakes.example").await;
    input.account_number = Some("DEMO-IMP-001".to_owned());
    assert!(matches!(test_app.app.create_user(&viewer, &input).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn an_invitation_mail_carries_a_link_that_sets_the_password_once() {
    let test_app = TestApp::with_demo().await;
    let director = actor(&test_app, "director@cbp.example").await;
    let input = UserInput {
        email: "invited@cbp.example".to_owned(),
        name: "Invited Analyst".to_owned(),
        role: "tc_hq_analyst".to_owned(),
        account_number: None,
        password: None,
    };
    test_app.app.create_user(&director, &input).await.expect("invite");
    let mail = test_app.mailer.sent().into_iter().find(|mail| mail.to == "invited@cbp.example").expect("mail sent");
    let link = mail.body.lines().find(|line| line.contains("/invitations/")).expect("link in body");
    let secret = link.rsplit('/').next().expect("secret");
    assert!(matches!(test_app.app.accept_invitation(secret, "weak", "weak").await, Err(AppError::Invalid(_))));
    test_app.app.accept_invitation(secret, "Analyst-Passphrase-77", "Analyst-Passphrase-77").await.expect("accept");
    assert!(matches!(test_app.app.find_invitation(secret).await, Err(AppError::NotFound)));
    assert!(test_app.app.sign_in("invited@cbp.example", "Analyst-Passphrase-77", &origin("10.0.0.9")).await.is_ok());
}

#[tokio::test]
async fn a_read_only_token_can_read_but_not_change_and_revoked_tokens_stop_working() {
    let test_app = TestApp::with_demo().await;
    let secret = test_app.token_for("director@cbp.example", TokenScope::Read).await;
    let token_actor = test_app.app.authenticate_token(&secret, &origin("10.0.0.10")).await.expect("token works");
    assert!(test_app.app.list_accounts(&token_actor).await.is_ok());
    let input = AccountInput {
        account_number: "TOKEN-1".to_owned(),
        legal_name: "Token Co".to_owned(),
        business_type: "exporter".to_owned(),
        ..AccountInput::default()
    };
    assert!(matches!(test_app.app.create_account(&token_actor, &input).await, Err(AppError::Forbidden(_))));
    let director = actor(&test_app, "director@cbp.example").await;
    let token = test_app.app.list_api_tokens(&director).await.expect("list").remove(0);
    test_app.app.revoke_api_token(&director, token.id).await.expect("revoke");
    assert!(matches!(
        test_app.app.authenticate_token(&secret, &origin("10.0.0.10")).await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn editing_one_stored_audit_record_is_found_by_verification() {
    let test_app = TestApp::with_demo().await;
    let intact = test_app.app.verify_audit_chain().await.expect("verify");
    assert!(intact.records_checked > 10);
    assert_eq!(intact.first_broken, None);
    test_app.database.tamper_with_audit_record(3, "{\"legal_name\":\"forged\"}").await;
    let report = test_app.app.verify_audit_chain().await.expect("verify");
    assert_eq!(report.first_broken, Some(3));
}

#[tokio::test]
async fn the_audit_export_is_csv_with_a_header_and_is_itself_audited() {
    let test_app = TestApp::with_demo().await;
    let auditor = actor(&test_app, "audit@cbp.example").await;
    let query = tt_app::audit::AuditQuery { action: Some("account.create".to_owned()), ..Default::default() };
    let csv = test_app.app.export_audit_csv(&auditor, &query).await.expect("export");
    let mut lines = csv.lines();
    assert!(lines.next().expect("header").starts_with("sequence,occurred_at,actor"));
    assert_eq!(csv.lines().filter(|line| line.contains(",account.create,")).count(), 5);
    let employee = actor(&test_app, "employee@greatlakes.example").await;
    assert!(matches!(test_app.app.export_audit_csv(&employee, &query).await, Err(AppError::Forbidden(_))));
    let exports = test_app
        .app
        .store
        .list_audit(&tt_store::AuditFilter {
            action_prefix: Some("audit.export".to_owned()),
            limit: 5,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(exports.len(), 1);
    let bad = tt_app::audit::AuditQuery { from: Some("yesterday".to_owned()), ..Default::default() };
    assert!(
        matches!(test_app.app.list_audit(&auditor, &bad).await, Err(AppError::Invalid(ref e)) if e[0].field == "from")
    );
}

#[tokio::test]
async fn demo_seeding_twice_adds_nothing() {
    let test_app = TestApp::with_demo().await;
    let accounts = test_app.app.store.list_accounts().await.expect("list").len();
    let records = test_app.app.store.audit_chain(0, 100_000).await.expect("chain").len();
    let logins = test_app.app.seed_demo().await.expect("seed again");
    assert_eq!(test_app.app.store.list_accounts().await.expect("list").len(), accounts);
    assert_eq!(test_app.app.store.audit_chain(0, 100_000).await.expect("chain").len(), records);
    assert!(Role::ALL.iter().all(|role| logins.iter().any(|login| login.role == *role)), "every role has a demo user");
}

mod kpi_rollups {
    //! The KPI rollups kept at ingest always equal a recomputation from the stored lines, whatever
    //! the batches (with rejects, duplicates and corrections) and membership changes.

    use proptest::prelude::*;
    use tt_app::Actor;
    use tt_app::trade::{KpiGrouping, MembershipFile};
    use tt_feed::FeedFile;
    use tt_testkit::TestApp;

    /// One generated row: entry, line, importer, day, exam, release, value, recon.
    type Row = (u8, u8, u8, u8, u8, Option<u8>, u32, bool);

    fn row() -> impl Strategy<Value = Row> {
        (0..25u8, 1..4u8, 0..6u8, 0..60u8, 0..4u8, proptest::option::of(0..9u8), 0..50_000u32, any::<bool>())
    }

    fn csv(rows: &[Row]) -> String {
        let mut text = String::from(
            "entry_number,line_number,entry_type,importer_number,port_code,entry_date,release_date,exam,exam_reason,hold_hours,country_of_origin,hts_number,entered_value_usd,recon_flag\n",
        );
        let start = time::macros::date!(2025 - 01 - 01);
        for (entry, line, importer, day, exam, release, value, recon) in rows {
            let date = start + time::Duration::days(i64::from(*day));
            let release = release
                .map(|days| tt_app::trade::format_date(date + time::Duration::days(i64::from(days))))
                .unwrap_or_default();
            let (exam, reason, hold) = match exam {
                0 => ("NII", "RANDOM", "2.5"),
                1 => ("PHYSICAL", "TARGETED", "7"),
                _ => ("", "", ""),
            };
            text.push_str(&format!(
                "AB1{entry:07}0,{line},01,{:09},2704,{},{release},{exam},{reason},{hold},CN,8471300100,{}.{:02},{}\n",
                100_000_000 + u32::from(*importer),
                tt_app::trade::format_date(date),
                value / 100,
                value % 100,
                if *recon { "Y" } else { "" }
            ));
        }
        text
    }

    async fn load(test_app: &TestApp, kind: Option<MembershipFile>, content: &str) {
        let path = std::env::temp_dir().join(format!("tt-rollup-{}.csv", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, content).expect("write");
        let actor = Actor::system("test");
        match kind {
            Some(kind) => {
                let mut file = FeedFile::open(&path, kind.required_columns()).expect("open");
                test_app.app.import_membership(&actor, kind, &mut file, "m.csv").await.expect("import");
            }
            None => {
                let file = FeedFile::open(&path, &[]).expect("open");
                test_app.app.ingest_entries(&actor, file, "e.csv", None, &mut |_, _| {}).await.expect("ingest");
            }
        }
    }

    async fn assert_rollups_match(test_app: &TestApp) {
        let actor = Actor::system("test");
        let (from, to) = (time::macros::date!(2025 - 01 - 01), time::macros::date!(2025 - 03 - 31));
        for by in ["month,group", "group", "month", ""] {
            let grouping = KpiGrouping::parse(by).expect("grouping");
            let from_rollups = test_app.app.kpis(&actor, from, to, grouping).await.expect("kpis");
            let recomputed = test_app.app.kpis_recomputed(&actor, from, to, grouping).await.expect("recomputed");
            assert_eq!(from_rollups, recomputed, "grouping by '{by}'");
            assert!(!recomputed.is_empty(), "every batch has valid lines in the range");
        }
        // A partial range cuts through the days the rollups are kept by.
        let (from, to) = (time::macros::date!(2025 - 01 - 10), time::macros::date!(2025 - 01 - 20));
        let grouping = KpiGrouping::parse("month,group").expect("grouping");
        assert_eq!(
            test_app.app.kpis(&actor, from, to, grouping).await.expect("kpis"),
            test_app.app.kpis_recomputed(&actor, from, to, grouping).await.expect("recomputed")
        );
    }

    #[tokio::test]
    async fn a_membership_change_committed_without_its_rollup_rebuild_is_caught_when_kpis_are_read() {
        let test_app = TestApp::new().await;
        load(
            &test_app,
            Some(MembershipFile::Accounts),
            "account_number,legal_name,business_type,ior_numbers\nA1,One,importer,100000001\n",
        )
        .await;
        load(&test_app, None, &csv(&[(1, 1, 1, 5, 3, Some(2), 1_000, false), (2, 1, 4, 6, 0, None, 500, true)])).await;
        let actor = Actor::system("test");
        let (from, to) = (time::macros::date!(2025 - 01 - 01), time::macros::date!(2025 - 03 - 31));
        let grouping = KpiGrouping::parse("group").expect("grouping");
        let before = test_app.app.kpis(&actor, from, to, grouping).await.expect("kpis");
        assert!(before.iter().all(|row| row.group.is_some_and(|group| group.tier.code() == "NM")), "{before:?}");

        // What an import writes before it rebuilds the rollups, as if the process died there.
        let account = test_app.app.store.list_accounts().await.expect("accounts").remove(0);
        let event = tt_store::trade::NewStatusEvent {
            account_id: account.id,
            effective_date: time::macros::date!(2024 - 12 - 01),
            change: tt_domain::membership::StatusChange::parse("ctpat", "T2").expect("change"),
            reason: None,
            source: "import",
            recorded_at: tt_testkit::contract::now(),
        };
        test_app
            .app
            .store
            .append_status_events(&[event], &tt_testkit::contract::audit("status.import"))
            .await
            .expect("append");

        let after = test_app.app.kpis(&actor, from, to, grouping).await.expect("kpis");
        assert_eq!(after, test_app.app.kpis_recomputed(&actor, from, to, grouping).await.expect("recomputed"));
        assert!(after.iter().any(|row| row.group.is_some_and(|group| group.tier.code() == "T2")), "{after:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
        #[test]
        fn rollups_equal_a_full_recomputation_after_any_batches_and_membership_changes(
            first in proptest::collection::vec(row(), 1..60),
            second in proptest::collection::vec(row(), 1..60),
            third in proptest::collection::vec(row(), 1..40),
            tiers in proptest::collection::vec((0..3u8, 0..40u8, 0..4u8), 1..6),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let test_app = TestApp::new().await;
                load(&test_app, Some(MembershipFile::Accounts), "account_number,legal_name,business_type,ior_numbers\nA0,Zero,importer,100000000\nA1,One,importer,100000001;100000002\nA2,Two,importer,100000003\n").await;
                load(&test_app, None, &csv(&first)).await;
                load(&test_app, None, &csv(&second)).await;
                assert_rollups_match(&test_app).await;
                let mut events = String::from("account_number,effective_date,kind,value\n");
                for (account, day, value) in &tiers {
                    let date = tt_app::trade::format_date(time::macros::date!(2025 - 01 - 01) + time::Duration::days(i64::from(*day)));
                    let (kind, value) = match value { 0 => ("ctpat", "T1"), 1 => ("ctpat", "T2"), 2 => ("ctpat", "T3"), _ => ("tc", "ON") };
                    events.push_str(&format!("A{account},{date},{kind},{value}\n"));
                }
                load(&test_app, Some(MembershipFile::StatusEvents), &events).await;
                assert_rollups_match(&test_app).await;
                load(&test_app, None, &csv(&third)).await;
                load(&test_app, None, &csv(&first)).await;
                assert_rollups_match(&test_app).await;
            });
        }
    }
}

#[test]
fn a_reject_list_spills_beyond_memory_and_gives_every_reject_back_in_order() {
    use tt_app::reject_list::{Reject, RejectList};
    let reject = |row: u64| Reject {
        file: "big.csv".to_owned(),
        row,
        field: "entry_number".to_owned(),
        reason: "bad".to_owned(),
    };
    let mut list = RejectList::default();
    for row in 2..150_002 {
        list.push(reject(row)).expect("push");
    }
    list.flush().expect("flush");
    assert_eq!(list.len(), 150_000);
    let rows: Vec<u64> = list.iter().map(|reject| reject.expect("read back").row).collect();
    assert_eq!(rows, (2..150_002).collect::<Vec<_>>());
    let json = serde_json::to_value(&list).expect("serialize");
    let array = json.as_array().expect("an array");
    assert_eq!(array.len(), 150_000);
    assert_eq!(array[149_999]["row"], 150_001);
}
