//! The `criteria` commands: list the catalogue versions, show one, publish a new one from files.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use tt_app::criteria::{CATALOGUE_COLUMNS, MAPPING_COLUMNS};
use tt_app::{Actor, App};
use tt_domain::criteria::CatalogueKind;
use tt_feed::FeedFile;

#[derive(Debug, Subcommand)]
pub enum CriteriaCommand {
    /// Every version of every catalogue, with the one in force today marked.
    List,
    /// The criteria of one catalogue version (the one in force today unless `--version`).
    Show {
        /// `importer`, `highway-carrier`, `third-party-logistics`, `trade-compliance-eligibility`,
        /// `forced-labor-requirements` or `best-practice-elements`.
        catalogue: String,
        #[arg(long)]
        version: Option<String>,
        /// Show must/should as on this day (`YYYY-MM-DD`, default today).
        #[arg(long)]
        on: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Publish a new version from a CSV file (columns criterion_id, focus_area, category_number,
    /// category, requirement, must_from, text, guidance), with an optional mapping file (columns
    /// criterion_id, change = unchanged|changed|new, previous_id). Nothing is stored unless both
    /// files are valid; every bad row is printed with its number, field and reason.
    Publish {
        catalogue: String,
        file: PathBuf,
        #[arg(long)]
        version: String,
        /// When the version takes effect (`YYYY-MM-DD`), after the latest version's date.
        #[arg(long)]
        effective_from: String,
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
}

fn date(field: &'static str, text: &str) -> anyhow::Result<time::Date> {
    tt_domain::calendar::iso_date::parse(text).with_context(|| format!("{field}: '{text}' is not a date as YYYY-MM-DD"))
}

fn open(path: &Path, columns: &[&str]) -> anyhow::Result<FeedFile> {
    FeedFile::open(path, columns).map_err(anyhow::Error::from)
}

/// Runs a `criteria` command.
///
/// # Errors
/// Bad arguments, unreadable files, refused publications (printed by the caller).
pub async fn run(app: &App, actor: &Actor, command: CriteriaCommand) -> anyhow::Result<()> {
    match command {
        CriteriaCommand::List => {
            println!(
                "{:<30} {:<12} {:<12} {:>8} {:>6}  published by",
                "catalogue", "version", "effective", "criteria", "musts"
            );
            for summary in app.list_catalogues(actor).await? {
                println!(
                    "{:<30} {:<12} {:<12} {:>8} {:>6}  {}{}",
                    summary.catalogue,
                    summary.version,
                    summary.effective_from,
                    summary.criteria,
                    summary.musts,
                    summary.published_by,
                    if summary.current { "  (in force)" } else { "" }
                );
            }
        }
        CriteriaCommand::Show { catalogue, version, on, json } => {
            let kind = CatalogueKind::parse(&catalogue)?;
            let on = on.as_deref().map(|text| date("on", text)).transpose()?;
            let view = app.catalogue(actor, kind, version.as_deref(), on).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                println!("{} {} (effective {})", view.summary.label, view.summary.version, view.summary.effective_from);
                for criterion in &view.criteria {
                    println!("{:<8} {:<6} {}", criterion.id, criterion.requirement, criterion.text);
                }
            }
        }
        CriteriaCommand::Publish { catalogue, file, version, effective_from, mapping } => {
            let kind = CatalogueKind::parse(&catalogue)?;
            let effective_from = date("effective_from", &effective_from)?;
            let file = open(&file, &CATALOGUE_COLUMNS)?;
            let mapping = mapping.as_deref().map(|path| open(path, &MAPPING_COLUMNS)).transpose()?;
            let view = app.publish_catalogue(actor, kind, &version, effective_from, file, mapping).await?;
            let count =
                |change: &str| view.criteria.iter().filter(|criterion| criterion.change == Some(change)).count();
            println!(
                "Published {} {} (effective {}): {} criteria, {} unchanged, {} changed, {} new, {} retired.",
                view.summary.catalogue,
                view.summary.version,
                view.summary.effective_from,
                view.criteria.len(),
                count("unchanged"),
                count("changed"),
                count("new"),
                view.retired.len()
            );
        }
    }
    Ok(())
}
