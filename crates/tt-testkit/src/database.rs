//! A fresh, migrated database for one test, on SQLite (a temporary file) or PostgreSQL (a new
//! database on the server named by `TT_TEST_DATABASE_URL`).

use std::sync::Arc;

use tt_store::Store;
use tt_store_postgres::PostgresStore;
use tt_store_sqlite::SqliteStore;

/// The PostgreSQL server the PostgreSQL-only tests use when `TT_TEST_DATABASE_URL` is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// One test's database, with access to the concrete backend for tests that must reach under
/// the store (for example to tamper with the audit log as an attacker would).
#[derive(Clone)]
pub enum TestDatabase {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl TestDatabase {
    /// A fresh database on the backend the environment selects.
    ///
    /// # Panics
    /// When the database cannot be created (a test setup failure).
    pub async fn fresh() -> Self {
        match std::env::var("TT_TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => Self::fresh_postgres(&url).await,
            _ => Self::fresh_sqlite().await,
        }
    }

    /// A fresh SQLite database in a temporary file.
    ///
    /// # Panics
    /// When the file cannot be created.
    pub async fn fresh_sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("tt-test-{}.sqlite3", uuid::Uuid::new_v4().simple()));
        let store = SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open SQLite");
        tt_store::DatabaseAdmin::migrate(&store).await.expect("migrate SQLite");
        Self::Sqlite(store)
    }

    /// A fresh database on a PostgreSQL server, created through the server URL given.
    ///
    /// # Panics
    /// When the server is unreachable or refuses to create the database.
    pub async fn fresh_postgres(server_url: &str) -> Self {
        let url = Self::create_postgres_database(server_url).await;
        let store = PostgresStore::connect(&url).await.expect("connect to the test database");
        tt_store::DatabaseAdmin::migrate(&store).await.expect("migrate PostgreSQL");
        Self::Postgres(store)
    }

    /// Creates a new, empty database on a PostgreSQL server and returns its URL.
    ///
    /// # Panics
    /// When the server is unreachable or refuses.
    pub async fn create_postgres_database(server_url: &str) -> String {
        use sqlx::Connection as _;
        let name = format!("tt_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(server_url).await.expect("connect to the PostgreSQL test server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let base = server_url.rsplit_once('/').map_or(server_url, |(base, _)| base);
        format!("{base}/{name}")
    }

    /// The PostgreSQL server for PostgreSQL-only tests, if one answers. Under CI an absent
    /// server is a failure, not a skip.
    pub async fn postgres_server_url() -> Option<String> {
        use sqlx::Connection as _;
        let url = std::env::var("TT_TEST_DATABASE_URL")
            .ok()
            .filter(|url| url.starts_with("postgres"))
            .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
        match sqlx::PgConnection::connect(&url).await {
            Ok(_) => Some(url),
            Err(error) => {
                assert!(
                    std::env::var("CI").is_err(),
                    "PostgreSQL is required under CI but {url} did not answer: {error}"
                );
                eprintln!("skipping: PostgreSQL at {url} did not answer ({error})");
                None
            }
        }
    }

    #[must_use]
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(store) => Arc::new(store.clone()),
            Self::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// Rewrites one audit record's `after_json` behind the store's back, disabling the
    /// append-only guard first, as someone with direct database access could.
    ///
    /// # Panics
    /// When the statements fail.
    pub async fn tamper_with_audit_record(&self, sequence: i64, new_after: &str) {
        match self {
            Self::Sqlite(store) => {
                let mut transaction = store.pool().begin().await.expect("begin");
                sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut *transaction).await.expect("drop trigger");
                sqlx::query("UPDATE audit_log SET after_json = $1 WHERE sequence = $2")
                    .bind(new_after)
                    .bind(sequence)
                    .execute(&mut *transaction)
                    .await
                    .expect("tamper");
                transaction.commit().await.expect("commit");
            }
            Self::Postgres(store) => {
                let mut transaction = store.pool().begin().await.expect("begin");
                sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
                    .execute(&mut *transaction)
                    .await
                    .expect("disable trigger");
                sqlx::query("UPDATE audit_log SET after_json = $1 WHERE sequence = $2")
                    .bind(new_after)
                    .bind(sequence)
                    .execute(&mut *transaction)
                    .await
                    .expect("tamper");
                transaction.commit().await.expect("commit");
            }
        }
    }

    /// Drops a table, to make the next query touching it fail like a broken database would.
    ///
    /// # Panics
    /// When the statement fails.
    pub async fn drop_table(&self, table: &str) {
        let statement = sqlx::AssertSqlSafe(format!("DROP TABLE {table} CASCADE"));
        match self {
            Self::Sqlite(store) => {
                let statement = sqlx::AssertSqlSafe(format!("DROP TABLE {table}"));
                sqlx::query(statement).execute(store.pool()).await.expect("drop table");
            }
            Self::Postgres(store) => {
                sqlx::query(statement).execute(store.pool()).await.expect("drop table");
            }
        }
    }

    /// Tries to change an audit record through plain SQL, with the guard in place; returns
    /// whether the database allowed it.
    pub async fn try_plain_audit_update(&self) -> bool {
        let statement = "UPDATE audit_log SET actor_label = 'someone else' WHERE sequence = 1";
        match self {
            Self::Sqlite(store) => sqlx::query(statement).execute(store.pool()).await.is_ok(),
            Self::Postgres(store) => sqlx::query(statement).execute(store.pool()).await.is_ok(),
        }
    }
}
