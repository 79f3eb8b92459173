//! Storage of forced labor screening: watch-list imports (each a snapshot), members' supply-chain
//! maps, and reviews of screening hits. Append-only.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::forced_labor::{MappedSupplier, WatchList, WatchListEntry};
use tt_domain::{AccountId, NewAuditRecord, UserId};
use uuid::Uuid;

use crate::StoreResult;

/// One import of a watch list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchListImport {
    /// Set by the store.
    pub id: i64,
    pub list: WatchList,
    pub file_name: String,
    pub imported_by: Option<UserId>,
    pub imported_at: OffsetDateTime,
    pub entries: i64,
}

/// A supplier of a member's map, with when it was added and, if so, removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSupplier {
    pub id: Uuid,
    pub account_id: AccountId,
    pub supplier: MappedSupplier,
    pub added_by: Option<UserId>,
    pub added_at: OffsetDateTime,
    pub removed_at: Option<OffsetDateTime>,
}

/// A review of a screening hit: a supplier against a watch-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningReview {
    pub account_id: AccountId,
    pub supplier_id: Uuid,
    /// [`WatchListEntry::key`] of the entry.
    pub entry_key: String,
    /// `confirmed` or `false_positive`.
    pub decision: String,
    pub note: String,
    pub by_user: Option<UserId>,
    pub at: OffsetDateTime,
}

/// One event of an allegation: its whole state from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllegationEvent {
    pub allegation_id: Uuid,
    /// The member it concerns, when it concerns one.
    pub account_id: Option<AccountId>,
    /// Who or what is alleged to use forced labor (a supplier, a producer, a region's industry).
    pub subject: String,
    pub country: String,
    /// Where it came from (a petition, an NGO report, a tip).
    pub source: String,
    pub description: String,
    pub received_on: time::Date,
    /// `open`, `investigating`, `substantiated` or `unsubstantiated`.
    pub state: String,
    pub note: String,
    pub by_user: Option<UserId>,
    pub at: OffsetDateTime,
}

/// One event of a member's evidence for a forced-labor requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementEvent {
    pub account_id: AccountId,
    pub requirement: String,
    /// `submitted` (with its evidence), `accepted` or `returned`.
    pub step: String,
    pub evidence: Option<tt_domain::profile::Evidence>,
    pub note: String,
    pub by_user: Option<UserId>,
    pub at: OffsetDateTime,
}

#[async_trait]
pub trait ForcedLaborStore: Send + Sync {
    /// Appends an event to a member's requirement after its `expected_events`; if another was
    /// appended since, `Conflict`.
    async fn append_requirement_event(
        &self,
        event: &RequirementEvent,
        expected_events: usize,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// A member's requirement events, by requirement then in order.
    async fn requirement_events(&self, account_id: AccountId) -> StoreResult<Vec<RequirementEvent>>;
    /// Appends an event to an allegation after its `expected_events` (0 takes it in); if
    /// another was appended since, `Conflict`.
    async fn append_allegation(
        &self,
        event: &AllegationEvent,
        expected_events: usize,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// Every allegation's events, each in order, allegations by when they were taken in.
    async fn allegations(&self) -> StoreResult<Vec<Vec<AllegationEvent>>>;
    /// Stores a watch-list import and its entries, with the audit record; returns its id.
    async fn record_watch_list_import(
        &self,
        import: &WatchListImport,
        entries: &[WatchListEntry],
        audit: &NewAuditRecord,
    ) -> StoreResult<i64>;
    /// The entries of each list's latest import, with the import.
    async fn current_watch_lists(&self) -> StoreResult<Vec<(WatchListImport, Vec<WatchListEntry>)>>;
    /// Adds a supplier to a member's map (its removal is ignored), with the audit record.
    async fn add_supplier(&self, supplier: &StoredSupplier, audit: &NewAuditRecord) -> StoreResult<()>;
    /// Removes a supplier from its map; one already removed is a conflict.
    async fn remove_supplier(
        &self,
        supplier_id: Uuid,
        removed_by: Option<UserId>,
        at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// The suppliers of one member's map (of every map with `None`), as added.
    async fn suppliers(&self, account_id: Option<AccountId>) -> StoreResult<Vec<StoredSupplier>>;
    /// Records a review, with the audit record.
    async fn record_screening_review(&self, review: &ScreeningReview, audit: &NewAuditRecord) -> StoreResult<()>;
    /// A member's reviews (every member's with `None`), in recording order.
    async fn screening_reviews(&self, account_id: Option<AccountId>) -> StoreResult<Vec<ScreeningReview>>;
}
