//! The storage contract: behaviour every backend must show, written once against the traits.
//! Each backend crate runs all cases through [`store_contract_suite!`](crate::store_contract_suite).

use time::{Duration, OffsetDateTime};
use tt_domain::{
    Account, AccountId, AccountNumber, ApiToken, ApiTokenId, BusinessType, EmailAddress, ImporterNumber, LegalName,
    NewAuditRecord, PersonName, Role, Scac, Side, TokenScope, User, UserId,
};
use tt_store::{AuditFilter, NewUser, Session, Store, StoreError, UserFilter};

/// Whole microseconds, so values survive both backends unchanged.
#[must_use]
pub fn now() -> OffsetDateTime {
    NewAuditRecord::truncate_time(OffsetDateTime::now_utc())
}

#[must_use]
pub fn sample_account(number: &str, importer_numbers: &[&str]) -> Account {
    Account {
        id: AccountId::generate(),
        number: AccountNumber::parse(number).expect("account number"),
        legal_name: LegalName::parse(&format!("{number} Trading Company")).expect("legal name"),
        doing_business_as: None,
        business_type: BusinessType::Importer,
        address: None,
        importer_numbers: importer_numbers.iter().map(|n| ImporterNumber::parse(n).expect("importer number")).collect(),
        employer_identification_numbers: Vec::new(),
        manufacturer_ids: Vec::new(),
        scacs: Vec::new(),
        partner_agency_consent: false,
        created_at: now(),
    }
}

#[must_use]
pub fn sample_user(email: &str, role: Role, account_id: Option<AccountId>) -> User {
    User {
        id: UserId::generate(),
        email: EmailAddress::parse(email).expect("email"),
        name: PersonName::parse("Test Person").expect("name"),
        role,
        account_id,
        active: true,
        two_factor_enabled: false,
        delegated_by: None,
        delegation_expires_at: None,
        created_at: now(),
    }
}

#[must_use]
pub fn audit(action: &str) -> NewAuditRecord {
    NewAuditRecord {
        occurred_at: now(),
        actor_id: None,
        actor_label: "contract-test".to_owned(),
        acting_for: None,
        source_address: Some("127.0.0.1".to_owned()),
        request_id: None,
        action: action.to_owned(),
        object_type: "test".to_owned(),
        object_id: None,
        before: None,
        after: Some("{\"n\":1}".to_owned()),
    }
}

async fn audit_count(store: &dyn Store) -> usize {
    store.audit_chain(0, 10_000).await.expect("audit chain").len()
}

pub async fn an_account_round_trips_with_its_identifiers(store: &dyn Store) {
    let mut account = sample_account("RT-1", &["123456789AB", "98-765432100"]);
    account.doing_business_as = Some(LegalName::parse("Round Trip").expect("dba"));
    account.scacs = vec![Scac::parse("ABCD").expect("scac")];
    account.address =
        Some(tt_domain::Address::parse("1 Main St", None, "Laredo", Some("TX"), Some("78040"), "us").expect("address"));
    store.create_account(&account, &audit("account.create")).await.expect("create");
    let mut expected = account.clone();
    expected.importer_numbers.sort();
    assert_eq!(store.get_account(account.id).await.expect("get"), expected);
    assert_eq!(store.find_account_by_number(&account.number).await.expect("find").map(|a| a.id), Some(account.id));
    let by_importer =
        store.find_account_by_importer_number(&ImporterNumber::parse("98765432100").expect("n")).await.expect("find");
    assert_eq!(by_importer.map(|a| a.id), Some(account.id));
}

pub async fn an_importer_number_cannot_belong_to_two_accounts(store: &dyn Store) {
    store.create_account(&sample_account("FIRST", &["111111111"]), &audit("account.create")).await.expect("first");
    let records_before = audit_count(store).await;
    let second = sample_account("SECOND", &["222222222", "111-111-111"]);
    let error = store.create_account(&second, &audit("account.create")).await.expect_err("conflict");
    assert!(matches!(error, StoreError::Conflict { field: "ior_numbers" }), "got {error:?}");
    // The failed write left nothing behind: no account, no importer number, no audit record.
    assert!(store.find_account_by_number(&second.number).await.expect("find").is_none());
    assert!(
        store
            .find_account_by_importer_number(&ImporterNumber::parse("222222222").expect("n"))
            .await
            .expect("find")
            .is_none()
    );
    assert_eq!(audit_count(store).await, records_before);
}

pub async fn a_second_account_with_the_same_number_is_a_conflict(store: &dyn Store) {
    store.create_account(&sample_account("SAME", &[]), &audit("account.create")).await.expect("first");
    let error =
        store.create_account(&sample_account("same", &[]), &audit("account.create")).await.expect_err("conflict");
    assert!(matches!(error, StoreError::Conflict { field: "account_number" }), "got {error:?}");
}

pub async fn updating_an_account_replaces_its_identifiers(store: &dyn Store) {
    let account = sample_account("UPD", &["333333333"]);
    store.create_account(&account, &audit("account.create")).await.expect("create");
    let mut changed = account.clone();
    changed.legal_name = LegalName::parse("Renamed Ltd").expect("name");
    changed.importer_numbers = vec![ImporterNumber::parse("444444444").expect("n")];
    changed.partner_agency_consent = true;
    store.update_account(&changed, &audit("account.update")).await.expect("update");
    assert_eq!(store.get_account(account.id).await.expect("get"), changed);
    assert!(
        store
            .find_account_by_importer_number(&ImporterNumber::parse("333333333").expect("n"))
            .await
            .expect("find")
            .is_none()
    );
    assert_eq!(store.list_accounts().await.expect("list").len(), 1);
}

pub async fn unknown_rows_are_not_found(store: &dyn Store) {
    assert!(matches!(store.get_account(AccountId::generate()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.get_user(UserId::generate()).await, Err(StoreError::NotFound)));
    let account = sample_account("GHOST", &[]);
    assert!(matches!(store.update_account(&account, &audit("x")).await, Err(StoreError::NotFound)));
}

pub async fn a_duplicate_email_is_a_conflict_on_email(store: &dyn Store) {
    let user = sample_user("person@example.com", Role::Scss, None);
    store
        .create_user(&NewUser { user, password_hash: Some("hash".to_owned()) }, &audit("user.create"))
        .await
        .expect("first");
    let again = sample_user("person@example.com", Role::Nam, None);
    let error = store
        .create_user(&NewUser { user: again, password_hash: None }, &audit("user.create"))
        .await
        .expect_err("conflict");
    assert!(matches!(error, StoreError::Conflict { field: "email" }), "got {error:?}");
}

pub async fn users_are_listed_by_account_and_side(store: &dyn Store) {
    let account = sample_account("USERS", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let member = sample_user("member@example.com", Role::Employee, Some(account.id));
    let staff = sample_user("staff@example.com", Role::Scss, None);
    for user in [&member, &staff] {
        store
            .create_user(&NewUser { user: user.clone(), password_hash: None }, &audit("user.create"))
            .await
            .expect("user");
    }
    let of_account = store.list_users(&UserFilter { account_id: Some(account.id), side: None }).await.expect("list");
    assert_eq!(of_account, vec![member.clone()]);
    let agency = store.list_users(&UserFilter { account_id: None, side: Some(Side::Agency) }).await.expect("list");
    assert_eq!(agency, vec![staff.clone()]);
    assert_eq!(store.list_users(&UserFilter::default()).await.expect("list").len(), 2);
    let mut changed = member.clone();
    changed.active = false;
    changed.delegation_expires_at = Some(now() + Duration::days(3));
    store.update_user(&changed, &audit("user.update")).await.expect("update");
    assert_eq!(store.get_user(member.id).await.expect("get"), changed);
    assert_eq!(store.find_user_by_email(&member.email).await.expect("find"), Some(changed));
}

pub async fn passwords_and_second_factors_are_stored_per_user(store: &dyn Store) {
    let user = sample_user("secure@example.com", Role::Scss, None);
    store.create_user(&NewUser { user: user.clone(), password_hash: None }, &audit("user.create")).await.expect("user");
    assert_eq!(store.password_hash(user.id).await.expect("hash"), None);
    store.set_password_hash(user.id, "argon-hash", &audit("user.password")).await.expect("set");
    assert_eq!(store.password_hash(user.id).await.expect("hash").as_deref(), Some("argon-hash"));
    store
        .set_two_factor(user.id, Some("SECRET"), &["code-a".to_owned(), "code-b".to_owned()], &audit("2fa"))
        .await
        .expect("2fa");
    assert!(store.get_user(user.id).await.expect("get").two_factor_enabled);
    assert_eq!(store.two_factor_secret(user.id).await.expect("secret").as_deref(), Some("SECRET"));
    assert!(store.consume_recovery_code(user.id, "code-a", &audit("recovery")).await.expect("consume"));
    assert!(!store.consume_recovery_code(user.id, "code-a", &audit("recovery")).await.expect("consume again"));
    store.set_two_factor(user.id, None, &[], &audit("2fa off")).await.expect("off");
    assert!(!store.get_user(user.id).await.expect("get").two_factor_enabled);
    assert!(!store.consume_recovery_code(user.id, "code-b", &audit("recovery")).await.expect("cleared"));
}

pub async fn invitations_are_used_once(store: &dyn Store) {
    let user = sample_user("invited@example.com", Role::Employee, None);
    let user = User { role: Role::Scss, ..user };
    store.create_user(&NewUser { user: user.clone(), password_hash: None }, &audit("user.create")).await.expect("user");
    let at = now();
    store
        .create_invitation("invite-hash", user.id, at + Duration::days(7), &audit("user.invite"))
        .await
        .expect("invite");
    assert_eq!(store.find_invitation("invite-hash", at).await.expect("find"), Some(user.id));
    assert_eq!(store.find_invitation("invite-hash", at + Duration::days(8)).await.expect("expired"), None);
    store.accept_invitation("invite-hash", "new-hash", &audit("accept")).await.expect("accept");
    assert_eq!(store.password_hash(user.id).await.expect("hash").as_deref(), Some("new-hash"));
    assert_eq!(store.find_invitation("invite-hash", at).await.expect("used"), None);
    assert!(matches!(
        store.accept_invitation("invite-hash", "again", &audit("accept")).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn sessions_are_found_touched_and_ended(store: &dyn Store) {
    let user = sample_user("session@example.com", Role::Scss, None);
    store.create_user(&NewUser { user: user.clone(), password_hash: None }, &audit("user.create")).await.expect("user");
    let at = now();
    let session = Session {
        secret_hash: "s1".to_owned(),
        user_id: user.id,
        csrf_token: "csrf".to_owned(),
        created_at: at,
        last_seen_at: at,
        second_factor_passed: false,
        source_address: Some("127.0.0.1".to_owned()),
    };
    store.create_session(&session).await.expect("create");
    store.create_session(&Session { secret_hash: "s2".to_owned(), ..session.clone() }).await.expect("second");
    assert_eq!(store.find_session("s1").await.expect("find"), Some(session.clone()));
    store.mark_second_factor_passed("s1").await.expect("2fa");
    store.touch_session("s1", at + Duration::minutes(20)).await.expect("touch");
    let found = store.find_session("s1").await.expect("find").expect("present");
    assert!(found.second_factor_passed);
    assert_eq!(found.last_seen_at, at + Duration::minutes(20));
    assert_eq!(store.delete_sessions_idle_since(at + Duration::minutes(10)).await.expect("purge"), 1);
    assert!(store.find_session("s2").await.expect("find").is_none());
    store.delete_sessions_of_user(user.id).await.expect("delete all");
    assert!(store.find_session("s1").await.expect("find").is_none());
}

pub async fn api_tokens_are_found_by_hash_and_revoked_once(store: &dyn Store) {
    let user = sample_user("token@example.com", Role::Scss, None);
    store.create_user(&NewUser { user: user.clone(), password_hash: None }, &audit("user.create")).await.expect("user");
    let at = now();
    let token = ApiToken {
        id: ApiTokenId::generate(),
        user_id: user.id,
        name: "ci".to_owned(),
        scope: TokenScope::Read,
        secret_hash: "token-hash".to_owned(),
        created_at: at,
        expires_at: at + Duration::days(30),
        revoked_at: None,
    };
    store.create_api_token(&token, &audit("api_token.create")).await.expect("create");
    assert_eq!(store.find_api_token_by_hash("token-hash").await.expect("find"), Some(token.clone()));
    assert_eq!(store.list_api_tokens(user.id).await.expect("list"), vec![token.clone()]);
    store.revoke_api_token(token.id, at, &audit("api_token.revoke")).await.expect("revoke");
    assert_eq!(store.find_api_token_by_hash("token-hash").await.expect("find").and_then(|t| t.revoked_at), Some(at));
    assert!(matches!(store.revoke_api_token(token.id, at, &audit("again")).await, Err(StoreError::NotFound)));
}

pub async fn failed_logins_are_counted_since_the_last_success(store: &dyn Store) {
    let at = now();
    for minute in 0..3 {
        store
            .record_login_attempt("a@example.com", Some("10.0.0.1"), false, at + Duration::minutes(minute))
            .await
            .expect("record");
    }
    assert_eq!(store.count_failed_logins_for_email("a@example.com", at).await.expect("count"), 3);
    assert_eq!(store.count_failed_logins_from_address("10.0.0.1", at).await.expect("count"), 3);
    assert_eq!(
        store.count_failed_logins_for_email("a@example.com", at + Duration::minutes(2)).await.expect("count"),
        1
    );
    store
        .record_login_attempt("a@example.com", Some("10.0.0.1"), true, at + Duration::minutes(4))
        .await
        .expect("success");
    assert_eq!(store.count_failed_logins_for_email("a@example.com", at).await.expect("count"), 0);
    assert_eq!(store.count_failed_logins_for_email("b@example.com", at).await.expect("count"), 0);
}

pub async fn audit_records_form_a_chain_and_can_be_filtered(store: &dyn Store) {
    assert_eq!(store.audit_head(&[]).await.expect("head"), 0, "no records yet");
    let first = store.append_audit(&audit("session.sign_in")).await.expect("first");
    let mut second_record = audit("account.create");
    second_record.object_type = "account".to_owned();
    second_record.object_id = Some("acct-1".to_owned());
    let second = store.append_audit(&second_record).await.expect("second");
    assert_eq!(first.sequence, 1);
    assert_eq!(second.sequence, 2);
    assert_eq!(first.previous_hash, tt_domain::ChainHash::genesis());
    assert_eq!(second.previous_hash, first.hash);
    let chain = store.audit_chain(0, 10).await.expect("chain");
    assert_eq!(chain, vec![first.clone(), second.clone()]);
    assert_eq!(store.audit_head(&[]).await.expect("head"), 2, "the head is the latest sequence");
    assert_eq!(store.audit_head(&["account."]).await.expect("head"), 1, "records starting so are passed over");
    assert_eq!(store.audit_head(&["account.", "session."]).await.expect("head"), 0);
    assert!(chain[1].is_intact_after(&chain[0].hash));
    let filter = AuditFilter { action_prefix: Some("account.".to_owned()), limit: 10, ..AuditFilter::default() };
    assert_eq!(store.list_audit(&filter).await.expect("list"), vec![second.clone()]);
    let by_object = AuditFilter {
        object_type: Some("account".to_owned()),
        object_id: Some("acct-1".to_owned()),
        limit: 10,
        ..AuditFilter::default()
    };
    assert_eq!(store.list_audit(&by_object).await.expect("list").len(), 1);
    let newest_first = store.list_audit(&AuditFilter { limit: 10, ..AuditFilter::default() }).await.expect("list");
    assert_eq!(newest_first.iter().map(|r| r.sequence).collect::<Vec<_>>(), vec![2, 1]);
    let later = AuditFilter { from: Some(now() + Duration::hours(1)), limit: 10, ..AuditFilter::default() };
    assert!(store.list_audit(&later).await.expect("list").is_empty());
}

pub async fn the_schema_lists_the_application_tables(store: &dyn Store) {
    let columns = store.schema_columns().await.expect("schema");
    for table in [
        "accounts",
        "importer_numbers",
        "users",
        "sessions",
        "api_tokens",
        "audit_log",
        "membership_events",
        "notifications",
    ] {
        assert!(columns.iter().any(|(t, _)| t == table), "missing table {table}");
    }
    assert!(!columns.iter().any(|(t, _)| t.starts_with("_sqlx")), "migration bookkeeping is not part of the schema");
}

fn sample_entry(entry_number: &str, batch_id: i64) -> tt_store::trade::EntryWithLines {
    use tt_domain::trade::{Cents, EntryFields, Exam, ExamReason, LineFields, MicroHours};
    use tt_store::trade::{EntryWithLines, StoredEntry, StoredLine};
    let line =
        |line_number: i32, country: &str, manufacturer: Option<&str>, cents: i64, recon: Option<bool>| StoredLine {
            line: LineFields {
                line_number,
                country_of_origin: country.to_owned(),
                manufacturer_id: manufacturer.map(str::to_owned),
                hts_number: "8471300100".to_owned(),
                entered_value: Cents(cents),
                duty: Cents(cents / 10),
                recon_flag: recon,
            },
            batch_id,
        };
    EntryWithLines {
        entry: StoredEntry {
            fields: EntryFields {
                entry_number: entry_number.to_owned(),
                entry_type: "01".to_owned(),
                importer_number: ImporterNumber::parse("123456789").expect("importer"),
                port_code: "2704".to_owned(),
                entry_date: time::macros::date!(2024 - 03 - 01),
                release_date: Some(time::macros::date!(2024 - 03 - 04)),
                mode_of_transport: None,
                exam: Some(Exam::Physical),
                exam_reason: Some(ExamReason::Random),
                hold: MicroHours(2_500_000),
            },
            batch_id,
            first_row: 2,
            changed_in_batch: true,
        },
        lines: vec![
            line(1, "VN", Some("MXMFR1951"), 123_456, Some(true)),
            line(2, "CN", None, 99, None),
            line(3, "VN", None, 1, Some(false)),
        ],
    }
}

fn batch_record(id: i64) -> tt_store::trade::BatchRecord {
    tt_store::trade::BatchRecord {
        id,
        file_name: "entries.csv".to_owned(),
        started_at: now(),
        finished_at: now(),
        counts: tt_store::trade::BatchCounts { rows_read: 3, lines_ingested: 3, entries_new: 1, ..Default::default() },
    }
}

pub async fn an_entry_round_trips_with_its_lines_and_their_totals(store: &dyn Store) {
    let mut session = store.begin_ingest().await.expect("begin");
    let batch_id = session.batch_id();
    let entry = sample_entry("AB112345678", batch_id);
    let mut first_version = entry.clone();
    first_version.lines.truncate(1);
    session.write_entries(std::slice::from_ref(&first_version), &[]).await.expect("insert");
    session.write_entries(&[], std::slice::from_ref(&entry)).await.expect("replace");
    let numbers = ["AB112345678".to_owned(), "ZZZ00000000".to_owned()];
    assert_eq!(session.stored_entries(&numbers).await.expect("read"), vec![entry.clone()], "visible inside the batch");
    session.finish(&batch_record(batch_id), &audit("trade.ingest")).await.expect("finish");

    assert_eq!(store.entry_details("AB112345678").await.expect("details"), Some(entry));
    let day = time::macros::date!(2024 - 03 - 01);
    let importers = ["123456789".to_owned()];
    let origins = store.entry_origins(day, day, &importers).await.expect("origins");
    assert_eq!(origins.len(), 1);
    let others = ["999999999".to_owned()];
    assert!(store.entry_origins(day, day, &others).await.expect("origins").is_empty(), "only the importers asked");
    assert_eq!(origins[0].countries, ["CN", "VN"], "distinct and sorted");
    let mut totals = Vec::new();
    store.visit_line_aggregates(day, day, None, false, &mut |total| totals.push(total)).await.expect("line totals");
    assert_eq!(
        (totals[0].lines, totals[0].entered_value_cents, totals[0].duty_cents, totals[0].recon_flagged_lines),
        (3, 123_556, 12_354, 1)
    );
    assert_eq!(store.list_batches(10).await.expect("batches")[0].id, batch_id);
}

pub async fn inserting_an_entry_already_stored_is_an_error(store: &dyn Store) {
    let mut session = store.begin_ingest().await.expect("begin");
    let entry = sample_entry("AB112345678", session.batch_id());
    session.write_entries(std::slice::from_ref(&entry), &[]).await.expect("insert");
    assert!(session.write_entries(std::slice::from_ref(&entry), &[]).await.is_err(), "not silently skipped");
}

pub async fn a_batch_dropped_before_it_finishes_leaves_nothing(store: &dyn Store) {
    let mut session = store.begin_ingest().await.expect("begin");
    let batch_id = session.batch_id();
    session.write_entries(&[sample_entry("AB112345678", batch_id)], &[]).await.expect("write");
    drop(session);
    assert_eq!(store.entry_details("AB112345678").await.expect("details"), None);
    assert!(store.list_batches(10).await.expect("batches").is_empty());
    let next = store.begin_ingest().await.expect("begin again");
    assert_eq!(next.batch_id(), batch_id, "the dropped batch's number is free again");
}

/// Rows as a database made before migration 5 held them: entries and a separate line table
/// (the same SQL on both backends).
pub const ROWS_BEFORE_PACKED_LINES: &str = "
    INSERT INTO entries VALUES ('AB112345678', '01', '123456789', '2704', '2024-03-01', '2024-03-03', NULL, NULL,
                                NULL, 0, 1, 2, TRUE);
    INSERT INTO entries VALUES ('Z0100000001', '01', '123456789', '2704', '2024-03-02', NULL, NULL, NULL, NULL, 0,
                                1, 5, TRUE);
    INSERT INTO entry_lines VALUES ('AB112345678', 2, 'VN', NULL, '8471300100', 5, 1, 'Y', 1);
    INSERT INTO entry_lines VALUES ('AB112345678', 1, 'CN', 'MXMFR1', '8471300100', 100, 10, NULL, 1);";

/// A fresh folder holding copies of the first `count` migration files of `folder`, for running
/// a backend's migrations only up to a point.
///
/// # Panics
/// When the files cannot be read or copied (a test set-up failure).
#[must_use]
pub fn first_migrations(folder: &str, count: usize) -> std::path::PathBuf {
    let copy = std::env::temp_dir().join(format!("tt-migrations-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&copy).expect("folder");
    let mut files: Vec<_> =
        std::fs::read_dir(folder).expect("migrations").map(|entry| entry.expect("entry").path()).collect();
    files.sort();
    for file in &files[..count] {
        std::fs::copy(file, copy.join(file.file_name().expect("name"))).expect("copy");
    }
    copy
}

/// After migrating the rows of [`ROWS_BEFORE_PACKED_LINES`] (in each store crate's tests): both
/// entries, the lines in order with their batch, and the totals beside them.
pub async fn old_entries_survive_packing(store: &dyn Store) {
    let entry = store.entry_details("AB112345678").await.expect("details").expect("kept");
    let line =
        |line_number, country: &str, manufacturer: Option<&str>, cents, duty, recon| tt_store::trade::StoredLine {
            line: tt_domain::trade::LineFields {
                line_number,
                country_of_origin: country.to_owned(),
                manufacturer_id: manufacturer.map(str::to_owned),
                hts_number: "8471300100".to_owned(),
                entered_value: tt_domain::trade::Cents(cents),
                duty: tt_domain::trade::Cents(duty),
                recon_flag: recon,
            },
            batch_id: 1,
        };
    assert_eq!(entry.lines, [line(1, "CN", Some("MXMFR1"), 100, 10, None), line(2, "VN", None, 5, 1, Some(true))]);
    assert_eq!(entry.entry.first_row, 2);
    let empty = store.entry_details("Z0100000001").await.expect("details").expect("an entry without lines is kept");
    assert!(empty.lines.is_empty());
    let day = time::macros::date!(2024 - 03 - 01);
    let importers = ["123456789".to_owned()];
    assert_eq!(store.entry_origins(day, day, &importers).await.expect("origins")[0].countries, ["CN", "VN"]);
    let mut all_totals = Vec::new();
    store.visit_line_aggregates(day, day, None, false, &mut |total| all_totals.push(total)).await.expect("totals");
    let totals = &all_totals[0];
    assert_eq!(
        (totals.lines, totals.entered_value_cents, totals.duty_cents, totals.recon_flagged_lines),
        (2, 105, 11, 1)
    );
}

fn membership_step(
    account_id: AccountId,
    day: time::Date,
    step: tt_domain::lifecycle::Step,
) -> tt_store::membership::NewMembershipEvent {
    tt_store::membership::NewMembershipEvent {
        account_id,
        effective_date: day,
        recorded_at: now(),
        recorded_by: "contract-test".to_owned(),
        recorded_by_user: None,
        reason: Some("a reason".to_owned()),
        document_version: Some("agreement-2024".to_owned()),
        step,
    }
}

pub async fn membership_steps_round_trip_in_recording_order_with_their_standing(store: &dyn Store) {
    use tt_domain::lifecycle::{Program, Step};
    use tt_domain::membership::{CtpatValue, StatusChange};
    let account = sample_account("HISTORY-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let day = time::macros::date!(2026 - 01 - 05);
    let steps = [
        membership_step(account.id, day, Step::CompanyProfileCreated),
        membership_step(
            account.id,
            day,
            Step::InformationRequested {
                program: Program::Security,
                request: 1,
                question: "Seal controls? «quoted» \"text\"".to_owned(),
                due: time::macros::date!(2026 - 02 - 05),
            },
        ),
    ];
    let standing = tt_store::trade::NewStatusEvent {
        account_id: account.id,
        effective_date: day,
        change: StatusChange::Ctpat(CtpatValue::T1),
        reason: Some("certified".to_owned()),
        source: "workflow",
        recorded_at: now(),
    };
    let before = audit_count(store).await;
    let sequences = store
        .append_membership_events(account.id, None, &steps, std::slice::from_ref(&standing), &audit("membership.step"))
        .await
        .expect("append");
    assert_eq!(sequences.len(), 2);
    assert!(sequences[0] < sequences[1]);
    assert_eq!(audit_count(store).await, before + 1, "one audit record for the whole append");
    let history = store.membership_events(account.id).await.expect("history");
    assert_eq!(
        history.iter().map(|event| event.step.clone()).collect::<Vec<_>>(),
        steps.iter().map(|event| event.step.clone()).collect::<Vec<_>>()
    );
    assert_eq!(history[0].sequence, sequences[0]);
    assert_eq!(history[0].effective_date, day);
    assert_eq!(history[0].document_version.as_deref(), Some("agreement-2024"));
    let status = store.sourced_status_events(Some(account.id)).await.expect("status");
    assert_eq!(status.len(), 1);
    assert_eq!(
        (status[0].0, status[0].1.event.change, status[0].1.source.as_str()),
        (account.id, standing.change, "workflow")
    );
    assert!(!store.sourced_status_events(None).await.expect("all status").is_empty());
    let all = store.all_membership_events().await.expect("all");
    assert_eq!(all.iter().find(|(id, _)| *id == account.id).map(|(_, events)| events.len()), Some(2));
}

pub async fn a_step_validated_against_an_outdated_history_is_a_conflict(store: &dyn Store) {
    use tt_domain::lifecycle::Step;
    let account = sample_account("HISTORY-2", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let day = time::macros::date!(2026 - 01 - 05);
    let first = store
        .append_membership_events(
            account.id,
            None,
            &[membership_step(account.id, day, Step::CompanyProfileCreated)],
            &[],
            &audit("a"),
        )
        .await
        .expect("first");
    let stale = store
        .append_membership_events(
            account.id,
            None,
            &[membership_step(account.id, day, Step::ApplicationSubmitted)],
            &[],
            &audit("b"),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict { field: "history" })), "{stale:?}");
    store
        .append_membership_events(
            account.id,
            Some(first[0]),
            &[membership_step(account.id, day, Step::ApplicationSubmitted)],
            &[],
            &audit("c"),
        )
        .await
        .expect("current");
    assert_eq!(store.membership_events(account.id).await.expect("history").len(), 2);
}

pub async fn a_reminder_is_added_once_per_recipient_and_leaves_the_outbox_when_emailed(store: &dyn Store) {
    use tt_store::membership::Notification;
    let account = sample_account("REMIND-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let user = sample_user("officer@remind.example", Role::CompanyOfficer, Some(account.id));
    store.create_user(&NewUser { user: user.clone(), password_hash: None }, &audit("user.create")).await.expect("user");
    let notification = Notification {
        id: uuid::Uuid::now_v7(),
        reminder_key: format!("{}:anl_due:2027:30", account.id),
        account_id: Some(account.id),
        recipient: user.id,
        recipient_email: "officer@remind.example".to_owned(),
        subject: "Annual Notification Letter due".to_owned(),
        body: "due 2027-02-28".to_owned(),
        created_at: now(),
        read_at: None,
        emailed_at: None,
    };
    assert!(store.add_notification(&notification).await.expect("add"));
    let again = Notification { id: uuid::Uuid::now_v7(), ..notification.clone() };
    assert!(!store.add_notification(&again).await.expect("add again"), "the same reminder is not added twice");
    assert_eq!(store.notifications_for(user.id).await.expect("inbox"), vec![notification.clone()]);
    assert!(store.outbox(10).await.expect("outbox").iter().any(|waiting| waiting.id == notification.id));
    store.mark_notification_emailed(notification.id, now()).await.expect("emailed");
    assert!(!store.outbox(10).await.expect("outbox").iter().any(|waiting| waiting.id == notification.id));
    store.mark_notification_read(notification.id, user.id, now()).await.expect("read");
    assert!(store.notifications_for(user.id).await.expect("inbox")[0].read_at.is_some());
    let other = UserId::generate();
    assert!(matches!(store.mark_notification_read(notification.id, other, now()).await, Err(StoreError::NotFound)));
}

pub async fn registering_an_applicant_creates_all_of_it_or_nothing(store: &dyn Store) {
    use tt_domain::lifecycle::Step;
    let account = sample_account("APP-1", &[]);
    let officer = sample_user("officer@applicant.example", Role::CompanyOfficer, Some(account.id));
    let first = membership_step(account.id, time::macros::date!(2026 - 01 - 05), Step::CompanyProfileCreated);
    store
        .register_applicant(
            &account,
            &NewUser { user: officer.clone(), password_hash: Some("hash".to_owned()) },
            &first,
            &audit("account.sign_up"),
        )
        .await
        .expect("register");
    assert_eq!(store.get_account(account.id).await.expect("account").number, account.number);
    assert_eq!(store.get_user(officer.id).await.expect("officer").account_id, Some(account.id));
    assert_eq!(store.membership_events(account.id).await.expect("history").len(), 1);
    let second = sample_account("APP-2", &[]);
    let same_email = sample_user("officer@applicant.example", Role::CompanyOfficer, Some(second.id));
    let first = membership_step(second.id, time::macros::date!(2026 - 01 - 05), Step::CompanyProfileCreated);
    let refused = store
        .register_applicant(
            &second,
            &NewUser { user: same_email, password_hash: None },
            &first,
            &audit("account.sign_up"),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Conflict { field: "email" })), "{refused:?}");
    assert!(store.find_account_by_number(&second.number).await.expect("find").is_none(), "no half-registered company");
}

pub async fn a_published_catalogue_version_round_trips_and_cannot_be_published_twice(store: &dyn Store) {
    use tt_domain::criteria::{Catalogue, CatalogueKind, Change, Criterion, CriterionId, Mapping, Requirement};
    use tt_store::criteria::PublishedCatalogue;
    let criterion = Criterion {
        id: CriterionId::parse("3.9").expect("id"),
        focus_area: "Corporate Security".to_owned(),
        category_number: 3,
        category: "Business Partners".to_owned(),
        requirement: Requirement::Should,
        must_from: Some(time::macros::date!(2023 - 01 - 01)),
        text: "Social compliance program «forced labor»".to_owned(),
        guidance: String::new(),
    };
    let catalogue = Catalogue::new(
        CatalogueKind::Importer,
        "2026-1",
        time::macros::date!(2026 - 06 - 01),
        vec![(2, criterion.clone())],
    )
    .expect("catalogue");
    let mapping =
        Mapping { changes: [(criterion.id.clone(), Change::Changed { previous: criterion.id.clone() })].into() };
    let published = PublishedCatalogue {
        catalogue,
        previous_version: "2019-11".to_owned(),
        mapping,
        published_at: now(),
        published_by: "director@cbp.example".to_owned(),
    };
    let before = audit_count(store).await;
    store.publish_catalogue(&published, &audit("criteria.publish")).await.expect("publish");
    assert_eq!(audit_count(store).await, before + 1);
    assert_eq!(store.published_catalogues().await.expect("list"), vec![published.clone()]);
    let again = store.publish_catalogue(&published, &audit("criteria.publish")).await;
    assert!(matches!(again, Err(StoreError::Conflict { field: "version" })), "{again:?}");
    assert_eq!(audit_count(store).await, before + 1, "a refused publication leaves no audit record");
}

pub async fn profile_steps_round_trip_and_a_stale_append_is_a_conflict(store: &dyn Store) {
    use tt_domain::criteria::CriterionId;
    use tt_domain::profile::{Answer, Evidence, ProfileStep};
    use tt_store::profile::NewProfileEvent;
    let account = sample_account("PROFILE-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let step = |step: ProfileStep| NewProfileEvent {
        account_id: account.id,
        recorded_at: now(),
        recorded_by: "officer@profile.example".to_owned(),
        recorded_by_user: None,
        step,
    };
    let criterion = CriterionId::parse("3.9").expect("id");
    let steps = [
        step(ProfileStep::CatalogueAdopted { version: "2019-11".to_owned() }),
        step(ProfileStep::Answered {
            criterion: criterion.clone(),
            answer: Answer::Partially,
            narrative: "Code of conduct «draft»".to_owned(),
        }),
        step(ProfileStep::EvidenceAttached {
            criterion,
            evidence: Evidence {
                key: "evidence/abc".to_owned(),
                file_name: "code.pdf".to_owned(),
                content_type: "application/pdf".to_owned(),
                size: 1234,
                sha256: "ab".repeat(32),
            },
        }),
    ];
    store.append_profile_events(account.id, None, &steps, &audit("profile.answer")).await.expect("append");
    let history = store.profile_events(account.id).await.expect("history");
    assert_eq!(
        history.iter().map(|event| event.step.clone()).collect::<Vec<_>>(),
        steps.iter().map(|event| event.step.clone()).collect::<Vec<_>>()
    );
    let stale = store.append_profile_events(account.id, None, &steps[..1], &audit("profile.answer")).await;
    assert!(matches!(stale, Err(StoreError::Conflict { field: "profile" })), "{stale:?}");
    let last = history.last().map(|event| event.sequence);
    store.append_profile_events(account.id, last, &steps[1..2], &audit("profile.answer")).await.expect("current");
}

pub async fn a_validation_history_round_trips_and_is_listed_by_account(store: &dyn Store) {
    use tt_domain::lifecycle::ValidationKind;
    use tt_domain::validation::{Site, ValidationMode, ValidationStep};
    use tt_store::validation::NewValidationEvent;
    let account = sample_account("VALIDATE-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let validation_id = uuid::Uuid::now_v7();
    let step = ValidationStep::Planned {
        kind: ValidationKind::Initial,
        mode: ValidationMode::OnSite,
        low_risk: false,
        sites: vec![Site {
            name: "Laredo «DC»".to_owned(),
            country: "US".to_owned(),
            share_of_imports: 80,
            no_go_reason: None,
        }],
        notice_sent: time::macros::date!(2026 - 01 - 05),
        domestic_visit: Some(time::macros::date!(2026 - 02 - 10)),
        foreign_visit: None,
    };
    let event = NewValidationEvent {
        validation_id,
        account_id: account.id,
        recorded_at: now(),
        recorded_by: "scss@cbp.example".to_owned(),
        recorded_by_user: None,
        step: step.clone(),
    };
    store
        .append_validation_events(validation_id, None, std::slice::from_ref(&event), &audit("validation.planned"))
        .await
        .expect("append");
    let (owner, events) = store.validation_events(validation_id).await.expect("read").expect("exists");
    assert_eq!((owner, events.len(), events[0].step.clone()), (account.id, 1, step));
    let stale = store
        .append_validation_events(validation_id, None, std::slice::from_ref(&event), &audit("validation.planned"))
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict { field: "validation" })), "{stale:?}");
    let listed = store.list_validations(Some(account.id)).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].validation_id, listed[0].steps), (validation_id, 1));
    assert!(store.validation_events(uuid::Uuid::now_v7()).await.expect("read").is_none());
}

pub async fn request_histories_round_trip_newest_first_and_a_stale_append_is_a_conflict(store: &dyn Store) {
    use tt_domain::requests::{RequestKind, RequestStep};
    use tt_store::requests::NewRequestEvent;
    let account = sample_account("REQUEST-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let event = |request_id: uuid::Uuid, step: RequestStep| NewRequestEvent {
        request_id,
        account_id: account.id,
        kind: RequestKind::Ruling,
        recorded_at: now(),
        recorded_by: "officer@example.com".to_owned(),
        recorded_by_user: None,
        step,
    };
    let submitted = RequestStep::Submitted {
        kind: RequestKind::Ruling,
        details: [("merchandise".to_owned(), "Cafés «spéciaux»".to_owned())].into_iter().collect(),
        received: time::macros::date!(2026 - 03 - 02),
        trade_compliance: true,
        renews: None,
    };
    let (first, second) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    store
        .append_request_event(None, &event(first, submitted.clone()), &audit("request.submitted"))
        .await
        .expect("first");
    store
        .append_request_event(None, &event(second, submitted.clone()), &audit("request.submitted"))
        .await
        .expect("second");
    let message = RequestStep::Message { from_agency: true, text: "Please send a sample".to_owned() };
    let stale = store.append_request_event(None, &event(first, message.clone()), &audit("request.message")).await;
    assert!(matches!(stale, Err(StoreError::Conflict { field: "request" })), "{stale:?}");
    let stored = store.request(first).await.expect("read").expect("exists");
    let last = stored.events.last().map(|recorded| recorded.sequence);
    store.append_request_event(last, &event(first, message.clone()), &audit("request.message")).await.expect("current");
    let stored = store.request(first).await.expect("read").expect("exists");
    assert_eq!(stored.account_id, account.id);
    assert_eq!(stored.events.iter().map(|recorded| recorded.step.clone()).collect::<Vec<_>>(), [submitted, message]);
    let listed = store.requests(Some(account.id)).await.expect("list");
    assert_eq!(
        listed.iter().map(|request| (request.request_id, request.events.len())).collect::<Vec<_>>(),
        [(second, 1), (first, 2)]
    );
    assert!(store.requests(Some(tt_domain::AccountId::generate())).await.expect("list").is_empty());
    // A certificate is renewed by one live request at a time.
    let renewal = |renews| RequestStep::Submitted {
        kind: RequestKind::ConfidentialManifest,
        details: std::collections::BTreeMap::new(),
        received: time::macros::date!(2026 - 03 - 02),
        trade_compliance: true,
        renews: Some(renews),
    };
    let (renewing, again) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    store
        .append_request_event(None, &event(renewing, renewal(first)), &audit("request.submitted"))
        .await
        .expect("renewal");
    let twice = store.append_request_event(None, &event(again, renewal(first)), &audit("request.submitted")).await;
    assert!(matches!(twice, Err(StoreError::Conflict { field: "renews" })), "{twice:?}");
    let withdrawn = RequestStep::Withdrawn { on: time::macros::date!(2026 - 03 - 03), reason: String::new() };
    let last =
        store.request(renewing).await.expect("read").expect("exists").events.last().map(|recorded| recorded.sequence);
    store.append_request_event(last, &event(renewing, withdrawn), &audit("request.withdrawn")).await.expect("withdraw");
    store
        .append_request_event(None, &event(again, renewal(first)), &audit("request.submitted"))
        .await
        .expect("renewed anew");
    assert!(store.request(uuid::Uuid::now_v7()).await.expect("read").is_none());
}

pub async fn proposal_histories_round_trip_in_order_and_a_stale_append_is_a_conflict(store: &dyn Store) {
    use tt_domain::proposals::{ProposalStep, ProposalTerms, Side};
    use tt_store::requests::NewProposalEvent;
    let event = |proposal_id: uuid::Uuid, step: ProposalStep| NewProposalEvent {
        proposal_id,
        recorded_at: now(),
        recorded_by: "director@example.com".to_owned(),
        recorded_by_user: None,
        step,
    };
    let proposed = ProposalStep::Proposed {
        terms: ProposalTerms {
            name: "Zones «francas»".to_owned(),
            program: "trade_compliance".to_owned(),
            tiers: vec![tt_domain::membership::CtpatValue::T2],
            trade_compliance: true,
            rationale: "audited already".to_owned(),
            description: String::new(),
            kpi: String::new(),
        },
    };
    let (first, second) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    store
        .append_proposal_event(None, &event(first, proposed.clone()), &audit("proposal.proposed"))
        .await
        .expect("first");
    store
        .append_proposal_event(None, &event(second, proposed.clone()), &audit("proposal.proposed"))
        .await
        .expect("second");
    let scored = ProposalStep::Scored {
        scorer: "a@example.com".to_owned(),
        side: Side::Industry,
        feasibility: 4,
        impact: 5,
        comment: String::new(),
    };
    let stale = store.append_proposal_event(None, &event(first, scored.clone()), &audit("proposal.scored")).await;
    assert!(matches!(stale, Err(StoreError::Conflict { field: "proposal" })), "{stale:?}");
    let last = store.proposals().await.expect("list")[0].events.last().map(|recorded| recorded.sequence);
    store.append_proposal_event(last, &event(first, scored.clone()), &audit("proposal.scored")).await.expect("current");
    let listed = store.proposals().await.expect("list");
    assert_eq!(
        listed.iter().map(|proposal| (proposal.proposal_id, proposal.events.len())).collect::<Vec<_>>(),
        [(first, 2), (second, 1)]
    );
    assert_eq!(listed[0].events[1].step, scored);
}

pub async fn a_defender_authorization_end_round_trips_in_recording_order(store: &dyn Store) {
    use tt_domain::membership::FilerEnd;
    let account = sample_account("DEFENDER-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let ends = [
        FilerEnd { filer_code: "B01".to_owned(), ended_from: time::macros::date!(2026 - 03 - 01) },
        FilerEnd { filer_code: "ZZ9".to_owned(), ended_from: time::macros::date!(2025 - 12 - 31) },
    ];
    for end in &ends {
        store.add_filer_end(account.id, end, now(), &audit("defender.filer_ended")).await.expect("end");
    }
    let stored: Vec<FilerEnd> = store
        .filer_ends()
        .await
        .expect("read")
        .into_iter()
        .filter(|(owner, _)| *owner == account.id)
        .map(|(_, end)| end)
        .collect();
    assert_eq!(stored, ends);
}

pub async fn a_status_credential_round_trips_newest_first_and_is_revoked_once(store: &dyn Store) {
    use tt_store::status_credentials::{CredentialRevocation, StoredCredential};
    let account = sample_account("CREDENTIAL-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let issue = |issued_to: &str, age_days: i64| StoredCredential {
        id: uuid::Uuid::new_v4(),
        account_id: account.id,
        issued_to: issued_to.to_owned(),
        issued_by: None,
        issued_at: now() - Duration::days(age_days),
        expires_at: now() + Duration::days(90 - age_days),
        text: format!("payload-for-{issued_to}.signature"),
        revocation: None,
    };
    let (older, newer) = (issue("Harbor Forwarding", 3), issue("Lakeside Carriers", 1));
    for credential in [&older, &newer] {
        store.add_credential(credential, &audit("credential.issue")).await.expect("issue");
    }
    assert_eq!(store.credentials(account.id).await.expect("list"), vec![newer.clone(), older.clone()]);
    let revocation =
        CredentialRevocation { reason: "partner relationship ended".to_owned(), revoked_by: None, revoked_at: now() };
    store.revoke_credential(older.id, &revocation, &audit("credential.revoke")).await.expect("revoke");
    assert_eq!(
        store.get_credential(older.id).await.expect("read"),
        StoredCredential { revocation: Some(revocation.clone()), ..older.clone() }
    );
    assert!(matches!(
        store.revoke_credential(older.id, &revocation, &audit("credential.revoke")).await,
        Err(StoreError::Conflict { field: "credential" })
    ));
    assert!(matches!(store.get_credential(uuid::Uuid::new_v4()).await, Err(StoreError::NotFound)));
}

pub async fn a_connection_replays_its_events_and_a_stale_append_is_a_conflict(store: &dyn Store) {
    use tt_domain::connection::{Connection, ConnectionEvent, ConnectionState, ConnectionStep, Sharing};
    use tt_store::connections::ConnectionPreferences;
    let (requester, partner) = (sample_account("CONNECT-1", &[]), sample_account("CONNECT-2", &[]));
    for account in [&requester, &partner] {
        store.create_account(account, &audit("account.create")).await.expect("account");
    }
    let event = |step, by: &Account, sharing| ConnectionEvent { step, by_account: by.id, sharing, at: now() };
    let asked = Sharing { tier: true, contact: false };
    let connection = Connection {
        requester: requester.id,
        partner: partner.id,
        events: vec![event(ConnectionStep::Requested, &requester, asked)],
    };
    let id = uuid::Uuid::new_v4();
    store.add_connection(id, &connection, None, &audit("connection.request")).await.expect("add");
    let accepted = event(ConnectionStep::Accepted, &partner, Sharing { tier: false, contact: true });
    store.append_connection_event(id, 1, &accepted, None, &audit("connection.accepted")).await.expect("accept");
    let declined = event(ConnectionStep::Declined, &partner, Sharing::default());
    assert!(matches!(
        store.append_connection_event(id, 1, &declined, None, &audit("connection.declined")).await,
        Err(StoreError::Conflict { .. })
    ));
    let stored = store.get_connection(id).await.expect("read");
    assert_eq!(stored.connection.events, vec![connection.events[0].clone(), accepted]);
    assert_eq!(stored.connection.state(), ConnectionState::Connected);
    for side in [&requester, &partner] {
        let listed = store.connections(Some(side.id)).await.expect("list");
        assert_eq!(listed.iter().map(|found| found.id).collect::<Vec<_>>(), vec![id]);
    }
    assert_eq!(store.connection_preferences(partner.id).await.expect("default"), ConnectionPreferences::default());
    let preferences = ConnectionPreferences { auto_accept: true, sharing: Sharing { tier: true, contact: true } };
    store
        .set_connection_preferences(partner.id, &preferences, None, now(), &audit("connection.preferences"))
        .await
        .expect("set");
    assert_eq!(store.connection_preferences(partner.id).await.expect("latest"), preferences);
}

pub async fn the_latest_consent_to_an_agency_counts_and_a_liaisons_latest_agency_too(store: &dyn Store) {
    use tt_store::agencies::AgencyConsent;
    let (first, second) = (sample_account("CONSENT-1", &[]), sample_account("CONSENT-2", &[]));
    for account in [&first, &second] {
        store.create_account(account, &audit("account.create")).await.expect("account");
    }
    let consent = |account: &Account, agency: &str, granted| AgencyConsent {
        account_id: account.id,
        agency_code: agency.to_owned(),
        granted,
        by_user: None,
        at: now(),
    };
    for record in [
        consent(&first, "FDA", true),
        consent(&second, "FDA", true),
        consent(&first, "CPSC", true),
        consent(&second, "FDA", false),
    ] {
        store.record_agency_consent(&record, &audit("agency.consent")).await.expect("record");
    }
    assert_eq!(store.accounts_consenting_to("FDA").await.expect("fda"), vec![first.id], "the withdrawal counts");
    assert_eq!(store.accounts_consenting_to("CPSC").await.expect("cpsc"), vec![first.id]);
    assert_eq!(store.agency_consents(Some(second.id)).await.expect("history").len(), 2, "both records kept");
    let liaison = sample_user("liaison@agency.example", Role::PgaLiaison, None);
    store
        .create_user(&tt_store::NewUser { user: liaison.clone(), password_hash: None }, &audit("user.create"))
        .await
        .expect("user");
    assert_eq!(store.liaison_agency(liaison.id).await.expect("none yet"), None);
    for agency in ["CPSC", "FDA"] {
        store.set_liaison_agency(liaison.id, agency, None, now(), &audit("user.agency")).await.expect("set");
    }
    assert_eq!(store.liaison_agency(liaison.id).await.expect("latest"), Some("FDA".to_owned()));
}

pub async fn a_foreign_operator_is_found_in_each_programs_latest_list_only(store: &dyn Store) {
    use tt_domain::mutual_recognition::ForeignOperator;
    use tt_store::mutual_recognition::OperatorImport;
    let operator = |id: &str, country: &str| {
        ForeignOperator::parse(id, "Operator Name", country, "certified", "2024-01-01", "").expect("operator")
    };
    let import = |code: &str, count: i64| OperatorImport {
        id: 0,
        arrangement_code: code.to_owned(),
        file_name: format!("{code}.csv"),
        imported_by: None,
        imported_at: now(),
        operators: count,
    };
    let audit = audit("mutual_recognition.import");
    store
        .record_operator_import(&import("EU", 2), &[operator("DE1", "DE"), operator("FR2", "FR")], &audit)
        .await
        .expect("eu");
    let later =
        store.record_operator_import(&import("EU", 1), &[operator("FR2", "FR")], &audit).await.expect("eu again");
    store.record_operator_import(&import("CA", 1), &[operator("DE1", "CA")], &audit).await.expect("ca");
    let found = store.find_foreign_operator("DE1").await.expect("find");
    assert_eq!(found.len(), 1, "the EU's latest list no longer has it");
    assert_eq!((found[0].0.arrangement_code.as_str(), found[0].1.country.as_str()), ("CA", "CA"));
    let latest = store.latest_operator_imports().await.expect("latest");
    assert_eq!(latest.iter().map(|import| import.arrangement_code.as_str()).collect::<Vec<_>>(), ["CA", "EU"]);
    assert_eq!(latest[1].id, later);
    assert_eq!(store.find_foreign_operator("FR2").await.expect("find")[0].1, operator("FR2", "FR"));
}

pub async fn a_policy_version_is_published_once_and_each_comment_disposed_once(store: &dyn Store) {
    use tt_store::policies::{Disposition, PolicyComment, PolicyVersion};
    let version = PolicyVersion {
        policy_key: "tc-procedures".to_owned(),
        version: 1,
        title: "Trade Compliance procedures".to_owned(),
        body: "Annual Notification Letters are due on the anniversary.".to_owned(),
        change_summary: String::new(),
        published_by: None,
        published_at: now(),
        comment_until: now() + Duration::days(30),
    };
    store.publish_policy_version(&version, &audit("policy.publish")).await.expect("publish");
    assert!(matches!(
        store.publish_policy_version(&version, &audit("policy.publish")).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.policy_versions().await.expect("versions"), vec![version.clone()]);
    let comment = PolicyComment {
        id: uuid::Uuid::new_v4(),
        policy_key: version.policy_key.clone(),
        version: 1,
        author_id: None,
        author_label: "industry member".to_owned(),
        text: "Allow 30 days after the anniversary.".to_owned(),
        at: now(),
        disposition: None,
    };
    store.add_policy_comment(&comment, &audit("policy.comment")).await.expect("comment");
    let disposition = Disposition {
        disposition: "accepted_in_part".to_owned(),
        response: "15 days".to_owned(),
        by_user: None,
        at: now(),
    };
    store.dispose_policy_comment(comment.id, &disposition, &audit("policy.disposition")).await.expect("dispose");
    assert!(matches!(
        store.dispose_policy_comment(comment.id, &disposition, &audit("policy.disposition")).await,
        Err(StoreError::Conflict { field: "disposition" })
    ));
    assert_eq!(
        store.policy_comments("tc-procedures").await.expect("comments"),
        vec![PolicyComment { disposition: Some(disposition), ..comment }]
    );
}

pub async fn watch_lists_suppliers_and_screening_reviews_round_trip(store: &dyn Store) {
    use tt_domain::forced_labor::{MappedSupplier, WatchList, WatchListEntry};
    use tt_store::forced_labor::{ScreeningReview, StoredSupplier, WatchListImport};
    let entry = |entity: &str| {
        WatchListEntry::parse(["entity_list", entity, "CN", "", "cotton", "2023-06-09", ""]).expect("entry")
    };
    let import = WatchListImport {
        id: 0,
        list: WatchList::EntityList,
        file_name: "uflpa.csv".to_owned(),
        imported_by: None,
        imported_at: now(),
        entries: 1,
    };
    store
        .record_watch_list_import(&import, &[entry("First Co"), entry("Second Co")], &audit("forced_labor.import"))
        .await
        .expect("first");
    let later = store
        .record_watch_list_import(&import, &[entry("Third Co")], &audit("forced_labor.import"))
        .await
        .expect("later");
    let lists = store.current_watch_lists().await.expect("lists");
    assert_eq!(lists.len(), 1);
    assert_eq!((lists[0].0.id, lists[0].1.clone()), (later, vec![entry("Third Co")]), "the latest import only");

    let account = sample_account("FORCED-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let supplier = StoredSupplier {
        id: uuid::Uuid::new_v4(),
        account_id: account.id,
        supplier: MappedSupplier::parse("2", "Third Co", "CN", "CNTHICO1URU", "cotton yarn").expect("supplier"),
        added_by: None,
        added_at: now(),
        removed_at: None,
    };
    store.add_supplier(&supplier, &audit("forced_labor.supplier_added")).await.expect("add");
    assert_eq!(store.suppliers(Some(account.id)).await.expect("map"), vec![supplier.clone()]);
    let review = ScreeningReview {
        account_id: account.id,
        supplier_id: supplier.id,
        entry_key: entry("Third Co").key(),
        decision: "confirmed".to_owned(),
        note: "the same factory".to_owned(),
        by_user: None,
        at: now(),
    };
    store.record_screening_review(&review, &audit("forced_labor.review")).await.expect("review");
    assert_eq!(store.screening_reviews(Some(account.id)).await.expect("reviews"), vec![review]);
    let removed_at = now();
    store
        .remove_supplier(supplier.id, None, removed_at, &audit("forced_labor.supplier_removed"))
        .await
        .expect("remove");
    assert!(matches!(
        store.remove_supplier(supplier.id, None, removed_at, &audit("forced_labor.supplier_removed")).await,
        Err(StoreError::Conflict { field: "supplier" })
    ));
    assert_eq!(store.suppliers(Some(account.id)).await.expect("map")[0].removed_at, Some(removed_at));
}

pub async fn requirement_evidence_and_allegations_keep_their_order_and_refuse_a_stale_append(store: &dyn Store) {
    use tt_store::forced_labor::{AllegationEvent, RequirementEvent};
    let account = sample_account("REQUIRE-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let submitted = RequirementEvent {
        account_id: account.id,
        requirement: "TC-FL-2".to_owned(),
        step: "submitted".to_owned(),
        evidence: Some(tt_domain::profile::Evidence {
            key: format!("evidence/{}/file", account.id),
            file_name: "code.pdf".to_owned(),
            content_type: "application/pdf".to_owned(),
            size: 42,
            sha256: "ab".repeat(32),
        }),
        note: "published".to_owned(),
        by_user: None,
        at: now(),
    };
    store.append_requirement_event(&submitted, 0, &audit("forced_labor.evidence_submitted")).await.expect("submit");
    let accepted = RequirementEvent { step: "accepted".to_owned(), evidence: None, ..submitted.clone() };
    store.append_requirement_event(&accepted, 1, &audit("forced_labor.evidence_reviewed")).await.expect("accept");
    assert!(matches!(
        store.append_requirement_event(&accepted, 1, &audit("forced_labor.evidence_reviewed")).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.requirement_events(account.id).await.expect("events"), vec![submitted, accepted]);

    let allegation = AllegationEvent {
        allegation_id: uuid::Uuid::new_v4(),
        account_id: Some(account.id),
        subject: "A mill".to_owned(),
        country: "CN".to_owned(),
        source: "tip".to_owned(),
        description: "alleged".to_owned(),
        received_on: time::macros::date!(2026 - 11 - 01),
        state: "open".to_owned(),
        note: String::new(),
        by_user: None,
        at: now(),
    };
    store.append_allegation(&allegation, 0, &audit("forced_labor.allegation_received")).await.expect("take in");
    let closed =
        AllegationEvent { state: "unsubstantiated".to_owned(), note: "no evidence".to_owned(), ..allegation.clone() };
    store.append_allegation(&closed, 1, &audit("forced_labor.allegation_updated")).await.expect("close");
    let found = store.allegations().await.expect("allegations");
    assert!(found.contains(&vec![allegation, closed]), "{found:?}");
}

pub async fn a_questionnaire_is_found_by_its_token_hash_answered_once_and_revoked_once(store: &dyn Store) {
    use tt_domain::criteria::{CriterionId, Requirement};
    use tt_domain::questionnaire::{PartnerAnswer, PartnerAnswers, Question};
    use tt_store::questionnaire::StoredQuestionnaire;
    let account = sample_account("SUPPLY-1", &[]);
    store.create_account(&account, &audit("account.create")).await.expect("account");
    let criterion = CriterionId::parse("6.2").expect("id");
    let questionnaire = StoredQuestionnaire {
        id: uuid::Uuid::now_v7(),
        account_id: account.id,
        partner_name: "Fábrica «Norte»".to_owned(),
        partner_email: "ana@norte.example".to_owned(),
        catalogue: "importer".to_owned(),
        catalogue_version: "2019-11".to_owned(),
        questions: vec![Question {
            criterion: criterion.clone(),
            requirement: Requirement::Must,
            text: "ISO 17712 seals".to_owned(),
        }],
        token_hash: "ab".repeat(32),
        created_at: now(),
        created_by: "officer@supply.example".to_owned(),
        expires_at: now() + Duration::days(30),
        revoked_at: None,
        answered_at: None,
        answers: None,
    };
    store.create_questionnaire(&questionnaire, &audit("questionnaire.send")).await.expect("create");
    assert_eq!(store.find_questionnaire_by_token(&"ab".repeat(32)).await.expect("find"), Some(questionnaire.clone()));
    assert_eq!(store.find_questionnaire_by_token(&"cd".repeat(32)).await.expect("find"), None);
    store
        .renew_questionnaire_link(
            questionnaire.id,
            &"ef".repeat(32),
            now() + Duration::days(60),
            &audit("questionnaire.renew"),
        )
        .await
        .expect("renew");
    assert_eq!(
        store.find_questionnaire_by_token(&"ab".repeat(32)).await.expect("find"),
        None,
        "the old link stops working"
    );
    let answers = PartnerAnswers {
        answers: [(criterion, (PartnerAnswer::Partially, "most lanes".to_owned()))].into(),
        answered_by: "Ana".to_owned(),
    };
    store
        .record_partner_answers(questionnaire.id, &answers, now(), &audit("questionnaire.answer"))
        .await
        .expect("answer");
    let again = store.record_partner_answers(questionnaire.id, &answers, now(), &audit("questionnaire.answer")).await;
    assert!(matches!(again, Err(StoreError::Conflict { field: "questionnaire" })), "{again:?}");
    assert_eq!(store.get_questionnaire(questionnaire.id).await.expect("get").answers, Some(answers));
    store.revoke_questionnaire(questionnaire.id, now(), &audit("questionnaire.revoke")).await.expect("revoke");
    assert!(matches!(
        store.revoke_questionnaire(questionnaire.id, now(), &audit("x")).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.list_questionnaires(Some(account.id)).await.expect("list").len(), 1);
}

/// Generates one `#[tokio::test]` per contract case. `$make` is an async fn returning
/// `Option<Arc<dyn Store>>` (`None` skips, for a backend that is not available here).
#[macro_export]
macro_rules! store_contract_suite {
    ($make:path) => {
        $crate::store_contract_suite!(@cases $make;
            an_account_round_trips_with_its_identifiers,
            an_importer_number_cannot_belong_to_two_accounts,
            a_second_account_with_the_same_number_is_a_conflict,
            updating_an_account_replaces_its_identifiers,
            unknown_rows_are_not_found,
            a_duplicate_email_is_a_conflict_on_email,
            users_are_listed_by_account_and_side,
            passwords_and_second_factors_are_stored_per_user,
            invitations_are_used_once,
            sessions_are_found_touched_and_ended,
            api_tokens_are_found_by_hash_and_revoked_once,
            failed_logins_are_counted_since_the_last_success,
            audit_records_form_a_chain_and_can_be_filtered,
            the_schema_lists_the_application_tables,
            an_entry_round_trips_with_its_lines_and_their_totals,
            inserting_an_entry_already_stored_is_an_error,
            a_batch_dropped_before_it_finishes_leaves_nothing,
            membership_steps_round_trip_in_recording_order_with_their_standing,
            a_step_validated_against_an_outdated_history_is_a_conflict,
            a_reminder_is_added_once_per_recipient_and_leaves_the_outbox_when_emailed,
            registering_an_applicant_creates_all_of_it_or_nothing,
            a_published_catalogue_version_round_trips_and_cannot_be_published_twice,
            profile_steps_round_trip_and_a_stale_append_is_a_conflict,
            a_validation_history_round_trips_and_is_listed_by_account,
            a_questionnaire_is_found_by_its_token_hash_answered_once_and_revoked_once,
            request_histories_round_trip_newest_first_and_a_stale_append_is_a_conflict,
            proposal_histories_round_trip_in_order_and_a_stale_append_is_a_conflict,
            a_defender_authorization_end_round_trips_in_recording_order,
            a_status_credential_round_trips_newest_first_and_is_revoked_once,
            a_connection_replays_its_events_and_a_stale_append_is_a_conflict,
            the_latest_consent_to_an_agency_counts_and_a_liaisons_latest_agency_too,
            a_foreign_operator_is_found_in_each_programs_latest_list_only,
            a_policy_version_is_published_once_and_each_comment_disposed_once,
            watch_lists_suppliers_and_screening_reviews_round_trip,
            requirement_evidence_and_allegations_keep_their_order_and_refuse_a_stale_append
        );
    };
    (@cases $make:path; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                if let Some(store) = $make().await {
                    $crate::contract::$case(store.as_ref()).await;
                }
            }
        )*
    };
}
