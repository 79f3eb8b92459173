//! Storage of validations: each one an append-only history of steps.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::validation::{ValidationEvent, ValidationStep};
use tt_domain::{AccountId, NewAuditRecord, UserId};
use uuid::Uuid;

use crate::StoreResult;

/// A validation step to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewValidationEvent {
    pub validation_id: Uuid,
    pub account_id: AccountId,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub recorded_by_user: Option<UserId>,
    pub step: ValidationStep,
}

/// A validation as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationSummary {
    pub validation_id: Uuid,
    pub account_id: AccountId,
    pub started_at: OffsetDateTime,
    pub steps: i64,
}

#[async_trait]
pub trait ValidationStore: Send + Sync {
    /// Appends steps to one validation (a new id starts one) with the audit record, in one
    /// transaction, if its latest step is still `expected_last`; otherwise
    /// `Conflict { field: "validation" }`.
    async fn append_validation_events(
        &self,
        validation_id: Uuid,
        expected_last: Option<i64>,
        events: &[NewValidationEvent],
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// One validation's history in recording order, with its account (`None` when unknown).
    async fn validation_events(&self, validation_id: Uuid) -> StoreResult<Option<(AccountId, Vec<ValidationEvent>)>>;
    /// Every validation (of one account, or all), newest first.
    async fn list_validations(&self, account_id: Option<AccountId>) -> StoreResult<Vec<ValidationSummary>>;
}
