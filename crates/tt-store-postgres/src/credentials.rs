//! Sessions, API tokens and login attempts on PostgreSQL.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::{ApiToken, ApiTokenId, NewAuditRecord, UserId};
use tt_store::{ApiTokenStore, LoginAttemptStore, Session, SessionStore, StoreError, StoreResult};

use crate::audit::append_in;
use crate::rows::{api_token_from_row, session_from_row};
use crate::{PostgresStore, translate};

#[async_trait]
impl SessionStore for PostgresStore {
    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (secret_hash, user_id, csrf_token, created_at, last_seen_at,
                 second_factor_passed, source_address)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.secret_hash)
        .bind(session.user_id.0)
        .bind(&session.csrf_token)
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .bind(session.second_factor_passed)
        .bind(&session.source_address)
        .execute(&self.pool)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn find_session(&self, secret_hash: &str) -> StoreResult<Option<Session>> {
        let row = sqlx::query("SELECT * FROM sessions WHERE secret_hash = $1")
            .bind(secret_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn touch_session(&self, secret_hash: &str, at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE secret_hash = $1")
            .bind(secret_hash)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn mark_second_factor_passed(&self, secret_hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET second_factor_passed = TRUE WHERE secret_hash = $1")
            .bind(secret_hash)
            .execute(&self.pool)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn delete_session(&self, secret_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE secret_hash = $1")
            .bind(secret_hash)
            .execute(&self.pool)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn delete_sessions_of_user(&self, user_id: UserId) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id.0)
            .execute(&self.pool)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn delete_sessions_idle_since(&self, cutoff: OffsetDateTime) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await
            .map_err(translate)?;
        Ok(deleted.rows_affected())
    }
}

#[async_trait]
impl ApiTokenStore for PostgresStore {
    async fn create_api_token(&self, token: &ApiToken, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, scope, secret_hash, created_at, expires_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token.id.0)
        .bind(token.user_id.0)
        .bind(&token.name)
        .bind(token.scope.id())
        .bind(&token.secret_hash)
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.revoked_at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn find_api_token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>> {
        let row = sqlx::query("SELECT * FROM api_tokens WHERE secret_hash = $1")
            .bind(secret_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        row.as_ref().map(api_token_from_row).transpose()
    }

    async fn list_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC")
            .bind(user_id.0)
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(api_token_from_row).collect()
    }

    async fn revoke_api_token(&self, id: ApiTokenId, at: OffsetDateTime, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let updated = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id.0)
            .bind(at)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }
}

#[async_trait]
impl LoginAttemptStore for PostgresStore {
    async fn record_login_attempt(
        &self,
        email: &str,
        source_address: Option<&str>,
        succeeded: bool,
        at: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO login_attempts (email, source_address, succeeded, attempted_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(email)
        .bind(source_address)
        .bind(succeeded)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(translate)?;
        Ok(())
    }

    async fn count_failed_logins_for_email(&self, email: &str, since: OffsetDateTime) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_attempts failure
             WHERE failure.email = $1 AND NOT failure.succeeded AND failure.attempted_at >= $2
               AND NOT EXISTS (SELECT 1 FROM login_attempts success
                               WHERE success.email = $1 AND success.succeeded
                                 AND success.attempted_at >= failure.attempted_at)",
        )
        .bind(email)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(translate)
    }

    async fn count_failed_logins_from_address(&self, source_address: &str, since: OffsetDateTime) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_attempts WHERE source_address = $1 AND NOT succeeded AND attempted_at >= $2",
        )
        .bind(source_address)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(translate)
    }
}
