//! The membership history and notification tables on SQLite.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;
use tt_domain::lifecycle::MembershipEvent;
use tt_domain::membership::{StatusChange, StatusEvent};
use tt_domain::{Account, AccountId, NewAuditRecord, UserId};
use tt_store::membership::{
    MembershipStore, NewMembershipEvent, Notification, SourcedStatusEvent, decode_step, encode_step,
};
use tt_store::trade::NewStatusEvent;
use tt_store::{NewUser, StoreError, StoreResult};
use uuid::Uuid;

use crate::accounts::insert_account_in;
use crate::audit::append_in;
use crate::rows::corrupt;
use crate::users::insert_user_in;
use crate::{SqliteStore, translate};

fn event_from_row(row: &SqliteRow) -> StoreResult<(AccountId, MembershipEvent)> {
    let payload: String = row.try_get("payload").map_err(translate)?;
    Ok((
        AccountId(row.try_get("account_id").map_err(translate)?),
        MembershipEvent {
            sequence: row.try_get("sequence").map_err(translate)?,
            effective_date: row.try_get("effective_date").map_err(translate)?,
            recorded_at: row.try_get("recorded_at").map_err(translate)?,
            recorded_by: row.try_get("recorded_by").map_err(translate)?,
            reason: row.try_get("reason").map_err(translate)?,
            document_version: row.try_get("document_version").map_err(translate)?,
            step: decode_step(&payload)?,
        },
    ))
}

fn notification_from_row(row: &SqliteRow) -> StoreResult<Notification> {
    Ok(Notification {
        id: row.try_get("id").map_err(translate)?,
        reminder_key: row.try_get("reminder_key").map_err(translate)?,
        account_id: row.try_get::<Option<Uuid>, _>("account_id").map_err(translate)?.map(AccountId),
        recipient: UserId(row.try_get("recipient").map_err(translate)?),
        recipient_email: row.try_get("recipient_email").map_err(translate)?,
        subject: row.try_get("subject").map_err(translate)?,
        body: row.try_get("body").map_err(translate)?,
        created_at: row.try_get("created_at").map_err(translate)?,
        read_at: row.try_get("read_at").map_err(translate)?,
        emailed_at: row.try_get("emailed_at").map_err(translate)?,
    })
}

/// Appends one step inside the caller's write transaction; returns its sequence.
async fn insert_event_in(connection: &mut SqliteConnection, event: &NewMembershipEvent) -> StoreResult<i64> {
    let sequence: i64 = sqlx::query_scalar(
        "INSERT INTO membership_events
             (account_id, effective_date, recorded_at, recorded_by, recorded_by_user, reason, document_version, step, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING sequence",
    )
    .bind(event.account_id.0)
    .bind(event.effective_date)
    .bind(event.recorded_at)
    .bind(&event.recorded_by)
    .bind(event.recorded_by_user.map(|id| id.0))
    .bind(&event.reason)
    .bind(&event.document_version)
    .bind(event.step.kind())
    .bind(encode_step(&event.step)?)
    .fetch_one(&mut *connection)
    .await
    .map_err(translate)?;
    Ok(sequence)
}

#[async_trait]
impl MembershipStore for SqliteStore {
    async fn append_membership_events(
        &self,
        account_id: AccountId,
        expected_last: Option<i64>,
        events: &[NewMembershipEvent],
        standing: &[NewStatusEvent],
        audit: &NewAuditRecord,
    ) -> StoreResult<Vec<i64>> {
        let mut transaction = self.begin_write().await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT max(sequence) FROM membership_events WHERE account_id = $1")
            .bind(account_id.0)
            .fetch_one(&mut *transaction)
            .await
            .map_err(translate)?;
        if last != expected_last {
            return Err(StoreError::Conflict { field: "history" });
        }
        let mut sequences = Vec::with_capacity(events.len());
        for event in events {
            let sequence = insert_event_in(&mut transaction, event).await?;
            sequences.push(sequence);
        }
        for event in standing {
            sqlx::query(
                "INSERT INTO status_events (account_id, effective_date, kind, value, reason, source, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(event.account_id.0)
            .bind(event.effective_date)
            .bind(event.change.kind())
            .bind(event.change.value())
            .bind(&event.reason)
            .bind(event.source)
            .bind(event.recorded_at)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)?;
        Ok(sequences)
    }

    async fn register_applicant(
        &self,
        account: &Account,
        officer: &NewUser,
        first_step: &NewMembershipEvent,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        insert_account_in(&mut transaction, account).await?;
        insert_user_in(&mut transaction, officer).await?;
        insert_event_in(&mut transaction, first_step).await?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn membership_events(&self, account_id: AccountId) -> StoreResult<Vec<MembershipEvent>> {
        let rows = sqlx::query("SELECT * FROM membership_events WHERE account_id = $1 ORDER BY sequence")
            .bind(account_id.0)
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(|row| event_from_row(row).map(|(_, event)| event)).collect()
    }

    async fn all_membership_events(&self) -> StoreResult<Vec<(AccountId, Vec<MembershipEvent>)>> {
        let rows = sqlx::query("SELECT * FROM membership_events ORDER BY account_id, sequence")
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        let mut grouped: Vec<(AccountId, Vec<MembershipEvent>)> = Vec::new();
        for row in &rows {
            let (account_id, event) = event_from_row(row)?;
            match grouped.last_mut() {
                Some((last, events)) if *last == account_id => events.push(event),
                _ => grouped.push((account_id, vec![event])),
            }
        }
        Ok(grouped)
    }

    async fn sourced_status_events(
        &self,
        account_id: Option<AccountId>,
    ) -> StoreResult<Vec<(AccountId, SourcedStatusEvent)>> {
        // Two statements rather than `$1 IS NULL OR account_id = $1`, which the planner cannot
        // answer from the account index: one account's events are read through it.
        let query = match account_id {
            Some(id) => sqlx::query(
                "SELECT account_id, effective_date, sequence, kind, value, source FROM status_events
                 WHERE account_id = $1 ORDER BY sequence",
            )
            .bind(id.0),
            None => sqlx::query(
                "SELECT account_id, effective_date, sequence, kind, value, source FROM status_events ORDER BY sequence",
            ),
        };
        let rows = query.fetch_all(&self.pool).await.map_err(translate)?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind").map_err(translate)?;
                let value: String = row.try_get("value").map_err(translate)?;
                Ok((
                    AccountId(row.try_get("account_id").map_err(translate)?),
                    SourcedStatusEvent {
                        event: StatusEvent {
                            effective_date: row.try_get("effective_date").map_err(translate)?,
                            sequence: row.try_get("sequence").map_err(translate)?,
                            change: StatusChange::parse(&kind, &value).map_err(corrupt)?,
                        },
                        source: row.try_get("source").map_err(translate)?,
                    },
                ))
            })
            .collect()
    }

    async fn letter_anniversaries(&self) -> StoreResult<Vec<(AccountId, String)>> {
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, anl_anniversary FROM accounts WHERE anl_anniversary IS NOT NULL ORDER BY number",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        Ok(rows.into_iter().map(|(id, anniversary)| (AccountId(id), anniversary)).collect())
    }

    async fn add_notification(&self, notification: &Notification) -> StoreResult<bool> {
        let inserted = sqlx::query(
            "INSERT INTO notifications
                 (id, reminder_key, account_id, recipient, recipient_email, subject, body, created_at, read_at, emailed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (reminder_key, recipient) DO NOTHING",
        )
        .bind(notification.id)
        .bind(&notification.reminder_key)
        .bind(notification.account_id.map(|id| id.0))
        .bind(notification.recipient.0)
        .bind(&notification.recipient_email)
        .bind(&notification.subject)
        .bind(&notification.body)
        .bind(notification.created_at)
        .bind(notification.read_at)
        .bind(notification.emailed_at)
        .execute(&self.pool)
        .await
        .map_err(translate)?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn notifications_for(&self, recipient: UserId) -> StoreResult<Vec<Notification>> {
        let rows =
            sqlx::query("SELECT * FROM notifications WHERE recipient = $1 ORDER BY created_at DESC, reminder_key")
                .bind(recipient.0)
                .fetch_all(&self.pool)
                .await
                .map_err(translate)?;
        rows.iter().map(notification_from_row).collect()
    }

    async fn mark_notification_read(&self, id: Uuid, recipient: UserId, at: OffsetDateTime) -> StoreResult<()> {
        let updated =
            sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND recipient = $3 AND read_at IS NULL")
                .bind(at)
                .bind(id)
                .bind(recipient.0)
                .execute(&self.pool)
                .await
                .map_err(translate)?;
        if updated.rows_affected() == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM notifications WHERE id = $1 AND recipient = $2")
                    .bind(id)
                    .bind(recipient.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(translate)?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        Ok(())
    }

    async fn outbox(&self, limit: i64) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT * FROM notifications WHERE emailed_at IS NULL ORDER BY created_at, reminder_key LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(notification_from_row).collect()
    }

    async fn mark_notification_emailed(&self, id: Uuid, at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("UPDATE notifications SET emailed_at = $1 WHERE id = $2 AND emailed_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(translate)?;
        Ok(())
    }
}
