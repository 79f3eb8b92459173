//! The storage contract on SQLite, plus what only SQLite must show.

use std::sync::Arc;

use tt_store::{DatabaseAdmin, Store};
use tt_testkit::TestDatabase;

async fn fresh_sqlite() -> Option<Arc<dyn Store>> {
    Some(TestDatabase::fresh_sqlite().await.store())
}

tt_testkit::store_contract_suite!(fresh_sqlite);

#[tokio::test]
async fn the_audit_log_refuses_plain_updates() {
    let database = TestDatabase::fresh_sqlite().await;
    database.store().append_audit(&tt_testkit::contract::audit("x")).await.expect("append");
    assert!(!database.try_plain_audit_update().await);
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let database = TestDatabase::fresh_sqlite().await;
    let store = database.store();
    let before = store.schema_columns().await.expect("schema");
    store.migrate().await.expect("second migration run");
    assert_eq!(store.schema_columns().await.expect("schema"), before);
}

/// Rows as a database made before migration 5 held them: entries and a separate line table.
const ROWS_BEFORE_PACKED_LINES: &str = "
    INSERT INTO entries VALUES ('AB112345678', '01', '123456789', '2704', '2024-03-01', '2024-03-03', NULL, NULL,
                                NULL, 0, 1, 2, TRUE);
    INSERT INTO entries VALUES ('Z0100000001', '01', '123456789', '2704', '2024-03-02', NULL, NULL, NULL, NULL, 0,
                                1, 5, TRUE);
    INSERT INTO entry_lines VALUES ('AB112345678', 2, 'VN', NULL, '8471300100', 5, 1, 'Y', 1);
    INSERT INTO entry_lines VALUES ('AB112345678', 1, 'CN', 'MXMFR1', '8471300100', 100, 10, NULL, 1);";

/// Runs this backend's migrations 1 to 4 only, from a copy of their files.
async fn migrate_to_before_packed_lines(url: &str) {
    let folder = std::env::temp_dir().join(format!("tt-old-migrations-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("folder");
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    for file in &files[..4] {
        std::fs::copy(file, folder.join(file.file_name().expect("name"))).expect("copy");
    }
    let migrator = sqlx::migrate::Migrator::new(folder.as_path()).await.expect("migrator");
    let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
    migrator.run(&pool).await.expect("migrations 1 to 4");
    sqlx::raw_sql(ROWS_BEFORE_PACKED_LINES).execute(&pool).await.expect("old rows");
    pool.close().await;
}

#[tokio::test]
async fn migrating_a_database_from_before_packed_lines_keeps_every_entry_and_line() {
    let path = std::env::temp_dir().join(format!("tt-before-packed-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite://{}?mode=rwc", path.display());
    migrate_to_before_packed_lines(&url).await;
    let store = tt_store_sqlite::SqliteStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrations 5 and on");
    tt_testkit::contract::old_entries_survive_packing(&store).await;
    let _ = std::fs::remove_file(&path);
}
