//! Storage of the membership lifecycle: each account's append-only history of steps, and the
//! reminders the worker derived from those histories (an in-app inbox and the e-mail outbox).

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use tt_domain::lifecycle::{MembershipEvent, Step};
use tt_domain::membership::StatusEvent;
use tt_domain::{Account, AccountId, NewAuditRecord, UserId};
use uuid::Uuid;

use crate::trade::NewStatusEvent;
use crate::{NewUser, StoreError, StoreResult};

/// A step to append; the store gives it the next sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMembershipEvent {
    pub account_id: AccountId,
    pub effective_date: Date,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub recorded_by_user: Option<UserId>,
    pub reason: Option<String>,
    pub document_version: Option<String>,
    pub step: Step,
}

/// The step as stored: its JSON, which carries the step's kind in its `step` field.
///
/// # Errors
/// Never in practice (every step serializes); reported as a storage failure if it did.
pub fn encode_step(step: &Step) -> StoreResult<String> {
    serde_json::to_string(step).map_err(|error| StoreError::Other(Box::new(error)))
}

/// # Errors
/// When the stored JSON is not a step (a corrupted row).
pub fn decode_step(text: &str) -> StoreResult<Step> {
    serde_json::from_str(text).map_err(|error| StoreError::Other(Box::new(error)))
}

/// A status event with where it came from (`import` or `workflow`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedStatusEvent {
    pub event: StatusEvent,
    pub source: String,
}

/// A reminder or notice for one person: shown in their inbox, and e-mailed when the worker has
/// a mail server (otherwise it stays in the outbox the admin reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: Uuid,
    /// What the reminder is about and when it fires (`account:item:due:lead`): unique per
    /// recipient, so a worker that restarts never creates the same reminder twice.
    pub reminder_key: String,
    pub account_id: Option<AccountId>,
    pub recipient: UserId,
    pub recipient_email: String,
    pub subject: String,
    pub body: String,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
    /// When the e-mail went out; `None` while it waits in the outbox.
    pub emailed_at: Option<OffsetDateTime>,
}

#[async_trait]
pub trait MembershipStore: Send + Sync {
    /// Appends steps to one account's history, and the status events that keep the standing
    /// timeline (which the KPIs read) in line with it, with the audit record, in one
    /// transaction. `expected_last` is the sequence of the account's latest step the caller
    /// validated against (`None` for an empty history); if another step was appended since, the
    /// append is refused with `Conflict { field: "history" }` so the caller can validate again.
    async fn append_membership_events(
        &self,
        account_id: AccountId,
        expected_last: Option<i64>,
        events: &[NewMembershipEvent],
        standing: &[NewStatusEvent],
        audit: &NewAuditRecord,
    ) -> StoreResult<Vec<i64>>;
    /// A company signing itself up: the account, its company officer and the history's first
    /// step, in one transaction (a half-registered company cannot exist).
    async fn register_applicant(
        &self,
        account: &Account,
        officer: &NewUser,
        first_step: &NewMembershipEvent,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// One account's history in recording order.
    async fn membership_events(&self, account_id: AccountId) -> StoreResult<Vec<MembershipEvent>>;
    /// Every account's history, grouped by account, each in recording order.
    async fn all_membership_events(&self) -> StoreResult<Vec<(AccountId, Vec<MembershipEvent>)>>;
    /// Status events in recording order, with their source: one account's, or with `None`
    /// every account's.
    async fn sourced_status_events(
        &self,
        account_id: Option<AccountId>,
    ) -> StoreResult<Vec<(AccountId, SourcedStatusEvent)>>;
    /// Every account's legacy Annual Notification Letter anniversary (`MM-DD`), where imported.
    async fn letter_anniversaries(&self) -> StoreResult<Vec<(AccountId, String)>>;
    /// Adds a reminder unless one with the same key exists for the recipient; true when added.
    async fn add_notification(&self, notification: &Notification) -> StoreResult<bool>;
    /// A recipient's notifications, newest first.
    async fn notifications_for(&self, recipient: UserId) -> StoreResult<Vec<Notification>>;
    async fn mark_notification_read(&self, id: Uuid, recipient: UserId, at: OffsetDateTime) -> StoreResult<()>;
    /// Notifications whose e-mail has not gone out, oldest first.
    async fn outbox(&self, limit: i64) -> StoreResult<Vec<Notification>>;
    async fn mark_notification_emailed(&self, id: Uuid, at: OffsetDateTime) -> StoreResult<()>;
}
