//! Storage of members' consents to partner government agencies and of the agency each liaison
//! works for: both append-only, the latest record counts.

use async_trait::async_trait;
use time::Date;
use time::OffsetDateTime;
use tt_domain::{AccountId, NewAuditRecord, UserId};
use uuid::Uuid;

use crate::StoreResult;

/// A member granted or withdrew its consent to one agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyConsent {
    pub account_id: AccountId,
    pub agency_code: String,
    pub granted: bool,
    pub by_user: Option<UserId>,
    pub at: OffsetDateTime,
}

/// One event of an engagement plan action: the action's whole state from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyActionEvent {
    pub action_id: Uuid,
    pub agency_code: String,
    pub action: String,
    pub owner_id: UserId,
    pub due: Date,
    /// `planned`, `in_progress`, `done` or `dropped`.
    pub state: String,
    pub note: String,
    pub by_user: Option<UserId>,
    pub at: OffsetDateTime,
}

#[async_trait]
pub trait AgencyStore: Send + Sync {
    /// Appends an event to an action after its `expected_events` (0 creates it); if another was
    /// appended since, `Conflict`.
    async fn append_agency_action(
        &self,
        event: &AgencyActionEvent,
        expected_events: usize,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// Every action's events, each action's in order, actions in the order they were created.
    async fn agency_actions(&self) -> StoreResult<Vec<Vec<AgencyActionEvent>>>;
    /// Records a grant or withdrawal, with the audit record.
    async fn record_agency_consent(&self, consent: &AgencyConsent, audit: &NewAuditRecord) -> StoreResult<()>;
    /// Every grant and withdrawal of one account (of all with `None`), in recording order.
    async fn agency_consents(&self, account_id: Option<AccountId>) -> StoreResult<Vec<AgencyConsent>>;
    /// The accounts whose latest record for `agency_code` grants it.
    async fn accounts_consenting_to(&self, agency_code: &str) -> StoreResult<Vec<AccountId>>;
    /// Records the agency a liaison works for, with the audit record.
    async fn set_liaison_agency(
        &self,
        user_id: UserId,
        agency_code: &str,
        by_user: Option<UserId>,
        at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// The agency a liaison works for, if one was recorded.
    async fn liaison_agency(&self, user_id: UserId) -> StoreResult<Option<String>>;
}
