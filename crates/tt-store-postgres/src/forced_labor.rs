//! Forced labor screening tables on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use tt_domain::forced_labor::{MappedSupplier, WatchList, WatchListEntry};
use tt_domain::{AccountId, CountryCode, NewAuditRecord, UserId};
use tt_store::forced_labor::{
    AllegationEvent, ForcedLaborStore, RequirementEvent, ScreeningReview, StoredSupplier, WatchListImport,
};
use tt_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{PostgresStore, translate};

fn stored_value(error: tt_domain::ValidationError) -> StoreError {
    StoreError::Other(error.message.into())
}

fn country(row: &PgRow) -> StoreResult<CountryCode> {
    CountryCode::parse("country", &row.try_get::<String, _>("country").map_err(translate)?).map_err(stored_value)
}

fn import_from_row(row: &PgRow) -> StoreResult<WatchListImport> {
    Ok(WatchListImport {
        id: row.try_get("id").map_err(translate)?,
        list: WatchList::parse(&row.try_get::<String, _>("list").map_err(translate)?).map_err(stored_value)?,
        file_name: row.try_get("file_name").map_err(translate)?,
        imported_by: row.try_get::<Option<Uuid>, _>("imported_by").map_err(translate)?.map(UserId),
        imported_at: row.try_get("imported_at").map_err(translate)?,
        entries: i64::from(row.try_get::<i32, _>("entries").map_err(translate)?),
    })
}

fn supplier_from_row(row: &PgRow) -> StoreResult<StoredSupplier> {
    Ok(StoredSupplier {
        id: row.try_get("id").map_err(translate)?,
        account_id: AccountId(row.try_get("account_id").map_err(translate)?),
        supplier: MappedSupplier {
            tier: u8::try_from(row.try_get::<i32, _>("tier").map_err(translate)?)
                .map_err(|error| StoreError::Other(Box::new(error)))?,
            name: row.try_get("name").map_err(translate)?,
            country: country(row)?,
            manufacturer_id: row.try_get("manufacturer_id").map_err(translate)?,
            commodity: row.try_get("commodity").map_err(translate)?,
        },
        added_by: row.try_get::<Option<Uuid>, _>("added_by").map_err(translate)?.map(UserId),
        added_at: row.try_get("added_at").map_err(translate)?,
        removed_at: row.try_get("removed_at").map_err(translate)?,
    })
}

fn review_from_row(row: &PgRow) -> StoreResult<ScreeningReview> {
    Ok(ScreeningReview {
        account_id: AccountId(row.try_get("account_id").map_err(translate)?),
        supplier_id: row.try_get("supplier_id").map_err(translate)?,
        entry_key: row.try_get("entry_key").map_err(translate)?,
        decision: row.try_get("decision").map_err(translate)?,
        note: row.try_get("note").map_err(translate)?,
        by_user: row.try_get::<Option<Uuid>, _>("by_user").map_err(translate)?.map(UserId),
        at: row.try_get("at").map_err(translate)?,
    })
}

fn allegation_from_row(row: &PgRow) -> StoreResult<AllegationEvent> {
    Ok(AllegationEvent {
        allegation_id: row.try_get("allegation_id").map_err(translate)?,
        account_id: row.try_get::<Option<Uuid>, _>("account_id").map_err(translate)?.map(AccountId),
        subject: row.try_get("subject").map_err(translate)?,
        country: row.try_get("country").map_err(translate)?,
        source: row.try_get("source").map_err(translate)?,
        description: row.try_get("description").map_err(translate)?,
        received_on: row.try_get("received_on").map_err(translate)?,
        state: row.try_get("state").map_err(translate)?,
        note: row.try_get("note").map_err(translate)?,
        by_user: row.try_get::<Option<Uuid>, _>("by_user").map_err(translate)?.map(UserId),
        at: row.try_get("at").map_err(translate)?,
    })
}

fn requirement_from_row(row: &PgRow) -> StoreResult<RequirementEvent> {
    let key: Option<String> = row.try_get("evidence_key").map_err(translate)?;
    let evidence = match key {
        None => None,
        Some(key) => Some(tt_domain::profile::Evidence {
            key,
            file_name: row.try_get::<Option<String>, _>("file_name").map_err(translate)?.unwrap_or_default(),
            content_type: row.try_get::<Option<String>, _>("content_type").map_err(translate)?.unwrap_or_default(),
            size: u64::try_from(row.try_get::<Option<i64>, _>("size").map_err(translate)?.unwrap_or(0)).unwrap_or(0),
            sha256: row.try_get::<Option<String>, _>("sha256").map_err(translate)?.unwrap_or_default(),
        }),
    };
    Ok(RequirementEvent {
        account_id: AccountId(row.try_get("account_id").map_err(translate)?),
        requirement: row.try_get("requirement").map_err(translate)?,
        step: row.try_get("step").map_err(translate)?,
        evidence,
        note: row.try_get("note").map_err(translate)?,
        by_user: row.try_get::<Option<Uuid>, _>("by_user").map_err(translate)?.map(UserId),
        at: row.try_get("at").map_err(translate)?,
    })
}

#[async_trait]
impl ForcedLaborStore for PostgresStore {
    async fn record_watch_list_import(
        &self,
        import: &WatchListImport,
        entries: &[WatchListEntry],
        audit: &NewAuditRecord,
    ) -> StoreResult<i64> {
        let mut transaction = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO watch_list_imports (list, file_name, imported_by, imported_at, entries)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(import.list.id())
        .bind(&import.file_name)
        .bind(import.imported_by.map(|id| id.0))
        .bind(import.imported_at)
        .bind(i32::try_from(entries.len()).map_err(|error| StoreError::Other(Box::new(error)))?)
        .fetch_one(&mut *transaction)
        .await
        .map_err(translate)?;
        for (position, entry) in entries.iter().enumerate() {
            sqlx::query(
                "INSERT INTO watch_list_entries
                     (import_id, position, entity, country, manufacturer_id, commodity, effective_from, effective_to)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(i32::try_from(position).map_err(|error| StoreError::Other(Box::new(error)))?)
            .bind(&entry.entity)
            .bind(entry.country.as_str())
            .bind(entry.manufacturer_id.as_deref())
            .bind(&entry.commodity)
            .bind(entry.effective_from)
            .bind(entry.effective_to)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)?;
        Ok(id)
    }

    async fn current_watch_lists(&self) -> StoreResult<Vec<(WatchListImport, Vec<WatchListEntry>)>> {
        let imports = sqlx::query(
            "SELECT * FROM watch_list_imports latest
             WHERE latest.id = (SELECT MAX(later.id) FROM watch_list_imports later WHERE later.list = latest.list)
             ORDER BY latest.list",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        let mut lists = Vec::new();
        for row in &imports {
            let import = import_from_row(row)?;
            let rows = sqlx::query("SELECT * FROM watch_list_entries WHERE import_id = $1 ORDER BY position")
                .bind(import.id)
                .fetch_all(&self.pool)
                .await
                .map_err(translate)?;
            let entries = rows
                .iter()
                .map(|row| {
                    Ok(WatchListEntry {
                        list: import.list,
                        entity: row.try_get("entity").map_err(translate)?,
                        country: country(row)?,
                        manufacturer_id: row.try_get("manufacturer_id").map_err(translate)?,
                        commodity: row.try_get("commodity").map_err(translate)?,
                        effective_from: row.try_get("effective_from").map_err(translate)?,
                        effective_to: row.try_get("effective_to").map_err(translate)?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            lists.push((import, entries));
        }
        Ok(lists)
    }

    async fn add_supplier(&self, supplier: &StoredSupplier, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO supply_chain_suppliers
                 (id, account_id, tier, name, country, manufacturer_id, commodity, added_by, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(supplier.id)
        .bind(supplier.account_id.0)
        .bind(i32::from(supplier.supplier.tier))
        .bind(&supplier.supplier.name)
        .bind(supplier.supplier.country.as_str())
        .bind(supplier.supplier.manufacturer_id.as_deref())
        .bind(&supplier.supplier.commodity)
        .bind(supplier.added_by.map(|id| id.0))
        .bind(supplier.added_at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn remove_supplier(
        &self,
        supplier_id: Uuid,
        removed_by: Option<UserId>,
        at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO supply_chain_removals (supplier_id, removed_by, removed_at) VALUES ($1, $2, $3)
             ON CONFLICT (supplier_id) DO NOTHING",
        )
        .bind(supplier_id)
        .bind(removed_by.map(|id| id.0))
        .bind(at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "supplier" });
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn suppliers(&self, account_id: Option<AccountId>) -> StoreResult<Vec<StoredSupplier>> {
        let rows = sqlx::query(
            "SELECT s.*, r.removed_at FROM supply_chain_suppliers s
             LEFT JOIN supply_chain_removals r ON r.supplier_id = s.id
             WHERE $1 IS NULL OR s.account_id = $1 ORDER BY s.added_at, s.id",
        )
        .bind(account_id.map(|id| id.0))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(supplier_from_row).collect()
    }

    async fn record_screening_review(&self, review: &ScreeningReview, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO screening_reviews (account_id, supplier_id, entry_key, decision, note, by_user, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(review.account_id.0)
        .bind(review.supplier_id)
        .bind(&review.entry_key)
        .bind(&review.decision)
        .bind(&review.note)
        .bind(review.by_user.map(|id| id.0))
        .bind(review.at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn screening_reviews(&self, account_id: Option<AccountId>) -> StoreResult<Vec<ScreeningReview>> {
        let rows = sqlx::query("SELECT * FROM screening_reviews WHERE $1 IS NULL OR account_id = $1 ORDER BY sequence")
            .bind(account_id.map(|id| id.0))
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(review_from_row).collect()
    }

    async fn append_allegation(
        &self,
        event: &AllegationEvent,
        expected_events: usize,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        // The position is part of the key: a second event at the same place is a conflict.
        sqlx::query(
            "INSERT INTO allegation_events (allegation_id, position, account_id, subject, country, source, description,
                                            received_on, state, note, by_user, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(event.allegation_id)
        .bind(i32::try_from(expected_events).map_err(|error| StoreError::Other(Box::new(error)))?)
        .bind(event.account_id.map(|id| id.0))
        .bind(&event.subject)
        .bind(&event.country)
        .bind(&event.source)
        .bind(&event.description)
        .bind(event.received_on)
        .bind(&event.state)
        .bind(&event.note)
        .bind(event.by_user.map(|id| id.0))
        .bind(event.at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn allegations(&self) -> StoreResult<Vec<Vec<AllegationEvent>>> {
        let rows = sqlx::query(
            "SELECT e.* FROM allegation_events e
             ORDER BY (SELECT first.at FROM allegation_events first
                       WHERE first.allegation_id = e.allegation_id AND first.position = 0), e.allegation_id, e.position",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        let events = rows.iter().map(allegation_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(tt_store::group_histories(events, |event| event.allegation_id))
    }

    async fn append_requirement_event(
        &self,
        event: &RequirementEvent,
        expected_events: usize,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let evidence = event.evidence.as_ref();
        sqlx::query(
            "INSERT INTO forced_labor_evidence_events (account_id, requirement, position, step, evidence_key, file_name,
                                                       content_type, size, sha256, note, by_user, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(event.account_id.0)
        .bind(&event.requirement)
        .bind(i32::try_from(expected_events).map_err(|error| StoreError::Other(Box::new(error)))?)
        .bind(&event.step)
        .bind(evidence.map(|evidence| evidence.key.clone()))
        .bind(evidence.map(|evidence| evidence.file_name.clone()))
        .bind(evidence.map(|evidence| evidence.content_type.clone()))
        .bind(evidence.map(|evidence| i64::try_from(evidence.size).unwrap_or(i64::MAX)))
        .bind(evidence.map(|evidence| evidence.sha256.clone()))
        .bind(&event.note)
        .bind(event.by_user.map(|id| id.0))
        .bind(event.at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn requirement_events(&self, account_id: AccountId) -> StoreResult<Vec<RequirementEvent>> {
        let rows = sqlx::query(
            "SELECT * FROM forced_labor_evidence_events WHERE account_id = $1 ORDER BY requirement, position",
        )
        .bind(account_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        rows.iter().map(requirement_from_row).collect()
    }
}
