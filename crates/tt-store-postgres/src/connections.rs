//! Partner connections, their events and members' connection preferences on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use tt_domain::connection::{Connection, ConnectionEvent, ConnectionStep, Sharing};
use tt_domain::{AccountId, NewAuditRecord, UserId};
use tt_store::connections::{ConnectionPreferences, ConnectionStore, StoredConnection};
use tt_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{PostgresStore, translate};

fn event_from_row(row: &PgRow) -> StoreResult<ConnectionEvent> {
    let step: String = row.try_get("step").map_err(translate)?;
    Ok(ConnectionEvent {
        step: ConnectionStep::parse(&step).map_err(|error| StoreError::Other(error.message.into()))?,
        by_account: AccountId(row.try_get("by_account").map_err(translate)?),
        sharing: Sharing {
            tier: row.try_get("share_tier").map_err(translate)?,
            contact: row.try_get("share_contact").map_err(translate)?,
        },
        at: row.try_get("at").map_err(translate)?,
    })
}

/// The connections the rows hold, in the rows' order of connections.
fn connections_from_rows(rows: &[PgRow]) -> StoreResult<Vec<StoredConnection>> {
    let mut connections: Vec<StoredConnection> = Vec::new();
    for row in rows {
        let id: Uuid = row.try_get("id").map_err(translate)?;
        if connections.last().is_none_or(|last| last.id != id) {
            connections.push(StoredConnection {
                id,
                connection: Connection {
                    requester: AccountId(row.try_get("requester_account").map_err(translate)?),
                    partner: AccountId(row.try_get("partner_account").map_err(translate)?),
                    events: Vec::new(),
                },
            });
        }
        if let Some(last) = connections.last_mut() {
            last.connection.events.push(event_from_row(row)?);
        }
    }
    Ok(connections)
}

const SELECT_CONNECTIONS: &str = "SELECT c.id, c.requester_account, c.partner_account, e.step, e.by_account,
            e.share_tier, e.share_contact, e.at
     FROM partner_connections c JOIN partner_connection_events e ON e.connection_id = c.id";

async fn insert_event(
    connection: &mut sqlx::PgConnection,
    id: Uuid,
    position: usize,
    event: &ConnectionEvent,
    by_user: Option<UserId>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO partner_connection_events
             (connection_id, position, step, by_account, by_user, share_tier, share_contact, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(i32::try_from(position).map_err(|error| StoreError::Other(Box::new(error)))?)
    .bind(event.step.id())
    .bind(event.by_account.0)
    .bind(by_user.map(|id| id.0))
    .bind(event.sharing.tier)
    .bind(event.sharing.contact)
    .bind(event.at)
    .execute(connection)
    .await
    .map_err(translate)?;
    Ok(())
}

#[async_trait]
impl ConnectionStore for PostgresStore {
    async fn add_connection(
        &self,
        id: Uuid,
        connection: &Connection,
        by_user: Option<UserId>,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("INSERT INTO partner_connections (id, requester_account, partner_account) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(connection.requester.0)
            .bind(connection.partner.0)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        for (position, event) in connection.events.iter().enumerate() {
            insert_event(&mut transaction, id, position, event, by_user).await?;
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn append_connection_event(
        &self,
        id: Uuid,
        expected_events: usize,
        event: &ConnectionEvent,
        by_user: Option<UserId>,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        // The position is the primary key: a second event at the same place is a conflict.
        insert_event(&mut transaction, id, expected_events, event, by_user).await?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn get_connection(&self, id: Uuid) -> StoreResult<StoredConnection> {
        let query = format!("{SELECT_CONNECTIONS} WHERE c.id = $1 ORDER BY e.position");
        let rows = sqlx::query(sqlx::AssertSqlSafe(query)).bind(id).fetch_all(&self.pool).await.map_err(translate)?;
        connections_from_rows(&rows)?.into_iter().next().ok_or(StoreError::NotFound)
    }

    async fn connections(&self, account_id: Option<AccountId>) -> StoreResult<Vec<StoredConnection>> {
        let query = format!(
            "{SELECT_CONNECTIONS} WHERE $1 IS NULL OR c.requester_account = $1 OR c.partner_account = $1
             ORDER BY (SELECT MIN(first.at) FROM partner_connection_events first WHERE first.connection_id = c.id),
                      c.id, e.position"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(query))
            .bind(account_id.map(|id| id.0))
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        connections_from_rows(&rows)
    }

    async fn set_connection_preferences(
        &self,
        account_id: AccountId,
        preferences: &ConnectionPreferences,
        by_user: Option<UserId>,
        at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO connection_preferences (account_id, auto_accept, share_tier, share_contact, by_user, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(account_id.0)
        .bind(preferences.auto_accept)
        .bind(preferences.sharing.tier)
        .bind(preferences.sharing.contact)
        .bind(by_user.map(|id| id.0))
        .bind(at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn connection_preferences(&self, account_id: AccountId) -> StoreResult<ConnectionPreferences> {
        let row = sqlx::query(
            "SELECT auto_accept, share_tier, share_contact FROM connection_preferences
             WHERE account_id = $1 ORDER BY sequence DESC LIMIT 1",
        )
        .bind(account_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(translate)?;
        row.map_or(Ok(ConnectionPreferences::default()), |row| {
            Ok(ConnectionPreferences {
                auto_accept: row.try_get("auto_accept").map_err(translate)?,
                sharing: Sharing {
                    tier: row.try_get("share_tier").map_err(translate)?,
                    contact: row.try_get("share_contact").map_err(translate)?,
                },
            })
        })
    }
}
