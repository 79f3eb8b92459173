//! Published criteria catalogue versions on SQLite.

use async_trait::async_trait;
use sqlx::Row;
use tt_domain::NewAuditRecord;
use tt_domain::criteria::{Catalogue, CatalogueKind};
use tt_store::criteria::{CriteriaStore, PublishedCatalogue, decode, encode};
use tt_store::{StoreError, StoreResult};

use crate::audit::append_in;
use crate::rows::corrupt;
use crate::{SqliteStore, translate};

#[async_trait]
impl CriteriaStore for SqliteStore {
    async fn publish_catalogue(&self, published: &PublishedCatalogue, audit: &NewAuditRecord) -> StoreResult<()> {
        let catalogue = &published.catalogue;
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO criteria_catalogues
                 (kind, version, effective_from, previous_version, criteria, mapping, published_at, published_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (kind, version) DO NOTHING",
        )
        .bind(catalogue.kind.id())
        .bind(&catalogue.version)
        .bind(catalogue.effective_from)
        .bind(&published.previous_version)
        .bind(encode(&catalogue.criteria)?)
        .bind(encode(&published.mapping)?)
        .bind(published.published_at)
        .bind(&published.published_by)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "version" });
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn published_catalogues(&self) -> StoreResult<Vec<PublishedCatalogue>> {
        let rows = sqlx::query("SELECT * FROM criteria_catalogues ORDER BY effective_from, published_at")
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind").map_err(translate)?;
                let criteria: String = row.try_get("criteria").map_err(translate)?;
                let mapping: String = row.try_get("mapping").map_err(translate)?;
                Ok(PublishedCatalogue {
                    catalogue: Catalogue {
                        kind: CatalogueKind::parse(&kind).map_err(corrupt)?,
                        version: row.try_get("version").map_err(translate)?,
                        effective_from: row.try_get("effective_from").map_err(translate)?,
                        criteria: decode(&criteria)?,
                    },
                    previous_version: row.try_get("previous_version").map_err(translate)?,
                    mapping: decode(&mapping)?,
                    published_at: row.try_get("published_at").map_err(translate)?,
                    published_by: row.try_get("published_by").map_err(translate)?,
                })
            })
            .collect()
    }
}
