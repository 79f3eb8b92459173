//! Storage of supplier questionnaires.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::questionnaire::{PartnerAnswers, Question};
use tt_domain::{AccountId, NewAuditRecord};
use uuid::Uuid;

use crate::StoreResult;

/// A questionnaire as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuestionnaire {
    pub id: Uuid,
    pub account_id: AccountId,
    pub partner_name: String,
    pub partner_email: String,
    pub catalogue: String,
    pub catalogue_version: String,
    pub questions: Vec<Question>,
    /// SHA-256 of the link's secret, hex; the secret itself is never stored.
    pub token_hash: String,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub answered_at: Option<OffsetDateTime>,
    pub answers: Option<PartnerAnswers>,
}

#[async_trait]
pub trait QuestionnaireStore: Send + Sync {
    async fn create_questionnaire(
        &self,
        questionnaire: &StoredQuestionnaire,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// One account's questionnaires (or all), newest first.
    async fn list_questionnaires(&self, account_id: Option<AccountId>) -> StoreResult<Vec<StoredQuestionnaire>>;
    async fn get_questionnaire(&self, id: Uuid) -> StoreResult<StoredQuestionnaire>;
    async fn find_questionnaire_by_token(&self, token_hash: &str) -> StoreResult<Option<StoredQuestionnaire>>;
    /// Records the partner's answers once; a questionnaire answered or revoked already is a
    /// conflict on `questionnaire`.
    async fn record_partner_answers(
        &self,
        id: Uuid,
        answers: &PartnerAnswers,
        at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// Closes the link; revoking twice is a conflict on `questionnaire`.
    async fn revoke_questionnaire(&self, id: Uuid, at: OffsetDateTime, audit: &NewAuditRecord) -> StoreResult<()>;
    /// A new link (the old one stops working) with a new expiry, for an unanswered questionnaire.
    async fn renew_questionnaire_link(
        &self,
        id: Uuid,
        token_hash: &str,
        expires_at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
}
