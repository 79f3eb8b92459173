//! The trade-data commands of the entry-feed contract: `import`, `ingest entries`, `kpi`,
//! `defender alerts` and `screen`, with their exit codes (0 all rows taken, 3 some rejected,
//! 2 fatal) and their JSON, CSV and table outputs.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use serde_json::{Map, Value, json};
use tt_app::trade::{
    DefenderAlert, IngestReport, KpiGrouping, KpiRow, MembershipFile, Reject, ScreeningDecision, format_date,
};
use tt_app::{Actor, App, AppError};
use tt_domain::kpi::KPI_NAMES;
use tt_domain::trade::{ENTRY_COLUMNS, parse_date};
use tt_feed::{FeedFile, ReadProgress, rejects_path};

/// Exit statuses of the data commands.
pub const EXIT_REJECTED: u8 = 3;
pub const EXIT_FATAL: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MembershipKind {
    Accounts,
    StatusEvents,
    DefenderFilers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Json,
    Csv,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScreenFormat {
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// Ingest entry-line files (CSV or NDJSON, plain or .gz), one batch per file, in order.
    Entries {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write rejected rows here (a directory when several files are given).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Print one JSON object per file instead of a summary.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DefenderCommand {
    /// CTPAT Defender alerts for entries dated FROM..=TO.
    Alerts {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
}

fn date_argument(name: &'static str, text: &str) -> anyhow::Result<time::Date> {
    parse_date(name, text).map_err(|error| anyhow::anyhow!("--{name}: {}", error.message))
}

fn rejects_json(rejects: &[Reject]) -> Value {
    serde_json::to_value(rejects).unwrap_or(Value::Null)
}

/// The first rejects of `total`, for a person reading the terminal.
fn print_rejects_human(rejects: impl Iterator<Item = Reject>, total: u64) {
    for reject in rejects.take(20) {
        eprintln!("  {} row {}: {}: {}", reject.file, reject.row, reject.field, reject.reason);
    }
    if total > 20 {
        eprintln!("  … and {} more", total - 20);
    }
}

/// `import accounts|status-events|defender-filers FILE`.
///
/// # Errors
/// Fatal problems (unreadable file, missing column).
pub async fn import(app: &App, actor: &Actor, kind: MembershipKind, file: &Path, as_json: bool) -> anyhow::Result<u8> {
    let kind = match kind {
        MembershipKind::Accounts => MembershipFile::Accounts,
        MembershipKind::StatusEvents => MembershipFile::StatusEvents,
        MembershipKind::DefenderFilers => MembershipFile::DefenderFilers,
    };
    let name = file.display().to_string();
    let mut feed = FeedFile::open(file, kind.required_columns())?;
    let report = app.import_membership(actor, kind, &mut feed, &name).await?;
    if as_json {
        println!(
            "{}",
            json!({"file": name, "rows_read": report.rows_read, "imported": report.imported, "rejected": report.rejected, "rejects": rejects_json(&report.rejects)})
        );
    } else {
        println!("{name}: {} rows read, {} imported, {} rejected", report.rows_read, report.imported, report.rejected);
        print_rejects_human(report.rejects.iter().cloned(), report.rejects.len() as u64);
    }
    Ok(if report.rejected > 0 { EXIT_REJECTED } else { 0 })
}

/// Shows rows and bytes per second on a terminal, and nothing otherwise.
struct Progress {
    enabled: bool,
    started: Instant,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        Self { enabled: !quiet && std::io::stderr().is_terminal(), started: Instant::now() }
    }

    fn show(&self, read: &ReadProgress, rows: u64) {
        if !self.enabled {
            return;
        }
        let (bytes, size) = (read.bytes_read, read.size);
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        #[allow(clippy::cast_precision_loss, reason = "a progress display")]
        let (rows_per_second, megabytes_per_second) = (rows as f64 / seconds, bytes as f64 / seconds / 1e6);
        let percent = (bytes * 100).checked_div(size).unwrap_or(0);
        eprint!(
            "\r{}: {percent:>3}% {rows} rows  {rows_per_second:.0} rows/s  {megabytes_per_second:.1} MB/s   ",
            read.path
        );
        let _ = std::io::stderr().flush();
    }

    fn done(&self) {
        if self.enabled {
            eprintln!();
        }
    }
}

/// `ingest entries FILE... [--rejects PATH] [--json]`.
///
/// # Errors
/// Only when the rejects directory cannot be created; a file's own fatal problem is reported
/// for that file and the next file is still ingested.
pub async fn ingest(
    app: &App,
    actor: &Actor,
    files: &[PathBuf],
    rejects: Option<&Path>,
    as_json: bool,
) -> anyhow::Result<u8> {
    let several = files.len() > 1;
    if several && let Some(directory) = rejects {
        std::fs::create_dir_all(directory)
            .with_context(|| format!("creating the rejects directory {}", directory.display()))?;
    }
    let required: Vec<&str> = ENTRY_COLUMNS.iter().filter(|(_, required)| *required).map(|(name, _)| *name).collect();
    let mut status = 0;
    for path in files {
        let name = path.display().to_string();
        let progress = Progress::new(as_json);
        let outcome = ingest_one(
            app,
            actor,
            path,
            &name,
            &required,
            rejects.map(|rejects| rejects_path(rejects, path, several)),
            &progress,
        )
        .await;
        progress.done();
        match outcome {
            Ok(report) => {
                let file_status = if report.rejected > 0 { EXIT_REJECTED } else { 0 };
                status = worse(status, file_status);
                print_ingest(&report, as_json)?;
            }
            Err(error) => {
                status = EXIT_FATAL;
                let message = match error.downcast_ref::<AppError>() {
                    Some(AppError::Invalid(errors)) => {
                        errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")
                    }
                    _ => format!("{error:#}"),
                };
                if as_json {
                    println!("{}", json!({"file": name, "fatal": message}));
                } else {
                    eprintln!("{name}: fatal: {message}");
                }
            }
        }
    }
    Ok(status)
}

/// 2 is worse than 3, which is worse than 0.
fn worse(current: u8, next: u8) -> u8 {
    let rank = |status: u8| match status {
        EXIT_FATAL => 2,
        EXIT_REJECTED => 1,
        _ => 0,
    };
    if rank(next) > rank(current) { next } else { current }
}

async fn ingest_one(
    app: &App,
    actor: &Actor,
    path: &Path,
    name: &str,
    required: &[&str],
    rejects: Option<PathBuf>,
    progress: &Progress,
) -> anyhow::Result<IngestReport> {
    let feed = FeedFile::open(path, required)?;
    let mut writer = match &rejects {
        Some(rejects) => Some(feed.rejects_writer(rejects).with_context(|| format!("creating {}", rejects.display()))?),
        None => None,
    };
    let report =
        app.ingest_entries(actor, feed, name, writer.as_mut(), &mut |read, rows| progress.show(read, rows)).await?;
    if let Some(writer) = writer {
        writer.finish().context("writing the rejects file")?;
    }
    Ok(report)
}

fn print_ingest(report: &IngestReport, as_json: bool) -> anyhow::Result<()> {
    if as_json {
        // Streamed: the rejects of a large file are read back from their temporary file.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer(&mut out, report)?;
        writeln!(out)?;
        out.flush()?;
    } else {
        println!(
            "{}: {} rows read, {} ingested ({} duplicates, {} corrections), {} rejected, {} new entries",
            report.file,
            report.rows_read,
            report.lines_ingested,
            report.duplicates,
            report.corrections,
            report.rejected,
            report.entries_new
        );
        print_rejects_human(report.rejects.iter().filter_map(Result::ok), report.rejects.len());
    }
    Ok(())
}

fn keys_of(grouping: KpiGrouping) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if grouping.month {
        keys.push("month");
    }
    if grouping.group {
        keys.extend(["tier", "tc"]);
    }
    if grouping.account {
        keys.push("account_number");
    }
    keys.extend(KPI_NAMES);
    keys
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// Prints rows of objects as JSON, CSV or an aligned table.
fn print_objects(objects: &[Map<String, Value>], keys: &[&str], format: OutputFormat) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => writeln!(out, "{}", Value::Array(objects.iter().cloned().map(Value::Object).collect()))?,
        OutputFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(keys)?;
            for object in objects {
                writer.write_record(keys.iter().map(|key| cell(object.get(*key))))?;
            }
            writer.flush()?;
        }
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> =
                objects.iter().map(|object| keys.iter().map(|key| cell(object.get(*key))).collect()).collect();
            let widths: Vec<usize> = keys
                .iter()
                .enumerate()
                .map(|(index, key)| {
                    rows.iter().map(|row| row[index].chars().count()).chain([key.len()]).max().unwrap_or(0)
                })
                .collect();
            let line = |cells: Vec<String>| {
                cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect::<Vec<_>>().join("  ")
            };
            writeln!(out, "{}", line(keys.iter().map(|key| (*key).to_owned()).collect()))?;
            for row in rows {
                writeln!(out, "{}", line(row))?;
            }
        }
    }
    Ok(())
}

/// `kpi --from --to --by [--format]`.
///
/// # Errors
/// Bad arguments.
pub async fn kpi(app: &App, actor: &Actor, from: &str, to: &str, by: &str, format: OutputFormat) -> anyhow::Result<u8> {
    let (from, to) = (date_argument("from", from)?, date_argument("to", to)?);
    let grouping = KpiGrouping::parse(by).map_err(|error| anyhow::anyhow!("--by: {}", error.message))?;
    let rows = app.kpis(actor, from, to, grouping).await?;
    let objects: Vec<Map<String, Value>> = rows.iter().map(KpiRow::to_json).collect();
    print_objects(&objects, &keys_of(grouping), format)?;
    Ok(0)
}

/// `defender alerts --from --to [--format]`.
///
/// # Errors
/// Bad arguments.
pub async fn defender_alerts(
    app: &App,
    actor: &Actor,
    from: &str,
    to: &str,
    format: OutputFormat,
) -> anyhow::Result<u8> {
    let (from, to) = (date_argument("from", from)?, date_argument("to", to)?);
    let alerts = app.defender_alerts(actor, from, to).await?;
    let objects: Vec<Map<String, Value>> = alerts.iter().map(alert_object).collect();
    let keys = ["entry_number", "account_number", "importer_number", "entry_date", "code", "countries"];
    if format == OutputFormat::Json {
        print_objects(&objects, &keys, format)?;
    } else {
        let flattened: Vec<Map<String, Value>> = objects
            .into_iter()
            .map(|mut object| {
                if let Some(Value::Array(countries)) = object.get("countries").cloned() {
                    let joined = countries.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(";");
                    object.insert("countries".to_owned(), json!(joined));
                }
                object
            })
            .collect();
        print_objects(&flattened, &keys, format)?;
    }
    Ok(0)
}

fn alert_object(alert: &DefenderAlert) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("entry_number".to_owned(), json!(alert.entry_number));
    object.insert("account_number".to_owned(), json!(alert.account_number));
    object.insert("importer_number".to_owned(), json!(alert.importer_number));
    object.insert("entry_date".to_owned(), json!(format_date(alert.entry_date)));
    object.insert("code".to_owned(), json!(alert.code));
    if let Some(countries) = &alert.countries {
        object.insert("countries".to_owned(), json!(countries));
    }
    object
}

/// `screen FILE --rate R --seed S [--format json|csv]`.
///
/// # Errors
/// Fatal problems (unreadable file, missing column, bad rate).
pub async fn screen(
    app: &App,
    actor: &Actor,
    file: &Path,
    rate: f64,
    seed: &str,
    format: ScreenFormat,
) -> anyhow::Result<u8> {
    if !(0.0..=1.0).contains(&rate) {
        bail!("--rate must be between 0 and 1");
    }
    let required: Vec<&str> = ENTRY_COLUMNS.iter().filter(|(_, required)| *required).map(|(name, _)| *name).collect();
    let name = file.display().to_string();
    let feed = FeedFile::open(file, &required)?;
    let mut output = DecisionWriter::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()), format)?;
    let report = app.screen(actor, feed, &name, rate, seed, &mut |decision| output.write(&decision)).await?;
    output.finish()?;
    print_rejects_human(report.rejects.iter().filter_map(Result::ok), report.rejects.len());
    Ok(if report.rejects.is_empty() { 0 } else { EXIT_REJECTED })
}

/// Writes screening decisions as they are made: a JSON array or CSV with a header.
struct DecisionWriter<W: Write> {
    output: W,
    format: ScreenFormat,
    written: u64,
}

const DECISION_KEYS: [&str; 8] =
    ["entry_number", "importer_number", "account_number", "tier", "tc", "exempt", "selected", "u"];

impl<W: Write> DecisionWriter<W> {
    fn new(mut output: W, format: ScreenFormat) -> std::io::Result<Self> {
        match format {
            ScreenFormat::Json => output.write_all(b"[")?,
            ScreenFormat::Csv => writeln!(output, "{}", DECISION_KEYS.join(","))?,
        }
        Ok(Self { output, format, written: 0 })
    }

    fn write(&mut self, decision: &ScreeningDecision) -> Result<(), AppError> {
        self.write_one(decision).map_err(|error| AppError::Internal(anyhow::anyhow!("writing the decisions: {error}")))
    }

    fn write_one(&mut self, decision: &ScreeningDecision) -> std::io::Result<()> {
        match self.format {
            ScreenFormat::Json => {
                if self.written > 0 {
                    self.output.write_all(b",")?;
                }
                serde_json::to_writer(&mut self.output, decision)?;
            }
            // Every value is a code, a boolean or a number: nothing a CSV cell must quote.
            ScreenFormat::Csv => writeln!(
                self.output,
                "{},{},{},{},{},{},{},{}",
                decision.entry_number,
                decision.importer_number,
                decision.account_number.as_deref().unwrap_or(""),
                decision.tier,
                decision.tc,
                decision.exempt,
                decision.selected,
                Value::from(decision.u)
            )?,
        }
        self.written += 1;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        if self.format == ScreenFormat::Json {
            self.output.write_all(b"]\n")?;
        }
        self.output.flush()
    }
}
