//! Storage of benefit requests and proposed benefits: each one an append-only history of steps.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::proposals::{ProposalEvent, ProposalStep};
use tt_domain::requests::{RequestEvent, RequestKind, RequestStep};
use tt_domain::{AccountId, NewAuditRecord, UserId};
use uuid::Uuid;

use crate::StoreResult;

/// A request step to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequestEvent {
    pub request_id: Uuid,
    pub account_id: AccountId,
    pub kind: RequestKind,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub recorded_by_user: Option<UserId>,
    pub step: RequestStep,
}

/// One request's history, with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRequest {
    pub request_id: Uuid,
    pub account_id: AccountId,
    pub events: Vec<RequestEvent>,
}

#[async_trait]
pub trait RequestStore: Send + Sync {
    /// Appends a step to one request (a new id starts one) with the audit record, in one
    /// transaction, if its latest step is still `expected_last`; otherwise
    /// `Conflict { field: "request" }`. A submission that renews a certificate another live
    /// (neither withdrawn nor refused) request already renews is `Conflict { field: "renews" }`.
    async fn append_request_event(
        &self,
        expected_last: Option<i64>,
        event: &NewRequestEvent,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// One request's history in recording order (`None` when unknown).
    async fn request(&self, request_id: Uuid) -> StoreResult<Option<StoredRequest>>;
    /// Every request (of one account, or all), newest first, each with its history.
    async fn requests(&self, account_id: Option<AccountId>) -> StoreResult<Vec<StoredRequest>>;
}

/// A proposal step to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposalEvent {
    pub proposal_id: Uuid,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub recorded_by_user: Option<UserId>,
    pub step: ProposalStep,
}

/// One proposal's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProposal {
    pub proposal_id: Uuid,
    pub events: Vec<ProposalEvent>,
}

#[async_trait]
pub trait ProposalStore: Send + Sync {
    /// Appends a step to one proposal (a new id starts one) with the audit record, in one
    /// transaction, if its latest step is still `expected_last`; otherwise
    /// `Conflict { field: "proposal" }`.
    async fn append_proposal_event(
        &self,
        expected_last: Option<i64>,
        event: &NewProposalEvent,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// Every proposal, oldest first, each with its history.
    async fn proposals(&self) -> StoreResult<Vec<StoredProposal>>;
}
