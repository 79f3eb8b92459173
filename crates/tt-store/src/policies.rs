//! Storage of policies published for comment: versions, comments and dispositions, append-only.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::{NewAuditRecord, UserId};
use uuid::Uuid;

use crate::StoreResult;

/// One version of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    pub policy_key: String,
    pub version: i32,
    pub title: String,
    pub body: String,
    /// What changed from the version before (empty for the first).
    pub change_summary: String,
    pub published_by: Option<UserId>,
    pub published_at: OffsetDateTime,
    /// Comments are taken until then.
    pub comment_until: OffsetDateTime,
}

/// Staff's answer to a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition {
    /// `accepted`, `accepted_in_part`, `not_accepted` or `noted`.
    pub disposition: String,
    pub response: String,
    pub by_user: Option<UserId>,
    pub at: OffsetDateTime,
}

/// A comment on a version, with its disposition once given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyComment {
    pub id: Uuid,
    pub policy_key: String,
    pub version: i32,
    pub author_id: Option<UserId>,
    pub author_label: String,
    pub text: String,
    pub at: OffsetDateTime,
    pub disposition: Option<Disposition>,
}

#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Publishes a version; one already published (same key and number) is a conflict.
    async fn publish_policy_version(&self, version: &PolicyVersion, audit: &NewAuditRecord) -> StoreResult<()>;
    /// Every version of every policy, by key then version.
    async fn policy_versions(&self) -> StoreResult<Vec<PolicyVersion>>;
    /// Stores a comment (its disposition is ignored), with the audit record.
    async fn add_policy_comment(&self, comment: &PolicyComment, audit: &NewAuditRecord) -> StoreResult<()>;
    /// A policy's comments on every version, oldest first, with their dispositions.
    async fn policy_comments(&self, policy_key: &str) -> StoreResult<Vec<PolicyComment>>;
    /// Records a comment's disposition; a second one is a conflict.
    async fn dispose_policy_comment(
        &self,
        comment_id: Uuid,
        disposition: &Disposition,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
}
