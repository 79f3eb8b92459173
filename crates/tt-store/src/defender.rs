//! Storage of the Defender workflow: members' reviews of alerts and the cases a denial opens.
//! Append-only: an alert's state is its latest review; a case is open until it has an outcome.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::membership::FilerEnd;
use tt_domain::{AccountId, CaseId, NewAuditRecord, UserId};

use crate::StoreResult;
use crate::trade::EntryWithLines;

/// A member's answer to one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertReview {
    pub account_id: AccountId,
    pub entry_number: String,
    pub code: String,
    /// `confirmed` ("this shipment is ours") or `denied`.
    pub decision: String,
    pub note: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_at: OffsetDateTime,
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOutcome {
    pub outcome: String,
    pub decided_by: Option<UserId>,
    pub decided_at: OffsetDateTime,
}

/// A case opened by a denied alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCase {
    pub id: CaseId,
    pub account_id: AccountId,
    pub entry_number: String,
    pub code: String,
    pub opened_by: Option<UserId>,
    pub opened_at: OffsetDateTime,
    pub outcome: Option<CaseOutcome>,
}

#[async_trait]
pub trait DefenderStore: Send + Sync {
    /// Appends a review and, for a denial, the case it opens, in one transaction.
    async fn record_review(
        &self,
        review: &AlertReview,
        case: Option<&AlertCase>,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// Every review in the order recorded, of one account or of all.
    async fn reviews(&self, account_id: Option<AccountId>) -> StoreResult<Vec<AlertReview>>;
    /// Every case, newest first, with its outcome if it has one.
    async fn cases(&self) -> StoreResult<Vec<AlertCase>>;
    async fn get_case(&self, id: CaseId) -> StoreResult<AlertCase>;
    /// Closes a case; a case already closed is a conflict.
    async fn record_case_outcome(&self, id: CaseId, outcome: &CaseOutcome, audit: &NewAuditRecord) -> StoreResult<()>;
    /// An entry and its lines, if stored.
    async fn entry_details(&self, entry_number: &str) -> StoreResult<Option<EntryWithLines>>;
    /// Records that the member ended a broker's authorization from a day, with the audit record.
    async fn add_filer_end(
        &self,
        account_id: AccountId,
        end: &FilerEnd,
        recorded_at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// Every recorded end, in recording order.
    async fn filer_ends(&self) -> StoreResult<Vec<(AccountId, FilerEnd)>>;
}
