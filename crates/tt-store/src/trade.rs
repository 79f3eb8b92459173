//! Storage of the trade-data side: the membership timeline, Defender authorizations, entry
//! lines in batches, and the aggregates the KPIs and alerts are computed from.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use tt_domain::membership::{FilerAuthorization, StatusChange, StatusEvent};
use tt_domain::trade::{EntryFields, LineFields};
use tt_domain::{AccountId, AccountNumber, NewAuditRecord};

use crate::StoreResult;

/// A status event to append; the store gives it the next sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatusEvent {
    pub account_id: AccountId,
    pub effective_date: Date,
    pub change: StatusChange,
    pub reason: Option<String>,
    /// `import` (legacy migration) or `workflow` (made by the program's own steps).
    pub source: &'static str,
    pub recorded_at: OffsetDateTime,
}

/// An entry as stored, with the batch bookkeeping the ingest rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub fields: EntryFields,
    /// The latest batch that had a valid line of this entry.
    pub batch_id: i64,
    /// The row of the entry's first valid line in that batch.
    pub first_row: i64,
    /// Whether that batch changed the entry-level fields.
    pub changed_in_batch: bool,
}

/// A line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    pub entry_number: String,
    pub line: LineFields,
    pub batch_id: i64,
}

/// The counts of one batch, kept as its lineage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchCounts {
    pub rows_read: i64,
    pub rejected: i64,
    pub lines_ingested: i64,
    pub duplicates: i64,
    pub corrections: i64,
    pub entries_new: i64,
}

/// A recorded batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    pub id: i64,
    pub file_name: String,
    pub started_at: OffsetDateTime,
    pub finished_at: OffsetDateTime,
    pub counts: BatchCounts,
}

/// Entries of one day and importer number with the same exam reason and release time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryAggregate {
    pub entry_date: Date,
    pub importer_number: String,
    pub exam_reason: Option<String>,
    /// Whole days from entry to release; `None` for entries not released.
    pub release_days: Option<i64>,
    pub entries: i64,
    pub hold_micro_hours: i64,
}

/// Lines of one day and importer number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAggregate {
    pub entry_date: Date,
    pub importer_number: String,
    pub lines: i64,
    pub entered_value_cents: i64,
    pub duty_cents: i64,
    pub recon_flagged_lines: i64,
}

/// One line of an entry's history for Defender: when, where, and from which country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryOrigin {
    pub entry_number: String,
    pub importer_number: String,
    pub entry_date: Date,
    pub port_code: String,
    pub country_of_origin: String,
}

/// KPI totals of one day and program group (tier and Trade Compliance). Used both as stored
/// totals and as signed changes to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRollup {
    pub entry_date: Date,
    /// `T1`, `T2`, `T3` or `NM`.
    pub tier: String,
    pub trade_compliance: bool,
    pub entries: i64,
    pub lines: i64,
    pub entered_value_cents: i64,
    pub duty_cents: i64,
    pub examined_entries: i64,
    pub random_exams: i64,
    pub targeted_exams: i64,
    pub examined_hold_micro_hours: i64,
    pub released_entries: i64,
    pub recon_flagged_lines: i64,
}

/// How many entries of one day and group were released after a number of days (or a change
/// to that count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRollup {
    pub entry_date: Date,
    pub tier: String,
    pub trade_compliance: bool,
    pub release_days: i64,
    pub entries: i64,
}

/// One file's ingest, all-or-nothing: dropping it without [`IngestSession::finish`] rolls
/// every write back.
#[async_trait]
pub trait IngestSession: Send {
    /// This batch's number.
    fn batch_id(&self) -> i64;
    /// The stored entries among these numbers (as written so far in this batch too).
    async fn stored_entries(&mut self, entry_numbers: &[String]) -> StoreResult<Vec<StoredEntry>>;
    /// The stored lines of these entries.
    async fn stored_lines(&mut self, entry_numbers: &[String]) -> StoreResult<Vec<StoredLine>>;
    /// Inserts or replaces entries.
    async fn write_entries(&mut self, entries: &[StoredEntry]) -> StoreResult<()>;
    /// Inserts or replaces lines, marking them as this batch's.
    async fn write_lines(&mut self, lines: &[(String, LineFields)]) -> StoreResult<()>;
    /// Adds signed changes to the KPI rollups.
    async fn adjust_rollups(&mut self, groups: &[GroupRollup], releases: &[ReleaseRollup]) -> StoreResult<()>;
    /// Records the batch with its counts and audit record, and commits everything.
    async fn finish(self: Box<Self>, record: &BatchRecord, audit: &NewAuditRecord) -> StoreResult<()>;
}

#[async_trait]
pub trait TradeStore: Send + Sync {
    /// Starts a batch: one write transaction until it is finished or dropped.
    async fn begin_ingest(&self) -> StoreResult<Box<dyn IngestSession>>;
    async fn list_batches(&self, limit: i64) -> StoreResult<Vec<BatchRecord>>;

    async fn append_status_events(&self, events: &[NewStatusEvent], audit: &NewAuditRecord) -> StoreResult<()>;
    async fn status_events(&self) -> StoreResult<Vec<(AccountId, StatusEvent)>>;
    async fn add_filer_authorizations(
        &self,
        rows: &[(AccountId, FilerAuthorization)],
        recorded_at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    async fn filer_authorizations(&self) -> StoreResult<Vec<(AccountId, FilerAuthorization)>>;
    async fn set_anl_anniversary(
        &self,
        account_id: AccountId,
        anniversary: Option<&str>,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    async fn anl_anniversary(&self, account_id: AccountId) -> StoreResult<Option<String>>;
    /// Every importer number with its owning account.
    async fn importer_owners(&self) -> StoreResult<Vec<(String, AccountId, AccountNumber)>>;

    /// Replaces every KPI rollup (after a membership change regroups entries).
    async fn replace_rollups(&self, groups: &[GroupRollup], releases: &[ReleaseRollup]) -> StoreResult<()>;
    async fn group_rollups(&self, from: Date, to: Date) -> StoreResult<Vec<GroupRollup>>;
    async fn release_rollups(&self, from: Date, to: Date) -> StoreResult<Vec<ReleaseRollup>>;

    async fn entry_aggregates(&self, from: Date, to: Date) -> StoreResult<Vec<EntryAggregate>>;
    async fn line_aggregates(&self, from: Date, to: Date) -> StoreResult<Vec<LineAggregate>>;
    /// Entry lines with entry_date in the range, ordered by importer number, date and entry.
    async fn entry_origins(&self, from: Date, to: Date) -> StoreResult<Vec<EntryOrigin>>;
}
