//! Security profile use cases: answer criteria with narrative and evidence, submit under the
//! company officer's attestation, review criterion by criterion, approve or return, and move to
//! a newer catalogue version with answers carried over.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tt_domain::criteria::{Catalogue, CatalogueKind, CriterionId, Mapping};
use tt_domain::profile::{
    Answer, Completeness, CriterionAnswer, Evidence, Profile, ProfileEvent, ProfileState, ProfileStep, Review,
};
use tt_domain::{Account, AccountId, BusinessType};
use tt_store::StoreError;
use tt_store::profile::NewProfileEvent;
use utoipa::ToSchema;

use crate::actor::NOTHING;
use crate::{Actor, App, AppError, AppResult, Permission};

/// Evidence file types accepted (the CBP portal's list).
pub const EVIDENCE_TYPES: [(&str, &str); 9] = [
    ("gif", "image/gif"),
    ("jpg", "image/jpeg"),
    ("csv", "text/csv"),
    ("pdf", "application/pdf"),
    ("txt", "text/plain"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("xls", "application/vnd.ms-excel"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("doc", "application/msword"),
];

/// The security criteria catalogue of a business type, if there is one yet.
#[must_use]
pub fn catalogue_for(business_type: BusinessType) -> Option<CatalogueKind> {
    match business_type {
        BusinessType::Importer => Some(CatalogueKind::Importer),
        BusinessType::HighwayCarrier | BusinessType::MxLongHaulCarrier => Some(CatalogueKind::HighwayCarrier),
        BusinessType::ThirdPartyLogistics => Some(CatalogueKind::ThirdPartyLogistics),
        _ => None,
    }
}

/// A change to a profile, as a member or reviewer makes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ProfileAction {
    /// Move the profile to the catalogue version in force (the first action starts the profile).
    AdoptCurrentCatalogue,
    Answer {
        criterion: String,
        answer: String,
        narrative: String,
    },
    RemoveEvidence {
        criterion: String,
        key: String,
    },
    /// The company officer submits and attests.
    Submit {
        attestation: String,
    },
    Review {
        criterion: String,
        decision: String,
        comment: String,
    },
    Approve,
    Return,
}

/// One criterion with the member's answer and the reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProfileCriterion {
    #[schema(value_type = String)]
    pub id: CriterionId,
    pub category_number: u8,
    pub category: String,
    pub requirement: &'static str,
    pub text: String,
    pub guidance: String,
    /// `meets`, `partially`, `does_not_meet`, `not_applicable`; absent while unanswered.
    pub answer: Option<&'static str>,
    pub narrative: String,
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<Evidence>,
    /// Must be answered again (changed in a new catalogue version, or returned by the reviewer).
    pub to_reaffirm: bool,
    /// `approved` or `returned`, with the reviewer's comment.
    pub review: Option<&'static str>,
    pub review_comment: String,
}

/// A criterion whose answer changed since the approved profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AnswerChange {
    #[schema(value_type = String)]
    pub criterion: CriterionId,
    pub approved: Option<String>,
    pub current: Option<String>,
}

/// An account's security profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProfileView {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub catalogue: Option<&'static str>,
    /// The version the profile answers; absent before the first answer.
    pub catalogue_version: Option<String>,
    /// A newer version in force that the profile has not moved to yet.
    pub newer_version: Option<String>,
    /// `draft`, `submitted`, `approved`, `returned`.
    pub state: &'static str,
    pub state_label: &'static str,
    #[schema(value_type = Object)]
    pub completeness: Completeness,
    /// The submission the approved profile pins, if any.
    pub approved_submission: Option<i64>,
    pub changes_since_approval: Vec<AnswerChange>,
    pub criteria: Vec<ProfileCriterion>,
}

const MAX_NARRATIVE: usize = 8000;

fn state_id(state: ProfileState) -> &'static str {
    match state {
        ProfileState::Draft => "draft",
        ProfileState::Submitted => "submitted",
        ProfileState::Approved => "approved",
        ProfileState::Returned => "returned",
    }
}

fn describe(answer: Option<&CriterionAnswer>) -> Option<String> {
    answer.map(|answer| {
        let files: Vec<&str> = answer.evidence.iter().map(|evidence| evidence.file_name.as_str()).collect();
        let mut text = format!("{}: {}", answer.answer.label(), answer.narrative);
        if !files.is_empty() {
            text.push_str(&format!(" (evidence: {})", files.join(", ")));
        }
        text
    })
}

/// The catalogue versions of one kind, for replaying a profile.
struct KindVersions {
    versions: Vec<(Catalogue, Option<Mapping>)>,
    current: Option<String>,
}

impl App {
    async fn kind_versions(&self, kind: CatalogueKind) -> AppResult<KindVersions> {
        let (versions, current) = self.versions_of(kind).await?;
        Ok(KindVersions { versions, current })
    }

    fn replay_profile(&self, versions: &KindVersions, events: &[ProfileEvent]) -> AppResult<Profile> {
        // Versions are in effective-date order and each published one maps from the one before.
        let find = |label: &str| {
            let index = versions.versions.iter().position(|(catalogue, _)| catalogue.version == label)?;
            let (catalogue, mapping) = &versions.versions[index];
            let previous = index.checked_sub(1).map(|before| versions.versions[before].0.version.as_str());
            Some((catalogue, previous.zip(mapping.as_ref())))
        };
        Profile::replay(events, &find).map_err(|refused| AppError::invalid("profile", refused.message))
    }

    async fn profile_context(
        &self,
        actor: &Actor,
        account_id: AccountId,
    ) -> AppResult<(Account, CatalogueKind, KindVersions)> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let kind = catalogue_for(account.business_type).ok_or_else(|| {
            AppError::invalid(
                "business_type",
                format!("there is no security criteria catalogue for {} yet", account.business_type.label()),
            )
        })?;
        let versions = self.kind_versions(kind).await?;
        Ok((account, kind, versions))
    }

    /// An account's security profile with every criterion of its catalogue version.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope; `Invalid` for a business type without criteria.
    pub async fn security_profile(&self, actor: &Actor, account_id: AccountId) -> AppResult<ProfileView> {
        let (account, kind, versions) = self.profile_context(actor, account_id).await?;
        let events = self.store.profile_events(account_id).await?;
        let profile = self.replay_profile(&versions, &events)?;
        Ok(self.profile_view(&account, kind, &versions, &profile))
    }

    fn profile_view(
        &self,
        account: &Account,
        kind: CatalogueKind,
        versions: &KindVersions,
        profile: &Profile,
    ) -> ProfileView {
        let today = self.clock.now().date();
        let label = profile.catalogue_version.clone().or_else(|| versions.current.clone());
        let catalogue = versions
            .versions
            .iter()
            .map(|(catalogue, _)| catalogue)
            .find(|catalogue| Some(&catalogue.version) == label.as_ref());
        let criteria = catalogue
            .map(|catalogue| {
                catalogue
                    .criteria
                    .iter()
                    .map(|criterion| {
                        let answer = profile.answers.get(&criterion.id);
                        let review = profile.reviews.get(&criterion.id);
                        ProfileCriterion {
                            id: criterion.id.clone(),
                            category_number: criterion.category_number,
                            category: criterion.category.clone(),
                            requirement: criterion.requirement_on(today).label(),
                            text: criterion.text.clone(),
                            guidance: criterion.guidance.clone(),
                            answer: answer.map(|answer| answer.answer.id()),
                            narrative: answer.map(|answer| answer.narrative.clone()).unwrap_or_default(),
                            evidence: answer.map(|answer| answer.evidence.clone()).unwrap_or_default(),
                            to_reaffirm: profile.to_reaffirm.contains(&criterion.id),
                            review: review.map(|(review, _)| match review {
                                Review::Approved => "approved",
                                Review::Returned => "returned",
                            }),
                            review_comment: review.map(|(_, comment)| comment.clone()).unwrap_or_default(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let completeness = catalogue
            .map_or(Completeness { answered: 0, total: 0, musts_unanswered: 0, to_reaffirm: 0 }, |catalogue| {
                profile.completeness(catalogue, today)
            });
        ProfileView {
            account_id: account.id,
            account_number: account.number.to_string(),
            catalogue: Some(kind.id()),
            catalogue_version: profile.catalogue_version.clone(),
            newer_version: versions
                .current
                .clone()
                .filter(|current| profile.catalogue_version.as_ref().is_some_and(|version| version != current)),
            state: state_id(profile.state),
            state_label: profile.state.label(),
            completeness,
            approved_submission: profile.approved.as_ref().map(|(sequence, _)| *sequence),
            changes_since_approval: profile
                .changes_since_approval()
                .into_iter()
                .map(|(criterion, approved, current)| AnswerChange {
                    criterion,
                    approved: describe(approved.as_ref()),
                    current: describe(current.as_ref()),
                })
                .collect(),
            criteria,
        }
    }

    /// Applies one change to a profile: the step it makes, checked against the whole history and
    /// the actor's role (members answer and attach; only the company officer submits; reviewers
    /// review, approve and return).
    ///
    /// # Errors
    /// `Forbidden` for the wrong role, `Invalid` naming the field or the rule broken.
    pub async fn change_profile(
        &self,
        actor: &Actor,
        account_id: AccountId,
        action: &ProfileAction,
    ) -> AppResult<ProfileView> {
        let permission = match action {
            ProfileAction::AdoptCurrentCatalogue
            | ProfileAction::Answer { .. }
            | ProfileAction::RemoveEvidence { .. } => Permission::PrepareMembership,
            ProfileAction::Submit { .. } => Permission::SignAndSubmit,
            ProfileAction::Review { .. } | ProfileAction::Approve | ProfileAction::Return => {
                Permission::ReviewSecurityMembership
            }
        };
        actor.require(permission, self.clock.now())?;
        let parse_id = |text: &str| CriterionId::parse(text).map_err(AppError::from);
        let step = match action {
            ProfileAction::AdoptCurrentCatalogue => None,
            ProfileAction::Answer { criterion, answer, narrative } => {
                if narrative.chars().count() > MAX_NARRATIVE {
                    return Err(AppError::invalid("narrative", format!("must be at most {MAX_NARRATIVE} characters")));
                }
                Some(ProfileStep::Answered {
                    criterion: parse_id(criterion)?,
                    answer: Answer::parse(answer)?,
                    narrative: narrative.trim().to_owned(),
                })
            }
            ProfileAction::RemoveEvidence { criterion, key } => {
                Some(ProfileStep::EvidenceRemoved { criterion: parse_id(criterion)?, key: key.clone() })
            }
            ProfileAction::Submit { attestation } => {
                Some(ProfileStep::Submitted { attestation: attestation.trim().to_owned() })
            }
            ProfileAction::Review { criterion, decision, comment } => Some(ProfileStep::Reviewed {
                criterion: parse_id(criterion)?,
                review: match decision.trim() {
                    "approved" | "approve" => Review::Approved,
                    "returned" | "return" => Review::Returned,
                    other => {
                        return Err(AppError::invalid("decision", format!("'{other}' is not approved or returned")));
                    }
                },
                comment: comment.trim().to_owned(),
            }),
            ProfileAction::Approve => Some(ProfileStep::Approved),
            ProfileAction::Return => Some(ProfileStep::Returned),
        };
        self.append_profile_step(actor, account_id, step).await
    }

    /// Attaches an evidence file to an answered criterion: checked for size and type, passed
    /// through the scanner hook, stored in object storage under a key the program chooses, and
    /// recorded with its SHA-256.
    ///
    /// # Errors
    /// `Invalid` on `file` for an empty, too large or unaccepted file or one the scanner refuses.
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        account_id: AccountId,
        criterion: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> AppResult<ProfileView> {
        actor.require(Permission::PrepareMembership, self.clock.now())?;
        let criterion = CriterionId::parse(criterion)?;
        // Scope and rules first, with a placeholder for the file: nothing is stored for an
        // upload that would be refused.
        let (_, _, versions) = self.profile_context(actor, account_id).await?;
        let mut events = self.store.profile_events(account_id).await?;
        let placeholder = Evidence {
            key: String::new(),
            file_name: String::new(),
            content_type: String::new(),
            size: 0,
            sha256: String::new(),
        };
        events.push(ProfileEvent {
            sequence: i64::MAX,
            recorded_at: self.clock.now(),
            recorded_by: actor.label.clone(),
            step: ProfileStep::EvidenceAttached { criterion: criterion.clone(), evidence: placeholder },
        });
        self.replay_profile(&versions, &events)?;
        let evidence = self.store_evidence_file(account_id, file_name, bytes).await?;
        self.append_profile_step(actor, account_id, Some(ProfileStep::EvidenceAttached { criterion, evidence })).await
    }

    /// Checks an evidence file (type, size, the scanner hook) and stores it in object storage
    /// under a key the program chooses, returning what the history keeps of it.
    ///
    /// # Errors
    /// `Invalid` on `file` for an unaccepted, empty or too large file or one the scanner refuses.
    pub(crate) async fn store_evidence_file(
        &self,
        account_id: AccountId,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> AppResult<Evidence> {
        let file_name = file_name.rsplit(['/', '\\']).next().unwrap_or_default().trim().to_owned();
        let extension =
            file_name.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase()).unwrap_or_default();
        let Some((_, content_type)) = EVIDENCE_TYPES.iter().find(|(known, _)| *known == extension) else {
            let accepted: Vec<&str> = EVIDENCE_TYPES.iter().map(|(known, _)| *known).collect();
            return Err(AppError::invalid(
                "file",
                format!("'{file_name}' is not one of the accepted types: {}", accepted.join(", ")),
            ));
        };
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size == 0 {
            return Err(AppError::invalid("file", "the file is empty"));
        }
        if size > self.settings.evidence_max_bytes {
            return Err(AppError::invalid(
                "file",
                format!("the file is {size} bytes; at most {} are accepted", self.settings.evidence_max_bytes),
            ));
        }
        self.scanner.scan(&file_name, &bytes).map_err(|reason| AppError::invalid("file", reason))?;
        let sha256: String = Sha256::digest(&bytes).iter().map(|byte| format!("{byte:02x}")).collect();
        let key = format!("evidence/{account_id}/{}", uuid::Uuid::now_v7().simple());
        // The object first: a crash after it leaves an unreferenced file, never a step without
        // its bytes.
        self.objects.put(&key, bytes).await.map_err(AppError::Internal)?;
        Ok(Evidence { key, file_name, content_type: (*content_type).to_owned(), size, sha256 })
    }

    /// An evidence file of a profile by its id (the last part of its key): name, type and bytes.
    ///
    /// # Errors
    /// `NotFound` unless it is evidence ever attached to this account's profile.
    pub async fn evidence_file(
        &self,
        actor: &Actor,
        account_id: AccountId,
        file_id: &str,
    ) -> AppResult<(Evidence, Vec<u8>)> {
        let key = format!("evidence/{account_id}/{}", file_id.trim());
        let key = key.as_str();
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let evidence = self
            .store
            .profile_events(account_id)
            .await?
            .into_iter()
            .find_map(|event| match event.step {
                ProfileStep::EvidenceAttached { evidence, .. } if evidence.key == key => Some(evidence),
                _ => None,
            })
            .ok_or(AppError::NotFound)?;
        let bytes = self.objects.get(&evidence.key).await.map_err(AppError::Internal)?;
        Ok((evidence, bytes))
    }

    async fn append_profile_step(
        &self,
        actor: &Actor,
        account_id: AccountId,
        step: Option<ProfileStep>,
    ) -> AppResult<ProfileView> {
        let now = self.clock.now();
        for _ in 0..3 {
            let (account, kind, versions) = self.profile_context(actor, account_id).await?;
            let mut events = self.store.profile_events(account_id).await?;
            let expected_last = events.last().map(|event| event.sequence);
            let before = self.replay_profile(&versions, &events)?;
            let mut steps = Vec::new();
            // The first change starts the profile on the version in force; adopting explicitly
            // moves it to that version.
            let adopt = before.catalogue_version.is_none() || step.is_none();
            if adopt {
                let current = versions
                    .current
                    .clone()
                    .ok_or_else(|| AppError::invalid("catalogue", "no catalogue version is in force yet"))?;
                steps.push(ProfileStep::CatalogueAdopted { version: current });
            }
            steps.extend(step.clone());
            for (sequence, step) in (expected_last.unwrap_or(0) + 1..).zip(&steps) {
                events.push(ProfileEvent {
                    sequence,
                    recorded_at: now,
                    recorded_by: actor.label.clone(),
                    step: step.clone(),
                });
            }
            let after = self.replay_profile(&versions, &events)?;
            let new_events: Vec<NewProfileEvent> = steps
                .iter()
                .map(|step| NewProfileEvent {
                    account_id,
                    recorded_at: now,
                    recorded_by: actor.label.clone(),
                    recorded_by_user: actor.user.as_ref().map(|user| user.id),
                    step: step.clone(),
                })
                .collect();
            let action = steps.last().map_or("catalogue_adopted", ProfileStep::kind);
            let audit = actor.audit(
                now,
                &format!("profile.{action}"),
                "account",
                Some(account_id.to_string()),
                NOTHING,
                Some(&steps),
            );
            match self.store.append_profile_events(account_id, expected_last, &new_events, &audit).await {
                Ok(()) => return Ok(self.profile_view(&account, kind, &versions, &after)),
                Err(StoreError::Conflict { field: "profile" }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict { field: "profile", message: "the profile kept changing; try again".to_owned() })
    }
}
