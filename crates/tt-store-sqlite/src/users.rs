//! Users, their passwords, second factors and invitations on SQLite.

use async_trait::async_trait;
use sqlx::SqliteConnection;
use time::OffsetDateTime;
use tt_domain::{EmailAddress, NewAuditRecord, User, UserId};
use tt_store::{NewUser, StoreError, StoreResult, UserFilter, UserStore};

use crate::audit::append_in;
use crate::rows::user_from_row;
use crate::{SqliteStore, translate};

/// Inserts a new user inside the caller's write transaction.
pub(crate) async fn insert_user_in(connection: &mut SqliteConnection, new_user: &NewUser) -> StoreResult<()> {
    let user = &new_user.user;
    sqlx::query(
        "INSERT INTO users (id, email, name, role, account_id, active, password_hash, delegated_by,
                 delegation_expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(user.id.0)
    .bind(user.email.as_str())
    .bind(user.name.as_str())
    .bind(user.role.id())
    .bind(user.account_id.map(|id| id.0))
    .bind(user.active)
    .bind(&new_user.password_hash)
    .bind(user.delegated_by.map(|id| id.0))
    .bind(user.delegation_expires_at)
    .bind(user.created_at)
    .execute(&mut *connection)
    .await
    .map_err(translate)?;
    Ok(())
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, new_user: &NewUser, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        insert_user_in(&mut transaction, new_user).await?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn update_user(&self, user: &User, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE users SET name = $2, role = $3, account_id = $4, active = $5, delegated_by = $6,
                 delegation_expires_at = $7
             WHERE id = $1",
        )
        .bind(user.id.0)
        .bind(user.name.as_str())
        .bind(user.role.id())
        .bind(user.account_id.map(|id| id.0))
        .bind(user.active)
        .bind(user.delegated_by.map(|id| id.0))
        .bind(user.delegation_expires_at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .map_err(translate)?;
        user_from_row(&row)
    }

    async fn find_user_by_email(&self, email: &EmailAddress) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self, filter: &UserFilter) -> StoreResult<Vec<User>> {
        let side = filter.side.map(|side| match side {
            tt_domain::Side::Trade => 1_i64,
            tt_domain::Side::Agency => 0,
        });
        let rows = sqlx::query(
            "SELECT * FROM users
             WHERE ($1 IS NULL OR account_id = $1)
               AND ($2 IS NULL OR (account_id IS NOT NULL) = $2)
             ORDER BY email",
        )
        .bind(filter.account_id.map(|id| id.0))
        .bind(side)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn password_hash(&self, id: UserId) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .map_err(translate)
    }

    async fn set_password_hash(&self, id: UserId, hash: &str, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let updated = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(id.0)
            .bind(hash)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn set_two_factor(
        &self,
        id: UserId,
        secret: Option<&str>,
        recovery_code_hashes: &[String],
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("UPDATE users SET totp_secret = $2 WHERE id = $1")
            .bind(id.0)
            .bind(secret)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id.0)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        for code_hash in recovery_code_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(id.0)
                .bind(code_hash)
                .execute(&mut *transaction)
                .await
                .map_err(translate)?;
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn two_factor_secret(&self, id: UserId) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .map_err(translate)
    }

    async fn consume_recovery_code(&self, id: UserId, code_hash: &str, audit: &NewAuditRecord) -> StoreResult<bool> {
        let mut transaction = self.begin_write().await?;
        let deleted = sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2")
            .bind(id.0)
            .bind(code_hash)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        if deleted.rows_affected() == 0 {
            return Ok(false);
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)?;
        Ok(true)
    }

    async fn create_invitation(
        &self,
        secret_hash: &str,
        user_id: UserId,
        expires_at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("INSERT INTO invitations (secret_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(secret_hash)
            .bind(user_id.0)
            .bind(expires_at)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn find_invitation(&self, secret_hash: &str, now: OffsetDateTime) -> StoreResult<Option<UserId>> {
        let user_id: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT user_id FROM invitations WHERE secret_hash = $1 AND expires_at > $2")
                .bind(secret_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(translate)?;
        Ok(user_id.map(UserId))
    }

    async fn accept_invitation(
        &self,
        secret_hash: &str,
        password_hash: &str,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let user_id: uuid::Uuid =
            sqlx::query_scalar("DELETE FROM invitations WHERE secret_hash = $1 RETURNING user_id")
                .bind(secret_hash)
                .fetch_one(&mut *transaction)
                .await
                .map_err(translate)?;
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }
}
