//! PostgreSQL implementation of the `tt-store` traits: the production database.
//!
//! Write transactions take one advisory lock so the audit chain grows one record at a time; an
//! ingest batch holds a second one for its whole file and takes the audit chain's only to
//! finish, so a long ingest does not hold up sign-ins and other writes.
//! Nothing outside the store crates ever sees a PostgreSQL type or error.

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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use tt_store::{DatabaseAdmin, StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The PostgreSQL store. Cheap to clone (it holds a pool).
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to a `postgres://` URL.
    ///
    /// # Errors
    /// When the URL is malformed or the server cannot be reached.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(translate)?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(translate)?;
        Ok(Self { pool })
    }

    /// The underlying pool, for the test kit's tampering checks only.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Translates a driver error into the storage boundary's error, naming the input field a
/// uniqueness conflict concerns.
pub(crate) fn translate(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
            StoreError::Conflict { field: conflict_field(database_error.constraint().unwrap_or_default()) }
        }
        _ => StoreError::Other(Box::new(error)),
    }
}

/// Maps the constraint names PostgreSQL generated for the migrations to input fields.
fn conflict_field(constraint: &str) -> &'static str {
    match constraint {
        "users_email_key" => "email",
        "importer_numbers_pkey" => "ior_numbers",
        "accounts_number_key" => "account_number",
        _ => "record",
    }
}

#[async_trait]
impl DatabaseAdmin for PostgresStore {
    fn backend_name(&self) -> &'static str {
        "postgres"
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
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx\\_%'
             ORDER BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(|row| Ok((row.try_get(0).map_err(translate)?, row.try_get(1).map_err(translate)?))).collect()
    }
}
