//! Forced labor: watch lists loaded from files (the UFLPA Entity List, withhold release orders
//! and findings, each with effective dates), members' supply-chain maps, the screening of every
//! mapped supplier against the entries in force with hits raised for CBP's review, and the
//! forced-labor risk each member's map shows.

use serde::{Deserialize, Serialize};
use tt_domain::AccountId;
use tt_domain::forced_labor::{MappedSupplier, WatchList, WatchListEntry};
use tt_store::forced_labor::{ScreeningReview, StoredSupplier, WatchListImport};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::NOTHING;
use crate::list_files::RejectedRow;
use crate::{Actor, App, AppError, AppResult, Permission};

/// What a watch-list import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WatchListReport {
    pub list: String,
    pub rows_read: usize,
    pub imported: usize,
    /// Every row not imported with its reason; a list with any is not imported at all.
    pub rejected: Vec<RejectedRow>,
}

/// A supplier to add to a member's map.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SupplierInput {
    pub tier: String,
    pub name: String,
    pub country: String,
    #[serde(default)]
    pub manufacturer_id: String,
    #[serde(default)]
    pub commodity: String,
}

/// A screening hit: a mapped supplier against a watch-list entry in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HitView {
    pub account_id: Uuid,
    pub account_number: String,
    pub supplier_id: Uuid,
    pub supplier: String,
    pub list: &'static str,
    pub entity: String,
    pub commodity: String,
    pub effective_from: String,
    /// Why it matched.
    pub reason: String,
    pub entry_key: String,
    /// `open`, `confirmed` or `false_positive`.
    pub review: String,
    pub review_note: Option<String>,
}

/// A supplier of the map with its hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SupplierView {
    pub id: Uuid,
    pub tier: u8,
    pub name: String,
    pub country: String,
    pub manufacturer_id: Option<String>,
    pub commodity: String,
    pub added_at: String,
    pub hits: Vec<HitView>,
}

/// The forced-labor risk a member's map shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RiskSummary {
    /// `high` (a confirmed hit), `under review` (an open hit), `no hit` (a map with none), or
    /// `unknown` (no supplier mapped).
    pub level: &'static str,
    pub suppliers: usize,
    pub deepest_tier: u8,
    pub open_hits: usize,
    pub confirmed_hits: usize,
    pub false_positives: usize,
}

/// A member's supply-chain map and its risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SupplyChainView {
    pub account_id: Uuid,
    pub suppliers: Vec<SupplierView>,
    pub risk: RiskSummary,
    /// Each watch list screened against, with when its latest file was imported.
    pub lists: Vec<String>,
}

/// A review of a hit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct HitReview {
    pub supplier_id: Uuid,
    pub entry_key: String,
    /// `confirmed` or `false_positive`.
    pub decision: String,
    pub note: String,
}

impl App {
    /// Imports one watch list's file (CSV: `entity`, `country`, `manufacturer_id`, `commodity`,
    /// `effective_from`, `effective_to`) as its new snapshot, whole or not at all.
    ///
    /// # Errors
    /// `Forbidden` without the permission to import data; `Invalid` for an unknown list or a file
    /// without the columns.
    pub async fn import_watch_list(
        &self,
        actor: &Actor,
        list: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> AppResult<WatchListReport> {
        let now = self.clock.now();
        actor.require(Permission::ImportTradeData, now)?;
        let list = WatchList::parse(list).map_err(|error| AppError::Invalid(vec![error]))?;
        let columns = ["entity", "country", "manufacturer_id", "commodity", "effective_from", "effective_to"];
        let rows = crate::list_files::read_rows(bytes, columns, |[entity, country, mid, commodity, from, to]| {
            WatchListEntry::parse([list.id(), entity, country, mid, commodity, from, to])
        })?;
        let (rows_read, rejected) = (rows.rows_read, rows.rejected);
        let entries: Vec<WatchListEntry> = rows.parsed.into_iter().map(|(_, entry)| entry).collect();
        let report =
            |imported| WatchListReport { list: list.id().to_owned(), rows_read, imported, rejected: rejected.clone() };
        if !rejected.is_empty() {
            return Ok(report(0));
        }
        let import = WatchListImport {
            id: 0,
            list,
            file_name: file_name.to_owned(),
            imported_by: actor.user.as_ref().map(|user| user.id),
            imported_at: tt_domain::NewAuditRecord::truncate_time(now),
            entries: i64::try_from(entries.len()).unwrap_or(i64::MAX),
        };
        let audit = actor.audit(
            now,
            "forced_labor.watch_list_import",
            "watch_list",
            Some(list.id().to_owned()),
            NOTHING,
            Some(&(file_name, entries.len())),
        );
        self.store.record_watch_list_import(&import, &entries, &audit).await?;
        Ok(report(entries.len()))
    }

    /// A member's supply-chain map with each supplier's hits and the risk it shows.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope (partner-agency liaisons included).
    pub async fn supply_chain(&self, actor: &Actor, account_id: AccountId) -> AppResult<SupplyChainView> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("supply-chain maps are the member's and CBP's to see")?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let lists = self.store.current_watch_lists().await?;
        let hits = self.hits(Some(account_id), &lists).await?;
        let suppliers: Vec<SupplierView> = self
            .store
            .suppliers(Some(account_id))
            .await?
            .into_iter()
            .filter(|stored| stored.removed_at.is_none())
            .map(|stored| SupplierView {
                id: stored.id,
                tier: stored.supplier.tier,
                name: stored.supplier.name.clone(),
                country: stored.supplier.country.as_str().to_owned(),
                manufacturer_id: stored.supplier.manufacturer_id.clone(),
                commodity: stored.supplier.commodity.clone(),
                added_at: crate::projections::moment(stored.added_at),
                hits: hits.iter().filter(|hit| hit.supplier_id == stored.id).cloned().collect(),
            })
            .collect();
        let count = |review: &str| hits.iter().filter(|hit| hit.review == review).count();
        let (open_hits, confirmed_hits) = (count("open"), count("confirmed"));
        let risk = RiskSummary {
            level: match (suppliers.is_empty(), confirmed_hits, open_hits) {
                (true, _, _) => "unknown",
                (_, 1.., _) => "high",
                (_, 0, 1..) => "under review",
                _ => "no hit",
            },
            suppliers: suppliers.len(),
            deepest_tier: suppliers.iter().map(|supplier| supplier.tier).max().unwrap_or(0),
            open_hits,
            confirmed_hits,
            false_positives: count("false_positive"),
        };
        Ok(SupplyChainView {
            account_id: account_id.0,
            suppliers,
            risk,
            lists: lists
                .iter()
                .map(|(import, entries)| {
                    format!(
                        "{}: {} entries, imported {} from {}",
                        import.list.id(),
                        entries.len(),
                        crate::projections::moment(import.imported_at),
                        import.file_name
                    )
                })
                .collect(),
        })
    }

    /// Adds a supplier to the actor's company's map; it is screened at once.
    ///
    /// # Errors
    /// `Forbidden` for anyone but the company's people who prepare its membership; `Invalid`
    /// naming every wrong field.
    pub async fn add_supplier(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: &SupplierInput,
    ) -> AppResult<SupplyChainView> {
        let now = self.clock.now();
        actor.require(Permission::PrepareMembership, now)?;
        if actor.own_account() != Some(account_id) {
            return Err(AppError::Forbidden("a company maps its own supply chain"));
        }
        let supplier =
            MappedSupplier::parse(&input.tier, &input.name, &input.country, &input.manufacturer_id, &input.commodity)
                .map_err(AppError::Invalid)?;
        let stored = StoredSupplier {
            id: Uuid::now_v7(),
            account_id,
            supplier,
            added_by: actor.user.as_ref().map(|user| user.id),
            added_at: tt_domain::NewAuditRecord::truncate_time(now),
            removed_at: None,
        };
        let audit = actor.audit(
            now,
            "forced_labor.supplier_added",
            "supplier",
            Some(stored.id.to_string()),
            NOTHING,
            Some(&stored.supplier),
        );
        self.store.add_supplier(&stored, &audit).await?;
        self.supply_chain(actor, account_id).await
    }

    /// Removes a supplier from the actor's company's map.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `NotFound` for another company's supplier;
    /// `Conflict` when already removed.
    pub async fn remove_supplier(
        &self,
        actor: &Actor,
        account_id: AccountId,
        supplier_id: Uuid,
    ) -> AppResult<SupplyChainView> {
        let now = self.clock.now();
        actor.require(Permission::PrepareMembership, now)?;
        if actor.own_account() != Some(account_id)
            || !self.store.suppliers(Some(account_id)).await?.iter().any(|stored| stored.id == supplier_id)
        {
            return Err(AppError::NotFound);
        }
        let audit = actor.audit(
            now,
            "forced_labor.supplier_removed",
            "supplier",
            Some(supplier_id.to_string()),
            NOTHING,
            NOTHING,
        );
        let by = actor.user.as_ref().map(|user| user.id);
        match self.store.remove_supplier(supplier_id, by, tt_domain::NewAuditRecord::truncate_time(now), &audit).await {
            Err(tt_store::StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict { field: "supplier", message: "is already removed".to_owned() });
            }
            other => other?,
        }
        self.supply_chain(actor, account_id).await
    }

    /// Every member's screening hits, open ones first: CBP's review queue.
    ///
    /// # Errors
    /// `Forbidden` without the permission to review hits.
    pub async fn screening_hits(&self, actor: &Actor) -> AppResult<Vec<HitView>> {
        actor.require(Permission::ReviewScreeningHits, self.clock.now())?;
        let lists = self.store.current_watch_lists().await?;
        let mut hits = self.hits(None, &lists).await?;
        hits.sort_by_key(|hit| hit.review != "open");
        Ok(hits)
    }

    /// CBP confirms a hit or marks it a false positive, with a note; a later review replaces it.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `NotFound` for no such hit; `Invalid` for another
    /// decision or no note.
    pub async fn review_screening_hit(&self, actor: &Actor, review: &HitReview) -> AppResult<HitView> {
        let now = self.clock.now();
        actor.require(Permission::ReviewScreeningHits, now)?;
        let lists = self.store.current_watch_lists().await?;
        let hit = self
            .hits(None, &lists)
            .await?
            .into_iter()
            .find(|hit| hit.supplier_id == review.supplier_id && hit.entry_key == review.entry_key)
            .ok_or(AppError::NotFound)?;
        let mut errors = Vec::new();
        if !matches!(review.decision.trim(), "confirmed" | "false_positive") {
            errors.push(tt_domain::ValidationError::new("decision", "is confirmed or false_positive"));
        }
        if review.note.trim().is_empty() {
            errors.push(tt_domain::ValidationError::new("note", "say why"));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let stored = ScreeningReview {
            account_id: AccountId(hit.account_id),
            supplier_id: hit.supplier_id,
            entry_key: hit.entry_key.clone(),
            decision: review.decision.trim().to_owned(),
            note: review.note.trim().to_owned(),
            by_user: actor.user.as_ref().map(|user| user.id),
            at: tt_domain::NewAuditRecord::truncate_time(now),
        };
        let audit = actor.audit(
            now,
            "forced_labor.hit_reviewed",
            "supplier",
            Some(hit.supplier_id.to_string()),
            NOTHING,
            Some(&(&stored.entry_key, &stored.decision)),
        );
        self.store.record_screening_review(&stored, &audit).await?;
        Ok(HitView { review: stored.decision, review_note: Some(stored.note), ..hit })
    }

    /// The hits of one member's map (of every map with `None`) against the entries in force
    /// today, each with its latest review.
    async fn hits(
        &self,
        account_id: Option<AccountId>,
        lists: &[(WatchListImport, Vec<WatchListEntry>)],
    ) -> AppResult<Vec<HitView>> {
        let today = self.clock.now().date();
        let reviews = self.store.screening_reviews(account_id).await?;
        let suppliers = self.store.suppliers(account_id).await?;
        let mut numbers = std::collections::HashMap::new();
        let mut hits = Vec::new();
        // Collected first: an iterator of closures held across an await is not `Send`.
        let entries: Vec<&WatchListEntry> = lists.iter().flat_map(|(_, entries)| entries).collect();
        let current: Vec<&StoredSupplier> = suppliers.iter().filter(|stored| stored.removed_at.is_none()).collect();
        for stored in current {
            for entry in &entries {
                let Some(reason) = stored.supplier.match_with(entry, today) else { continue };
                if let std::collections::hash_map::Entry::Vacant(vacant) = numbers.entry(stored.account_id) {
                    vacant.insert(self.store.get_account(stored.account_id).await?.number.to_string());
                }
                let key = entry.key();
                let review =
                    reviews.iter().rev().find(|review| review.supplier_id == stored.id && review.entry_key == key);
                hits.push(HitView {
                    account_id: stored.account_id.0,
                    account_number: numbers[&stored.account_id].clone(),
                    supplier_id: stored.id,
                    supplier: stored.supplier.name.clone(),
                    list: entry.list.id(),
                    entity: entry.entity.clone(),
                    commodity: entry.commodity.clone(),
                    effective_from: entry.effective_from.to_string(),
                    reason,
                    entry_key: key,
                    review: review.map_or_else(|| "open".to_owned(), |review| review.decision.clone()),
                    review_note: review.map(|review| review.note.clone()),
                });
            }
        }
        Ok(hits)
    }
}
