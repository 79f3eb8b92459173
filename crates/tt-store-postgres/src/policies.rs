//! Policies published for comment on PostgreSQL: versions, comments and dispositions.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use tt_domain::{NewAuditRecord, UserId};
use tt_store::policies::{Disposition, PolicyComment, PolicyStore, PolicyVersion};
use tt_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{PostgresStore, translate};

fn version_from_row(row: &PgRow) -> StoreResult<PolicyVersion> {
    Ok(PolicyVersion {
        policy_key: row.try_get("policy_key").map_err(translate)?,
        version: row.try_get("version").map_err(translate)?,
        title: row.try_get("title").map_err(translate)?,
        body: row.try_get("body").map_err(translate)?,
        change_summary: row.try_get("change_summary").map_err(translate)?,
        published_by: row.try_get::<Option<Uuid>, _>("published_by").map_err(translate)?.map(UserId),
        published_at: row.try_get("published_at").map_err(translate)?,
        comment_until: row.try_get("comment_until").map_err(translate)?,
    })
}

fn comment_from_row(row: &PgRow) -> StoreResult<PolicyComment> {
    let disposition: Option<String> = row.try_get("disposition").map_err(translate)?;
    Ok(PolicyComment {
        id: row.try_get("id").map_err(translate)?,
        policy_key: row.try_get("policy_key").map_err(translate)?,
        version: row.try_get("version").map_err(translate)?,
        author_id: row.try_get::<Option<Uuid>, _>("author_id").map_err(translate)?.map(UserId),
        author_label: row.try_get("author_label").map_err(translate)?,
        text: row.try_get("text").map_err(translate)?,
        at: row.try_get("at").map_err(translate)?,
        disposition: match disposition {
            None => None,
            Some(disposition) => Some(Disposition {
                disposition,
                response: row.try_get("response").map_err(translate)?,
                by_user: row.try_get::<Option<Uuid>, _>("by_user").map_err(translate)?.map(UserId),
                at: row.try_get("disposed_at").map_err(translate)?,
            }),
        },
    })
}

#[async_trait]
impl PolicyStore for PostgresStore {
    async fn publish_policy_version(&self, version: &PolicyVersion, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO policy_versions
                 (policy_key, version, title, body, change_summary, published_by, published_at, comment_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&version.policy_key)
        .bind(version.version)
        .bind(&version.title)
        .bind(&version.body)
        .bind(&version.change_summary)
        .bind(version.published_by.map(|id| id.0))
        .bind(version.published_at)
        .bind(version.comment_until)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn policy_versions(&self) -> StoreResult<Vec<PolicyVersion>> {
        let rows = sqlx::query("SELECT * FROM policy_versions ORDER BY policy_key, version")
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(version_from_row).collect()
    }

    async fn add_policy_comment(&self, comment: &PolicyComment, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO policy_comments (id, policy_key, version, author_id, author_label, text, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(comment.id)
        .bind(&comment.policy_key)
        .bind(comment.version)
        .bind(comment.author_id.map(|id| id.0))
        .bind(&comment.author_label)
        .bind(&comment.text)
        .bind(comment.at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn policy_comments(&self, policy_key: &str) -> StoreResult<Vec<PolicyComment>> {
        let rows = sqlx::query(
            "SELECT c.*, d.disposition, d.response, d.by_user, d.at AS disposed_at
             FROM policy_comments c LEFT JOIN policy_comment_dispositions d ON d.comment_id = c.id
             WHERE c.policy_key = $1 ORDER BY c.at, c.id",
        )
        .bind(policy_key)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(comment_from_row).collect()
    }

    async fn dispose_policy_comment(
        &self,
        comment_id: Uuid,
        disposition: &Disposition,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO policy_comment_dispositions (comment_id, disposition, response, by_user, at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (comment_id) DO NOTHING",
        )
        .bind(comment_id)
        .bind(&disposition.disposition)
        .bind(&disposition.response)
        .bind(disposition.by_user.map(|id| id.0))
        .bind(disposition.at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "disposition" });
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }
}
