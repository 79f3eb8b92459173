//! Storage of status-verification connections between members (their events, append-only) and
//! of each member's connection preferences (the latest record counts).

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::connection::{Connection, ConnectionEvent, Sharing};
use tt_domain::{AccountId, NewAuditRecord, UserId};
use uuid::Uuid;

use crate::StoreResult;

/// A stored connection: its id and the connection replayed from its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConnection {
    pub id: Uuid,
    pub connection: Connection,
}

/// A member's connection preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionPreferences {
    /// Requests from certified members are accepted at once, sharing `sharing`.
    pub auto_accept: bool,
    /// What it shares when it accepts automatically (and offers by default).
    pub sharing: Sharing,
}

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Stores a new connection with its first events (the request, and an automatic
    /// acceptance if there is one), with the audit record, in one transaction.
    async fn add_connection(
        &self,
        id: Uuid,
        connection: &Connection,
        by_user: Option<UserId>,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// Appends an event after the `expected_events` the caller validated against; if another
    /// was appended since, `Conflict` (the caller validates again).
    async fn append_connection_event(
        &self,
        id: Uuid,
        expected_events: usize,
        event: &ConnectionEvent,
        by_user: Option<UserId>,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// One connection; `NotFound` if none has the id.
    async fn get_connection(&self, id: Uuid) -> StoreResult<StoredConnection>;
    /// The connections `account_id` is a side of (every connection with `None`), oldest first.
    async fn connections(&self, account_id: Option<AccountId>) -> StoreResult<Vec<StoredConnection>>;
    /// Records a member's preferences, with the audit record.
    async fn set_connection_preferences(
        &self,
        account_id: AccountId,
        preferences: &ConnectionPreferences,
        by_user: Option<UserId>,
        at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// A member's latest preferences (the defaults when it never set any).
    async fn connection_preferences(&self, account_id: AccountId) -> StoreResult<ConnectionPreferences>;
}
