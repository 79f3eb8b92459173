//! The storage contract on SQLite, plus what only SQLite must show.

use std::sync::Arc;

use tt_store::Store;
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
