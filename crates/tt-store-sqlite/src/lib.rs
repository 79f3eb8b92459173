//! SQLite implementation of the `tt-store` traits: the embedded default database.
//!
//! Connections use WAL, a busy timeout and enforced foreign keys. Writes that must be serialized
//! (the audit chain) open their transaction with `BEGIN IMMEDIATE`. Nothing outside the store
//! crates ever sees a SQLite type or error.

mod accounts;
mod agencies;
mod audit;
mod connections;
mod credentials;
mod criteria;
mod defender;
mod forced_labor;
mod membership;
mod mutual_recognition;
mod policies;
mod profile;
mod questionnaire;
mod requests;
mod rows;
mod status_credentials;
mod trade;
mod users;
mod validation;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use tt_store::{DatabaseAdmin, StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The SQLite store. Cheap to clone (it holds a pool).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at a `sqlite:` URL.
    ///
    /// # Errors
    /// When the URL is malformed or the file cannot be opened.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(translate)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // A 64 MiB page cache (the default is 2 MiB) keeps a batch's index pages from being
            // spilled and re-read; durability is untouched. Temporary data stays in files (the
            // default): in memory it saved nothing measurable on ingest since new entries need
            // no statement journal, and it let a large GROUP BY sort take 0.7 GB of memory.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(translate)?;
        Ok(Self { pool })
    }

    /// The underlying pool, for the test kit's tampering checks only.
    #[must_use]
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Translates a driver error into the storage boundary's error, naming the input field a
/// uniqueness conflict concerns.
pub(crate) fn translate(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
            StoreError::Conflict { field: conflict_field(database_error.message()) }
        }
        _ => StoreError::Other(Box::new(error)),
    }
}

/// SQLite reports `UNIQUE constraint failed: table.column`; map that to the input field.
fn conflict_field(message: &str) -> &'static str {
    if message.contains("users.email") {
        "email"
    } else if message.contains("importer_numbers") {
        "ior_numbers"
    } else if message.contains("accounts.number") {
        "account_number"
    } else {
        "record"
    }
}

#[async_trait]
impl DatabaseAdmin for SqliteStore {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(|error| StoreError::Other(Box::new(error)))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(translate)?;
        Ok(())
    }

    async fn schema_columns(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT m.name AS table_name, p.name AS column_name
             FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%'
             ORDER BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(|row| Ok((row.try_get(0).map_err(translate)?, row.try_get(1).map_err(translate)?))).collect()
    }
}
