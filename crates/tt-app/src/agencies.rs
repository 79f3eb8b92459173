//! Partner government agencies: the registry (`tt-app/agencies/registry.csv`: each agency and
//! the trusted-trader benefits it recognizes), members' per-agency consent to share their
//! standing, and the agency each liaison works for, which decides the members it sees.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use tt_domain::{AccountId, Role, UserId};
use tt_store::agencies::AgencyConsent;
use utoipa::ToSchema;

use crate::actor::{AgencyScope, NOTHING};
use crate::{Actor, App, AppError, AppResult, Permission};

/// The registry as shipped.
const REGISTRY: &str = include_str!("../agencies/registry.csv");

/// One partner agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PartnerAgency {
    pub code: String,
    pub name: String,
    pub department: String,
    pub authority: String,
    /// The catalogue's benefit ids it recognizes, `;`-separated in the file.
    #[serde(deserialize_with = "semicolon_list")]
    pub recognizes: Vec<String>,
    /// Where the engagement stands.
    pub engagement: String,
}

fn semicolon_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(text.split(';').map(str::trim).filter(|id| !id.is_empty()).map(str::to_owned).collect())
}

/// The partner agencies, in the registry's order.
///
/// # Panics
/// If the shipped registry does not parse (a test reads it).
#[must_use]
pub fn registry() -> &'static [PartnerAgency] {
    static PARSED: OnceLock<Vec<PartnerAgency>> = OnceLock::new();
    PARSED.get_or_init(|| {
        csv::Reader::from_reader(REGISTRY.as_bytes())
            .deserialize()
            .collect::<Result<Vec<PartnerAgency>, _>>()
            .expect("the shipped agency registry parses")
    })
}

fn agency(code: &str) -> AppResult<&'static PartnerAgency> {
    registry().iter().find(|agency| agency.code.eq_ignore_ascii_case(code.trim())).ok_or_else(|| {
        AppError::invalid("agency", format!("{:?} is not a partner agency of the registry", code.trim()))
    })
}

/// An agency with the benefits it recognizes by name and the members consenting to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgencyView {
    #[serde(flatten)]
    pub agency: PartnerAgency,
    /// The recognized benefits' names, from the catalogue.
    pub recognized_benefits: Vec<String>,
    /// Members that consent to share their standing with it (to it, or to every agency).
    pub consenting_members: usize,
}

/// A member's consent to one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ConsentView {
    pub agency_code: String,
    pub agency_name: String,
    pub granted: bool,
    /// When the latest grant or withdrawal was recorded.
    pub since: Option<String>,
}

/// A member's consents: to each agency, and the blanket consent of the account's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountConsents {
    #[schema(value_type = String)]
    pub account_id: AccountId,
    /// Consent to every partner agency (the account's own setting).
    pub all_agencies: bool,
    pub agencies: Vec<ConsentView>,
}

/// A change of consent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConsentChange {
    pub agency_code: String,
    pub granted: bool,
}

impl App {
    /// A liaison's actor with its agency's scope: the members consenting to its agency now.
    /// Others pass through unchanged.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn with_agency_scope(&self, mut actor: Actor) -> AppResult<Actor> {
        if let Some(user) = actor.user.as_ref().filter(|user| user.role == Role::PgaLiaison)
            && let Some(agency) = self.store.liaison_agency(user.id).await?
        {
            let consenting: HashSet<AccountId> =
                self.store.accounts_consenting_to(&agency).await?.into_iter().collect();
            actor.partner_agency = Some(AgencyScope { agency, consenting: Arc::new(consenting) });
        }
        Ok(actor)
    }

    /// The registry with the recognized benefits by name and each agency's consenting members.
    ///
    /// # Errors
    /// `Unauthenticated` never: any signed-in user may read it; storage errors.
    pub async fn partner_agencies(&self) -> AppResult<Vec<AgencyView>> {
        let catalogue = self.benefits_catalogue().await?;
        let names: HashMap<&str, &str> =
            catalogue.iter().map(|benefit| (benefit.id.as_str(), benefit.name.as_str())).collect();
        let blanket: HashSet<AccountId> = self
            .store
            .list_accounts()
            .await?
            .into_iter()
            .filter(|account| account.partner_agency_consent)
            .map(|account| account.id)
            .collect();
        let mut views = Vec::new();
        for agency in registry() {
            let mut consenting: HashSet<AccountId> =
                self.store.accounts_consenting_to(&agency.code).await?.into_iter().collect();
            consenting.extend(blanket.iter().copied());
            views.push(AgencyView {
                recognized_benefits: agency
                    .recognizes
                    .iter()
                    .map(|id| names.get(id.as_str()).map_or_else(|| id.clone(), |name| (*name).to_owned()))
                    .collect(),
                consenting_members: consenting.len(),
                agency: agency.clone(),
            });
        }
        Ok(views)
    }

    /// An account's consents, to each agency of the registry.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope (liaisons never see consents).
    pub async fn agency_consents(&self, actor: &Actor, account_id: AccountId) -> AppResult<AccountConsents> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("consents are the member's and CBP's to see")?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let records = self.store.agency_consents(Some(account_id)).await?;
        let agencies = registry()
            .iter()
            .map(|agency| {
                let latest = records.iter().rev().find(|record| record.agency_code == agency.code);
                ConsentView {
                    agency_code: agency.code.clone(),
                    agency_name: agency.name.clone(),
                    granted: latest.is_some_and(|record| record.granted),
                    since: latest.map(|record| crate::projections::moment(record.at)),
                }
            })
            .collect();
        Ok(AccountConsents { account_id, all_agencies: account.partner_agency_consent, agencies })
    }

    /// The company officer grants or withdraws its company's consent to one agency; a liaison of
    /// that agency sees the company (read-only, each read in the audit trail) from its next
    /// request, or no longer does.
    ///
    /// # Errors
    /// `Forbidden` for anyone but the company's officer; `Invalid` on `agency` for an agency not
    /// in the registry.
    pub async fn set_agency_consent(
        &self,
        actor: &Actor,
        account_id: AccountId,
        change: &ConsentChange,
    ) -> AppResult<AccountConsents> {
        let now = self.clock.now();
        actor.require(Permission::ManageAgencyConsent, now)?;
        if actor.own_account() != Some(account_id) {
            return Err(AppError::Forbidden("consent is given by the company's own officer"));
        }
        let agency = agency(&change.agency_code)?;
        let current = self.agency_consents(actor, account_id).await?;
        let already = current
            .agencies
            .iter()
            .any(|consent| consent.agency_code == agency.code && consent.granted == change.granted);
        if already {
            return Ok(current);
        }
        let consent = AgencyConsent {
            account_id,
            agency_code: agency.code.clone(),
            granted: change.granted,
            by_user: actor.user.as_ref().map(|user| user.id),
            at: tt_domain::NewAuditRecord::truncate_time(now),
        };
        let action = if change.granted { "agency.consent_granted" } else { "agency.consent_withdrawn" };
        let audit = actor.audit(now, action, "account", Some(account_id.to_string()), NOTHING, Some(&agency.code));
        self.store.record_agency_consent(&consent, &audit).await?;
        self.agency_consents(actor, account_id).await
    }

    /// Records the agency a partner-agency liaison works for.
    ///
    /// # Errors
    /// `Forbidden` without the permission to manage every user; `Invalid` on `agency` for an
    /// agency not in the registry, or on `role` for a user who is not a liaison.
    pub async fn set_liaison_agency(&self, actor: &Actor, user_id: UserId, code: &str) -> AppResult<()> {
        let now = self.clock.now();
        actor.require(Permission::ManageAllUsers, now)?;
        let agency = agency(code)?;
        let user = self.store.get_user(user_id).await?;
        if user.role != Role::PgaLiaison {
            return Err(AppError::invalid("role", "only a partner-agency liaison works for an agency"));
        }
        let audit = actor.audit(now, "user.agency", "user", Some(user_id.to_string()), NOTHING, Some(&agency.code));
        let by = actor.user.as_ref().map(|user| user.id);
        self.store
            .set_liaison_agency(user_id, &agency.code, by, tt_domain::NewAuditRecord::truncate_time(now), &audit)
            .await?;
        Ok(())
    }

    /// The agency a liaison works for, if recorded.
    ///
    /// # Errors
    /// `Forbidden` without the permission to see users.
    pub async fn liaison_agency(&self, actor: &Actor, user_id: UserId) -> AppResult<Option<String>> {
        actor.require(Permission::ViewUsers, self.clock.now())?;
        Ok(self.store.liaison_agency(user_id).await?)
    }
}

/// The states of an engagement plan action.
pub const ACTION_STATES: [&str; 4] = ["planned", "in_progress", "done", "dropped"];

/// A new action of the engagement plan.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewAgencyAction {
    pub agency_code: String,
    pub action: String,
    /// The e-mail address of the agency staff member who owns it.
    pub owner_email: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    #[serde(default)]
    pub note: String,
}

/// An update of an action: any of its state, owner and due date, with a note.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AgencyActionChange {
    /// `planned`, `in_progress`, `done` or `dropped`.
    pub state: Option<String>,
    pub owner_email: Option<String>,
    pub due: Option<String>,
    pub note: String,
}

/// An action of the engagement plan as it stands, with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgencyActionView {
    pub id: uuid::Uuid,
    pub agency_code: String,
    pub agency_name: String,
    pub action: String,
    pub owner: String,
    pub due: String,
    pub state: String,
    /// Due before today and neither done nor dropped.
    pub overdue: bool,
    pub note: String,
    /// Every event, oldest first: when, by whom, the state and the note.
    pub history: Vec<String>,
}

impl App {
    /// The engagement plan: every action as it stands, oldest first.
    ///
    /// # Errors
    /// `Forbidden` without access to the plan.
    pub async fn agency_actions(&self, actor: &Actor) -> AppResult<Vec<AgencyActionView>> {
        actor.require(Permission::ViewAgencyEngagement, self.clock.now())?;
        let today = self.clock.now().date();
        let mut names: HashMap<UserId, String> = HashMap::new();
        let mut views = Vec::new();
        for events in self.store.agency_actions().await? {
            let Some(current) = events.last() else { continue };
            // Collected first: an iterator of closures held across an await is not `Send`.
            let users: Vec<UserId> =
                events.iter().flat_map(|event| [Some(event.owner_id), event.by_user]).flatten().collect();
            for user in users {
                if let std::collections::hash_map::Entry::Vacant(entry) = names.entry(user) {
                    entry.insert(
                        self.store
                            .get_user(user)
                            .await
                            .map_or_else(|_| user.to_string(), |found| found.name.as_str().to_owned()),
                    );
                }
            }
            let name = |user: Option<UserId>| user.map_or_else(|| "the system".to_owned(), |user| names[&user].clone());
            views.push(AgencyActionView {
                id: current.action_id,
                agency_code: current.agency_code.clone(),
                agency_name: agency(&current.agency_code)
                    .map_or_else(|_| current.agency_code.clone(), |found| found.name.clone()),
                action: current.action.clone(),
                owner: name(Some(current.owner_id)),
                due: current.due.to_string(),
                state: current.state.clone(),
                overdue: current.due < today && !matches!(current.state.as_str(), "done" | "dropped"),
                note: current.note.clone(),
                history: events
                    .iter()
                    .map(|event| {
                        format!(
                            "{}, {}: {} (owner {}, due {}){}",
                            crate::projections::moment(event.at),
                            name(event.by_user),
                            event.state,
                            name(Some(event.owner_id)),
                            event.due,
                            if event.note.is_empty() { String::new() } else { format!(": {}", event.note) }
                        )
                    })
                    .collect(),
            });
        }
        Ok(views)
    }

    /// Adds an action to the engagement plan.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `Invalid` naming every wrong field.
    pub async fn add_agency_action(&self, actor: &Actor, new: &NewAgencyAction) -> AppResult<AgencyActionView> {
        let now = self.clock.now();
        actor.require(Permission::ManageAgencyEngagement, now)?;
        let mut errors = Vec::new();
        let agency_code =
            agency(&new.agency_code).map(|found| found.code.clone()).map_err(|error| errors.push(error)).ok();
        let action = new.action.trim();
        if action.is_empty() || action.chars().count() > 500 {
            errors.push(AppError::invalid("action", "describe the action (1 to 500 characters)"));
        }
        let owner = self.staff_owner(&new.owner_email).await.map_err(|error| errors.push(error)).ok();
        let due = parse_due(&new.due).map_err(|error| errors.push(error)).ok();
        let (Some(agency_code), Some(owner_id), Some(due), true) = (agency_code, owner, due, errors.is_empty()) else {
            return Err(AppError::Invalid(errors.into_iter().flat_map(invalid_fields).collect()));
        };
        let event = tt_store::agencies::AgencyActionEvent {
            action_id: uuid::Uuid::now_v7(),
            agency_code,
            action: action.to_owned(),
            owner_id,
            due,
            state: "planned".to_owned(),
            note: new.note.trim().to_owned(),
            by_user: actor.user.as_ref().map(|user| user.id),
            at: tt_domain::NewAuditRecord::truncate_time(now),
        };
        let audit = actor.audit(
            now,
            "agency.action_added",
            "agency_action",
            Some(event.action_id.to_string()),
            NOTHING,
            Some(&event.action),
        );
        self.store.append_agency_action(&event, 0, &audit).await?;
        self.agency_action(actor, event.action_id).await
    }

    /// Updates an action: a new event with the changed state, owner or due date and a note.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `NotFound` for no such action; `Invalid` naming
    /// every wrong field; `Conflict` when it changed meanwhile.
    pub async fn change_agency_action(
        &self,
        actor: &Actor,
        id: uuid::Uuid,
        change: &AgencyActionChange,
    ) -> AppResult<AgencyActionView> {
        let now = self.clock.now();
        actor.require(Permission::ManageAgencyEngagement, now)?;
        let events = self
            .store
            .agency_actions()
            .await?
            .into_iter()
            .find(|events| events.first().is_some_and(|first| first.action_id == id))
            .ok_or(AppError::NotFound)?;
        let mut next = events.last().cloned().ok_or(AppError::NotFound)?;
        let mut errors = Vec::new();
        if let Some(state) = change.state.as_deref().map(str::trim).filter(|state| !state.is_empty()) {
            if ACTION_STATES.contains(&state) {
                next.state = state.to_owned();
            } else {
                errors.push(AppError::invalid(
                    "state",
                    format!("{state:?} is not planned, in_progress, done or dropped"),
                ));
            }
        }
        if let Some(email) = change.owner_email.as_deref().filter(|email| !email.trim().is_empty()) {
            match self.staff_owner(email).await {
                Ok(owner) => next.owner_id = owner,
                Err(error) => errors.push(error),
            }
        }
        if let Some(due) = change.due.as_deref().filter(|due| !due.trim().is_empty()) {
            match parse_due(due) {
                Ok(due) => next.due = due,
                Err(error) => errors.push(error),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors.into_iter().flat_map(invalid_fields).collect()));
        }
        next.note = change.note.trim().to_owned();
        next.by_user = actor.user.as_ref().map(|user| user.id);
        next.at = tt_domain::NewAuditRecord::truncate_time(now);
        let audit = actor.audit(
            now,
            "agency.action_updated",
            "agency_action",
            Some(id.to_string()),
            NOTHING,
            Some(&next.state),
        );
        match self.store.append_agency_action(&next, events.len(), &audit).await {
            Err(tt_store::StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict {
                    field: "state",
                    message: "the action changed meanwhile: look again".to_owned(),
                });
            }
            other => other?,
        }
        self.agency_action(actor, id).await
    }

    async fn agency_action(&self, actor: &Actor, id: uuid::Uuid) -> AppResult<AgencyActionView> {
        self.agency_actions(actor).await?.into_iter().find(|view| view.id == id).ok_or(AppError::NotFound)
    }

    /// An active agency staff member, by e-mail address, to own an action.
    async fn staff_owner(&self, email: &str) -> AppResult<UserId> {
        let refuse = || AppError::invalid("owner_email", "give the e-mail address of an active agency staff member");
        let email = tt_domain::EmailAddress::parse(email.trim()).map_err(|_| refuse())?;
        let user = self.store.find_user_by_email(&email).await?.ok_or_else(refuse)?;
        if !user.active || user.role.side() != tt_domain::Side::Agency {
            return Err(refuse());
        }
        Ok(user.id)
    }
}

fn parse_due(text: &str) -> AppResult<time::Date> {
    tt_domain::calendar::iso_date::parse(text)
        .ok_or_else(|| AppError::invalid("due", format!("{:?} is not a date (YYYY-MM-DD)", text.trim())))
}

/// The invalid fields of an error (others carry none).
fn invalid_fields(error: AppError) -> Vec<tt_domain::ValidationError> {
    match error {
        AppError::Invalid(fields) => fields,
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::registry;

    #[test]
    fn the_registry_lists_the_agencies_the_program_engages_with_each_once() {
        let codes: Vec<&str> = registry().iter().map(|agency| agency.code.as_str()).collect();
        for code in ["FDA", "CPSC", "APHIS", "FSIS", "EPA", "NHTSA", "FWS", "TTB", "ATF"] {
            assert_eq!(codes.iter().filter(|found| **found == code).count(), 1, "{code}");
        }
        let fda = registry().iter().find(|agency| agency.code == "FDA").expect("FDA");
        assert_eq!(fda.recognizes, ["fda_reduced_targeting"]);
    }
}
