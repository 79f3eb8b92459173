//! Policies and procedures published for comment: a version opens a comment window (default
//! `policy_comment_days`, 30), working-group members comment while it is open, staff dispose of
//! each comment, and the next version — with its change summary — follows only once the window
//! has closed and every comment has its disposition.

use serde::{Deserialize, Serialize};
use time::Duration;
use tt_store::policies::{Disposition, PolicyComment, PolicyVersion};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::NOTHING;
use crate::{Actor, App, AppError, AppResult, Permission};

/// The dispositions staff give comments.
pub const DISPOSITIONS: [&str; 4] = ["accepted", "accepted_in_part", "not_accepted", "noted"];

/// A version to publish: a new policy (`policy_key` not used yet) or the next version of one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewPolicyVersion {
    /// Lower-case letters, digits and hyphens, such as `tc-procedures`.
    pub policy_key: String,
    pub title: String,
    pub body: String,
    /// What changed from the version before; required for every version after the first.
    #[serde(default)]
    pub change_summary: String,
    /// Days the comment window stays open (default `policy_comment_days`).
    pub comment_days: Option<i64>,
}

/// A comment's disposition as staff give it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewDisposition {
    /// `accepted`, `accepted_in_part`, `not_accepted` or `noted`.
    pub disposition: String,
    pub response: String,
}

/// One version of a policy, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    pub title: String,
    pub body: String,
    pub change_summary: String,
    pub published_at: String,
    pub comment_until: String,
    pub open_for_comment: bool,
}

/// A comment with its disposition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CommentView {
    pub id: Uuid,
    pub version: i32,
    pub author: String,
    pub text: String,
    pub at: String,
    pub disposition: Option<String>,
    pub response: Option<String>,
}

/// A policy: its versions (newest first) and the comments on each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyView {
    pub policy_key: String,
    pub versions: Vec<VersionView>,
    pub comments: Vec<CommentView>,
    /// Comments on the latest version still without a disposition.
    pub awaiting_disposition: usize,
}

impl App {
    /// Every policy with its versions and comments.
    ///
    /// # Errors
    /// `Forbidden` without access to policies.
    pub async fn policies(&self, actor: &Actor) -> AppResult<Vec<PolicyView>> {
        actor.require(Permission::ViewPolicies, self.clock.now())?;
        let versions = self.store.policy_versions().await?;
        let mut keys: Vec<String> = versions.iter().map(|version| version.policy_key.clone()).collect();
        keys.dedup();
        let mut views = Vec::new();
        for key in keys {
            views.push(self.policy_view(&key, &versions).await?);
        }
        Ok(views)
    }

    /// One policy.
    ///
    /// # Errors
    /// `Forbidden` without access to policies; `NotFound` for no such policy.
    pub async fn policy(&self, actor: &Actor, key: &str) -> AppResult<PolicyView> {
        actor.require(Permission::ViewPolicies, self.clock.now())?;
        let versions = self.store.policy_versions().await?;
        if !versions.iter().any(|version| version.policy_key == key) {
            return Err(AppError::NotFound);
        }
        self.policy_view(key, &versions).await
    }

    async fn policy_view(&self, key: &str, versions: &[PolicyVersion]) -> AppResult<PolicyView> {
        let now = self.clock.now();
        let comments = self.store.policy_comments(key).await?;
        let own: Vec<&PolicyVersion> = versions.iter().filter(|version| version.policy_key == key).collect();
        let latest = own.iter().map(|version| version.version).max().unwrap_or(0);
        Ok(PolicyView {
            policy_key: key.to_owned(),
            versions: own
                .iter()
                .rev()
                .map(|version| VersionView {
                    version: version.version,
                    title: version.title.clone(),
                    body: version.body.clone(),
                    change_summary: version.change_summary.clone(),
                    published_at: crate::projections::moment(version.published_at),
                    comment_until: crate::projections::moment(version.comment_until),
                    open_for_comment: now < version.comment_until,
                })
                .collect(),
            awaiting_disposition: comments
                .iter()
                .filter(|comment| comment.version == latest && comment.disposition.is_none())
                .count(),
            comments: comments
                .iter()
                .map(|comment| CommentView {
                    id: comment.id,
                    version: comment.version,
                    author: comment.author_label.clone(),
                    text: comment.text.clone(),
                    at: crate::projections::moment(comment.at),
                    disposition: comment.disposition.as_ref().map(|disposition| disposition.disposition.clone()),
                    response: comment.disposition.as_ref().map(|disposition| disposition.response.clone()),
                })
                .collect(),
        })
    }

    /// Publishes a new policy, or the next version of one, for comment.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `Invalid` naming every wrong field; `Conflict` on
    /// `version` while the latest version's window is open or a comment on it awaits its
    /// disposition.
    pub async fn publish_policy(&self, actor: &Actor, new: &NewPolicyVersion) -> AppResult<PolicyView> {
        let now = self.clock.now();
        actor.require(Permission::ManagePolicies, now)?;
        let key = new.policy_key.trim().to_ascii_lowercase();
        let mut errors = Vec::new();
        if key.is_empty()
            || key.len() > 60
            || !key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            errors.push(tt_domain::ValidationError::new(
                "policy_key",
                "is 1 to 60 lower-case letters, digits or hyphens",
            ));
        }
        if new.title.trim().is_empty() || new.title.chars().count() > 200 {
            errors.push(tt_domain::ValidationError::new("title", "give a title (1 to 200 characters)"));
        }
        if new.body.trim().is_empty() {
            errors.push(tt_domain::ValidationError::new("body", "give the policy's text"));
        }
        let days = new.comment_days.unwrap_or(self.settings.policy_comment_days);
        if !(1..=180).contains(&days) {
            errors.push(tt_domain::ValidationError::new("comment_days", "the comment window is 1 to 180 days"));
        }
        let versions = self.store.policy_versions().await?;
        let latest = versions.iter().filter(|version| version.policy_key == key).max_by_key(|version| version.version);
        if latest.is_some() && new.change_summary.trim().is_empty() {
            errors.push(tt_domain::ValidationError::new("change_summary", "say what changed from the version before"));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        if let Some(latest) = latest {
            if now < latest.comment_until {
                return Err(AppError::Conflict {
                    field: "version",
                    message: format!(
                        "version {} is open for comment until {}",
                        latest.version,
                        crate::projections::moment(latest.comment_until)
                    ),
                });
            }
            let awaiting = self
                .store
                .policy_comments(&key)
                .await?
                .iter()
                .filter(|comment| comment.version == latest.version && comment.disposition.is_none())
                .count();
            if awaiting > 0 {
                return Err(AppError::Conflict {
                    field: "version",
                    message: format!("{awaiting} comments on version {} await their disposition", latest.version),
                });
            }
        }
        let published_at = tt_domain::NewAuditRecord::truncate_time(now);
        let version = PolicyVersion {
            policy_key: key.clone(),
            version: latest.map_or(1, |latest| latest.version + 1),
            title: new.title.trim().to_owned(),
            body: new.body.trim().to_owned(),
            change_summary: new.change_summary.trim().to_owned(),
            published_by: actor.user.as_ref().map(|user| user.id),
            published_at,
            comment_until: published_at + Duration::days(days),
        };
        let audit = actor.audit(
            now,
            "policy.publish",
            "policy",
            Some(format!("{key}/{}", version.version)),
            NOTHING,
            Some(&version.title),
        );
        self.store.publish_policy_version(&version, &audit).await?;
        self.policy(actor, &key).await
    }

    /// A working-group member comments on a policy's latest version while its window is open.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `NotFound` for no such policy; `Invalid` on `text`;
    /// `Conflict` on `text` once the window has closed.
    pub async fn comment_on_policy(&self, actor: &Actor, key: &str, text: &str) -> AppResult<PolicyView> {
        let now = self.clock.now();
        actor.require(Permission::CommentOnPolicies, now)?;
        let versions = self.store.policy_versions().await?;
        let latest = versions
            .iter()
            .filter(|version| version.policy_key == key)
            .max_by_key(|version| version.version)
            .ok_or(AppError::NotFound)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 5000 {
            return Err(AppError::invalid("text", "write the comment (1 to 5000 characters)"));
        }
        if now >= latest.comment_until {
            return Err(AppError::Conflict {
                field: "text",
                message: format!("the comment window closed at {}", crate::projections::moment(latest.comment_until)),
            });
        }
        let comment = PolicyComment {
            id: Uuid::now_v7(),
            policy_key: key.to_owned(),
            version: latest.version,
            author_id: actor.user.as_ref().map(|user| user.id),
            author_label: actor.user.as_ref().map_or_else(|| actor.label.clone(), |user| user.name.as_str().to_owned()),
            text: text.to_owned(),
            at: tt_domain::NewAuditRecord::truncate_time(now),
            disposition: None,
        };
        let audit = actor.audit(
            now,
            "policy.comment",
            "policy",
            Some(format!("{key}/{}", latest.version)),
            NOTHING,
            Some(&text),
        );
        self.store.add_policy_comment(&comment, &audit).await?;
        self.policy(actor, key).await
    }

    /// Staff dispose of a comment, once, with a response.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `NotFound` for no such comment; `Invalid` naming the
    /// wrong fields; `Conflict` when it already has its disposition.
    pub async fn dispose_of_comment(
        &self,
        actor: &Actor,
        key: &str,
        comment_id: Uuid,
        new: &NewDisposition,
    ) -> AppResult<PolicyView> {
        let now = self.clock.now();
        actor.require(Permission::ManagePolicies, now)?;
        if !self.store.policy_comments(key).await?.iter().any(|comment| comment.id == comment_id) {
            return Err(AppError::NotFound);
        }
        let mut errors = Vec::new();
        if !DISPOSITIONS.contains(&new.disposition.trim()) {
            errors.push(tt_domain::ValidationError::new(
                "disposition",
                "is accepted, accepted_in_part, not_accepted or noted",
            ));
        }
        if new.response.trim().is_empty() {
            errors.push(tt_domain::ValidationError::new("response", "answer the comment"));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let disposition = Disposition {
            disposition: new.disposition.trim().to_owned(),
            response: new.response.trim().to_owned(),
            by_user: actor.user.as_ref().map(|user| user.id),
            at: tt_domain::NewAuditRecord::truncate_time(now),
        };
        let audit = actor.audit(
            now,
            "policy.disposition",
            "policy_comment",
            Some(comment_id.to_string()),
            NOTHING,
            Some(&disposition.disposition),
        );
        match self.store.dispose_policy_comment(comment_id, &disposition, &audit).await {
            Err(tt_store::StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict {
                    field: "disposition",
                    message: "the comment already has its disposition".to_owned(),
                });
            }
            other => other?,
        }
        self.policy(actor, key).await
    }
}
