//! Members' consents to partner agencies and liaisons' agencies on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use tt_domain::{AccountId, NewAuditRecord, UserId};
use tt_store::StoreResult;
use tt_store::agencies::{AgencyActionEvent, AgencyConsent, AgencyStore};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{PostgresStore, translate};

fn consent_from_row(row: &PgRow) -> StoreResult<AgencyConsent> {
    Ok(AgencyConsent {
        account_id: AccountId(row.try_get("account_id").map_err(translate)?),
        agency_code: row.try_get("agency_code").map_err(translate)?,
        granted: row.try_get("granted").map_err(translate)?,
        by_user: row.try_get::<Option<Uuid>, _>("by_user").map_err(translate)?.map(UserId),
        at: row.try_get("at").map_err(translate)?,
    })
}

fn action_event_from_row(row: &PgRow) -> StoreResult<AgencyActionEvent> {
    Ok(AgencyActionEvent {
        action_id: row.try_get("action_id").map_err(translate)?,
        agency_code: row.try_get("agency_code").map_err(translate)?,
        action: row.try_get("action").map_err(translate)?,
        owner_id: UserId(row.try_get("owner_id").map_err(translate)?),
        due: row.try_get("due").map_err(translate)?,
        state: row.try_get("state").map_err(translate)?,
        note: row.try_get("note").map_err(translate)?,
        by_user: row.try_get::<Option<Uuid>, _>("by_user").map_err(translate)?.map(UserId),
        at: row.try_get("at").map_err(translate)?,
    })
}

#[async_trait]
impl AgencyStore for PostgresStore {
    async fn record_agency_consent(&self, consent: &AgencyConsent, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO agency_consents (account_id, agency_code, granted, by_user, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(consent.account_id.0)
        .bind(&consent.agency_code)
        .bind(consent.granted)
        .bind(consent.by_user.map(|id| id.0))
        .bind(consent.at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn agency_consents(&self, account_id: Option<AccountId>) -> StoreResult<Vec<AgencyConsent>> {
        let rows = sqlx::query("SELECT * FROM agency_consents WHERE $1 IS NULL OR account_id = $1 ORDER BY sequence")
            .bind(account_id.map(|id| id.0))
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(consent_from_row).collect()
    }

    async fn accounts_consenting_to(&self, agency_code: &str) -> StoreResult<Vec<AccountId>> {
        let rows = sqlx::query(
            "SELECT latest.account_id FROM agency_consents latest
             WHERE latest.agency_code = $1 AND latest.granted
               AND latest.sequence = (SELECT MAX(later.sequence) FROM agency_consents later
                                      WHERE later.account_id = latest.account_id AND later.agency_code = $1)",
        )
        .bind(agency_code)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(|row| Ok(AccountId(row.try_get("account_id").map_err(translate)?))).collect()
    }

    async fn set_liaison_agency(
        &self,
        user_id: UserId,
        agency_code: &str,
        by_user: Option<UserId>,
        at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("INSERT INTO liaison_agencies (user_id, agency_code, by_user, at) VALUES ($1, $2, $3, $4)")
            .bind(user_id.0)
            .bind(agency_code)
            .bind(by_user.map(|id| id.0))
            .bind(at)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn liaison_agency(&self, user_id: UserId) -> StoreResult<Option<String>> {
        let row =
            sqlx::query("SELECT agency_code FROM liaison_agencies WHERE user_id = $1 ORDER BY sequence DESC LIMIT 1")
                .bind(user_id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(translate)?;
        row.map(|row| row.try_get("agency_code").map_err(translate)).transpose()
    }

    async fn append_agency_action(
        &self,
        event: &AgencyActionEvent,
        expected_events: usize,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        // The position is part of the key: a second event at the same place is a conflict.
        sqlx::query(
            "INSERT INTO agency_action_events
                 (action_id, position, agency_code, action, owner_id, due, state, note, by_user, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(event.action_id)
        .bind(i32::try_from(expected_events).map_err(|error| tt_store::StoreError::Other(Box::new(error)))?)
        .bind(&event.agency_code)
        .bind(&event.action)
        .bind(event.owner_id.0)
        .bind(event.due)
        .bind(&event.state)
        .bind(&event.note)
        .bind(event.by_user.map(|id| id.0))
        .bind(event.at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn agency_actions(&self) -> StoreResult<Vec<Vec<AgencyActionEvent>>> {
        let rows = sqlx::query(
            "SELECT e.* FROM agency_action_events e
             ORDER BY (SELECT first.at FROM agency_action_events first
                       WHERE first.action_id = e.action_id AND first.position = 0), e.action_id, e.position",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        let events = rows.iter().map(action_event_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(tt_store::group_histories(events, |event| event.action_id))
    }
}
