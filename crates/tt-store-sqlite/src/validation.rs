//! Validation histories on SQLite.

use async_trait::async_trait;
use sqlx::Row;
use tt_domain::validation::ValidationEvent;
use tt_domain::{AccountId, NewAuditRecord};
use tt_store::criteria::{decode, encode};
use tt_store::validation::{NewValidationEvent, ValidationStore, ValidationSummary};
use tt_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{SqliteStore, translate};

#[async_trait]
impl ValidationStore for SqliteStore {
    async fn append_validation_events(
        &self,
        validation_id: Uuid,
        expected_last: Option<i64>,
        events: &[NewValidationEvent],
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT max(sequence) FROM validation_events WHERE validation_id = $1")
                .bind(validation_id)
                .fetch_one(&mut *transaction)
                .await
                .map_err(translate)?;
        if last != expected_last {
            return Err(StoreError::Conflict { field: "validation" });
        }
        for event in events {
            sqlx::query(
                "INSERT INTO validation_events
                     (validation_id, account_id, recorded_at, recorded_by, recorded_by_user, step, payload)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(event.validation_id)
            .bind(event.account_id.0)
            .bind(event.recorded_at)
            .bind(&event.recorded_by)
            .bind(event.recorded_by_user.map(|id| id.0))
            .bind(event.step.kind())
            .bind(encode(&event.step)?)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn validation_events(&self, validation_id: Uuid) -> StoreResult<Option<(AccountId, Vec<ValidationEvent>)>> {
        let rows = sqlx::query("SELECT * FROM validation_events WHERE validation_id = $1 ORDER BY sequence")
            .bind(validation_id)
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        let Some(first) = rows.first() else { return Ok(None) };
        let account_id = AccountId(first.try_get("account_id").map_err(translate)?);
        let events = rows
            .iter()
            .map(|row| {
                let payload: String = row.try_get("payload").map_err(translate)?;
                Ok(ValidationEvent {
                    sequence: row.try_get("sequence").map_err(translate)?,
                    recorded_at: row.try_get("recorded_at").map_err(translate)?,
                    recorded_by: row.try_get("recorded_by").map_err(translate)?,
                    step: decode(&payload)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some((account_id, events)))
    }

    async fn list_validations(&self, account_id: Option<AccountId>) -> StoreResult<Vec<ValidationSummary>> {
        let rows = sqlx::query(
            "SELECT validation_id, account_id, min(recorded_at) AS started_at, count(*) AS steps
             FROM validation_events WHERE ($1 IS NULL OR account_id = $1)
             GROUP BY validation_id, account_id ORDER BY min(sequence) DESC",
        )
        .bind(account_id.map(|id| id.0))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter()
            .map(|row| {
                Ok(ValidationSummary {
                    validation_id: row.try_get("validation_id").map_err(translate)?,
                    account_id: AccountId(row.try_get("account_id").map_err(translate)?),
                    started_at: row.try_get("started_at").map_err(translate)?,
                    steps: row.try_get("steps").map_err(translate)?,
                })
            })
            .collect()
    }
}
