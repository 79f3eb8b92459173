//! The trade-data use cases of the entry-feed contract (spec/entry-feed.md): importing the
//! membership timeline, ingesting entry lines in atomic idempotent batches, KPIs by month,
//! group and account, Defender alerts, and random-exam screening.
//!
//! Files are read through `tt-feed`; every rule about what a row means is in `tt-domain`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use time::{Date, Duration};
use tt_domain::kpi::{KpiAccumulator, KpiFigures, screening_draw};
use tt_domain::membership::{FilerAuthorization, Group, StatusChange, Timeline, defender_enrolled, parse_anniversary};
use tt_domain::trade::{EntryFields, EntryLine, LineFields, parse_date, parse_entry_line};
use tt_domain::{Account, AccountId, AccountNumber, BusinessType, ImporterNumber, LegalName, ValidationError};
pub use tt_feed::{FeedError, FeedFile};
use tt_feed::{ReadProgress, Record, RejectsWriter};
use tt_store::trade::{
    BatchCounts, BatchRecord, EntryWithLines, GroupRollup, NewStatusEvent, ReleaseRollup, StoredEntry, StoredLine,
};

use crate::actor::NOTHING;
use crate::{Actor, App, AppError, AppResult, Permission};

/// An uploaded file kept in a temporary file for as long as it is read.
struct Upload(std::path::PathBuf);

impl Upload {
    fn write(file_name: &str, body: &[u8]) -> AppResult<Self> {
        // The name keeps its extension, which tells the format; nothing else of it is used.
        let safe: String =
            file_name.chars().filter(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c)).take(100).collect();
        let path = std::env::temp_dir().join(format!("tt-upload-{}-{safe}", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, body).map_err(|error| AppError::Internal(error.into()))?;
        Ok(Self(path))
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The columns an entry file must have.
fn required_entry_columns() -> Vec<&'static str> {
    tt_domain::trade::ENTRY_COLUMNS.iter().filter(|(_, required)| *required).map(|(name, _)| *name).collect()
}

pub use crate::reject_list::{Reject, RejectList};

/// The outcome of importing one membership file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub rows_read: u64,
    pub imported: u64,
    pub rejected: u64,
    pub rejects: Vec<Reject>,
}

/// The outcome of ingesting one entry file (one batch).
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct IngestReport {
    pub file: String,
    pub rows_read: u64,
    pub rejected: u64,
    pub lines_ingested: u64,
    pub duplicates: u64,
    pub corrections: u64,
    pub entries_new: u64,
    pub rejects: RejectList,
}

/// Which membership file is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipFile {
    Accounts,
    StatusEvents,
    DefenderFilers,
}

impl MembershipFile {
    /// The columns the file must have.
    #[must_use]
    pub const fn required_columns(self) -> &'static [&'static str] {
        match self {
            Self::Accounts => &["account_number", "legal_name", "business_type"],
            Self::StatusEvents => &["account_number", "effective_date", "kind", "value"],
            Self::DefenderFilers => &["account_number", "filer_code", "authorized_from"],
        }
    }
}

/// Collects rejects and writes each rejected record to the rejects file, if one is kept.
struct Rejections<'a> {
    file_name: String,
    writer: Option<&'a mut RejectsWriter>,
    list: RejectList,
}

impl Rejections<'_> {
    fn reject(&mut self, record: &Record, error: &ValidationError) -> AppResult<()> {
        if let Some(writer) = self.writer.as_deref_mut() {
            writer
                .write(record, &format!("{}: {}", error.field, error.message))
                .map_err(|source| AppError::Internal(anyhow::anyhow!("writing the rejects file: {source}")))?;
        }
        self.list.push(Reject {
            file: self.file_name.clone(),
            row: record.row,
            field: error.field.to_owned(),
            reason: error.message.clone(),
        })
    }
}

fn feed_error(error: tt_feed::FeedError) -> AppError {
    AppError::Invalid(vec![ValidationError::new("file", error.to_string())])
}

/// Reads every record of a small file (membership files fit in memory).
fn read_all(file: &mut FeedFile) -> AppResult<Vec<Record>> {
    let mut records = Vec::new();
    while let Some(record) = file.next_record().map_err(feed_error)? {
        records.push(record);
    }
    Ok(records)
}

fn unreadable(record: &Record) -> Option<ValidationError> {
    record.unreadable.as_ref().map(|reason| ValidationError::new("_record", reason.clone()))
}

/// A valid row of `accounts.csv`.
struct AccountRow {
    number: AccountNumber,
    legal_name: LegalName,
    business_type: BusinessType,
    importer_numbers: Vec<ImporterNumber>,
    anniversary: Option<String>,
}

fn parse_account_row(file: &FeedFile, record: &Record) -> Result<AccountRow, ValidationError> {
    if let Some(error) = unreadable(record) {
        return Err(error);
    }
    let number = AccountNumber::parse(required(file, record, "account_number")?)?;
    let legal_name = LegalName::parse(required(file, record, "legal_name")?)?;
    let business_type = BusinessType::parse(required(file, record, "business_type")?)?;
    let mut importer_numbers = Vec::new();
    for text in file.value(record, "ior_numbers").split(';').map(str::trim).filter(|text| !text.is_empty()) {
        let number = ImporterNumber::parse(text)?;
        if !importer_numbers.contains(&number) {
            importer_numbers.push(number);
        }
    }
    let anniversary = match file.value(record, "anl_anniversary") {
        "" => None,
        text => {
            let (month, day) = parse_anniversary(text)?;
            Some(format!("{month:02}-{day:02}"))
        }
    };
    Ok(AccountRow { number, legal_name, business_type, importer_numbers, anniversary })
}

fn required<'a>(file: &FeedFile, record: &'a Record, column: &'static str) -> Result<&'a str, ValidationError> {
    match file.value(record, column) {
        "" => Err(ValidationError::new(column, "is required")),
        text => Ok(text),
    }
}

impl App {
    /// Imports one membership file: accounts, status events or Defender filer authorizations.
    /// Bad rows are rejected with their row number, field and reason; every other row is imported.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `Invalid` (field `file`) when the file cannot be read.
    pub async fn import_membership(
        &self,
        actor: &Actor,
        kind: MembershipFile,
        file: &mut FeedFile,
        file_name: &str,
    ) -> AppResult<ImportReport> {
        actor.require(Permission::ImportTradeData, self.clock.now())?;
        let records = read_all(file)?;
        let mut rejections = Rejections { file_name: file_name.to_owned(), writer: None, list: RejectList::default() };
        let imported = match kind {
            MembershipFile::Accounts => self.import_accounts(actor, file, &records, &mut rejections).await?,
            MembershipFile::StatusEvents => self.import_status_events(actor, file, &records, &mut rejections).await?,
            MembershipFile::DefenderFilers => {
                self.import_defender_filers(actor, file, &records, &mut rejections).await?
            }
        };
        if imported > 0 && kind != MembershipFile::DefenderFilers {
            // Ownership or standing changed: every entry's group may have changed. The import
            // has committed; if the rebuild fails, the rollups stay marked stale and the next
            // KPI read rebuilds them.
            self.refresh_kpi_rollups().await;
        }
        let mut rejects: Vec<Reject> = rejections.list.iter().collect::<AppResult<_>>()?;
        rejects.sort_by_key(|reject| reject.row);
        Ok(ImportReport { rows_read: records.len() as u64, imported, rejected: rejects.len() as u64, rejects })
    }

    async fn import_accounts(
        &self,
        actor: &Actor,
        file: &FeedFile,
        records: &[Record],
        rejections: &mut Rejections<'_>,
    ) -> AppResult<u64> {
        let now = self.clock.now();
        // First pass: each row alone, then duplicates of an account number within the file.
        let mut rows: Vec<Option<AccountRow>> = Vec::with_capacity(records.len());
        let mut seen_numbers = HashSet::new();
        for record in records {
            match parse_account_row(file, record) {
                Err(error) => {
                    rejections.reject(record, &error)?;
                    rows.push(None);
                }
                Ok(row) if !seen_numbers.insert(row.number.clone()) => {
                    rejections.reject(
                        record,
                        &ValidationError::new("account_number", "a second row for this account number in the file"),
                    )?;
                    rows.push(None);
                }
                Ok(row) => rows.push(Some(row)),
            }
        }
        // An importer number given to two accounts in the file rejects every row that gives it.
        let mut owners_in_file: HashMap<ImporterNumber, BTreeSet<AccountNumber>> = HashMap::new();
        for row in rows.iter().flatten() {
            for number in &row.importer_numbers {
                owners_in_file.entry(number.clone()).or_default().insert(row.number.clone());
            }
        }
        let mut imported = 0;
        for (record, row) in records.iter().zip(rows) {
            let Some(row) = row else { continue };
            if let Some(number) = row
                .importer_numbers
                .iter()
                .find(|number| owners_in_file.get(*number).is_some_and(|owners| owners.len() > 1))
            {
                rejections.reject(
                    record,
                    &ValidationError::new(
                        "ior_numbers",
                        format!("importer number {number} is given to more than one account in this file"),
                    ),
                )?;
                continue;
            }
            match self.upsert_imported_account(actor, &row, now).await {
                Ok(()) => imported += 1,
                Err(AppError::Conflict { field, message }) => {
                    rejections.reject(record, &ValidationError::new(field, message))?
                }
                Err(AppError::Invalid(errors)) => rejections.reject(record, &errors[0])?,
                Err(other) => return Err(other),
            }
        }
        Ok(imported)
    }

    /// Creates the account, or updates its name, business type and anniversary and adds its
    /// importer numbers.
    async fn upsert_imported_account(
        &self,
        actor: &Actor,
        row: &AccountRow,
        now: time::OffsetDateTime,
    ) -> AppResult<()> {
        for number in &row.importer_numbers {
            if let Some(owner) = self.store.find_account_by_importer_number(number).await?
                && owner.number != row.number
            {
                return Err(AppError::Conflict {
                    field: "ior_numbers",
                    message: format!("importer number {number} is owned by account {}", owner.number),
                });
            }
        }
        let account = match self.store.find_account_by_number(&row.number).await? {
            Some(before) => {
                let mut after = before.clone();
                after.legal_name = row.legal_name.clone();
                after.business_type = row.business_type;
                for number in &row.importer_numbers {
                    if !after.importer_numbers.contains(number) {
                        after.importer_numbers.push(number.clone());
                    }
                }
                if after != before {
                    let audit = actor.audit(
                        now,
                        "account.import",
                        "account",
                        Some(before.id.to_string()),
                        Some(&before),
                        Some(&after),
                    );
                    self.store.update_account(&after, &audit).await?;
                }
                after
            }
            None => {
                let account = Account {
                    id: AccountId::generate(),
                    number: row.number.clone(),
                    legal_name: row.legal_name.clone(),
                    doing_business_as: None,
                    business_type: row.business_type,
                    address: None,
                    importer_numbers: row.importer_numbers.clone(),
                    employer_identification_numbers: Vec::new(),
                    manufacturer_ids: Vec::new(),
                    scacs: Vec::new(),
                    partner_agency_consent: false,
                    created_at: now,
                };
                let audit = actor.audit(
                    now,
                    "account.import",
                    "account",
                    Some(account.id.to_string()),
                    NOTHING,
                    Some(&account),
                );
                self.store.create_account(&account, &audit).await?;
                account
            }
        };
        if self.store.anl_anniversary(account.id).await? != row.anniversary {
            let audit = actor.audit(
                now,
                "account.anniversary",
                "account",
                Some(account.id.to_string()),
                NOTHING,
                Some(&row.anniversary),
            );
            self.store.set_anl_anniversary(account.id, row.anniversary.as_deref(), &audit).await?;
        }
        Ok(())
    }

    async fn known_account(
        &self,
        file: &FeedFile,
        record: &Record,
        cache: &mut HashMap<AccountNumber, Option<AccountId>>,
    ) -> Result<AccountId, ValidationError> {
        let number = AccountNumber::parse(required(file, record, "account_number")?)?;
        if !cache.contains_key(&number) {
            let found = self.store.find_account_by_number(&number).await.ok().flatten().map(|account| account.id);
            cache.insert(number.clone(), found);
        }
        cache[&number].ok_or_else(|| ValidationError::new("account_number", format!("no account {number} is known")))
    }

    async fn import_status_events(
        &self,
        actor: &Actor,
        file: &FeedFile,
        records: &[Record],
        rejections: &mut Rejections<'_>,
    ) -> AppResult<u64> {
        let now = self.clock.now();
        let mut accounts = HashMap::new();
        let mut events = Vec::new();
        for record in records {
            let parsed: Result<NewStatusEvent, ValidationError> = async {
                if let Some(error) = unreadable(record) {
                    return Err(error);
                }
                let account_id = self.known_account(file, record, &mut accounts).await?;
                let effective_date = parse_date("effective_date", required(file, record, "effective_date")?)?;
                let kind = required(file, record, "kind")?;
                let value = required(file, record, "value")?;
                let change = StatusChange::parse(kind, value)?;
                let reason = Some(file.value(record, "reason").to_owned()).filter(|text| !text.is_empty());
                Ok(NewStatusEvent { account_id, effective_date, change, reason, source: "import", recorded_at: now })
            }
            .await;
            match parsed {
                Ok(event) => events.push(event),
                Err(error) => rejections.reject(record, &error)?,
            }
        }
        if !events.is_empty() {
            let audit = actor.audit(
                now,
                "membership.import_status_events",
                "status_events",
                None,
                NOTHING,
                Some(&events.len()),
            );
            self.store.append_status_events(&events, &audit).await?;
        }
        Ok(events.len() as u64)
    }

    async fn import_defender_filers(
        &self,
        actor: &Actor,
        file: &FeedFile,
        records: &[Record],
        rejections: &mut Rejections<'_>,
    ) -> AppResult<u64> {
        let now = self.clock.now();
        let mut accounts = HashMap::new();
        let mut rows = Vec::new();
        for record in records {
            let parsed: Result<(AccountId, FilerAuthorization), ValidationError> = async {
                if let Some(error) = unreadable(record) {
                    return Err(error);
                }
                let account_id = self.known_account(file, record, &mut accounts).await?;
                let filer_code = FilerAuthorization::parse_filer_code(required(file, record, "filer_code")?)?;
                let authorized_from = parse_date("authorized_from", required(file, record, "authorized_from")?)?;
                let authorized_to = match file.value(record, "authorized_to") {
                    "" => None,
                    text => Some(parse_date("authorized_to", text)?),
                };
                if authorized_to.is_some_and(|to| to < authorized_from) {
                    return Err(ValidationError::new("authorized_to", "is before authorized_from"));
                }
                Ok((account_id, FilerAuthorization { filer_code, authorized_from, authorized_to }))
            }
            .await;
            match parsed {
                Ok(row) => rows.push(row),
                Err(error) => rejections.reject(record, &error)?,
            }
        }
        if !rows.is_empty() {
            let audit = actor.audit(
                now,
                "membership.import_defender_filers",
                "defender_filers",
                None,
                NOTHING,
                Some(&rows.len()),
            );
            self.store.add_filer_authorizations(&rows, now, &audit).await?;
        }
        Ok(rows.len() as u64)
    }
}

impl App {
    /// Ingests an uploaded entry file (the body), as one batch.
    ///
    /// # Errors
    /// `Forbidden` without the permission (checked before the body is read); `Invalid` (field
    /// `file`) when the file cannot be read.
    pub async fn ingest_upload(&self, actor: &Actor, file_name: &str, body: &[u8]) -> AppResult<IngestReport> {
        actor.require(Permission::ImportTradeData, self.clock.now())?;
        let upload = Upload::write(file_name, body)?;
        let file = FeedFile::open(&upload.0, &required_entry_columns()).map_err(feed_error)?;
        self.ingest_entries(actor, file, file_name, None, &mut |_, _| {}).await
    }

    /// Screens an uploaded arrivals file (the body).
    ///
    /// # Errors
    /// As [`App::screen`], checked before the body is read.
    pub async fn screen_upload(
        &self,
        actor: &Actor,
        file_name: &str,
        body: &[u8],
        rate: f64,
        seed: &str,
    ) -> AppResult<ScreeningReport> {
        actor.require(Permission::ScreenArrivals, self.clock.now())?;
        let upload = Upload::write(file_name, body)?;
        let file = FeedFile::open(&upload.0, &required_entry_columns()).map_err(feed_error)?;
        let mut decisions = Vec::new();
        let mut report = self
            .screen(actor, file, file_name, rate, seed, &mut |decision| {
                decisions.push(decision);
                Ok(())
            })
            .await?;
        report.decisions = decisions;
        Ok(report)
    }
}

/// Valid rows are processed this many at a time: memory is bounded by this, not the file.
const INGEST_CHUNK_ROWS: usize = 20_000;

/// How many times a rollup rebuild is computed again when a batch or membership change
/// committed meanwhile.
const REBUILD_ATTEMPTS: usize = 3;

/// Rows read and parsed off the async thread, with how far the file had been read.
struct ParsedChunk {
    rows: Vec<(Record, Result<EntryLine, ValidationError>)>,
    progress: ReadProgress,
    end_of_file: bool,
}

/// Reads and parses the file on a blocking thread, a chunk ahead of the caller, so parsing
/// runs on one core while the previous chunk is applied and written on the other. The channel
/// holds one chunk: memory stays bounded by the chunk size, not the file size.
fn read_in_background(
    mut file: FeedFile,
    chunk_rows: usize,
) -> tokio::sync::mpsc::Receiver<Result<ParsedChunk, tt_feed::FeedError>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    tokio::task::spawn_blocking(move || {
        let columns: Vec<tt_feed::Column> =
            tt_domain::trade::ENTRY_COLUMNS.iter().map(|(name, _)| file.column(name)).collect();
        loop {
            let mut rows = Vec::with_capacity(chunk_rows);
            let mut end_of_file = false;
            while rows.len() < chunk_rows {
                match file.next_record() {
                    Ok(Some(mut record)) => {
                        let parsed = match unreadable(&record) {
                            Some(error) => Err(error),
                            None => parse_entry_line(|index| file.value_of(&record, &columns[index])),
                        };
                        record.drop_values();
                        rows.push((record, parsed));
                    }
                    Ok(None) => {
                        end_of_file = true;
                        break;
                    }
                    Err(error) => {
                        let _ = sender.blocking_send(Err(error));
                        return;
                    }
                }
            }
            let chunk = ParsedChunk { rows, progress: file.progress(), end_of_file };
            // A closed channel means the ingest stopped (an error): nothing more to read.
            if sender.blocking_send(Ok(chunk)).is_err() || end_of_file {
                return;
            }
        }
    });
    receiver
}

/// The running state of one batch.
struct Batch {
    id: i64,
    counts: IngestReport,
    membership: Membership,
    rollup_changes: RollupChanges,
}

/// Signed changes to the KPI rollups, by day and group.
#[derive(Default)]
struct RollupChanges {
    groups: HashMap<(Date, Group), GroupTotals>,
    releases: HashMap<(Date, Group, i64), i64>,
}

/// The rollup figures of one day and group.
#[derive(Default, Clone, Copy)]
struct GroupTotals {
    entries: i64,
    lines: i64,
    entered_value_cents: i64,
    duty_cents: i64,
    examined_entries: i64,
    random_exams: i64,
    targeted_exams: i64,
    examined_hold_micro_hours: i64,
    released_entries: i64,
    recon_flagged_lines: i64,
}

impl RollupChanges {
    /// Adds (`sign` 1) or removes (`sign` -1) one entry with its lines.
    fn add_entry(&mut self, membership: &Membership, entry: &EntryFields, lines: &[&LineFields], sign: i64) {
        let (group, _) = membership.group_on(entry.importer_number.as_str(), entry.entry_date);
        let totals = self.groups.entry((entry.entry_date, group)).or_default();
        let count = |condition: bool| if condition { sign } else { 0 };
        totals.entries += sign;
        totals.lines += sign * lines.len() as i64;
        totals.entered_value_cents += sign * lines.iter().map(|line| line.entered_value.0).sum::<i64>();
        totals.duty_cents += sign * lines.iter().map(|line| line.duty.0).sum::<i64>();
        totals.recon_flagged_lines += sign * lines.iter().filter(|line| line.recon_flag == Some(true)).count() as i64;
        totals.examined_entries += count(entry.exam.is_some());
        totals.random_exams += count(entry.exam_reason == Some(tt_domain::trade::ExamReason::Random));
        totals.targeted_exams += count(entry.exam_reason == Some(tt_domain::trade::ExamReason::Targeted));
        if entry.exam.is_some() {
            totals.examined_hold_micro_hours += sign * entry.hold.0;
        }
        if let Some(release) = entry.release_date {
            totals.released_entries += sign;
            *self.releases.entry((entry.entry_date, group, (release - entry.entry_date).whole_days())).or_default() +=
                sign;
        }
    }

    /// Adds a stored per-day aggregate of entries (for a full rebuild).
    fn add_entry_aggregate(&mut self, membership: &Membership, aggregate: &tt_store::trade::EntryAggregate) {
        let (group, _) = membership.group_on(&aggregate.importer_number, aggregate.entry_date);
        let totals = self.groups.entry((aggregate.entry_date, group)).or_default();
        totals.entries += aggregate.entries;
        if let Some(reason) = aggregate.exam_reason.as_deref() {
            totals.examined_entries += aggregate.entries;
            totals.examined_hold_micro_hours += aggregate.hold_micro_hours;
            if reason == "RANDOM" {
                totals.random_exams += aggregate.entries;
            } else {
                totals.targeted_exams += aggregate.entries;
            }
        }
        if let Some(days) = aggregate.release_days {
            totals.released_entries += aggregate.entries;
            *self.releases.entry((aggregate.entry_date, group, days)).or_default() += aggregate.entries;
        }
    }

    /// Adds a stored per-day aggregate of lines (for a full rebuild).
    fn add_line_aggregate(&mut self, membership: &Membership, aggregate: &tt_store::trade::LineAggregate) {
        let (group, _) = membership.group_on(&aggregate.importer_number, aggregate.entry_date);
        let totals = self.groups.entry((aggregate.entry_date, group)).or_default();
        totals.lines += aggregate.lines;
        totals.entered_value_cents += aggregate.entered_value_cents;
        totals.duty_cents += aggregate.duty_cents;
        totals.recon_flagged_lines += aggregate.recon_flagged_lines;
    }

    fn into_rows(self) -> (Vec<GroupRollup>, Vec<ReleaseRollup>) {
        let groups = self
            .groups
            .into_iter()
            .map(|((entry_date, group), totals)| GroupRollup {
                entry_date,
                tier: group.tier.code().to_owned(),
                trade_compliance: group.trade_compliance,
                entries: totals.entries,
                lines: totals.lines,
                entered_value_cents: totals.entered_value_cents,
                duty_cents: totals.duty_cents,
                examined_entries: totals.examined_entries,
                random_exams: totals.random_exams,
                targeted_exams: totals.targeted_exams,
                examined_hold_micro_hours: totals.examined_hold_micro_hours,
                released_entries: totals.released_entries,
                recon_flagged_lines: totals.recon_flagged_lines,
            })
            .collect();
        let releases = self
            .releases
            .into_iter()
            .filter(|(_, entries)| *entries != 0)
            .map(|((entry_date, group, release_days), entries)| ReleaseRollup {
                entry_date,
                tier: group.tier.code().to_owned(),
                trade_compliance: group.trade_compliance,
                release_days,
                entries,
            })
            .collect();
        (groups, releases)
    }
}

impl App {
    /// Ingests one entry file as one batch: all-or-nothing against crashes, idempotent, with
    /// duplicates and corrections counted and every bad row rejected (and written to `rejects`).
    /// `progress` is told the rows read so far after each chunk.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `Invalid` (field `file`) when the file cannot be read
    /// (nothing of it is then stored).
    pub async fn ingest_entries(
        &self,
        actor: &Actor,
        file: FeedFile,
        file_name: &str,
        rejects: Option<&mut RejectsWriter>,
        progress: &mut (dyn FnMut(&ReadProgress, u64) + Send),
    ) -> AppResult<IngestReport> {
        let started_at = self.clock.now();
        actor.require(Permission::ImportTradeData, started_at)?;
        let mut session = self.store.begin_ingest().await?;
        // Read after the batch has begun. A membership change that commits while it runs (only
        // PostgreSQL lets one) leaves the rollups stale (its version differs from the one they
        // were built for) and its rebuild waits for this batch, so the rollup changes below,
        // grouped by this membership, never outlive a membership they do not match.
        let membership = self.membership().await?;
        let mut batch = Batch {
            id: session.batch_id(),
            counts: IngestReport { file: file_name.to_owned(), ..IngestReport::default() },
            membership,
            rollup_changes: RollupChanges::default(),
        };
        let mut rejections =
            Rejections { file_name: file_name.to_owned(), writer: rejects, list: RejectList::default() };
        let mut chunks = read_in_background(file, INGEST_CHUNK_ROWS);
        // The entries the previous chunk changed: written while the next chunk is applied, so
        // the database works on one core while the rules run on the other.
        let mut pending = PendingWrites::default();
        loop {
            let Some(chunk) = chunks.recv().await else {
                return Err(AppError::Internal(anyhow::anyhow!("the file reader stopped before the end of the file")));
            };
            let chunk = chunk.map_err(feed_error)?;
            batch.counts.rows_read += chunk.rows.len() as u64;
            let working = working_entries(session.as_mut(), &chunk.rows, &pending).await?;
            let (written, applied) = tokio::join!(
                session.write_entries(&pending.new, &pending.stored),
                apply_chunk(&mut batch, chunk.rows, working, &mut rejections)
            );
            written?;
            pending = applied?;
            progress(&chunk.progress, batch.counts.rows_read);
            if chunk.end_of_file {
                break;
            }
        }
        session.write_entries(&pending.new, &pending.stored).await?;
        let mut report = batch.counts;
        rejections.list.flush()?;
        report.rejects = rejections.list;
        report.rejected = report.rejects.len();
        report.lines_ingested = report.rows_read - report.rejected;
        let to_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        let record = BatchRecord {
            id: batch.id,
            file_name: file_name.to_owned(),
            started_at,
            finished_at: self.clock.now(),
            counts: BatchCounts {
                rows_read: to_i64(report.rows_read),
                rejected: to_i64(report.rejected),
                lines_ingested: to_i64(report.lines_ingested),
                duplicates: to_i64(report.duplicates),
                corrections: to_i64(report.corrections),
                entries_new: to_i64(report.entries_new),
            },
        };
        let (groups, releases) = std::mem::take(&mut batch.rollup_changes).into_rows();
        session.adjust_rollups(&groups, &releases).await?;
        let audit = actor.audit(
            self.clock.now(),
            "trade.ingest",
            "ingest_batch",
            Some(batch.id.to_string()),
            NOTHING,
            Some(&record.counts_summary()),
        );
        session.finish(&record, &audit).await?;
        Ok(report)
    }
}

trait CountsSummary {
    fn counts_summary(&self) -> BTreeMap<&'static str, i64>;
}

impl CountsSummary for BatchRecord {
    fn counts_summary(&self) -> BTreeMap<&'static str, i64> {
        let counts = &self.counts;
        BTreeMap::from([
            ("rows_read", counts.rows_read),
            ("rejected", counts.rejected),
            ("lines_ingested", counts.lines_ingested),
            ("duplicates", counts.duplicates),
            ("corrections", counts.corrections),
            ("entries_new", counts.entries_new),
        ])
    }
}

/// One entry of a chunk while the chunk is applied: as stored before the chunk (to take its
/// old contribution out of the rollups) and as it is now.
struct WorkingEntry {
    before: Option<(EntryFields, Vec<LineFields>)>,
    entry: StoredEntry,
    lines: BTreeMap<i32, StoredLine>,
    touched: bool,
}

/// Hashes entry keys (integers already spread over their range) with one multiplication
/// instead of SipHash: the ingest looks entries up several times per line.
#[derive(Default)]
struct EntryKeyHasher(u64);

impl std::hash::Hasher for EntryKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_i64(&mut self, value: i64) {
        let mixed = value.cast_unsigned().wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 29);
    }
}

/// A map by entry key ([`tt_domain::trade::entry_key`]).
type ByEntryKey<V> = HashMap<i64, V, std::hash::BuildHasherDefault<EntryKeyHasher>>;

/// The key of a parsed entry number (which always has one).
fn entry_key_of(entry_number: &str) -> AppResult<i64> {
    tt_domain::trade::entry_key(entry_number)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("parsed entry number {entry_number} has no key")))
}

/// The entries one chunk changed, to be written: those the batch found nowhere (inserted) and
/// those stored before (replaced).
#[derive(Default)]
struct PendingWrites {
    new: Vec<EntryWithLines>,
    stored: Vec<EntryWithLines>,
}

/// The chunk's entries as they stand before it: from `pending` (the previous chunk's, not
/// written yet) or else from the store.
async fn working_entries(
    session: &mut dyn tt_store::trade::IngestSession,
    rows: &[(Record, Result<EntryLine, ValidationError>)],
    pending: &PendingWrites,
) -> AppResult<ByEntryKey<WorkingEntry>> {
    let mut pending_by_key: ByEntryKey<&EntryWithLines> = ByEntryKey::default();
    for stored in pending.new.iter().chain(&pending.stored) {
        pending_by_key.insert(entry_key_of(&stored.entry.fields.entry_number)?, stored);
    }
    let mut numbers: ByEntryKey<&str> = ByEntryKey::default();
    for line in rows.iter().filter_map(|(_, parsed)| parsed.as_ref().ok()) {
        numbers.insert(entry_key_of(&line.entry.entry_number)?, line.entry.entry_number.as_str());
    }
    let to_read: Vec<String> = numbers
        .iter()
        .filter(|(key, _)| !pending_by_key.contains_key(*key))
        .map(|(_, number)| (*number).to_owned())
        .collect();
    let stored = session.stored_entries(&to_read).await?;
    let from_pending = numbers.keys().filter_map(|key| pending_by_key.get(key).map(|stored| (*stored).clone()));
    let mut working = ByEntryKey::default();
    for EntryWithLines { entry, lines } in stored.into_iter().chain(from_pending) {
        let before = (entry.fields.clone(), lines.iter().map(|stored| stored.line.clone()).collect());
        let lines = lines.into_iter().map(|stored| (stored.line.line_number, stored)).collect();
        working.insert(
            entry_key_of(&entry.fields.entry_number)?,
            WorkingEntry { before: Some(before), entry, lines, touched: false },
        );
    }
    Ok(working)
}

/// Rows applied between two yields, so the write of the previous chunk (polled in between)
/// keeps the database busy.
const ROWS_BETWEEN_YIELDS: usize = 1024;

/// Applies the batch rules (spec §3.2, §3.3) to one chunk of rows, in file order, so rejects
/// come out in the order of the file; returns the entries to write.
async fn apply_chunk(
    batch: &mut Batch,
    rows: Vec<(Record, Result<EntryLine, ValidationError>)>,
    mut working: ByEntryKey<WorkingEntry>,
    rejections: &mut Rejections<'_>,
) -> AppResult<PendingWrites> {
    for (index, (record, parsed)) in rows.into_iter().enumerate() {
        if index % ROWS_BETWEEN_YIELDS == 0 {
            tokio::task::yield_now().await;
        }
        let line = match parsed {
            Ok(line) => line,
            Err(error) => {
                rejections.reject(&record, &error)?;
                continue;
            }
        };
        let EntryLine { entry: fields, line } = line;
        let key = entry_key_of(&fields.entry_number)?;
        let stored = working.get(&key);
        let line_in_this_batch = stored
            .and_then(|working| working.lines.get(&line.line_number))
            .is_some_and(|stored_line| stored_line.batch_id == batch.id);
        if line_in_this_batch {
            rejections.reject(&record, &ValidationError::new("line_number", "duplicate key in file"))?;
            continue;
        }
        if let Some(stored) = stored.filter(|working| working.entry.batch_id == batch.id)
            && let Some(field) = stored.entry.fields.first_difference(&fields)
        {
            let reason = format!("differs from the entry's first line in this file (row {})", stored.entry.first_row);
            rejections.reject(&record, &ValidationError::new(field, reason))?;
            continue;
        }
        let row = i64::try_from(record.row).unwrap_or(i64::MAX);
        let working = match working.entry(key) {
            std::collections::hash_map::Entry::Occupied(occupied) => occupied.into_mut(),
            std::collections::hash_map::Entry::Vacant(vacant) => {
                batch.counts.entries_new += 1;
                vacant.insert(WorkingEntry {
                    before: None,
                    entry: StoredEntry {
                        fields: fields.clone(),
                        batch_id: batch.id,
                        first_row: row,
                        changed_in_batch: true,
                    },
                    lines: BTreeMap::new(),
                    touched: false,
                })
            }
        };
        // The first line of a stored entry in this batch sets its entry-level fields.
        if working.entry.batch_id != batch.id {
            let changed = working.before.as_ref().is_none_or(|(before, _)| *before != fields);
            working.entry = StoredEntry { fields, batch_id: batch.id, first_row: row, changed_in_batch: changed };
        }
        match working.lines.get(&line.line_number) {
            Some(stored) if stored.line == line && !working.entry.changed_in_batch => batch.counts.duplicates += 1,
            Some(_) => batch.counts.corrections += 1,
            None => {}
        }
        working.lines.insert(line.line_number, StoredLine { line, batch_id: batch.id });
        working.touched = true;
    }
    let mut to_write = PendingWrites::default();
    let mut touched: Vec<(i64, WorkingEntry)> = working.into_iter().filter(|(_, working)| working.touched).collect();
    // Written in key order: neighbouring keys share pages.
    touched.sort_unstable_by_key(|(key, _)| *key);
    for (_, working) in touched {
        if let Some((fields, lines)) = &working.before {
            let old_lines: Vec<&LineFields> = lines.iter().collect();
            batch.rollup_changes.add_entry(&batch.membership, fields, &old_lines, -1);
        }
        let new_lines: Vec<&LineFields> = working.lines.values().map(|stored| &stored.line).collect();
        batch.rollup_changes.add_entry(&batch.membership, &working.entry.fields, &new_lines, 1);
        let written = EntryWithLines { entry: working.entry, lines: working.lines.into_values().collect() };
        if working.before.is_some() { to_write.stored.push(written) } else { to_write.new.push(written) }
    }
    Ok(to_write)
}

/// How KPIs are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KpiGrouping {
    pub month: bool,
    pub group: bool,
    pub account: bool,
}

impl KpiGrouping {
    /// Parses `--by`: a comma-separated subset of `month`, `group`, `account`.
    ///
    /// # Errors
    /// Naming `by`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let mut grouping = Self::default();
        for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "month" => grouping.month = true,
                "group" => grouping.group = true,
                "account" => grouping.account = true,
                other => return Err(ValidationError::new("by", format!("'{other}' is not month, group or account"))),
            }
        }
        Ok(grouping)
    }
}

/// A member's own KPIs by month, the non-member baseline for the same months, and when and from
/// what both were computed.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberKpis {
    pub own: Vec<KpiRow>,
    pub baseline: Vec<KpiRow>,
    pub lineage: Vec<String>,
}

/// One KPI row: the grouping keys that were asked for, then the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiRow {
    pub month: Option<String>,
    pub group: Option<Group>,
    /// `Some(None)` when grouping by account and the entries are owned by no account.
    pub account_number: Option<Option<String>>,
    pub figures: KpiFigures,
}

impl KpiRow {
    /// The row as the contract prints it: exactly the requested grouping keys, then the KPIs.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::json;
        let mut object = serde_json::Map::new();
        if let Some(month) = &self.month {
            object.insert("month".to_owned(), json!(month));
        }
        if let Some(group) = self.group {
            object.insert("tier".to_owned(), json!(group.tier.code()));
            object.insert("tc".to_owned(), json!(group.trade_compliance));
        }
        if let Some(account) = &self.account_number {
            object.insert("account_number".to_owned(), json!(account));
        }
        if let Ok(serde_json::Value::Object(figures)) = serde_json::to_value(&self.figures) {
            object.extend(figures);
        }
        object
    }
}

type KpiKey = (Option<String>, Option<(u8, bool)>, Option<Option<String>>);

/// Who owns each importer number and each account's timeline, loaded once per computation.
struct Membership {
    owners: HashMap<String, (AccountId, AccountNumber)>,
    timelines: HashMap<AccountId, Timeline>,
    authorizations: HashMap<AccountId, Vec<FilerAuthorization>>,
}

impl Membership {
    fn group_on(&self, importer_number: &str, day: Date) -> (Group, Option<&AccountNumber>) {
        match self.owners.get(importer_number) {
            None => (Group::NON_MEMBER, None),
            Some((account_id, number)) => {
                let standing = self
                    .timelines
                    .get(account_id)
                    .map_or(tt_domain::membership::Standing::INITIAL, |timeline| timeline.standing_on(day));
                (Group::of(standing), Some(number))
            }
        }
    }
}

fn tier_rank(group: Group) -> u8 {
    match group.tier {
        tt_domain::membership::Tier::T1 => 1,
        tt_domain::membership::Tier::T2 => 2,
        tt_domain::membership::Tier::T3 => 3,
        tt_domain::membership::Tier::NonMember => 4,
    }
}

fn group_of_rank(rank: u8, trade_compliance: bool) -> Group {
    use tt_domain::membership::Tier;
    let tier = match rank {
        1 => Tier::T1,
        2 => Tier::T2,
        3 => Tier::T3,
        _ => Tier::NonMember,
    };
    Group { tier, trade_compliance }
}

/// A Defender alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefenderAlert {
    pub entry_number: String,
    pub account_number: String,
    pub importer_number: String,
    #[serde(serialize_with = "serialize_date")]
    pub entry_date: Date,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countries: Option<Vec<String>>,
}

fn serialize_date<S: serde::Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_date(*date))
}

/// `YYYY-MM-DD`.
#[must_use]
pub fn format_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// One screening decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreeningDecision {
    pub entry_number: String,
    pub importer_number: String,
    pub account_number: Option<String>,
    pub tier: &'static str,
    pub tc: bool,
    pub exempt: bool,
    pub selected: bool,
    pub u: f64,
}

/// The outcome of screening a file.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct ScreeningReport {
    pub decisions: Vec<ScreeningDecision>,
    pub rows_read: u64,
    pub rejects: RejectList,
}

/// One entry in an importer number's history: date, entry number, port, countries of origin.
type HistoryEntry = (Date, String, String, BTreeSet<String>);

const WINDOW_DAYS: i64 = 365;
const WINDOW_MINIMUM_ENTRIES: usize = 20;

impl App {
    async fn membership(&self) -> AppResult<Membership> {
        let owners = self
            .store
            .importer_owners()
            .await?
            .into_iter()
            .map(|(number, id, account)| (number, (id, account)))
            .collect();
        let mut events: HashMap<AccountId, Vec<tt_domain::membership::StatusEvent>> = HashMap::new();
        for (account_id, event) in self.store.status_events().await? {
            events.entry(account_id).or_default().push(event);
        }
        let timelines = events.into_iter().map(|(id, events)| (id, Timeline::new(events))).collect();
        // The member's ends cut their authorizations; without ends (imported data) they are as
        // recorded, which is the contract's semantics.
        let authorizations = self.effective_filer_authorizations().await?;
        Ok(Membership { owners, timelines, authorizations })
    }

    /// The latest ingest batches: where the numbers come from.
    ///
    /// # Errors
    /// `Forbidden` without the permission.
    pub async fn ingest_batches(&self, actor: &Actor, limit: i64) -> AppResult<Vec<BatchRecord>> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        Ok(self.store.list_batches(limit).await?)
    }

    /// Recomputes every KPI rollup from the stored entries and lines (after membership changes).
    ///
    /// # Errors
    /// On storage failure.
    pub async fn rebuild_kpi_rollups(&self) -> AppResult<()> {
        // A batch or a membership change committed while the totals were computed makes the
        // store refuse them; computing again from the new state is then right.
        for _ in 0..REBUILD_ATTEMPTS {
            let basis = self.store.rollup_basis().await?;
            let membership = self.membership().await?;
            // The widest range both databases store as dates.
            let first = Date::from_calendar_date(1, time::Month::January, 1).unwrap_or(Date::MIN);
            let last = Date::from_calendar_date(9999, time::Month::December, 31).unwrap_or(Date::MAX);
            let mut changes = RollupChanges::default();
            self.store
                .visit_entry_aggregates(first, last, None, false, &mut |aggregate| {
                    changes.add_entry_aggregate(&membership, &aggregate);
                })
                .await?;
            self.store
                .visit_line_aggregates(first, last, None, false, &mut |aggregate| {
                    changes.add_line_aggregate(&membership, &aggregate);
                })
                .await?;
            let (groups, releases) = changes.into_rows();
            if self.store.replace_rollups(&groups, &releases, basis).await? {
                return Ok(());
            }
        }
        // Still stale: KPI reads recompute from the entries until a later rebuild succeeds.
        tracing::warn!("the KPI rollups changed under {REBUILD_ATTEMPTS} rebuilds in a row; left stale");
        Ok(())
    }
    /// Rebuilds the rollups, logging a failure instead of returning it (for callers whose own
    /// work is done; stale rollups are detected and rebuilt when next read).
    async fn refresh_kpi_rollups(&self) {
        if let Err(error) = self.rebuild_kpi_rollups().await {
            tracing::warn!(%error, "rebuilding the KPI rollups failed; they stay marked stale");
        }
    }

    /// KPIs for entries dated `from`..=`to`, grouped as asked; groups without entries are left out.
    /// Without the account grouping they are read from the rollups kept at ingest.
    ///
    /// # Errors
    /// `Forbidden` without the permission, `Invalid` when `to` is before `from`.
    pub async fn kpis(&self, actor: &Actor, from: Date, to: Date, grouping: KpiGrouping) -> AppResult<Vec<KpiRow>> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        if to < from {
            return Err(AppError::invalid("to", "is before from"));
        }
        self.compute_kpis(actor, from, to, grouping).await
    }

    /// A member's own KPIs by month, and the non-member baseline for the same months.
    ///
    /// # Errors
    /// `Forbidden` for anyone but a member, `Invalid` when `to` is before `from`.
    pub async fn member_kpis(&self, actor: &Actor, from: Date, to: Date) -> AppResult<MemberKpis> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let account_id = actor.own_account().ok_or(AppError::Forbidden("only members have their own KPIs"))?;
        if to < from {
            return Err(AppError::invalid("to", "is before from"));
        }
        let account = self.store.get_account(account_id).await?;
        let number = account.number.to_string();
        let importers: Vec<String> = account.importer_numbers.iter().map(ToString::to_string).collect();
        // Only this account's importer numbers are read (through their index); kept until the
        // next change, as a large importer's year is many entries.
        let own = self.dashboard_projection(format!("member_kpis:{account_id}:{from}:{to}"), move |app| async move {
            Ok(app
                .recompute_kpis(from, to, KpiGrouping { month: true, group: false, account: true }, Some(&importers))
                .await?
                .into_iter()
                .filter(|row| row.account_number.as_ref().and_then(Option::as_deref) == Some(number.as_str()))
                .collect::<Vec<KpiRow>>())
        });
        // The same for every member asking about the same months: kept until the next change.
        let baseline = self.dashboard_projection(format!("non_member_baseline:{from}:{to}"), move |app| async move {
            let system = Actor::system("kpi");
            Ok(app
                .compute_kpis(&system, from, to, KpiGrouping { month: true, group: true, account: false })
                .await?
                .into_iter()
                .filter(|row| row.group.is_some_and(|group| group.tier == tt_domain::membership::Tier::NonMember))
                .collect::<Vec<KpiRow>>())
        });
        // Together: after a change their waits overlap.
        let (own, baseline) = tokio::try_join!(own, baseline)?;
        let lineage = [
            Some(format!(
                "Computed at {} (kept until the next recorded change)",
                crate::projections::moment(own.computed_at.min(baseline.computed_at))
            )),
            own.behind_note().or_else(|| baseline.behind_note()),
            Some(format!(
                "The KPI engine's figures for entries dated {from} to {to}: yours from the entries of your importer numbers, non-members' from every entry whose importer was not a member on the entry's day"
            )),
        ]
        .into_iter()
        .flatten()
        .collect();
        Ok(MemberKpis { own: own.value.as_ref().clone(), baseline: baseline.value.as_ref().clone(), lineage })
    }

    async fn compute_kpis(&self, actor: &Actor, from: Date, to: Date, grouping: KpiGrouping) -> AppResult<Vec<KpiRow>> {
        if grouping.account {
            return self.kpis_recomputed(actor, from, to, grouping).await;
        }
        let rollups = match self.store.read_rollups(from, to, grouping.month).await? {
            Some(rollups) => Some(rollups),
            // Stale (the membership changed and the rebuild did not run or did not finish):
            // rebuild now, and if they are stale again already, recompute from the entries.
            None => {
                self.refresh_kpi_rollups().await;
                self.store.read_rollups(from, to, grouping.month).await?
            }
        };
        let Some((group_rollups, release_rollups)) = rollups else {
            return self.recompute_kpis(from, to, grouping, None).await;
        };
        let mut totals: BTreeMap<KpiKey, KpiAccumulator> = BTreeMap::new();
        let key_of = |day: Date, tier: &str, trade_compliance: bool| -> KpiKey {
            let rank = match tier {
                "T1" => 1,
                "T2" => 2,
                "T3" => 3,
                _ => 4,
            };
            (
                grouping.month.then(|| format!("{:04}-{:02}", day.year(), u8::from(day.month()))),
                grouping.group.then_some((rank, trade_compliance)),
                None,
            )
        };
        let count = |value: i64| u64::try_from(value).unwrap_or(0);
        for rollup in group_rollups {
            let totals = totals.entry(key_of(rollup.entry_date, &rollup.tier, rollup.trade_compliance)).or_default();
            totals.entries += count(rollup.entries);
            totals.lines += count(rollup.lines);
            totals.entered_value_cents += i128::from(rollup.entered_value_cents);
            totals.duty_cents += i128::from(rollup.duty_cents);
            totals.examined_entries += count(rollup.examined_entries);
            totals.random_exams += count(rollup.random_exams);
            totals.targeted_exams += count(rollup.targeted_exams);
            totals.examined_hold_micro_hours += i128::from(rollup.examined_hold_micro_hours);
            totals.released_entries += count(rollup.released_entries);
            totals.recon_flagged_lines += count(rollup.recon_flagged_lines);
        }
        for release in release_rollups {
            let totals = totals.entry(key_of(release.entry_date, &release.tier, release.trade_compliance)).or_default();
            *totals.release_days.entry(release.release_days).or_default() += count(release.entries);
        }
        Ok(finish_rows(totals))
    }

    /// The same KPIs recomputed from every stored entry and line in the range (the reference the
    /// rollups must always equal; also used for the account grouping).
    ///
    /// # Errors
    /// As [`App::kpis`].
    pub async fn kpis_recomputed(
        &self,
        actor: &Actor,
        from: Date,
        to: Date,
        grouping: KpiGrouping,
    ) -> AppResult<Vec<KpiRow>> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        self.recompute_kpis(from, to, grouping, None).await
    }

    /// The KPIs recomputed from the entries, of every importer number or of `importers` only.
    async fn recompute_kpis(
        &self,
        from: Date,
        to: Date,
        grouping: KpiGrouping,
        importers: Option<&[String]>,
    ) -> AppResult<Vec<KpiRow>> {
        let membership = self.membership().await?;
        let mut totals: BTreeMap<KpiKey, KpiAccumulator> = BTreeMap::new();
        let key_of = |day: Date, importer: &str| -> KpiKey {
            let (group, account) = membership.group_on(importer, day);
            (
                grouping.month.then(|| format!("{:04}-{:02}", day.year(), u8::from(day.month()))),
                grouping.group.then(|| (tier_rank(group), group.trade_compliance)),
                grouping.account.then(|| account.map(ToString::to_string)),
            )
        };
        // A program group depends on the standing on each entry's day; without it, a month's
        // figures per importer are all that is needed, summed by the database.
        let per_month = !grouping.group;
        self.store
            .visit_entry_aggregates(from, to, importers, per_month, &mut |aggregate| {
                let totals = totals.entry(key_of(aggregate.entry_date, &aggregate.importer_number)).or_default();
                let count = u64::try_from(aggregate.entries).unwrap_or(0);
                totals.entries += count;
                if let Some(reason) = aggregate.exam_reason.as_deref() {
                    totals.examined_entries += count;
                    totals.examined_hold_micro_hours += i128::from(aggregate.hold_micro_hours);
                    match reason {
                        "RANDOM" => totals.random_exams += count,
                        _ => totals.targeted_exams += count,
                    }
                }
                if let Some(days) = aggregate.release_days {
                    totals.released_entries += count;
                    *totals.release_days.entry(days).or_default() += count;
                }
            })
            .await?;
        self.store
            .visit_line_aggregates(from, to, importers, per_month, &mut |aggregate| {
                let totals = totals.entry(key_of(aggregate.entry_date, &aggregate.importer_number)).or_default();
                totals.lines += u64::try_from(aggregate.lines).unwrap_or(0);
                totals.entered_value_cents += i128::from(aggregate.entered_value_cents);
                totals.duty_cents += i128::from(aggregate.duty_cents);
                totals.recon_flagged_lines += u64::try_from(aggregate.recon_flagged_lines).unwrap_or(0);
            })
            .await?;
        Ok(finish_rows(totals))
    }
}

/// Finishes the totals into rows, leaving out groups without entries, in a stable order.
fn finish_rows(totals: BTreeMap<KpiKey, KpiAccumulator>) -> Vec<KpiRow> {
    let mut rows: Vec<(KpiKey, KpiRow)> = totals
        .into_iter()
        .filter(|(_, totals)| totals.entries > 0)
        .map(|(key, totals)| {
            let row = KpiRow {
                month: key.0.clone(),
                group: key.1.map(|(rank, trade_compliance)| group_of_rank(rank, trade_compliance)),
                account_number: key.2.clone(),
                figures: totals.finish(),
            };
            (key, row)
        })
        .collect();
    // Month, then tier (T1, T2, T3, NM), then Trade Compliance, then account (unowned last).
    rows.sort_by(|(left, _), (right, _)| {
        let account = |key: &KpiKey| key.2.clone().map(|account| (account.is_none(), account));
        (&left.0, &left.1, account(left)).cmp(&(&right.0, &right.1, account(right)))
    });
    rows.into_iter().map(|(_, row)| row).collect()
}

impl App {
    /// Defender alerts for entries dated `from`..=`to` of members enrolled on the entry's date.
    ///
    /// # Errors
    /// `Forbidden` without the permission, `Invalid` when `to` is before `from`.
    pub async fn defender_alerts(&self, actor: &Actor, from: Date, to: Date) -> AppResult<Vec<DefenderAlert>> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        if to < from {
            return Err(AppError::invalid("to", "is before from"));
        }
        self.compute_defender_alerts(from, to, None).await
    }

    /// The alerts themselves, for whoever the caller has already checked may see them; with
    /// `only`, just that account's (other importers' histories are not even kept).
    pub(crate) async fn compute_defender_alerts(
        &self,
        from: Date,
        to: Date,
        only: Option<AccountId>,
    ) -> AppResult<Vec<DefenderAlert>> {
        let membership = self.membership().await?;
        let history_start = from - Duration::days(WINDOW_DAYS);
        // Only enrolled members' entries raise alerts: only theirs are read.
        let enrolled: Vec<String> = membership
            .owners
            .iter()
            .filter(|(_, (account_id, _))| {
                membership.authorizations.contains_key(account_id) && only.is_none_or(|only| only == *account_id)
            })
            .map(|(importer, _)| importer.clone())
            .collect();
        // Entries of one importer number, in date order: (date, entry number, port, countries).
        let mut by_importer: BTreeMap<String, Vec<HistoryEntry>> = BTreeMap::new();
        for origin in self.store.entry_origins(history_start, to, &enrolled).await? {
            by_importer.entry(origin.importer_number.clone()).or_default().push((
                origin.entry_date,
                origin.entry_number,
                origin.port_code,
                origin.countries.into_iter().collect(),
            ));
        }
        let mut alerts = Vec::new();
        for (importer, entries) in &by_importer {
            let Some((account_id, account_number)) = membership.owners.get(importer) else { continue };
            let authorizations = membership.authorizations.get(account_id).map_or(&[][..], Vec::as_slice);
            // A sliding window over the entries dated [date − 365, date − 1].
            let (mut window_start, mut window_end) = (0, 0);
            let mut ports: HashMap<&str, usize> = HashMap::new();
            let mut countries: HashMap<&str, usize> = HashMap::new();
            for (date, entry_number, port, entry_countries) in entries {
                while window_end < entries.len() && entries[window_end].0 < *date {
                    *ports.entry(entries[window_end].2.as_str()).or_default() += 1;
                    for country in &entries[window_end].3 {
                        *countries.entry(country.as_str()).or_default() += 1;
                    }
                    window_end += 1;
                }
                while window_start < window_end && entries[window_start].0 < *date - Duration::days(WINDOW_DAYS) {
                    let leaving = &entries[window_start];
                    if let Some(count) = ports.get_mut(leaving.2.as_str()) {
                        *count -= 1;
                    }
                    for country in &leaving.3 {
                        if let Some(count) = countries.get_mut(country.as_str()) {
                            *count -= 1;
                        }
                    }
                    window_start += 1;
                }
                if *date < from || !defender_enrolled(authorizations, *date) {
                    continue;
                }
                let alert = |code, countries| DefenderAlert {
                    entry_number: entry_number.clone(),
                    account_number: account_number.to_string(),
                    importer_number: importer.clone(),
                    entry_date: *date,
                    code,
                    countries,
                };
                let filer = &entry_number[..3];
                if !authorizations
                    .iter()
                    .any(|authorization| authorization.filer_code == filer && authorization.covers(*date))
                {
                    alerts.push(alert("UNAUTHORIZED_FILER", None));
                }
                if window_end - window_start >= WINDOW_MINIMUM_ENTRIES {
                    if ports.get(port.as_str()).copied().unwrap_or(0) == 0 {
                        alerts.push(alert("NEW_PORT", None));
                    }
                    let absent: Vec<String> = entry_countries
                        .iter()
                        .filter(|country| countries.get(country.as_str()).copied().unwrap_or(0) == 0)
                        .cloned()
                        .collect();
                    if !absent.is_empty() {
                        alerts.push(alert("NEW_ORIGIN", Some(absent)));
                    }
                }
            }
        }
        let code_rank = |code: &str| match code {
            "UNAUTHORIZED_FILER" => 0,
            "NEW_PORT" => 1,
            _ => 2,
        };
        alerts.sort_by(|a, b| {
            (a.entry_date, &a.entry_number, code_rank(a.code)).cmp(&(b.entry_date, &b.entry_number, code_rank(b.code)))
        });
        Ok(alerts)
    }

    /// Decides for each distinct entry of an arrivals file whether it is selected for a random
    /// exam; Trade Compliance members' entries are exempt. Each decision goes to `decide` in
    /// the order the entries first appear, as soon as it is made, so a file of any size is
    /// screened in bounded memory (the report's `decisions` stay empty).
    ///
    /// # Errors
    /// `Forbidden` without the permission; `Invalid` for a rate outside 0..=1 or an unreadable
    /// file; whatever `decide` returns.
    pub async fn screen(
        &self,
        actor: &Actor,
        file: FeedFile,
        file_name: &str,
        rate: f64,
        seed: &str,
        decide: &mut (dyn FnMut(ScreeningDecision) -> AppResult<()> + Send),
    ) -> AppResult<ScreeningReport> {
        actor.require(Permission::ScreenArrivals, self.clock.now())?;
        if !(0.0..=1.0).contains(&rate) {
            return Err(AppError::invalid("rate", "must be between 0 and 1"));
        }
        let membership = self.membership().await?;
        let mut rejections = Rejections { file_name: file_name.to_owned(), writer: None, list: RejectList::default() };
        let mut seen: HashMap<[u8; ENTRY_NUMBER_LENGTH], FirstLine> = HashMap::new();
        let mut report = ScreeningReport::default();
        let mut chunks = read_in_background(file, INGEST_CHUNK_ROWS);
        loop {
            let Some(chunk) = chunks.recv().await else {
                return Err(AppError::Internal(anyhow::anyhow!("the file reader stopped before the end of the file")));
            };
            let chunk = chunk.map_err(feed_error)?;
            report.rows_read += chunk.rows.len() as u64;
            for (record, parsed) in chunk.rows {
                let entry = match parsed {
                    Ok(line) => line.entry,
                    Err(error) => {
                        rejections.reject(&record, &error)?;
                        continue;
                    }
                };
                let mut key = [0u8; ENTRY_NUMBER_LENGTH];
                key.copy_from_slice(&entry.entry_number.as_bytes()[..ENTRY_NUMBER_LENGTH]);
                let fingerprints = entry.field_fingerprints();
                match seen.entry(key) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        if let Some(field) = first.get().first_difference(&fingerprints) {
                            let reason =
                                format!("differs from the entry's first line in this file (row {})", first.get().row);
                            rejections.reject(&record, &ValidationError::new(field, reason))?;
                        }
                        continue;
                    }
                    std::collections::hash_map::Entry::Vacant(vacant) => {
                        vacant.insert(FirstLine::new(&fingerprints, record.row));
                    }
                }
                let (group, account) = membership.group_on(entry.importer_number.as_str(), entry.entry_date);
                let u = screening_draw(seed, &entry.entry_number);
                let exempt = group.trade_compliance;
                decide(ScreeningDecision {
                    importer_number: entry.importer_number.to_string(),
                    entry_number: entry.entry_number,
                    account_number: account.map(ToString::to_string),
                    tier: group.tier.code(),
                    tc: group.trade_compliance,
                    exempt,
                    selected: !exempt && u < rate,
                    u,
                })?;
            }
            if chunk.end_of_file {
                break;
            }
        }
        rejections.list.flush()?;
        report.rejects = rejections.list;
        Ok(report)
    }
}

/// Normalized entry numbers are exactly this long (spec §3).
const ENTRY_NUMBER_LENGTH: usize = 11;

/// What screening keeps of an entry's first line: a fingerprint of its entry-level fields
/// (to notice a later line that disagrees, with a false match chance of 2^-64) and one byte
/// per field (to name the field that differs), in about 30 bytes an entry.
struct FirstLine {
    all: u64,
    each: [u8; 9],
    row: u64,
}

impl FirstLine {
    fn new(fingerprints: &[u64; 9], row: u64) -> Self {
        Self {
            all: Self::combine(fingerprints),
            each: fingerprints.map(|fingerprint| fingerprint.to_le_bytes()[0]),
            row,
        }
    }

    fn combine(fingerprints: &[u64; 9]) -> u64 {
        fingerprints.iter().fold(0xcbf2_9ce4_8422_2325_u64, |all, fingerprint| {
            (all ^ fingerprint).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(17)
        })
    }

    /// The first field in which a later line differs, if it does.
    fn first_difference(&self, fingerprints: &[u64; 9]) -> Option<&'static str> {
        if Self::combine(fingerprints) == self.all {
            return None;
        }
        let index = self
            .each
            .iter()
            .zip(fingerprints)
            .position(|(first, later)| *first != later.to_le_bytes()[0])
            // Every per-field byte matched although the fields differ (one chance in 256 per
            // field): the first field is the best name left.
            .unwrap_or(0);
        Some(EntryFields::FIELD_NAMES[index])
    }
}
