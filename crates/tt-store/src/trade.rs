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
    pub line: LineFields,
    /// The latest batch that had this line.
    pub batch_id: i64,
}

/// An entry with its lines: the unit the ingest reads and writes. The lines are stored packed
/// in the entry's row (see [`packed_lines`]), so an entry of any number of lines is one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryWithLines {
    pub entry: StoredEntry,
    /// In line-number order.
    pub lines: Vec<StoredLine>,
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

/// One entry of an importer's history for Defender: when, where, and from which countries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryOrigin {
    pub entry_number: String,
    pub importer_number: String,
    pub entry_date: Date,
    pub port_code: String,
    /// The distinct countries of origin of its lines, sorted.
    pub countries: Vec<String>,
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

/// What a rollup rebuild was computed from: the membership version (bumped by every change of
/// importer-number ownership or standing) and the last ingested batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupBasis {
    pub membership_version: i64,
    pub last_batch_id: i64,
}

/// One file's ingest, all-or-nothing: dropping it without [`IngestSession::finish`] rolls
/// every write back.
#[async_trait]
pub trait IngestSession: Send {
    /// This batch's number.
    fn batch_id(&self) -> i64;
    /// The stored entries among these numbers, with their lines (as written so far in this
    /// batch too).
    async fn stored_entries(&mut self, entry_numbers: &[String]) -> StoreResult<Vec<EntryWithLines>>;
    /// Writes entries with all their lines: `new` ones (looked up in this batch and not found:
    /// a conflict is an error) and `stored` ones (replaced).
    async fn write_entries(&mut self, new: &[EntryWithLines], stored: &[EntryWithLines]) -> StoreResult<()>;
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

    /// What a rollup rebuild starting now is computed from.
    async fn rollup_basis(&self) -> StoreResult<RollupBasis>;
    /// Replaces every KPI rollup (after a membership change regroups entries) and records the
    /// membership version they are built for, in one write transaction; unless the membership
    /// or the batches changed since `basis` was read: then nothing changes and the answer is
    /// `false` (the caller computes again).
    async fn replace_rollups(
        &self,
        groups: &[GroupRollup],
        releases: &[ReleaseRollup],
        basis: RollupBasis,
    ) -> StoreResult<bool>;
    /// The rollups of the range from one snapshot, or `None` when they are stale (the
    /// membership changed after they were built): summed per month (`entry_date` is then the
    /// month's first day) or, without `per_month`, over the whole range (`entry_date` is then
    /// `from`).
    async fn read_rollups(
        &self,
        from: Date,
        to: Date,
        per_month: bool,
    ) -> StoreResult<Option<(Vec<GroupRollup>, Vec<ReleaseRollup>)>>;

    /// Per-day (or, with `per_month`, per-month: `entry_date` is then the month's first day),
    /// per-importer aggregates of the entries in the range, handed to `visit` one at a time as
    /// the database returns them (a large program has millions); with `importers`, of those
    /// importer numbers only (read through their index: one member's figures do not scan
    /// everyone's entries).
    async fn visit_entry_aggregates(
        &self,
        from: Date,
        to: Date,
        importers: Option<&[String]>,
        per_month: bool,
        visit: &mut (dyn FnMut(EntryAggregate) + Send),
    ) -> StoreResult<()>;
    /// The line totals of the same entries, the same way.
    async fn visit_line_aggregates(
        &self,
        from: Date,
        to: Date,
        importers: Option<&[String]>,
        per_month: bool,
        visit: &mut (dyn FnMut(LineAggregate) + Send),
    ) -> StoreResult<()>;
    /// Entries with entry_date in the range of the `importers` only (read through their index:
    /// Defender reads the enrolled members' entries, not everyone's), each importer's in date and
    /// entry order.
    async fn entry_origins(&self, from: Date, to: Date, importers: &[String]) -> StoreResult<Vec<EntryOrigin>>;
}

/// The storage format of an entry's lines, shared by both backends: a JSON array with one
/// array per line, `[line_number, country_of_origin, manufacturer_id, hts_number,
/// entered_value_cents, duty_cents, recon_flag, batch_id]` (`manufacturer_id` and `recon_flag`
/// (`"Y"`/`"N"`) may be null). JSON keeps the lines readable by SQL (`json_each` in SQLite,
/// `jsonb_array_elements` in PostgreSQL); beside it the entry row carries the line totals the
/// KPIs and alerts read, so they never decode it.
pub mod packed_lines {
    use tt_domain::trade::{Cents, LineFields};

    use super::StoredLine;

    type OwnedPackedLine = (i32, String, Option<String>, String, i64, i64, Option<String>, i64);

    /// Encodes lines for storage. Written by hand: it runs once per entry written, and the
    /// generic serializer cost a tenth of the ingest's async thread.
    #[must_use]
    pub fn encode(lines: &[StoredLine]) -> String {
        use std::fmt::Write as _;
        let mut out = String::with_capacity(lines.len() * 64 + 2);
        out.push('[');
        for (index, stored) in lines.iter().enumerate() {
            let line = &stored.line;
            if index > 0 {
                out.push(',');
            }
            let _ = write!(out, "[{},", line.line_number);
            push_string(&mut out, &line.country_of_origin);
            out.push(',');
            match &line.manufacturer_id {
                Some(manufacturer) => push_string(&mut out, manufacturer),
                None => out.push_str("null"),
            }
            out.push(',');
            push_string(&mut out, &line.hts_number);
            let _ = write!(out, ",{},{},", line.entered_value.0, line.duty.0);
            out.push_str(match line.recon_flag {
                Some(true) => "\"Y\"",
                Some(false) => "\"N\"",
                None => "null",
            });
            let _ = write!(out, ",{}]", stored.batch_id);
        }
        out.push(']');
        out
    }

    /// A JSON string: the codes stored here are letters and digits, written as they are;
    /// anything else goes through the JSON serializer's escaping.
    fn push_string(out: &mut String, text: &str) {
        if text.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            out.push('"');
            out.push_str(text);
            out.push('"');
        } else {
            out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned()));
        }
    }

    /// Decodes stored lines.
    ///
    /// # Errors
    /// When the text is not in the storage format (a corrupt row).
    pub fn decode(text: &str) -> Result<Vec<StoredLine>, String> {
        let packed: Vec<OwnedPackedLine> = serde_json::from_str(text)
            .map_err(|error| format!("stored lines are not in the packed format: {error}"))?;
        let mut lines: Vec<StoredLine> = packed
            .into_iter()
            .map(|(line_number, country_of_origin, manufacturer_id, hts_number, value, duty, recon, batch_id)| {
                StoredLine {
                    line: LineFields {
                        line_number,
                        country_of_origin,
                        manufacturer_id,
                        hts_number,
                        entered_value: Cents(value),
                        duty: Cents(duty),
                        recon_flag: recon.map(|flag| flag == "Y"),
                    },
                    batch_id,
                }
            })
            .collect();
        lines.sort_by_key(|stored| stored.line.line_number);
        Ok(lines)
    }

    /// The per-entry line totals stored beside the packed lines.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct LineTotals {
        pub lines: i64,
        pub entered_value_cents: i64,
        pub duty_cents: i64,
        pub recon_flagged_lines: i64,
        /// The distinct countries of origin, sorted, joined with `,`.
        pub countries: String,
    }

    impl LineTotals {
        #[must_use]
        pub fn of(lines: &[StoredLine]) -> Self {
            let mut countries: Vec<&str> = lines.iter().map(|stored| stored.line.country_of_origin.as_str()).collect();
            countries.sort_unstable();
            countries.dedup();
            Self {
                lines: lines.len() as i64,
                entered_value_cents: lines.iter().map(|stored| stored.line.entered_value.0).sum(),
                duty_cents: lines.iter().map(|stored| stored.line.duty.0).sum(),
                recon_flagged_lines: lines.iter().filter(|stored| stored.line.recon_flag == Some(true)).count() as i64,
                countries: countries.join(","),
            }
        }
    }

    /// Splits the stored `countries` column.
    #[must_use]
    pub fn split_countries(text: &str) -> Vec<String> {
        text.split(',').filter(|country| !country.is_empty()).map(str::to_owned).collect()
    }
}
