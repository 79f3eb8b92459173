//! Status credentials and their revocations on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use tt_domain::{AccountId, NewAuditRecord, UserId};
use tt_store::status_credentials::{CredentialRevocation, CredentialStore, StoredCredential};
use tt_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{PostgresStore, translate};

const SELECT_CREDENTIALS: &str = "SELECT c.*, r.reason, r.revoked_by, r.revoked_at
     FROM status_credentials c LEFT JOIN status_credential_revocations r ON r.credential_id = c.id";

fn credential_from_row(row: &PgRow) -> StoreResult<StoredCredential> {
    let reason: Option<String> = row.try_get("reason").map_err(translate)?;
    Ok(StoredCredential {
        id: row.try_get("id").map_err(translate)?,
        account_id: AccountId(row.try_get("account_id").map_err(translate)?),
        issued_to: row.try_get("issued_to").map_err(translate)?,
        issued_by: row.try_get::<Option<Uuid>, _>("issued_by").map_err(translate)?.map(UserId),
        issued_at: row.try_get("issued_at").map_err(translate)?,
        expires_at: row.try_get("expires_at").map_err(translate)?,
        text: row.try_get("token").map_err(translate)?,
        revocation: match reason {
            None => None,
            Some(reason) => Some(CredentialRevocation {
                reason,
                revoked_by: row.try_get::<Option<Uuid>, _>("revoked_by").map_err(translate)?.map(UserId),
                revoked_at: row.try_get("revoked_at").map_err(translate)?,
            }),
        },
    })
}

#[async_trait]
impl CredentialStore for PostgresStore {
    async fn add_credential(&self, credential: &StoredCredential, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO status_credentials (id, account_id, issued_to, issued_by, issued_at, expires_at, token)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(credential.id)
        .bind(credential.account_id.0)
        .bind(&credential.issued_to)
        .bind(credential.issued_by.map(|id| id.0))
        .bind(credential.issued_at)
        .bind(credential.expires_at)
        .bind(&credential.text)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn credentials(&self, account_id: AccountId) -> StoreResult<Vec<StoredCredential>> {
        let query = format!("{SELECT_CREDENTIALS} WHERE c.account_id = $1 ORDER BY c.issued_at DESC, c.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(query))
            .bind(account_id.0)
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(credential_from_row).collect()
    }

    async fn get_credential(&self, id: Uuid) -> StoreResult<StoredCredential> {
        let query = format!("{SELECT_CREDENTIALS} WHERE c.id = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(query)).bind(id).fetch_optional(&self.pool).await.map_err(translate)?;
        row.as_ref().map(credential_from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    async fn revoke_credential(
        &self,
        id: Uuid,
        revocation: &CredentialRevocation,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO status_credential_revocations (credential_id, reason, revoked_by, revoked_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(id)
        .bind(&revocation.reason)
        .bind(revocation.revoked_by.map(|id| id.0))
        .bind(revocation.revoked_at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "credential" });
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }
}
