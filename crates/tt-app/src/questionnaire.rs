//! Supplier questionnaire use cases: a member sends criteria to a business partner, who answers
//! through a link without an account (an unguessable secret, kept hashed, that expires and can be
//! revoked or renewed; failed look-ups are throttled per network address); the answers are scored
//! and can be attached as evidence to a business-partner criterion.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tt_domain::AccountId;
use tt_domain::criteria::{CatalogueKind, CriterionId};
use tt_domain::questionnaire::{PartnerAnswer, PartnerAnswers, Question, QuestionnaireState, Score, score};
use tt_store::questionnaire::StoredQuestionnaire;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::NOTHING;
use crate::auth::RequestOrigin;
use crate::secrets::{hash_secret, new_secret};
use crate::{Actor, App, AppError, AppResult, OutgoingEmail, Permission};

/// What a member sends.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SendQuestionnaire {
    pub partner_name: String,
    pub partner_email: String,
    /// The criteria to ask: `importer`, `highway-carrier` or `third-party-logistics`.
    pub catalogue: String,
}

/// A questionnaire as its member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuestionnaireView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub partner_name: String,
    pub partner_email: String,
    pub catalogue: String,
    pub catalogue_version: String,
    /// `sent`, `answered`, `revoked` or `expired`.
    #[schema(value_type = String)]
    pub state: QuestionnaireState,
    pub state_label: &'static str,
    pub questions: usize,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub answered_by: Option<String>,
    /// Once answered: musts and shoulds met, and the gaps to follow up.
    #[schema(value_type = Option<Object>)]
    pub score: Option<Score>,
    /// `(criterion, answer, comment)` once answered.
    pub answers: Vec<(String, String, String)>,
}

/// A questionnaire as created: the view and, once, the link to give the partner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SentQuestionnaire {
    pub questionnaire: QuestionnaireView,
    /// The partner's link; it is not stored and cannot be shown again (renew it instead).
    pub link: String,
}

/// What a partner sees through the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerForm {
    pub partner_name: String,
    pub member_name: String,
    pub questions: Vec<Question>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The attempt label failed link look-ups are counted under (per network address).
const LINK_ATTEMPTS: &str = "questionnaire-link";

impl App {
    fn questionnaire_view(&self, stored: &StoredQuestionnaire) -> QuestionnaireView {
        let now = self.clock.now();
        let state = QuestionnaireState::of(stored.answers.is_some(), stored.revoked_at, stored.expires_at, now);
        QuestionnaireView {
            id: stored.id,
            account_id: stored.account_id,
            partner_name: stored.partner_name.clone(),
            partner_email: stored.partner_email.clone(),
            catalogue: stored.catalogue.clone(),
            catalogue_version: stored.catalogue_version.clone(),
            state,
            state_label: state.label(),
            questions: stored.questions.len(),
            expires_at: stored.expires_at,
            answered_by: stored.answers.as_ref().map(|answers| answers.answered_by.clone()),
            score: stored.answers.as_ref().map(|answers| score(&stored.questions, answers)),
            answers: stored
                .answers
                .as_ref()
                .map(|answers| {
                    answers
                        .answers
                        .iter()
                        .map(|(criterion, (answer, comment))| {
                            (criterion.to_string(), answer.id().to_owned(), comment.clone())
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The portal e-mails partners on a member's behalf: at most `questionnaires_per_day` a day
    /// per account (sends and renewals, counted from the audit trail), so it cannot be used to
    /// send mail in bulk.
    async fn check_send_budget(&self, account_id: AccountId) -> AppResult<()> {
        let since = self.clock.now() - Duration::days(1);
        let mut sent = 0;
        for questionnaire in self.store.list_questionnaires(Some(account_id)).await? {
            let records = self
                .store
                .list_audit(&tt_store::AuditFilter {
                    action_prefix: Some("questionnaire.".to_owned()),
                    object_type: Some("questionnaire".to_owned()),
                    object_id: Some(questionnaire.id.to_string()),
                    from: Some(since),
                    limit: 1000,
                    ..tt_store::AuditFilter::default()
                })
                .await?;
            sent += records
                .iter()
                .filter(|record| matches!(record.record.action.as_str(), "questionnaire.send" | "questionnaire.renew"))
                .count();
        }
        if sent >= self.settings.questionnaires_per_day {
            return Err(AppError::Throttled { retry_after_seconds: 24 * 60 * 60 });
        }
        Ok(())
    }

    fn questionnaire_link(&self, secret: &str) -> String {
        format!("{}/q/{secret}", self.settings.public_base_url.trim_end_matches('/'))
    }

    async fn email_partner(&self, stored: &StoredQuestionnaire, member: &str, link: &str) -> AppResult<()> {
        let body = format!(
            "Hello {},\n\n{member} asks you to answer a supply-chain security questionnaire ({} questions) as its business partner in the CTPAT program.\n\
             Answer here before {} (no account is needed):\n\n{link}\n",
            stored.partner_name,
            stored.questions.len(),
            stored.expires_at.date()
        );
        self.mailer
            .send(OutgoingEmail {
                to: stored.partner_email.clone(),
                subject: format!("Security questionnaire from {member}"),
                body,
            })
            .await
            .map_err(AppError::Internal)
    }

    /// Sends a questionnaire of a catalogue's criteria (as in force today) to a partner: the
    /// link is e-mailed to the partner and returned once.
    ///
    /// # Errors
    /// `Forbidden` outside the member's own account; `Invalid` per field.
    pub async fn send_questionnaire(&self, actor: &Actor, input: &SendQuestionnaire) -> AppResult<SentQuestionnaire> {
        let now = self.clock.now();
        actor.require(Permission::PrepareMembership, now)?;
        let account_id = actor.own_account().ok_or(AppError::Forbidden("questionnaires are sent by members"))?;
        let account = self.store.get_account(account_id).await?;
        self.check_send_budget(account_id).await?;
        let mut errors = crate::error::FieldErrors::default();
        let name = input.partner_name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(tt_domain::ValidationError::new("partner_name", "must be 1 to 200 characters"));
        }
        let email = errors.take(
            tt_domain::EmailAddress::parse(&input.partner_email)
                .map_err(|error| tt_domain::ValidationError::new("partner_email", error.message)),
        );
        let kind = errors.take(CatalogueKind::parse(&input.catalogue).and_then(|kind| {
            if matches!(
                kind,
                CatalogueKind::Importer | CatalogueKind::HighwayCarrier | CatalogueKind::ThirdPartyLogistics
            ) {
                Ok(kind)
            } else {
                Err(tt_domain::ValidationError::new(
                    "catalogue",
                    "choose the importer, highway-carrier or third-party-logistics criteria",
                ))
            }
        }));
        errors.finish()?;
        let (Some(email), Some(kind)) = (email, kind) else {
            return Err(AppError::Internal(anyhow::anyhow!("field errors were not collected")));
        };
        let catalogue = self.catalogue(&Actor::system("system:questionnaire"), kind, None, Some(now.date())).await?;
        let questions: Vec<Question> = catalogue
            .criteria
            .iter()
            .map(|criterion| Question {
                criterion: criterion.id.clone(),
                requirement: if criterion.requirement == "must" {
                    tt_domain::criteria::Requirement::Must
                } else {
                    tt_domain::criteria::Requirement::Should
                },
                text: criterion.text.clone(),
            })
            .collect();
        let secret = new_secret("q_")?;
        let stored = StoredQuestionnaire {
            id: Uuid::now_v7(),
            account_id,
            partner_name: name.to_owned(),
            partner_email: email.to_string(),
            catalogue: kind.id().to_owned(),
            catalogue_version: catalogue.summary.version.clone(),
            questions,
            token_hash: hash_secret(&secret),
            created_at: now,
            created_by: actor.label.clone(),
            expires_at: now + Duration::days(self.settings.questionnaire_valid_days),
            revoked_at: None,
            answered_at: None,
            answers: None,
        };
        let audit = actor.audit(
            now,
            "questionnaire.send",
            "questionnaire",
            Some(stored.id.to_string()),
            NOTHING,
            Some(&(stored.partner_name.as_str(), stored.partner_email.as_str(), kind.id())),
        );
        self.store.create_questionnaire(&stored, &audit).await?;
        let link = self.questionnaire_link(&secret);
        self.email_partner(&stored, account.legal_name.as_str(), &link).await?;
        Ok(SentQuestionnaire { questionnaire: self.questionnaire_view(&stored), link })
    }

    /// The questionnaires of the actor's company (staff: of an account, or all), newest first.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope.
    pub async fn list_questionnaires(
        &self,
        actor: &Actor,
        account_id: Option<AccountId>,
    ) -> AppResult<Vec<QuestionnaireView>> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let scope = if actor.is_agency() {
            if actor.role() == Some(tt_domain::Role::PgaLiaison) {
                return Err(AppError::Forbidden("partner agencies do not see supplier questionnaires"));
            }
            account_id
        } else {
            Some(actor.own_account().ok_or(AppError::Forbidden("only members have questionnaires"))?)
        };
        Ok(self.store.list_questionnaires(scope).await?.iter().map(|stored| self.questionnaire_view(stored)).collect())
    }

    async fn visible_questionnaire(&self, actor: &Actor, id: Uuid) -> AppResult<StoredQuestionnaire> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let stored = self.store.get_questionnaire(id).await?;
        let account = self.store.get_account(stored.account_id).await?;
        actor.require_account_visible(&account)?;
        if actor.role() == Some(tt_domain::Role::PgaLiaison) {
            return Err(AppError::Forbidden("partner agencies do not see supplier questionnaires"));
        }
        Ok(stored)
    }

    /// One questionnaire with its score and gaps.
    ///
    /// # Errors
    /// `NotFound`, or `Forbidden` outside the actor's scope.
    pub async fn get_questionnaire(&self, actor: &Actor, id: Uuid) -> AppResult<QuestionnaireView> {
        Ok(self.questionnaire_view(&self.visible_questionnaire(actor, id).await?))
    }

    /// Closes the link for good.
    ///
    /// # Errors
    /// `Conflict` when already revoked.
    pub async fn revoke_questionnaire(&self, actor: &Actor, id: Uuid) -> AppResult<QuestionnaireView> {
        let now = self.clock.now();
        actor.require(Permission::PrepareMembership, now)?;
        self.visible_questionnaire(actor, id).await?;
        let audit = actor.audit(now, "questionnaire.revoke", "questionnaire", Some(id.to_string()), NOTHING, NOTHING);
        self.store.revoke_questionnaire(id, now, &audit).await.map_err(|error| match error {
            tt_store::StoreError::Conflict { .. } => AppError::Conflict {
                field: "questionnaire",
                message: "the questionnaire is revoked already".to_owned(),
            },
            other => other.into(),
        })?;
        self.get_questionnaire(actor, id).await
    }

    /// A new link for an unanswered questionnaire (the old one stops working), e-mailed to the
    /// partner and returned once; the expiry starts again.
    ///
    /// # Errors
    /// `Conflict` when answered or revoked.
    pub async fn renew_questionnaire(&self, actor: &Actor, id: Uuid) -> AppResult<SentQuestionnaire> {
        let now = self.clock.now();
        actor.require(Permission::PrepareMembership, now)?;
        let mut stored = self.visible_questionnaire(actor, id).await?;
        self.check_send_budget(stored.account_id).await?;
        let secret = new_secret("q_")?;
        let expires_at = now + Duration::days(self.settings.questionnaire_valid_days);
        let audit = actor.audit(now, "questionnaire.renew", "questionnaire", Some(id.to_string()), NOTHING, NOTHING);
        self.store.renew_questionnaire_link(id, &hash_secret(&secret), expires_at, &audit).await.map_err(|error| {
            match error {
                tt_store::StoreError::Conflict { .. } => AppError::Conflict {
                    field: "questionnaire",
                    message: "an answered or revoked questionnaire keeps its link closed".to_owned(),
                },
                other => other.into(),
            }
        })?;
        stored.expires_at = expires_at;
        let member = self.store.get_account(stored.account_id).await?;
        let link = self.questionnaire_link(&secret);
        self.email_partner(&stored, member.legal_name.as_str(), &link).await?;
        Ok(SentQuestionnaire { questionnaire: self.get_questionnaire(actor, id).await?, link })
    }

    /// The questionnaire behind a partner's link, if the link is open. Failed look-ups count
    /// against the address like failed sign-ins, so links cannot be guessed by trying.
    async fn open_link(&self, secret: &str, origin: &RequestOrigin) -> AppResult<StoredQuestionnaire> {
        let now = self.clock.now();
        // Counted under their own label per address (and without the address column), so
        // guessing links never throttles the address's sign-ins, nor the reverse.
        let attempts = format!("{LINK_ATTEMPTS}:{}", origin.source_address.as_deref().unwrap_or("unknown"));
        let window_start = now - Duration::minutes(self.settings.login_throttle_window_minutes);
        if self.store.count_failed_logins_for_email(&attempts, window_start).await?
            >= self.settings.login_failures_per_address
        {
            return Err(AppError::Throttled { retry_after_seconds: self.settings.login_throttle_window_minutes * 60 });
        }
        let found = self.store.find_questionnaire_by_token(&hash_secret(secret.trim())).await?;
        let open = found.filter(|stored| {
            QuestionnaireState::of(stored.answers.is_some(), stored.revoked_at, stored.expires_at, now)
                == QuestionnaireState::Sent
        });
        match open {
            Some(stored) => Ok(stored),
            None => {
                self.store.record_login_attempt(&attempts, None, false, now).await?;
                Err(AppError::NotFound)
            }
        }
    }

    /// The partner's form behind a link.
    ///
    /// # Errors
    /// `NotFound` for an unknown, answered, revoked or expired link; `Throttled` after too many.
    pub async fn partner_form(&self, secret: &str, origin: &RequestOrigin) -> AppResult<PartnerForm> {
        let stored = self.open_link(secret, origin).await?;
        let member = self.store.get_account(stored.account_id).await?;
        Ok(PartnerForm {
            partner_name: stored.partner_name,
            member_name: member.legal_name.as_str().to_owned(),
            questions: stored.questions,
            expires_at: stored.expires_at,
        })
    }

    /// Records the partner's answers (every question answered), once.
    ///
    /// # Errors
    /// `Invalid` naming the first unanswered or misanswered question; `NotFound` for a closed link.
    pub async fn answer_partner_form(
        &self,
        secret: &str,
        answered_by: &str,
        answers: &[(String, String, String)],
        origin: &RequestOrigin,
    ) -> AppResult<()> {
        let stored = self.open_link(secret, origin).await?;
        let answered_by = answered_by.trim();
        if answered_by.is_empty() || answered_by.chars().count() > 200 {
            return Err(AppError::invalid("answered_by", "give your name (1 to 200 characters)"));
        }
        let mut recorded = std::collections::BTreeMap::new();
        for question in &stored.questions {
            let found = answers
                .iter()
                .find(|(criterion, _, _)| CriterionId::parse(criterion).ok().as_ref() == Some(&question.criterion));
            let Some((_, answer, comment)) = found else {
                return Err(AppError::invalid("answers", format!("answer question {}", question.criterion)));
            };
            let answer = PartnerAnswer::parse("answers", answer)?;
            if comment.chars().count() > 2000 {
                return Err(AppError::invalid(
                    "answers",
                    format!("{}: a comment is at most 2000 characters", question.criterion),
                ));
            }
            recorded.insert(question.criterion.clone(), (answer, comment.trim().to_owned()));
        }
        let partner_answers = PartnerAnswers { answers: recorded, answered_by: answered_by.to_owned() };
        let now = self.clock.now();
        let actor = Actor {
            user: None,
            label: format!("partner:{}", stored.partner_email),
            via: crate::Via::Session,
            source_address: origin.source_address.clone(),
            request_id: origin.request_id.clone(),
            partner_agency: None,
        };
        let audit = actor.audit(
            now,
            "questionnaire.answer",
            "questionnaire",
            Some(stored.id.to_string()),
            NOTHING,
            Some(&partner_answers),
        );
        self.store.record_partner_answers(stored.id, &partner_answers, now, &audit).await.map_err(|error| match error {
            tt_store::StoreError::Conflict { .. } => AppError::NotFound,
            other => other.into(),
        })
    }

    /// Attaches an answered questionnaire's result to a business-partner criterion of the
    /// member's security profile, as a text file of the answers, score and gaps.
    ///
    /// # Errors
    /// `Invalid` for an unanswered questionnaire or a criterion outside category 3.
    pub async fn attach_questionnaire_as_evidence(
        &self,
        actor: &Actor,
        id: Uuid,
        criterion: &str,
    ) -> AppResult<QuestionnaireView> {
        actor.require(Permission::PrepareMembership, self.clock.now())?;
        let stored = self.visible_questionnaire(actor, id).await?;
        if !criterion.trim().starts_with("3.") {
            return Err(AppError::invalid(
                "criterion",
                "questionnaire results are evidence for the business-partner criteria (3.x)",
            ));
        }
        let view = self.questionnaire_view(&stored);
        let Some(result) = &view.score else {
            return Err(AppError::invalid("questionnaire", "the partner has not answered yet"));
        };
        let mut text = format!(
            "Supplier questionnaire: {} <{}>\nCriteria: {} {}\nAnswered by: {}\nMusts met: {} of {} ({}%); shoulds met: {} of {}\n\nAnswers:\n",
            stored.partner_name,
            stored.partner_email,
            stored.catalogue,
            stored.catalogue_version,
            view.answered_by.clone().unwrap_or_default(),
            result.musts_met,
            result.musts,
            result.must_percent,
            result.shoulds_met,
            result.shoulds
        );
        for (criterion, answer, comment) in &view.answers {
            text.push_str(&format!(
                "{criterion}: {answer}{}\n",
                if comment.is_empty() { String::new() } else { format!(" ({comment})") }
            ));
        }
        text.push_str("\nFollow-up:\n");
        for gap in &result.gaps {
            text.push_str(&format!("- {}\n", gap.follow_up));
        }
        let file_name = format!(
            "questionnaire-{}.txt",
            stored
                .partner_name
                .chars()
                .map(|character| if character.is_ascii_alphanumeric() { character.to_ascii_lowercase() } else { '-' })
                .collect::<String>()
        );
        self.attach_evidence(actor, stored.account_id, criterion, &file_name, text.into_bytes()).await?;
        Ok(view)
    }
}
