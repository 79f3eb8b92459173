//! Security profile histories on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use tt_domain::profile::ProfileEvent;
use tt_domain::{AccountId, NewAuditRecord};
use tt_store::criteria::{decode, encode};
use tt_store::profile::{NewProfileEvent, ProfileStore};
use tt_store::{StoreError, StoreResult};

use crate::audit::append_in;
use crate::{PostgresStore, translate};

#[async_trait]
impl ProfileStore for PostgresStore {
    async fn append_profile_events(
        &self,
        account_id: AccountId,
        expected_last: Option<i64>,
        events: &[NewProfileEvent],
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT max(sequence) FROM profile_events WHERE account_id = $1")
            .bind(account_id.0)
            .fetch_one(&mut *transaction)
            .await
            .map_err(translate)?;
        if last != expected_last {
            return Err(StoreError::Conflict { field: "profile" });
        }
        for event in events {
            sqlx::query(
                "INSERT INTO profile_events (account_id, recorded_at, recorded_by, recorded_by_user, step, payload)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
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

    async fn profile_events(&self, account_id: AccountId) -> StoreResult<Vec<ProfileEvent>> {
        let rows = sqlx::query("SELECT * FROM profile_events WHERE account_id = $1 ORDER BY sequence")
            .bind(account_id.0)
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter()
            .map(|row| {
                let payload: String = row.try_get("payload").map_err(translate)?;
                Ok(ProfileEvent {
                    sequence: row.try_get("sequence").map_err(translate)?,
                    recorded_at: row.try_get("recorded_at").map_err(translate)?,
                    recorded_by: row.try_get("recorded_by").map_err(translate)?,
                    step: decode(&payload)?,
                })
            })
            .collect()
    }
}
