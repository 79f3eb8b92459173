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
        let mut hits = self.hits(Some(account_id), &lists).await?;
        if !actor.is_agency() {
            // CBP's notes may speak of an investigation: the member sees the decision only.
            for hit in &mut hits {
                hit.review_note = None;
            }
        }
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

/// The states of an allegation.
pub const ALLEGATION_STATES: [&str; 4] = ["open", "investigating", "substantiated", "unsubstantiated"];

/// An allegation as staff take it in.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewAllegation {
    /// The member it concerns, if any.
    #[serde(default)]
    pub account_number: String,
    /// Who or what is alleged to use forced labor.
    pub subject: String,
    /// Two letters.
    pub country: String,
    /// Where it came from (a petition, an NGO report, a tip).
    pub source: String,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub received_on: String,
}

/// A step of an allegation's follow-up.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AllegationChange {
    /// `open`, `investigating`, `substantiated` or `unsubstantiated`.
    pub state: String,
    pub note: String,
}

/// An allegation as it stands, with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AllegationView {
    pub id: Uuid,
    pub account_number: Option<String>,
    pub subject: String,
    pub country: String,
    pub source: String,
    pub description: String,
    pub received_on: String,
    pub state: String,
    pub note: String,
    pub history: Vec<String>,
}

impl App {
    /// Every allegation, as taken in.
    ///
    /// # Errors
    /// `Forbidden` for anyone but CBP's forced-labor reviewers.
    pub async fn allegations(&self, actor: &Actor) -> AppResult<Vec<AllegationView>> {
        actor.require(Permission::ReviewScreeningHits, self.clock.now())?;
        let mut views = Vec::new();
        for events in self.store.allegations().await? {
            let Some(current) = events.last() else { continue };
            let account_number = match current.account_id {
                Some(account) => Some(self.store.get_account(account).await?.number.to_string()),
                None => None,
            };
            views.push(AllegationView {
                id: current.allegation_id,
                account_number,
                subject: current.subject.clone(),
                country: current.country.clone(),
                source: current.source.clone(),
                description: current.description.clone(),
                received_on: current.received_on.to_string(),
                state: current.state.clone(),
                note: current.note.clone(),
                history: events
                    .iter()
                    .map(|event| {
                        let note = if event.note.is_empty() { String::new() } else { format!(": {}", event.note) };
                        format!("{}: {}{note}", crate::projections::moment(event.at), event.state)
                    })
                    .collect(),
            });
        }
        Ok(views)
    }

    /// Takes in an allegation.
    ///
    /// # Errors
    /// `Forbidden` for anyone but CBP's forced-labor reviewers; `Invalid` naming every wrong
    /// field.
    pub async fn take_in_allegation(&self, actor: &Actor, new: &NewAllegation) -> AppResult<AllegationView> {
        let now = self.clock.now();
        actor.require(Permission::ReviewScreeningHits, now)?;
        let mut errors = Vec::new();
        let account_id = if new.account_number.trim().is_empty() {
            None
        } else {
            match tt_domain::AccountNumber::parse(new.account_number.trim()) {
                Ok(number) => match self.store.find_account_by_number(&number).await? {
                    Some(account) => Some(account.id),
                    None => {
                        errors.push(tt_domain::ValidationError::new("account_number", "no member has this number"));
                        None
                    }
                },
                Err(error) => {
                    errors.push(error);
                    None
                }
            }
        };
        let text = |field: &'static str, value: &str, errors: &mut Vec<tt_domain::ValidationError>| {
            let value = value.trim();
            if value.is_empty() || value.chars().count() > 5000 {
                errors.push(tt_domain::ValidationError::new(field, "is required (up to 5000 characters)"));
            }
            value.to_owned()
        };
        let subject = text("subject", &new.subject, &mut errors);
        let source = text("source", &new.source, &mut errors);
        let description = text("description", &new.description, &mut errors);
        let country = tt_domain::CountryCode::parse("country", &new.country).map_err(|error| errors.push(error)).ok();
        let received_on = tt_domain::calendar::iso_date::parse(&new.received_on);
        if received_on.is_none() {
            errors.push(tt_domain::ValidationError::new("received_on", "is not a date (YYYY-MM-DD)"));
        }
        let (Some(country), Some(received_on), true) = (country, received_on, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let event = tt_store::forced_labor::AllegationEvent {
            allegation_id: Uuid::now_v7(),
            account_id,
            subject,
            country: country.as_str().to_owned(),
            source,
            description,
            received_on,
            state: "open".to_owned(),
            note: String::new(),
            by_user: actor.user.as_ref().map(|user| user.id),
            at: tt_domain::NewAuditRecord::truncate_time(now),
        };
        let audit = actor.audit(
            now,
            "forced_labor.allegation_received",
            "allegation",
            Some(event.allegation_id.to_string()),
            NOTHING,
            Some(&event.subject),
        );
        self.store.append_allegation(&event, 0, &audit).await?;
        self.allegations(actor).await?.into_iter().find(|view| view.id == event.allegation_id).ok_or(AppError::NotFound)
    }

    /// Records a step of an allegation's follow-up, with a note.
    ///
    /// # Errors
    /// `Forbidden` for anyone but CBP's forced-labor reviewers; `NotFound` for no such
    /// allegation; `Invalid` for another state or no note; `Conflict` when it changed meanwhile.
    pub async fn change_allegation(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &AllegationChange,
    ) -> AppResult<AllegationView> {
        let now = self.clock.now();
        actor.require(Permission::ReviewScreeningHits, now)?;
        let events = self
            .store
            .allegations()
            .await?
            .into_iter()
            .find(|events| events.first().is_some_and(|first| first.allegation_id == id))
            .ok_or(AppError::NotFound)?;
        let mut errors = Vec::new();
        if !ALLEGATION_STATES.contains(&change.state.trim()) {
            errors.push(tt_domain::ValidationError::new(
                "state",
                "is open, investigating, substantiated or unsubstantiated",
            ));
        }
        if change.note.trim().is_empty() {
            errors.push(tt_domain::ValidationError::new("note", "say what was found or done"));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let mut next = events.last().cloned().ok_or(AppError::NotFound)?;
        next.state = change.state.trim().to_owned();
        next.note = change.note.trim().to_owned();
        next.by_user = actor.user.as_ref().map(|user| user.id);
        next.at = tt_domain::NewAuditRecord::truncate_time(now);
        let audit = actor.audit(
            now,
            "forced_labor.allegation_updated",
            "allegation",
            Some(id.to_string()),
            NOTHING,
            Some(&next.state),
        );
        match self.store.append_allegation(&next, events.len(), &audit).await {
            Err(tt_store::StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict {
                    field: "state",
                    message: "the allegation changed meanwhile".to_owned(),
                });
            }
            other => other?,
        }
        self.allegations(actor).await?.into_iter().find(|view| view.id == id).ok_or(AppError::NotFound)
    }
}

/// The forced-labor requirements a member evidences: the social compliance program (criterion
/// 3.9, a must since January 1 2023) and the six Trade Compliance requirements (from August 1
/// 2022).
pub const REQUIREMENTS: [(&str, &str); 7] = [
    ("3.9", "Social compliance program (CTPAT criterion 3.9)"),
    ("TC-FL-1", "Risk-based supply-chain mapping (unredacted proof on request)"),
    ("TC-FL-2", "Code of conduct against forced labor, published"),
    ("TC-FL-3", "Evidence of implementation: training and controls"),
    ("TC-FL-4", "Due diligence and supplier training"),
    ("TC-FL-5", "Remediation plan, including disclosure"),
    ("TC-FL-6", "Shared best practices and the path forward"),
];

/// A requirement with where its evidence stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequirementView {
    pub id: &'static str,
    pub title: &'static str,
    /// `missing`, `submitted`, `accepted` or `returned`.
    pub state: String,
    /// The latest evidence submitted: its file name and id (the last part of its key).
    pub file_name: Option<String>,
    pub file_id: Option<String>,
    pub note: String,
    pub history: Vec<String>,
}

impl App {
    /// A member's forced-labor requirements and their evidence.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope (partner-agency liaisons included).
    pub async fn forced_labor_requirements(
        &self,
        actor: &Actor,
        account_id: AccountId,
    ) -> AppResult<Vec<RequirementView>> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("forced-labor evidence is the member's and CBP's to see")?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let events = self.store.requirement_events(account_id).await?;
        Ok(REQUIREMENTS
            .iter()
            .map(|(id, title)| {
                let own: Vec<&tt_store::forced_labor::RequirementEvent> =
                    events.iter().filter(|event| event.requirement == *id).collect();
                let evidence = own.iter().rev().find_map(|event| event.evidence.as_ref());
                RequirementView {
                    id,
                    title,
                    state: own.last().map_or_else(|| "missing".to_owned(), |event| event.step.clone()),
                    file_name: evidence.map(|evidence| evidence.file_name.clone()),
                    file_id: evidence.and_then(|evidence| evidence.key.rsplit('/').next().map(str::to_owned)),
                    note: own.last().map(|event| event.note.clone()).unwrap_or_default(),
                    history: own
                        .iter()
                        .map(|event| {
                            let note = if event.note.is_empty() { String::new() } else { format!(": {}", event.note) };
                            format!("{}: {}{note}", crate::projections::moment(event.at), event.step)
                        })
                        .collect(),
                }
            })
            .collect())
    }

    /// The member submits evidence for a requirement (a file, stored like profile evidence).
    ///
    /// # Errors
    /// `Forbidden` for anyone but the company's people who prepare its membership; `Invalid`
    /// for an unknown requirement or a refused file.
    pub async fn submit_requirement_evidence(
        &self,
        actor: &Actor,
        account_id: AccountId,
        requirement: &str,
        file_name: &str,
        bytes: Vec<u8>,
        note: &str,
    ) -> AppResult<Vec<RequirementView>> {
        let now = self.clock.now();
        actor.require(Permission::PrepareMembership, now)?;
        if actor.own_account() != Some(account_id) {
            return Err(AppError::Forbidden("a company evidences its own requirements"));
        }
        let requirement = requirement_id(requirement)?;
        let expected = self.requirement_event_count(account_id, requirement).await?;
        let evidence = self.store_evidence_file(account_id, file_name, bytes).await?;
        let event = tt_store::forced_labor::RequirementEvent {
            account_id,
            requirement: requirement.to_owned(),
            step: "submitted".to_owned(),
            evidence: Some(evidence),
            note: note.trim().to_owned(),
            by_user: actor.user.as_ref().map(|user| user.id),
            at: tt_domain::NewAuditRecord::truncate_time(now),
        };
        let audit = actor.audit(
            now,
            "forced_labor.evidence_submitted",
            "account",
            Some(account_id.to_string()),
            NOTHING,
            Some(&(requirement, event.evidence.as_ref().map(|evidence| &evidence.sha256))),
        );
        self.append_requirement(&event, expected, &audit).await?;
        self.forced_labor_requirements(actor, account_id).await
    }

    /// Trade Compliance staff accept a requirement's evidence or return it with a note.
    ///
    /// # Errors
    /// `Forbidden` without the permission to review Trade Compliance; `Invalid` for an unknown
    /// requirement, another decision, no note, or nothing submitted to review.
    pub async fn review_requirement(
        &self,
        actor: &Actor,
        account_id: AccountId,
        requirement: &str,
        decision: &str,
        note: &str,
    ) -> AppResult<Vec<RequirementView>> {
        let now = self.clock.now();
        actor.require(Permission::ReviewTradeCompliance, now)?;
        let requirement = requirement_id(requirement)?;
        let events = self.store.requirement_events(account_id).await?;
        let own: Vec<&tt_store::forced_labor::RequirementEvent> =
            events.iter().filter(|event| event.requirement == requirement).collect();
        let mut errors = Vec::new();
        if own.last().is_none_or(|event| event.step != "submitted") {
            errors.push(tt_domain::ValidationError::new("decision", "there is no submitted evidence to review"));
        }
        if !matches!(decision.trim(), "accepted" | "returned") {
            errors.push(tt_domain::ValidationError::new("decision", "is accepted or returned"));
        }
        if note.trim().is_empty() {
            errors.push(tt_domain::ValidationError::new("note", "say what was found"));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let event = tt_store::forced_labor::RequirementEvent {
            account_id,
            requirement: requirement.to_owned(),
            step: decision.trim().to_owned(),
            evidence: None,
            note: note.trim().to_owned(),
            by_user: actor.user.as_ref().map(|user| user.id),
            at: tt_domain::NewAuditRecord::truncate_time(now),
        };
        let audit = actor.audit(
            now,
            "forced_labor.evidence_reviewed",
            "account",
            Some(account_id.to_string()),
            NOTHING,
            Some(&(requirement, &event.step)),
        );
        self.append_requirement(&event, own.len(), &audit).await?;
        self.forced_labor_requirements(actor, account_id).await
    }

    /// A requirement's evidence file by its id (the last part of its key): what was kept of it,
    /// and its bytes.
    ///
    /// # Errors
    /// `NotFound` unless it is evidence ever submitted for this account's requirements.
    pub async fn requirement_evidence_file(
        &self,
        actor: &Actor,
        account_id: AccountId,
        file_id: &str,
    ) -> AppResult<(tt_domain::profile::Evidence, Vec<u8>)> {
        self.forced_labor_requirements(actor, account_id).await?;
        let key = format!("evidence/{account_id}/{}", file_id.trim());
        let evidence = self
            .store
            .requirement_events(account_id)
            .await?
            .into_iter()
            .find_map(|event| event.evidence.filter(|evidence| evidence.key == key))
            .ok_or(AppError::NotFound)?;
        let bytes = self.objects.get(&evidence.key).await.map_err(AppError::Internal)?;
        Ok((evidence, bytes))
    }

    async fn requirement_event_count(&self, account_id: AccountId, requirement: &str) -> AppResult<usize> {
        Ok(self
            .store
            .requirement_events(account_id)
            .await?
            .iter()
            .filter(|event| event.requirement == requirement)
            .count())
    }

    async fn append_requirement(
        &self,
        event: &tt_store::forced_labor::RequirementEvent,
        expected: usize,
        audit: &tt_domain::NewAuditRecord,
    ) -> AppResult<()> {
        match self.store.append_requirement_event(event, expected, audit).await {
            Err(tt_store::StoreError::Conflict { .. }) => Err(AppError::Conflict {
                field: "requirement",
                message: "the requirement's evidence changed meanwhile: look again".to_owned(),
            }),
            other => Ok(other?),
        }
    }
}

fn requirement_id(text: &str) -> AppResult<&'static str> {
    REQUIREMENTS
        .iter()
        .map(|(id, _)| *id)
        .find(|id| id.eq_ignore_ascii_case(text.trim()))
        .ok_or_else(|| AppError::invalid("requirement", format!("{:?} is not a forced-labor requirement", text.trim())))
}
