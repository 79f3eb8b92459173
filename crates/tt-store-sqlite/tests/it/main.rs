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

/// Runs this backend's migrations 1 to 4 only and stores rows as they were then.
async fn migrate_to_before_packed_lines(url: &str) {
    let folder = tt_testkit::contract::first_migrations(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"), 4);
    let migrator = sqlx::migrate::Migrator::new(folder.as_path()).await.expect("migrator");
    let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
    migrator.run(&pool).await.expect("migrations 1 to 4");
    sqlx::raw_sql(tt_testkit::contract::ROWS_BEFORE_PACKED_LINES).execute(&pool).await.expect("old rows");
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
