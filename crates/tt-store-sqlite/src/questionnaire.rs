//! Supplier questionnaires on SQLite.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use tt_domain::questionnaire::PartnerAnswers;
use tt_domain::{AccountId, NewAuditRecord};
use tt_store::criteria::{decode, encode};
use tt_store::questionnaire::{QuestionnaireStore, StoredQuestionnaire};
use tt_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{SqliteStore, translate};

fn from_row(row: &SqliteRow) -> StoreResult<StoredQuestionnaire> {
    let questions: String = row.try_get("questions").map_err(translate)?;
    let answers: Option<String> = row.try_get("answers").map_err(translate)?;
    Ok(StoredQuestionnaire {
        id: row.try_get("id").map_err(translate)?,
        account_id: AccountId(row.try_get("account_id").map_err(translate)?),
        partner_name: row.try_get("partner_name").map_err(translate)?,
        partner_email: row.try_get("partner_email").map_err(translate)?,
        catalogue: row.try_get("catalogue").map_err(translate)?,
        catalogue_version: row.try_get("catalogue_version").map_err(translate)?,
        questions: decode(&questions)?,
        token_hash: row.try_get("token_hash").map_err(translate)?,
        created_at: row.try_get("created_at").map_err(translate)?,
        created_by: row.try_get("created_by").map_err(translate)?,
        expires_at: row.try_get("expires_at").map_err(translate)?,
        revoked_at: row.try_get("revoked_at").map_err(translate)?,
        answered_at: row.try_get("answered_at").map_err(translate)?,
        answers: answers.as_deref().map(decode).transpose()?,
    })
}

/// Runs one guarded update with its audit record; no row changed is a conflict.
async fn guarded_update(
    store: &SqliteStore,
    query: sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    audit: &NewAuditRecord,
) -> StoreResult<()> {
    let mut transaction = store.begin_write().await?;
    let updated = query.execute(&mut *transaction).await.map_err(translate)?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::Conflict { field: "questionnaire" });
    }
    append_in(&mut transaction, audit).await?;
    transaction.commit().await.map_err(translate)
}

#[async_trait]
impl QuestionnaireStore for SqliteStore {
    async fn create_questionnaire(
        &self,
        questionnaire: &StoredQuestionnaire,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO questionnaires (id, account_id, partner_name, partner_email, catalogue, catalogue_version,
                 questions, token_hash, created_at, created_by, expires_at, revoked_at, answered_at, answers)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL)",
        )
        .bind(questionnaire.id)
        .bind(questionnaire.account_id.0)
        .bind(&questionnaire.partner_name)
        .bind(&questionnaire.partner_email)
        .bind(&questionnaire.catalogue)
        .bind(&questionnaire.catalogue_version)
        .bind(encode(&questionnaire.questions)?)
        .bind(&questionnaire.token_hash)
        .bind(questionnaire.created_at)
        .bind(&questionnaire.created_by)
        .bind(questionnaire.expires_at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn list_questionnaires(&self, account_id: Option<AccountId>) -> StoreResult<Vec<StoredQuestionnaire>> {
        let rows = sqlx::query(
            "SELECT * FROM questionnaires WHERE ($1 IS NULL OR account_id = $1) ORDER BY created_at DESC, id",
        )
        .bind(account_id.map(|id| id.0))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(from_row).collect()
    }

    async fn get_questionnaire(&self, id: Uuid) -> StoreResult<StoredQuestionnaire> {
        let row = sqlx::query("SELECT * FROM questionnaires WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(translate)?;
        from_row(&row)
    }

    async fn find_questionnaire_by_token(&self, token_hash: &str) -> StoreResult<Option<StoredQuestionnaire>> {
        let row = sqlx::query("SELECT * FROM questionnaires WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        row.as_ref().map(from_row).transpose()
    }

    async fn record_partner_answers(
        &self,
        id: Uuid,
        answers: &PartnerAnswers,
        at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let query = sqlx::query(
            "UPDATE questionnaires SET answers = $1, answered_at = $2
             WHERE id = $3 AND answered_at IS NULL AND revoked_at IS NULL",
        )
        .bind(encode(answers)?)
        .bind(at)
        .bind(id);
        guarded_update(self, query, audit).await
    }

    async fn revoke_questionnaire(&self, id: Uuid, at: OffsetDateTime, audit: &NewAuditRecord) -> StoreResult<()> {
        let query = sqlx::query("UPDATE questionnaires SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(id);
        guarded_update(self, query, audit).await
    }

    async fn renew_questionnaire_link(
        &self,
        id: Uuid,
        token_hash: &str,
        expires_at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let query = sqlx::query(
            "UPDATE questionnaires SET token_hash = $1, expires_at = $2
             WHERE id = $3 AND answered_at IS NULL AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .bind(expires_at)
        .bind(id);
        guarded_update(self, query, audit).await
    }
}
