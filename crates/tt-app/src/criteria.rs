//! Criteria catalogues: the versions built into the program (CSV files under `criteria/`), the
//! versions published since, which version applies on a day, and publishing a new version from
//! a file with a mapping from the previous one.

use serde::Serialize;
use time::Date;
use tt_domain::ValidationError;
use tt_domain::criteria::{Catalogue, CatalogueKind, Change, Criterion, CriterionId, Mapping, Requirement, RowError};
use tt_feed::FeedFile;
use tt_store::criteria::PublishedCatalogue;
use utoipa::ToSchema;

use crate::actor::NOTHING;
use crate::{Actor, App, AppError, AppResult, Permission};

/// A version shipped inside the program.
struct BuiltIn {
    kind: CatalogueKind,
    version: &'static str,
    effective_from: (i32, u8, u8),
    file_name: &'static str,
    text: &'static str,
}

const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        kind: CatalogueKind::Importer,
        version: "2019-11",
        effective_from: (2020, 1, 1),
        file_name: "importer.csv",
        text: include_str!("../criteria/importer.csv"),
    },
    BuiltIn {
        kind: CatalogueKind::HighwayCarrier,
        version: "2019-11",
        effective_from: (2020, 1, 1),
        file_name: "highway-carrier.csv",
        text: include_str!("../criteria/highway-carrier.csv"),
    },
    BuiltIn {
        kind: CatalogueKind::ThirdPartyLogistics,
        version: "2019-11",
        effective_from: (2020, 1, 1),
        file_name: "third-party-logistics.csv",
        text: include_str!("../criteria/third-party-logistics.csv"),
    },
    BuiltIn {
        kind: CatalogueKind::TradeComplianceEligibility,
        version: "2022-08",
        effective_from: (2022, 8, 1),
        file_name: "trade-compliance-eligibility.csv",
        text: include_str!("../criteria/trade-compliance-eligibility.csv"),
    },
    BuiltIn {
        kind: CatalogueKind::ForcedLaborRequirements,
        version: "2022-08",
        effective_from: (2022, 8, 1),
        file_name: "forced-labor-requirements.csv",
        text: include_str!("../criteria/forced-labor-requirements.csv"),
    },
    BuiltIn {
        kind: CatalogueKind::BestPracticeElements,
        version: "2019-11",
        effective_from: (2020, 1, 1),
        file_name: "best-practice-elements.csv",
        text: include_str!("../criteria/best-practice-elements.csv"),
    },
];

/// The columns a catalogue file must have; `must_from` and `guidance` may be left out, and
/// other columns (a source, notes) are ignored.
pub const CATALOGUE_COLUMNS: [&str; 6] =
    ["criterion_id", "focus_area", "category_number", "category", "requirement", "text"];

/// The columns of a mapping file: each row says where a criterion of the new version comes from.
pub const MAPPING_COLUMNS: [&str; 3] = ["criterion_id", "change", "previous_id"];

/// Reads a catalogue file: every row is parsed, and every bad row is reported with its number,
/// field and reason.
///
/// # Errors
/// The bad rows (or the file's own problem, as row 0).
pub fn read_catalogue(
    kind: CatalogueKind,
    version: &str,
    effective_from: Date,
    mut file: FeedFile,
) -> Result<Catalogue, Vec<RowError>> {
    let rows = read_rows(&mut file, |value| -> Result<Criterion, ValidationError> {
        let required = |name: &'static str| {
            let text = value(name);
            if text.is_empty() { Err(ValidationError::new(name, "is required")) } else { Ok(text) }
        };
        let id = CriterionId::parse(&value("criterion_id"))?;
        let focus_area = required("focus_area")?;
        let category_number =
            value("category_number").parse::<u8>().ok().filter(|number| (1..=99).contains(number)).ok_or_else(
                || {
                    ValidationError::new(
                        "category_number",
                        format!("'{}' is not a number from 1 to 99", value("category_number")),
                    )
                },
            )?;
        let category = required("category")?;
        let requirement = Requirement::parse(&value("requirement"))?;
        let must_from =
            match value("must_from") {
                text if text.is_empty() => None,
                text => Some(tt_domain::calendar::iso_date::parse(&text).ok_or_else(|| {
                    ValidationError::new("must_from", format!("'{text}' is not a date as YYYY-MM-DD"))
                })?),
            };
        if must_from.is_some() && requirement == Requirement::Must {
            return Err(ValidationError::new("must_from", "only a should can become a must from a date"));
        }
        let text = required("text")?;
        if text.chars().count() > 4000 {
            return Err(ValidationError::new("text", "must be at most 4000 characters"));
        }
        Ok(Criterion {
            id,
            focus_area,
            category_number,
            category,
            requirement,
            must_from,
            text,
            guidance: value("guidance"),
        })
    })?;
    Catalogue::new(kind, version, effective_from, rows)
}

/// Reads every record of a data file with `parse` (given each trimmed value by column name),
/// keeping each row's number, and naming the row and field of every problem.
///
/// # Errors
/// Every bad row, unreadable ones included.
pub(crate) fn read_rows<T>(
    file: &mut FeedFile,
    mut parse: impl FnMut(&dyn Fn(&str) -> String) -> Result<T, ValidationError>,
) -> Result<Vec<(u64, T)>, Vec<RowError>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    loop {
        let record = match file.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => break,
            Err(error) => {
                errors.push(RowError { row: 0, error: ValidationError::new("file", error.to_string()) });
                break;
            }
        };
        if let Some(reason) = &record.unreadable {
            errors.push(RowError { row: record.row, error: ValidationError::new("row", reason.clone()) });
            continue;
        }
        let value = |name: &str| file.value(&record, name).trim().to_owned();
        match parse(&value) {
            Ok(parsed) => rows.push((record.row, parsed)),
            Err(error) => errors.push(RowError { row: record.row, error }),
        }
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// Reads a mapping file against the two versions it connects.
///
/// # Errors
/// The bad rows.
pub fn read_mapping(previous: &Catalogue, next: &Catalogue, mut file: FeedFile) -> Result<Mapping, Vec<RowError>> {
    let rows = read_rows(&mut file, |value| -> Result<(CriterionId, Change), ValidationError> {
        let id = CriterionId::parse(&value("criterion_id"))?;
        let previous = || {
            CriterionId::parse(&value("previous_id"))
                .map_err(|error| ValidationError::new("previous_id", error.message))
        };
        let change = match value("change").to_ascii_lowercase().as_str() {
            "unchanged" => Change::Unchanged { previous: previous()? },
            "changed" => Change::Changed { previous: previous()? },
            "new" => Change::New,
            other => {
                return Err(ValidationError::new("change", format!("'{other}' is not unchanged, changed or new")));
            }
        };
        Ok((id, change))
    })?;
    Mapping::explicit(previous, next, rows.into_iter().map(|(row, (id, change))| (row, id, change)).collect())
}

fn built_in_catalogue(built_in: &BuiltIn) -> AppResult<Catalogue> {
    let (year, month, day) = built_in.effective_from;
    let effective_from = time::Month::try_from(month)
        .ok()
        .and_then(|month| Date::from_calendar_date(year, month, day).ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a built-in catalogue has a bad date")))?;
    let file = FeedFile::from_bytes(built_in.file_name, built_in.text.as_bytes().to_vec(), &CATALOGUE_COLUMNS)
        .map_err(|error| AppError::Internal(error.into()))?;
    read_catalogue(built_in.kind, built_in.version, effective_from, file).map_err(|errors| {
        AppError::Internal(anyhow::anyhow!(
            "the built-in catalogue {} is invalid: {}",
            built_in.file_name,
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        ))
    })
}

/// A version as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CatalogueSummary {
    /// `importer`, `highway-carrier`, …
    pub catalogue: &'static str,
    pub label: &'static str,
    pub version: String,
    #[serde(with = "tt_domain::calendar::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub effective_from: Date,
    pub criteria: usize,
    pub musts: usize,
    /// `built-in`, or the e-mail address of who published it.
    pub published_by: String,
    /// Whether this is the version in force today.
    pub current: bool,
}

/// A criterion as shown, with its requirement on the day asked and its change from the
/// previous version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CriterionView {
    #[schema(value_type = String)]
    pub id: CriterionId,
    pub focus_area: String,
    pub category_number: u8,
    pub category: String,
    /// `must` or `should` on the day asked.
    pub requirement: &'static str,
    /// The day a `should` becomes a `must`, if it does.
    pub must_from: Option<String>,
    pub text: String,
    pub guidance: String,
    /// `unchanged`, `changed` or `new` against the previous version; absent for a first version.
    pub change: Option<&'static str>,
    /// The previous version's id it comes from, when renumbered or changed.
    pub previous_id: Option<String>,
}

/// One version with its criteria.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CatalogueView {
    #[serde(flatten)]
    pub summary: CatalogueSummary,
    /// The version it replaced, if any.
    pub previous_version: Option<String>,
    /// Criteria of the previous version no longer in this one.
    #[schema(value_type = Vec<String>)]
    pub retired: Vec<CriterionId>,
    pub criteria: Vec<CriterionView>,
}

/// One version with where it came from.
struct Version {
    catalogue: Catalogue,
    /// The version it replaced and the mapping from it (none for a built-in version).
    previous: Option<(String, Mapping)>,
    /// `built-in`, or who published it.
    published_by: String,
}

/// Every version of every catalogue: built-in first, then published.
struct Versions {
    all: Vec<Version>,
}

impl Versions {
    /// The version of a catalogue in force on a day: the latest whose effective date has come.
    fn current(&self, kind: CatalogueKind, day: Date) -> Option<&Catalogue> {
        self.all
            .iter()
            .map(|version| &version.catalogue)
            .filter(|catalogue| catalogue.kind == kind && catalogue.effective_from <= day)
            .max_by_key(|catalogue| catalogue.effective_from)
    }

    fn latest(&self, kind: CatalogueKind) -> Option<&Catalogue> {
        self.all
            .iter()
            .map(|version| &version.catalogue)
            .filter(|catalogue| catalogue.kind == kind)
            .max_by_key(|catalogue| catalogue.effective_from)
    }
}

impl App {
    async fn catalogue_versions(&self) -> AppResult<Versions> {
        let mut all = Vec::new();
        for built_in in BUILT_IN {
            all.push(Version {
                catalogue: built_in_catalogue(built_in)?,
                previous: None,
                published_by: "built-in".to_owned(),
            });
        }
        for published in self.store.published_catalogues().await? {
            all.push(Version {
                catalogue: published.catalogue,
                previous: Some((published.previous_version, published.mapping)),
                published_by: published.published_by,
            });
        }
        Ok(Versions { all })
    }

    /// Every version of every catalogue, by catalogue then effective date.
    ///
    /// # Errors
    /// `Forbidden` for users who may see no account.
    pub async fn list_catalogues(&self, actor: &Actor) -> AppResult<Vec<CatalogueSummary>> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let today = self.clock.now().date();
        let versions = self.catalogue_versions().await?;
        let mut list: Vec<CatalogueSummary> = versions
            .all
            .iter()
            .map(|version| summary(&version.catalogue, &version.published_by, &versions, today))
            .collect();
        list.sort_by(|left, right| {
            (CatalogueKind::parse(left.catalogue).ok(), left.effective_from)
                .cmp(&(CatalogueKind::parse(right.catalogue).ok(), right.effective_from))
        });
        Ok(list)
    }

    /// One version of a catalogue (the one in force today when `version` is `None`), with each
    /// criterion's requirement on `day` (today when `None`).
    ///
    /// # Errors
    /// `NotFound` for an unknown version.
    pub async fn catalogue(
        &self,
        actor: &Actor,
        kind: CatalogueKind,
        version: Option<&str>,
        day: Option<Date>,
    ) -> AppResult<CatalogueView> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let today = self.clock.now().date();
        let day = day.unwrap_or(today);
        let versions = self.catalogue_versions().await?;
        let Version { catalogue, previous: mapping, published_by } = match version {
            Some(version) => versions
                .all
                .iter()
                .find(|candidate| candidate.catalogue.kind == kind && candidate.catalogue.version == version.trim()),
            None => {
                let current = versions.current(kind, today).or_else(|| versions.latest(kind));
                versions.all.iter().find(|candidate| Some(&candidate.catalogue) == current)
            }
        }
        .ok_or(AppError::NotFound)?;
        let previous = mapping.as_ref().and_then(|(previous_version, _)| {
            versions
                .all
                .iter()
                .map(|version| &version.catalogue)
                .find(|candidate| candidate.kind == kind && &candidate.version == previous_version)
        });
        let criteria = catalogue
            .criteria
            .iter()
            .map(|criterion| {
                let change = mapping.as_ref().and_then(|(_, mapping)| mapping.changes.get(&criterion.id));
                let (change, previous_id) = match change {
                    None => (None, None),
                    Some(Change::New) => (Some("new"), None),
                    Some(Change::Unchanged { previous }) => {
                        (Some("unchanged"), (previous != &criterion.id).then(|| previous.to_string()))
                    }
                    Some(Change::Changed { previous }) => (Some("changed"), Some(previous.to_string())),
                };
                CriterionView {
                    id: criterion.id.clone(),
                    focus_area: criterion.focus_area.clone(),
                    category_number: criterion.category_number,
                    category: criterion.category.clone(),
                    requirement: criterion.requirement_on(day).label(),
                    must_from: criterion.must_from.map(|date| date.to_string()),
                    text: criterion.text.clone(),
                    guidance: criterion.guidance.clone(),
                    change,
                    previous_id,
                }
            })
            .collect();
        Ok(CatalogueView {
            summary: summary(catalogue, published_by, &versions, today),
            previous_version: mapping.as_ref().map(|(previous_version, _)| previous_version.clone()),
            retired: match (mapping, previous) {
                (Some((_, mapping)), Some(previous)) => mapping.retired(previous),
                _ => Vec::new(),
            },
            criteria,
        })
    }

    /// Publishes a new version of a catalogue from a file, after the latest version, with an
    /// optional mapping file (without one, criteria are matched by id and compared by text).
    /// Nothing is stored unless both files are entirely valid.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `Invalid` listing every bad row as
    /// `row N: field: reason`; `Conflict` on `version` when it exists.
    pub async fn publish_catalogue(
        &self,
        actor: &Actor,
        kind: CatalogueKind,
        version: &str,
        effective_from: Date,
        file: FeedFile,
        mapping_file: Option<FeedFile>,
    ) -> AppResult<CatalogueView> {
        let now = self.clock.now();
        actor.require(Permission::PublishCriteria, now)?;
        let versions = self.catalogue_versions().await?;
        let previous = versions.latest(kind).cloned().ok_or(AppError::NotFound)?;
        if versions.all.iter().any(|known| known.catalogue.kind == kind && known.catalogue.version == version.trim()) {
            return Err(AppError::Conflict {
                field: "version",
                message: format!("version {} exists already", version.trim()),
            });
        }
        if effective_from <= previous.effective_from {
            return Err(AppError::invalid(
                "effective_from",
                format!("must be after {}, when version {} took effect", previous.effective_from, previous.version),
            ));
        }
        let next = read_catalogue(kind, version, effective_from, file).map_err(row_errors)?;
        let mapping = match mapping_file {
            Some(file) => read_mapping(&previous, &next, file).map_err(row_errors)?,
            None => Mapping::implied(&previous, &next),
        };
        let published = PublishedCatalogue {
            catalogue: next,
            previous_version: previous.version.clone(),
            mapping,
            published_at: now,
            published_by: actor.label.clone(),
        };
        let audit = actor.audit(
            now,
            "criteria.publish",
            "criteria_catalogue",
            Some(format!("{}/{}", kind.id(), published.catalogue.version)),
            NOTHING,
            Some(&PublishRecord::of(&published)),
        );
        self.store.publish_catalogue(&published, &audit).await?;
        self.catalogue(actor, kind, Some(&published.catalogue.version), None).await
    }
}

impl App {
    /// Every version of one catalogue, oldest first, each with the mapping from its
    /// predecessor, and the label of the version in force today.
    pub(crate) async fn versions_of(
        &self,
        kind: CatalogueKind,
    ) -> AppResult<(Vec<(Catalogue, Option<Mapping>)>, Option<String>)> {
        let today = self.clock.now().date();
        let versions = self.catalogue_versions().await?;
        let current = versions.current(kind, today).map(|catalogue| catalogue.version.clone());
        let mut of_kind: Vec<(Catalogue, Option<Mapping>)> = versions
            .all
            .into_iter()
            .filter(|version| version.catalogue.kind == kind)
            .map(|version| (version.catalogue, version.previous.map(|(_, mapping)| mapping)))
            .collect();
        of_kind.sort_by_key(|(catalogue, _)| catalogue.effective_from);
        Ok((of_kind, current))
    }

    /// Refuses actors who may not publish, before their input is read.
    ///
    /// # Errors
    /// `Forbidden`.
    pub fn require_publish_criteria(&self, actor: &Actor) -> AppResult<()> {
        actor.require(Permission::PublishCriteria, self.clock.now())
    }

    /// [`App::publish_catalogue`] for files uploaded to the portal or the API, given as
    /// `(file name, bytes)`.
    ///
    /// # Errors
    /// As [`App::publish_catalogue`]; an unreadable file is invalid on `file` or `mapping`.
    pub async fn publish_catalogue_upload(
        &self,
        actor: &Actor,
        kind: CatalogueKind,
        version: &str,
        effective_from: Date,
        file: (&str, &[u8]),
        mapping: Option<(&str, &[u8])>,
    ) -> AppResult<CatalogueView> {
        actor.require(Permission::PublishCriteria, self.clock.now())?;
        let open = |field: &'static str, (name, bytes): (&str, &[u8]), columns: &[&str]| {
            FeedFile::from_bytes(name, bytes.to_vec(), columns)
                .map_err(|error| AppError::invalid(field, error.to_string()))
        };
        let file = open("file", file, &CATALOGUE_COLUMNS)?;
        let mapping = mapping.map(|upload| open("mapping", upload, &MAPPING_COLUMNS)).transpose()?;
        self.publish_catalogue(actor, kind, version, effective_from, file, mapping).await
    }
}

fn summary(catalogue: &Catalogue, published_by: &str, versions: &Versions, today: Date) -> CatalogueSummary {
    CatalogueSummary {
        catalogue: catalogue.kind.id(),
        label: catalogue.kind.label(),
        version: catalogue.version.clone(),
        effective_from: catalogue.effective_from,
        criteria: catalogue.criteria.len(),
        musts: catalogue
            .criteria
            .iter()
            .filter(|criterion| criterion.requirement_on(today) == Requirement::Must)
            .count(),
        published_by: published_by.to_owned(),
        current: versions.current(catalogue.kind, today) == Some(catalogue),
    }
}

/// Every bad row, as the invalid fields of one error.
fn row_errors(errors: Vec<RowError>) -> AppError {
    AppError::Invalid(
        errors
            .into_iter()
            .map(|error| {
                let message = if error.row == 0 {
                    error.error.message
                } else {
                    format!("row {}: {}", error.row, error.error.message)
                };
                ValidationError::new(error.error.field, message)
            })
            .collect(),
    )
}

/// What the audit trail keeps of a publication: the counts and the changes.
#[derive(Serialize)]
struct PublishRecord {
    catalogue: &'static str,
    version: String,
    previous_version: String,
    criteria: usize,
    unchanged: usize,
    changed: Vec<String>,
    new: Vec<String>,
}

impl PublishRecord {
    fn of(published: &PublishedCatalogue) -> Self {
        let mut record = Self {
            catalogue: published.catalogue.kind.id(),
            version: published.catalogue.version.clone(),
            previous_version: published.previous_version.clone(),
            criteria: published.catalogue.criteria.len(),
            unchanged: 0,
            changed: Vec::new(),
            new: Vec::new(),
        };
        for (id, change) in &published.mapping.changes {
            match change {
                Change::Unchanged { .. } => record.unchanged += 1,
                Change::Changed { .. } => record.changed.push(id.to_string()),
                Change::New => record.new.push(id.to_string()),
            }
        }
        record
    }
}
