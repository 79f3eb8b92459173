//! Criteria catalogues as versioned data: the Minimum Security Criteria of each business type,
//! the Trade Compliance eligibility questionnaire, the six forced-labor requirements and the five
//! best-practice elements. A new version is published with a mapping from the previous one, so
//! answers to unchanged criteria carry over and only changed and new ones ask for
//! re-affirmation.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ValidationError;

/// Whether a criterion is required or recommended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Must,
    Should,
}

impl Requirement {
    /// # Errors
    /// Naming `requirement`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "must" | "m" => Ok(Self::Must),
            "should" | "s" => Ok(Self::Should),
            _ => Err(ValidationError::new("requirement", format!("'{}' is not must or should", text.trim()))),
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Must => "must",
            Self::Should => "should",
        }
    }
}

/// A criterion's identifier within its catalogue, such as `3.9` or `q13`: 1–16 characters of
/// letters, digits and dots, compared case-insensitively and kept lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CriterionId(String);

impl CriterionId {
    /// # Errors
    /// Naming `criterion_id`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let value = text.trim().to_ascii_lowercase();
        let valid = !value.is_empty()
            && value.len() <= 16
            && value.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'.')
            && !value.starts_with('.')
            && !value.ends_with('.');
        if valid {
            Ok(Self(value))
        } else {
            Err(ValidationError::new(
                "criterion_id",
                format!("'{}' is not a criterion id (letters, digits and dots, such as 3.9)", text.trim()),
            ))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The numeric parts, for ordering `5.3` before `5.14`.
    fn sort_key(&self) -> Vec<(u64, String)> {
        self.0.split('.').map(|part| (part.parse().unwrap_or(u64::MAX), part.to_owned())).collect()
    }
}

impl TryFrom<String> for CriterionId {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CriterionId> for String {
    fn from(value: CriterionId) -> Self {
        value.0
    }
}

impl std::fmt::Display for CriterionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One criterion (or question, requirement, element) of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub id: CriterionId,
    pub focus_area: String,
    pub category_number: u8,
    pub category: String,
    pub requirement: Requirement,
    /// The day a `should` becomes a `must` (3.9 for importers: 2023-01-01).
    #[serde(default, with = "optional_date")]
    pub must_from: Option<Date>,
    /// A paraphrase of what the criterion requires.
    pub text: String,
    /// What a validator looks for.
    pub guidance: String,
}

impl Criterion {
    /// Must or should on a given day.
    #[must_use]
    pub fn requirement_on(&self, day: Date) -> Requirement {
        match self.must_from {
            Some(from) if day >= from => Requirement::Must,
            _ => self.requirement,
        }
    }

    /// Whether two versions of a criterion say the same thing (what a member affirmed stands).
    #[must_use]
    pub fn same_content(&self, other: &Self) -> bool {
        self.requirement == other.requirement && self.must_from == other.must_from && self.text == other.text
    }
}

pub(crate) mod optional_date {
    //! `YYYY-MM-DD` or null.
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => crate::calendar::iso_date::serialize(date, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        match text {
            None => Ok(None),
            Some(text) => crate::calendar::iso_date::parse(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a date as YYYY-MM-DD"))),
        }
    }
}

/// Which catalogue: a business type's security criteria or one of the program's question sets.
/// The identifiers are a stable interface (files, URLs, the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CatalogueKind {
    /// Minimum Security Criteria for importers.
    Importer,
    /// Minimum Security Criteria for highway carriers.
    HighwayCarrier,
    /// Minimum Security Criteria for third-party logistics providers.
    ThirdPartyLogistics,
    /// The 13 yes/no questions of the Trade Compliance eligibility check.
    TradeComplianceEligibility,
    /// The six Trade Compliance forced-labor requirements.
    ForcedLaborRequirements,
    /// The five elements every best practice must show.
    BestPracticeElements,
}

impl CatalogueKind {
    pub const ALL: [Self; 6] = [
        Self::Importer,
        Self::HighwayCarrier,
        Self::ThirdPartyLogistics,
        Self::TradeComplianceEligibility,
        Self::ForcedLaborRequirements,
        Self::BestPracticeElements,
    ];

    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Importer => "importer",
            Self::HighwayCarrier => "highway-carrier",
            Self::ThirdPartyLogistics => "third-party-logistics",
            Self::TradeComplianceEligibility => "trade-compliance-eligibility",
            Self::ForcedLaborRequirements => "forced-labor-requirements",
            Self::BestPracticeElements => "best-practice-elements",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Importer => "Minimum Security Criteria: importers",
            Self::HighwayCarrier => "Minimum Security Criteria: highway carriers",
            Self::ThirdPartyLogistics => "Minimum Security Criteria: third-party logistics providers",
            Self::TradeComplianceEligibility => "Trade Compliance eligibility questionnaire",
            Self::ForcedLaborRequirements => "Trade Compliance forced-labor requirements",
            Self::BestPracticeElements => "Best-practice elements",
        }
    }

    /// # Errors
    /// Naming `catalogue`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|kind| kind.id() == wanted)
            .ok_or_else(|| ValidationError::new("catalogue", format!("'{}' is not a catalogue", text.trim())))
    }
}

/// One version of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    pub kind: CatalogueKind,
    /// A label chosen by the publisher, such as `2019-11` or `2026-1`; unique per catalogue.
    pub version: String,
    /// From when this version applies.
    #[serde(with = "crate::calendar::iso_date")]
    pub effective_from: Date,
    /// In the catalogue's order (categories, then criterion ids numerically).
    pub criteria: Vec<Criterion>,
}

/// A problem in a catalogue or mapping file: the row (a physical line number, 1 being the
/// header), the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}: {error}")]
pub struct RowError {
    pub row: u64,
    pub error: ValidationError,
}

impl Catalogue {
    /// Builds a version from parsed rows (`(row, criterion)`), checking that ids are unique and
    /// the order is the catalogue's.
    ///
    /// # Errors
    /// Every duplicate id, with its row; an empty catalogue.
    pub fn new(
        kind: CatalogueKind,
        version: &str,
        effective_from: Date,
        rows: Vec<(u64, Criterion)>,
    ) -> Result<Self, Vec<RowError>> {
        let version = version.trim();
        let mut errors = Vec::new();
        if version.is_empty() || version.len() > 40 {
            errors.push(RowError { row: 0, error: ValidationError::new("version", "must be 1 to 40 characters") });
        }
        if rows.is_empty() {
            errors.push(RowError { row: 0, error: ValidationError::new("criteria", "the file has no criteria") });
        }
        let mut seen: BTreeMap<CriterionId, u64> = BTreeMap::new();
        for (row, criterion) in &rows {
            if let Some(first) = seen.insert(criterion.id.clone(), *row) {
                errors.push(RowError {
                    row: *row,
                    error: ValidationError::new("criterion_id", format!("{} is also on row {first}", criterion.id)),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut criteria: Vec<Criterion> = rows.into_iter().map(|(_, criterion)| criterion).collect();
        criteria.sort_by(|left, right| {
            left.category_number.cmp(&right.category_number).then_with(|| left.id.sort_key().cmp(&right.id.sort_key()))
        });
        Ok(Self { kind, version: version.to_owned(), effective_from, criteria })
    }

    #[must_use]
    pub fn criterion(&self, id: &CriterionId) -> Option<&Criterion> {
        self.criteria.iter().find(|criterion| &criterion.id == id)
    }
}

/// How a criterion of the new version relates to the previous version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// The same requirement (possibly renumbered from `previous`): answers carry over.
    Unchanged { previous: CriterionId },
    /// Reworded or stricter: the previous answer is kept as a starting point but must be
    /// re-affirmed.
    Changed { previous: CriterionId },
    /// No counterpart: must be answered.
    New,
}

/// The mapping from one version to the next: one change per criterion of the new version.
/// Criteria of the previous version that nothing maps from are retired.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mapping {
    pub changes: BTreeMap<CriterionId, Change>,
}

impl Mapping {
    /// The mapping implied when none is given: a criterion with the same id is unchanged if it
    /// says the same thing and changed otherwise; any other is new.
    #[must_use]
    pub fn implied(previous: &Catalogue, next: &Catalogue) -> Self {
        let changes = next
            .criteria
            .iter()
            .map(|criterion| {
                let change = match previous.criterion(&criterion.id) {
                    Some(before) if before.same_content(criterion) => {
                        Change::Unchanged { previous: criterion.id.clone() }
                    }
                    Some(_) => Change::Changed { previous: criterion.id.clone() },
                    None => Change::New,
                };
                (criterion.id.clone(), change)
            })
            .collect();
        Self { changes }
    }

    /// Completes an explicit mapping (rows `(row, criterion_id, change)`) with the implied one for
    /// criteria it does not mention, and checks it against both versions.
    ///
    /// # Errors
    /// Every row naming a criterion the new version lacks, a previous criterion the old version
    /// lacks, or a previous criterion mapped twice.
    pub fn explicit(
        previous: &Catalogue,
        next: &Catalogue,
        rows: Vec<(u64, CriterionId, Change)>,
    ) -> Result<Self, Vec<RowError>> {
        let mut mapping = Self::implied(previous, next);
        let mut errors = Vec::new();
        let mut mapped_from: BTreeMap<CriterionId, u64> = BTreeMap::new();
        let mut explicit: BTreeSet<CriterionId> = BTreeSet::new();
        for (row, id, change) in rows {
            if next.criterion(&id).is_none() {
                errors.push(RowError {
                    row,
                    error: ValidationError::new("criterion_id", format!("{id} is not in version {}", next.version)),
                });
                continue;
            }
            if let Change::Unchanged { previous: from } | Change::Changed { previous: from } = &change {
                if previous.criterion(from).is_none() {
                    errors.push(RowError {
                        row,
                        error: ValidationError::new(
                            "previous_id",
                            format!("{from} is not in version {}", previous.version),
                        ),
                    });
                    continue;
                }
                if let Some(first) = mapped_from.insert(from.clone(), row) {
                    errors.push(RowError {
                        row,
                        error: ValidationError::new("previous_id", format!("{from} is mapped on row {first} already")),
                    });
                    continue;
                }
            }
            explicit.insert(id.clone());
            mapping.changes.insert(id, change);
        }
        // A criterion matched only by its id cannot also inherit from a previous criterion the
        // file maps elsewhere: one answer never feeds two criteria.
        for (id, change) in &mut mapping.changes {
            if let Change::Unchanged { previous } | Change::Changed { previous } = change
                && !explicit.contains(id)
                && mapped_from.contains_key(previous)
            {
                *change = Change::New;
            }
        }
        if errors.is_empty() { Ok(mapping) } else { Err(errors) }
    }

    /// Criteria of the previous version that nothing in the new one comes from.
    #[must_use]
    pub fn retired(&self, previous: &Catalogue) -> Vec<CriterionId> {
        let kept: BTreeSet<&CriterionId> = self
            .changes
            .values()
            .filter_map(|change| match change {
                Change::Unchanged { previous } | Change::Changed { previous } => Some(previous),
                Change::New => None,
            })
            .collect();
        previous.criteria.iter().map(|criterion| &criterion.id).filter(|id| !kept.contains(id)).cloned().collect()
    }
}

/// What happens to a member's answers when a new version is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarryOver<A> {
    /// Answers that stand as they are, under the new criterion ids.
    pub carried: BTreeMap<CriterionId, A>,
    /// Criteria whose previous answer is kept as a draft but must be re-affirmed.
    pub to_reaffirm: BTreeMap<CriterionId, A>,
    /// Criteria with no previous answer to start from.
    pub unanswered: Vec<CriterionId>,
}

/// Applies a mapping to a member's answers (by the previous version's ids).
#[must_use]
pub fn carry_over<A: Clone>(mapping: &Mapping, answers: &BTreeMap<CriterionId, A>) -> CarryOver<A> {
    let mut result = CarryOver { carried: BTreeMap::new(), to_reaffirm: BTreeMap::new(), unanswered: Vec::new() };
    for (id, change) in &mapping.changes {
        match change {
            Change::Unchanged { previous } => match answers.get(previous) {
                Some(answer) => {
                    result.carried.insert(id.clone(), answer.clone());
                }
                None => result.unanswered.push(id.clone()),
            },
            Change::Changed { previous } => match answers.get(previous) {
                Some(answer) => {
                    result.to_reaffirm.insert(id.clone(), answer.clone());
                }
                None => result.unanswered.push(id.clone()),
            },
            Change::New => result.unanswered.push(id.clone()),
        }
    }
    result
}

#[cfg(test)]
mod tests;
