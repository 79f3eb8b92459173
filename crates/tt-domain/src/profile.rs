//! The security profile: a member's answer to each criterion of its catalogue, with evidence,
//! submitted under the company officer's attestation and reviewed criterion by criterion.
//!
//! Like the membership, the profile is an append-only history of steps; the current answers,
//! the state, each criterion's review and the approved version are derived by replaying it. An
//! approval pins the submission it approved, so the approved profile can always be shown as it
//! was, and compared with the edits made since (the annual review's diff).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::criteria::{Catalogue, CriterionId, Mapping, Requirement, carry_over};

/// A member's answer to one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Meets,
    Partially,
    DoesNotMeet,
    NotApplicable,
}

impl Answer {
    pub const ALL: [Self; 4] = [Self::Meets, Self::Partially, Self::DoesNotMeet, Self::NotApplicable];

    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Meets => "meets",
            Self::Partially => "partially",
            Self::DoesNotMeet => "does_not_meet",
            Self::NotApplicable => "not_applicable",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Meets => "Meets",
            Self::Partially => "Partially meets",
            Self::DoesNotMeet => "Does not meet",
            Self::NotApplicable => "Not applicable",
        }
    }

    /// # Errors
    /// Naming `answer`.
    pub fn parse(text: &str) -> Result<Self, crate::ValidationError> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|answer| answer.id() == wanted).ok_or_else(|| {
            crate::ValidationError::new(
                "answer",
                format!("'{}' is not meets, partially, does_not_meet or not_applicable", text.trim()),
            )
        })
    }
}

/// A reviewer's decision on one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Approved,
    /// Sent back to the member with a comment or request.
    Returned,
}

/// An evidence file attached to a criterion (the bytes live in object storage under `key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub key: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

/// One step of a profile's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ProfileStep {
    /// The profile starts on a catalogue version (or moves to a newer one: answers carry over as
    /// the mapping says, and changed or new criteria must be answered again).
    CatalogueAdopted {
        version: String,
    },
    Answered {
        criterion: CriterionId,
        answer: Answer,
        narrative: String,
    },
    EvidenceAttached {
        criterion: CriterionId,
        evidence: Evidence,
    },
    EvidenceRemoved {
        criterion: CriterionId,
        key: String,
    },
    /// The company officer submits and attests that the answers are true.
    Submitted {
        attestation: String,
    },
    Reviewed {
        criterion: CriterionId,
        review: Review,
        comment: String,
    },
    /// Every criterion approved: the submission is the approved profile.
    Approved,
    /// Sent back: the returned criteria must be answered again before the next submission.
    Returned,
}

impl ProfileStep {
    /// A stable identifier of the step's kind (the `step` field of its JSON).
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::CatalogueAdopted { .. } => "catalogue_adopted",
            Self::Answered { .. } => "answered",
            Self::EvidenceAttached { .. } => "evidence_attached",
            Self::EvidenceRemoved { .. } => "evidence_removed",
            Self::Submitted { .. } => "submitted",
            Self::Reviewed { .. } => "reviewed",
            Self::Approved => "approved",
            Self::Returned => "returned",
        }
    }
}

/// A step as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileEvent {
    pub sequence: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub step: ProfileStep,
}

/// Where a profile stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileState {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl ProfileState {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Submitted => "Submitted for review",
            Self::Approved => "Approved",
            Self::Returned => "Returned for changes",
        }
    }
}

/// One criterion's current answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionAnswer {
    pub answer: Answer,
    pub narrative: String,
    pub evidence: Vec<Evidence>,
}

/// The profile derived from its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub state: ProfileState,
    pub catalogue_version: Option<String>,
    pub answers: BTreeMap<CriterionId, CriterionAnswer>,
    /// Criteria to answer again: changed by a new catalogue version, or returned by the reviewer.
    pub to_reaffirm: BTreeSet<CriterionId>,
    /// The reviewer's latest decision and comment on each criterion of the current submission.
    pub reviews: BTreeMap<CriterionId, (Review, String)>,
    /// The sequence of the submission being reviewed, or last approved.
    pub submitted_at: Option<i64>,
    /// The approved answers, pinned to the submission they came from.
    pub approved: Option<(i64, BTreeMap<CriterionId, CriterionAnswer>)>,
}

/// Finds a catalogue version by its label, with the label of the version before it and the
/// mapping from that version.
pub type CatalogueLookup<'a> = dyn Fn(&str) -> Option<(&'a Catalogue, Option<(&'a str, &'a Mapping)>)> + 'a;

/// A step the profile refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProfileRefused {
    pub message: String,
}

fn refuse<T>(message: impl Into<String>) -> Result<T, ProfileRefused> {
    Err(ProfileRefused { message: message.into() })
}

/// How complete a profile is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completeness {
    pub answered: usize,
    pub total: usize,
    pub musts_unanswered: usize,
    pub to_reaffirm: usize,
}

impl Profile {
    fn empty() -> Self {
        Self {
            state: ProfileState::Draft,
            catalogue_version: None,
            answers: BTreeMap::new(),
            to_reaffirm: BTreeSet::new(),
            reviews: BTreeMap::new(),
            submitted_at: None,
            approved: None,
        }
    }

    /// Replays a history against the catalogue versions it adopted (`catalogues` finds a version
    /// and the mapping from its predecessor by label).
    ///
    /// # Errors
    /// The first step that breaks a rule, with its sequence in the message.
    pub fn replay<'a>(events: &[ProfileEvent], catalogues: &CatalogueLookup<'a>) -> Result<Self, ProfileRefused> {
        let mut profile = Self::empty();
        let mut catalogue: Option<&Catalogue> = None;
        for event in events {
            profile.apply(event, &mut catalogue, catalogues).map_err(|refused| ProfileRefused {
                message: format!("step #{}: {}", event.sequence, refused.message),
            })?;
        }
        Ok(profile)
    }

    fn editable(&self) -> Result<(), ProfileRefused> {
        match self.state {
            ProfileState::Draft | ProfileState::Returned | ProfileState::Approved => Ok(()),
            ProfileState::Submitted => refuse("the profile is under review; it can be changed once reviewed"),
        }
    }

    fn apply<'a>(
        &mut self,
        event: &ProfileEvent,
        catalogue: &mut Option<&'a Catalogue>,
        catalogues: &CatalogueLookup<'a>,
    ) -> Result<(), ProfileRefused> {
        match &event.step {
            ProfileStep::CatalogueAdopted { version } => {
                self.editable()?;
                let Some((next, _)) = catalogues(version) else {
                    return refuse(format!("there is no catalogue version {version}"));
                };
                if let Some(current) = self.catalogue_version.clone() {
                    if &current == version {
                        return refuse(format!("the profile is on version {version} already"));
                    }
                    // The mappings from the profile's version to this one, oldest first: a
                    // profile that skipped versions goes through each of them.
                    let mut chain = Vec::new();
                    let mut label = version.clone();
                    while label != current {
                        let Some((_, Some((previous, mapping)))) = catalogues(&label) else {
                            return refuse(format!("version {version} has no mapping path from version {current}"));
                        };
                        if chain.len() > 1000 {
                            return refuse("the catalogue versions' mappings form a loop");
                        }
                        chain.push(mapping);
                        label = previous.to_owned();
                    }
                    for mapping in chain.into_iter().rev() {
                        self.carry_through(mapping);
                    }
                }
                self.catalogue_version = Some(version.clone());
                *catalogue = Some(next);
                if self.state == ProfileState::Approved {
                    self.state = ProfileState::Draft;
                }
            }
            ProfileStep::Answered { criterion, answer, narrative } => {
                self.editable()?;
                let Some(current) = catalogue else { return refuse("the profile has no catalogue yet") };
                if current.criterion(criterion).is_none() {
                    return refuse(format!("{criterion} is not a criterion of version {}", current.version));
                }
                if narrative.trim().is_empty() && *answer != Answer::NotApplicable {
                    return refuse(format!("{criterion}: describe how the company meets it (a narrative is required)"));
                }
                let evidence =
                    self.answers.get(criterion).map(|existing| existing.evidence.clone()).unwrap_or_default();
                self.answers.insert(
                    criterion.clone(),
                    CriterionAnswer { answer: *answer, narrative: narrative.clone(), evidence },
                );
                self.to_reaffirm.remove(criterion);
                if self.state == ProfileState::Approved {
                    self.state = ProfileState::Draft;
                }
            }
            ProfileStep::EvidenceAttached { criterion, evidence } => {
                self.editable()?;
                let Some(existing) = self.answers.get_mut(criterion) else {
                    return refuse(format!("{criterion}: answer the criterion before attaching evidence"));
                };
                existing.evidence.push(evidence.clone());
                if self.state == ProfileState::Approved {
                    self.state = ProfileState::Draft;
                }
            }
            ProfileStep::EvidenceRemoved { criterion, key } => {
                self.editable()?;
                let Some(existing) = self.answers.get_mut(criterion) else {
                    return refuse(format!("{criterion} has no answer"));
                };
                let before = existing.evidence.len();
                existing.evidence.retain(|evidence| &evidence.key != key);
                if existing.evidence.len() == before {
                    return refuse(format!("{criterion} has no such evidence"));
                }
                if self.state == ProfileState::Approved {
                    self.state = ProfileState::Draft;
                }
            }
            ProfileStep::Submitted { attestation } => {
                if !matches!(self.state, ProfileState::Draft | ProfileState::Returned) {
                    return refuse(format!("a {} profile cannot be submitted", self.state.label().to_lowercase()));
                }
                if attestation.trim().is_empty() {
                    return refuse("the company officer must attest the profile");
                }
                let Some(current) = catalogue else { return refuse("the profile has no catalogue yet") };
                // Judged by the rules of the day it was submitted: a should becoming a must later
                // does not undo a submission.
                let completeness = self.completeness(current, event.recorded_at.date());
                if completeness.musts_unanswered > 0 || completeness.to_reaffirm > 0 {
                    return refuse(format!(
                        "the profile is incomplete: {} required criteria unanswered, {} to answer again",
                        completeness.musts_unanswered, completeness.to_reaffirm
                    ));
                }
                self.state = ProfileState::Submitted;
                self.submitted_at = Some(event.sequence);
                self.reviews.clear();
            }
            ProfileStep::Reviewed { criterion, review, comment } => {
                if self.state != ProfileState::Submitted {
                    return refuse("only a submitted profile is reviewed");
                }
                if !self.answers.contains_key(criterion) {
                    return refuse(format!("{criterion} has no answer to review"));
                }
                if *review == Review::Returned && comment.trim().is_empty() {
                    return refuse(format!("{criterion}: say what must change when returning a criterion"));
                }
                self.reviews.insert(criterion.clone(), (*review, comment.clone()));
            }
            ProfileStep::Approved => {
                if self.state != ProfileState::Submitted {
                    return refuse("only a submitted profile is approved");
                }
                let unreviewed = self.answers.keys().filter(|id| !self.reviews.contains_key(*id)).count();
                let returned = self.reviews.values().filter(|(review, _)| *review == Review::Returned).count();
                if unreviewed > 0 || returned > 0 {
                    return refuse(format!(
                        "every answer must be approved first: {unreviewed} not reviewed, {returned} returned"
                    ));
                }
                self.state = ProfileState::Approved;
                self.approved = self.submitted_at.map(|sequence| (sequence, self.answers.clone()));
            }
            ProfileStep::Returned => {
                if self.state != ProfileState::Submitted {
                    return refuse("only a submitted profile is returned");
                }
                let returned: Vec<CriterionId> = self
                    .reviews
                    .iter()
                    .filter(|(_, (review, _))| *review == Review::Returned)
                    .map(|(id, _)| id.clone())
                    .collect();
                if returned.is_empty() {
                    return refuse("return at least one criterion with a comment first");
                }
                self.to_reaffirm.extend(returned);
                self.state = ProfileState::Returned;
            }
        }
        Ok(())
    }

    /// Moves the answers through one version's mapping: unchanged ones carry over (renumbered),
    /// changed ones are kept but flagged, and flags already set follow their criterion.
    fn carry_through(&mut self, mapping: &Mapping) {
        let carried = carry_over(mapping, &self.answers);
        let flagged: BTreeSet<CriterionId> = mapping
            .changes
            .iter()
            .filter_map(|(id, change)| match change {
                crate::criteria::Change::Unchanged { previous } if self.to_reaffirm.contains(previous) => {
                    Some(id.clone())
                }
                _ => None,
            })
            .collect();
        let mut answers = carried.carried;
        let mut to_reaffirm = flagged;
        for (id, answer) in carried.to_reaffirm {
            to_reaffirm.insert(id.clone());
            answers.insert(id, answer);
        }
        self.answers = answers;
        self.to_reaffirm = to_reaffirm;
    }

    /// Answered criteria, required ones still unanswered on `day`, and those to answer again.
    #[must_use]
    pub fn completeness(&self, catalogue: &Catalogue, day: time::Date) -> Completeness {
        Completeness {
            answered: catalogue.criteria.iter().filter(|criterion| self.answers.contains_key(&criterion.id)).count(),
            total: catalogue.criteria.len(),
            musts_unanswered: catalogue
                .criteria
                .iter()
                .filter(|criterion| {
                    criterion.requirement_on(day) == Requirement::Must && !self.answers.contains_key(&criterion.id)
                })
                .count(),
            to_reaffirm: self.to_reaffirm.len(),
        }
    }

    /// The criteria whose answer differs from the approved profile's (the annual review's diff):
    /// `(criterion, approved answer, current answer)`.
    #[must_use]
    pub fn changes_since_approval(&self) -> Vec<(CriterionId, Option<CriterionAnswer>, Option<CriterionAnswer>)> {
        let Some((_, approved)) = &self.approved else { return Vec::new() };
        let ids: BTreeSet<&CriterionId> = approved.keys().chain(self.answers.keys()).collect();
        ids.into_iter()
            .filter(|id| approved.get(*id) != self.answers.get(*id))
            .map(|id| ((*id).clone(), approved.get(id).cloned(), self.answers.get(id).cloned()))
            .collect()
    }
}

#[cfg(test)]
mod tests;
