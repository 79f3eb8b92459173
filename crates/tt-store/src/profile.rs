//! Storage of security profiles: each account's append-only history of profile steps.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::profile::{ProfileEvent, ProfileStep};
use tt_domain::{AccountId, NewAuditRecord, UserId};

use crate::StoreResult;

/// A profile step to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfileEvent {
    pub account_id: AccountId,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub recorded_by_user: Option<UserId>,
    pub step: ProfileStep,
}

#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// Appends steps to one account's profile with the audit record, in one transaction, if the
    /// profile's latest step is still `expected_last`; otherwise `Conflict { field: "profile" }`.
    async fn append_profile_events(
        &self,
        account_id: AccountId,
        expected_last: Option<i64>,
        events: &[NewProfileEvent],
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// One account's profile history in recording order.
    async fn profile_events(&self, account_id: AccountId) -> StoreResult<Vec<ProfileEvent>>;
}
