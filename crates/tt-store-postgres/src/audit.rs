//! The audit chain on PostgreSQL: every write transaction first takes one transaction-scoped
//! advisory lock, so only one writer at a time reads the last hash and adds the next record.

use async_trait::async_trait;
use sqlx::{PgConnection, Postgres, Transaction};
use tt_domain::{AuditRecord, ChainHash, NewAuditRecord};
use tt_store::{AuditFilter, AuditStore, StoreResult};

use crate::rows::audit_from_row;
use crate::{PostgresStore, translate};

/// The advisory-lock key that serializes appends to the audit chain (any fixed number works).
const AUDIT_CHAIN_LOCK: i64 = 7_472_757_374;

/// The advisory-lock key that serializes ingest batches with each other and with rollup
/// rebuilds. A batch holds it for its whole file but takes the audit-chain lock only to
/// finish, so sign-ins and other writes are not held up by a long ingest. (Lock order: this
/// one, then the audit chain's; nothing takes them the other way round.)
pub(crate) const INGEST_LOCK: i64 = 7_472_757_375;

impl PostgresStore {
    /// Starts a write transaction holding the audit-chain lock until it ends.
    pub(crate) async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.begin_locked(AUDIT_CHAIN_LOCK).await
    }

    /// Starts a transaction holding one advisory lock until it ends.
    pub(crate) async fn begin_locked(&self, key: i64) -> StoreResult<Transaction<'static, Postgres>> {
        let mut transaction = self.pool.begin().await.map_err(translate)?;
        lock_in(&mut transaction, key).await?;
        Ok(transaction)
    }
}

/// Takes a transaction-scoped advisory lock, waiting for it.
pub(crate) async fn lock_in(connection: &mut PgConnection, key: i64) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut *connection).await.map_err(translate)?;
    Ok(())
}

/// Takes the audit-chain lock inside a transaction begun under another lock.
pub(crate) async fn lock_audit_chain_in(connection: &mut PgConnection) -> StoreResult<()> {
    lock_in(connection, AUDIT_CHAIN_LOCK).await
}

/// Appends one record after the current last one, inside the caller's write transaction.
pub(crate) async fn append_in(connection: &mut PgConnection, record: &NewAuditRecord) -> StoreResult<AuditRecord> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1")
            .fetch_optional(&mut *connection)
            .await
            .map_err(translate)?;
    let (sequence, previous_hash) = match last {
        Some((sequence, hash)) => (sequence + 1, ChainHash(hash)),
        None => (1, ChainHash::genesis()),
    };
    let record = NewAuditRecord { occurred_at: NewAuditRecord::truncate_time(record.occurred_at), ..record.clone() };
    let hash = AuditRecord::compute_hash(sequence, &record, &previous_hash);
    sqlx::query(
        "INSERT INTO audit_log (sequence, occurred_at, actor_id, actor_label, acting_for, source_address,
             request_id, action, object_type, object_id, before_json, after_json, previous_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(sequence)
    .bind(record.occurred_at)
    .bind(record.actor_id.map(|id| id.0))
    .bind(&record.actor_label)
    .bind(record.acting_for.map(|id| id.0))
    .bind(&record.source_address)
    .bind(&record.request_id)
    .bind(&record.action)
    .bind(&record.object_type)
    .bind(&record.object_id)
    .bind(&record.before)
    .bind(&record.after)
    .bind(&previous_hash.0)
    .bind(&hash.0)
    .execute(&mut *connection)
    .await
    .map_err(translate)?;
    Ok(AuditRecord { sequence, record, previous_hash, hash })
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append_audit(&self, record: &NewAuditRecord) -> StoreResult<AuditRecord> {
        let mut transaction = self.begin_write().await?;
        let stored = append_in(&mut transaction, record).await?;
        transaction.commit().await.map_err(translate)?;
        Ok(stored)
    }

    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM audit_log
             WHERE ($1 IS NULL OR actor_label LIKE '%' || $1 || '%')
               AND ($2 IS NULL OR action LIKE $2 || '%')
               AND ($3 IS NULL OR object_type = $3)
               AND ($4 IS NULL OR object_id = $4)
               AND ($5 IS NULL OR occurred_at >= $5)
               AND ($6 IS NULL OR occurred_at < $6)
             ORDER BY sequence DESC LIMIT $7 OFFSET $8",
        )
        .bind(&filter.actor_label)
        .bind(&filter.action_prefix)
        .bind(&filter.object_type)
        .bind(&filter.object_id)
        .bind(filter.from)
        .bind(filter.until)
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_chain(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE sequence > $1 ORDER BY sequence LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_head(&self, ignoring: &[&str]) -> StoreResult<i64> {
        // Walks the sequence index back from the newest record to the first that counts.
        let mut sql = String::from("SELECT sequence FROM audit_log WHERE TRUE");
        for index in 1..=ignoring.len() {
            sql.push_str(&format!(" AND substr(action, 1, length(${index}::text)) <> ${index}::text"));
        }
        sql.push_str(" ORDER BY sequence DESC LIMIT 1");
        // Only placeholders are added to the text; the prefixes are bound.
        let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
        for prefix in ignoring {
            query = query.bind(*prefix);
        }
        Ok(query.fetch_optional(&self.pool).await.map_err(translate)?.unwrap_or(0))
    }
}
