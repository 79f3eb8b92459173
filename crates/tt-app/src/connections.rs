//! Status-verification connections (what replaced SVI numbers): certified members connect with
//! consent, each choosing whether to share its tier and primary contact; each monitors its
//! connected partners' status, and the worker alerts it when a partner's status changes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tt_domain::connection::{Connection, ConnectionEvent, ConnectionState, ConnectionStep, Sharing};
use tt_domain::membership::{CtpatValue, Standing, Timeline};
use tt_domain::{AccountId, AccountNumber, Role, Side, User};
use tt_store::connections::{ConnectionPreferences, StoredConnection};
use tt_store::membership::Notification;
use tt_store::{StoreError, UserFilter};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::NOTHING;
use crate::{Actor, App, AppError, AppResult, Permission};

/// A member's request to connect with another.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConnectionRequest {
    /// The other member's account number.
    pub account_number: String,
    /// Share our CTPAT tier (otherwise only that we are certified).
    #[serde(default)]
    pub share_tier: bool,
    /// Share our primary contact (the company officer's name and e-mail).
    #[serde(default)]
    pub share_contact: bool,
}

/// A step on a connection: `accepted` or `declined` (the partner asked), or `ended` (either).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConnectionAnswer {
    pub step: String,
    /// When accepting: share our tier.
    #[serde(default)]
    pub share_tier: bool,
    /// When accepting: share our primary contact.
    #[serde(default)]
    pub share_contact: bool,
}

/// A member's connection preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PreferencesView {
    /// Accept requests from certified members at once, sharing what is chosen here.
    pub auto_accept: bool,
    pub share_tier: bool,
    pub share_contact: bool,
}

/// One connection as one of its sides sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ConnectionView {
    pub id: Uuid,
    pub partner_account_number: String,
    pub partner_name: String,
    /// `outgoing` (we asked) or `incoming`.
    pub direction: &'static str,
    /// `requested`, `connected`, `declined` or `ended`.
    pub state: &'static str,
    /// While connected: the partner's status as it shares it.
    pub partner_status: Option<String>,
    /// While connected: the day the partner's status last changed.
    pub partner_status_since: Option<String>,
    /// While connected and shared: the partner's primary contact.
    pub partner_contact: Option<String>,
    pub we_share_tier: bool,
    pub we_share_contact: bool,
    /// We are asked and may accept or decline.
    pub awaits_our_answer: bool,
}

impl App {
    /// The connections of the actor's company (staff: of `account_id`), oldest first.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope.
    pub async fn connections(&self, actor: &Actor, account_id: AccountId) -> AppResult<Vec<ConnectionView>> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        // A connection shows the other member, who may not consent to the liaison's agency.
        actor.refuse_partner_agencies("connections are between members, and CBP's to see")?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let mut views = Vec::new();
        for stored in self.store.connections(Some(account_id)).await? {
            views.push(self.connection_view(&stored, account_id).await?);
        }
        Ok(views)
    }

    /// The actor's company asks another certified member to connect; a partner that accepts
    /// automatically is connected at once.
    ///
    /// # Errors
    /// `Forbidden` for anyone but a member's officer; `Invalid` on `account_number` for no
    /// certified member with that number (or one's own); `Conflict` when the two are already
    /// connected or asked; `Conflict` on `status` when one's own company is not certified.
    pub async fn request_connection(&self, actor: &Actor, request: &ConnectionRequest) -> AppResult<ConnectionView> {
        let now = self.clock.now();
        actor.require(Permission::ManageConnections, now)?;
        let own = actor.own_account().ok_or(AppError::Forbidden("connections are between members"))?;
        if !certified(self.standing_on(own, now.date()).await?) {
            return Err(AppError::Conflict {
                field: "status",
                message: "only a certified partner can connect with others".to_owned(),
            });
        }
        let no_partner = || AppError::invalid("account_number", "no other certified member has this account number");
        let number = AccountNumber::parse(request.account_number.trim()).map_err(|_| no_partner())?;
        let partner = self.store.find_account_by_number(&number).await?.ok_or_else(no_partner)?;
        if partner.id == own || !certified(self.standing_on(partner.id, now.date()).await?) {
            return Err(no_partner());
        }
        let open = self.store.connections(Some(own)).await?.into_iter().any(|stored| {
            stored.connection.other(own) == Some(partner.id)
                && matches!(stored.connection.state(), ConnectionState::Requested | ConnectionState::Connected)
        });
        if open {
            return Err(AppError::Conflict {
                field: "account_number",
                message: "is already connected with you, or asked".to_owned(),
            });
        }
        let at = tt_domain::NewAuditRecord::truncate_time(now);
        let mut connection = Connection {
            requester: own,
            partner: partner.id,
            events: vec![ConnectionEvent {
                step: ConnectionStep::Requested,
                by_account: own,
                sharing: Sharing { tier: request.share_tier, contact: request.share_contact },
                at,
            }],
        };
        let preferences = self.store.connection_preferences(partner.id).await?;
        if preferences.auto_accept {
            connection.events.push(ConnectionEvent {
                step: ConnectionStep::Accepted,
                by_account: partner.id,
                sharing: preferences.sharing,
                at,
            });
        }
        let id = Uuid::now_v7();
        let audit = actor.audit(
            now,
            "connection.request",
            "connection",
            Some(id.to_string()),
            NOTHING,
            Some(&(partner.number.to_string(), connection.state() == ConnectionState::Connected)),
        );
        self.store.add_connection(id, &connection, actor.user.as_ref().map(|user| user.id), &audit).await?;
        self.connection_view(&StoredConnection { id, connection }, own).await
    }

    /// Accepts, declines or ends a connection of the actor's company.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `NotFound` for another companies' connection;
    /// `Invalid` on `step` for a step the connection does not allow now.
    pub async fn answer_connection(
        &self,
        actor: &Actor,
        id: Uuid,
        answer: &ConnectionAnswer,
    ) -> AppResult<ConnectionView> {
        let now = self.clock.now();
        actor.require(Permission::ManageConnections, now)?;
        let own = actor.own_account().ok_or(AppError::Forbidden("connections are between members"))?;
        let mut stored = self.store.get_connection(id).await?;
        if stored.connection.other(own).is_none() {
            return Err(AppError::NotFound);
        }
        let step = ConnectionStep::parse(&answer.step).map_err(|error| AppError::Invalid(vec![error]))?;
        stored.connection.allows(step, own).map_err(|error| AppError::Invalid(vec![error]))?;
        let sharing = if step == ConnectionStep::Accepted {
            Sharing { tier: answer.share_tier, contact: answer.share_contact }
        } else {
            Sharing::default()
        };
        let event =
            ConnectionEvent { step, by_account: own, sharing, at: tt_domain::NewAuditRecord::truncate_time(now) };
        let audit = actor.audit(
            now,
            &format!("connection.{}", step.id()),
            "connection",
            Some(id.to_string()),
            NOTHING,
            NOTHING,
        );
        let expected = stored.connection.events.len();
        match self
            .store
            .append_connection_event(id, expected, &event, actor.user.as_ref().map(|user| user.id), &audit)
            .await
        {
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict {
                    field: "step",
                    message: "the connection changed meanwhile: look again".to_owned(),
                });
            }
            other => other?,
        }
        stored.connection.events.push(event);
        self.connection_view(&stored, own).await
    }

    /// The actor's company's connection preferences.
    ///
    /// # Errors
    /// `Forbidden` for anyone but a member.
    pub async fn connection_preferences(&self, actor: &Actor) -> AppResult<PreferencesView> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let own = actor.own_account().ok_or(AppError::Forbidden("connections are between members"))?;
        let preferences = self.store.connection_preferences(own).await?;
        Ok(PreferencesView {
            auto_accept: preferences.auto_accept,
            share_tier: preferences.sharing.tier,
            share_contact: preferences.sharing.contact,
        })
    }

    /// Sets the actor's company's connection preferences.
    ///
    /// # Errors
    /// `Forbidden` without the permission.
    pub async fn set_connection_preferences(
        &self,
        actor: &Actor,
        view: &PreferencesView,
    ) -> AppResult<PreferencesView> {
        let now = self.clock.now();
        actor.require(Permission::ManageConnections, now)?;
        let own = actor.own_account().ok_or(AppError::Forbidden("connections are between members"))?;
        let preferences = ConnectionPreferences {
            auto_accept: view.auto_accept,
            sharing: Sharing { tier: view.share_tier, contact: view.share_contact },
        };
        let audit = actor.audit(now, "connection.preferences", "account", Some(own.to_string()), NOTHING, Some(view));
        let by = actor.user.as_ref().map(|user| user.id);
        self.store
            .set_connection_preferences(own, &preferences, by, tt_domain::NewAuditRecord::truncate_time(now), &audit)
            .await?;
        Ok(*view)
    }

    async fn connection_view(&self, stored: &StoredConnection, own: AccountId) -> AppResult<ConnectionView> {
        let connection = &stored.connection;
        let partner_id = connection.other(own).ok_or(AppError::NotFound)?;
        let partner = self.store.get_account(partner_id).await?;
        let state = connection.state();
        let shared = connection.sharing_of(partner_id);
        let (mut partner_status, mut partner_status_since, mut partner_contact) = (None, None, None);
        if state == ConnectionState::Connected {
            let today = self.clock.now().date();
            let timeline = self.timeline_of(partner_id).await?;
            partner_status = Some(status_words(timeline.standing_on(today), shared.tier));
            partner_status_since = timeline.standing_since(today).map(|day| day.to_string());
            if shared.contact {
                partner_contact = self
                    .primary_contact(partner_id)
                    .await?
                    .map(|user| format!("{} <{}>", user.name.as_str(), user.email));
            }
        }
        let ours = connection.sharing_of(own);
        Ok(ConnectionView {
            id: stored.id,
            partner_account_number: partner.number.to_string(),
            partner_name: partner.legal_name.as_str().to_owned(),
            direction: if connection.requester == own { "outgoing" } else { "incoming" },
            state: match state {
                ConnectionState::Requested => "requested",
                ConnectionState::Connected => "connected",
                ConnectionState::Declined => "declined",
                ConnectionState::Ended => "ended",
            },
            partner_status,
            partner_status_since,
            partner_contact,
            we_share_tier: ours.tier,
            we_share_contact: ours.contact,
            awaits_our_answer: state == ConnectionState::Requested && connection.partner == own,
        })
    }

    async fn timeline_of(&self, account_id: AccountId) -> AppResult<Timeline> {
        let events = self.store.sourced_status_events(Some(account_id)).await?;
        Ok(Timeline::new(events.into_iter().map(|(_, sourced)| sourced.event)))
    }

    /// The company officer (the first active one), the member's primary contact.
    async fn primary_contact(&self, account_id: AccountId) -> AppResult<Option<User>> {
        let filter = UserFilter { account_id: Some(account_id), side: Some(Side::Trade) };
        Ok(self
            .store
            .list_users(&filter)
            .await?
            .into_iter()
            .find(|user| user.active && user.role == Role::CompanyOfficer))
    }

    /// Alerts each connected member's officers and employees, in their inbox and by e-mail,
    /// when a partner's status changed since they connected (once per change).
    pub(crate) async fn alert_partner_status_changes(&self, now: time::OffsetDateTime) -> AppResult<usize> {
        let today = now.date();
        let mut created = 0;
        let mut timelines: HashMap<AccountId, Timeline> = HashMap::new();
        let mut recipients: HashMap<AccountId, Vec<User>> = HashMap::new();
        for stored in self.store.connections(None).await? {
            let connection = &stored.connection;
            let Some(connected_since) = connection.connected_since() else { continue };
            for (watcher, partner_id) in
                [(connection.requester, connection.partner), (connection.partner, connection.requester)]
            {
                if let std::collections::hash_map::Entry::Vacant(entry) = timelines.entry(partner_id) {
                    entry.insert(self.timeline_of(partner_id).await?);
                }
                let timeline = &timelines[&partner_id];
                // Only changes after the two connected: what was true before, they saw then.
                let Some(since) = timeline.standing_since(today).filter(|since| *since >= connected_since.date())
                else {
                    continue;
                };
                let status = status_words(timeline.standing_on(today), connection.sharing_of(partner_id).tier);
                if let std::collections::hash_map::Entry::Vacant(entry) = recipients.entry(watcher) {
                    let filter = UserFilter { account_id: Some(watcher), side: Some(Side::Trade) };
                    entry.insert(self.store.list_users(&filter).await?);
                }
                let partner = self.store.get_account(partner_id).await?;
                for user in recipients[&watcher]
                    .iter()
                    .filter(|user| user.active && matches!(user.role, Role::CompanyOfficer | Role::Employee))
                {
                    let notification = Notification {
                        id: Uuid::now_v7(),
                        reminder_key: format!("partner-status:{}:{partner_id}:{since}:{status}", stored.id),
                        account_id: Some(watcher),
                        recipient: user.id,
                        recipient_email: user.email.to_string(),
                        subject: format!("[Trusted Trader] {}'s status changed", partner.legal_name.as_str()),
                        body: format!(
                            "{} ({}), a partner you are connected with, is now: {status} (since {since}).\n\n{}/connections\n",
                            partner.legal_name.as_str(),
                            partner.number,
                            self.settings.public_base_url.trim_end_matches('/'),
                        ),
                        created_at: now,
                        read_at: None,
                        emailed_at: None,
                    };
                    if self.store.add_notification(&notification).await? {
                        created += 1;
                    }
                }
            }
        }
        Ok(created)
    }
}

fn certified(standing: Standing) -> bool {
    standing.ctpat != CtpatValue::None
}

/// A partner's status in words, with its tier only if it shares it.
fn status_words(standing: Standing, with_tier: bool) -> String {
    let tier = match standing.ctpat {
        CtpatValue::None => return "Not certified (pending, suspended or removed)".to_owned(),
        CtpatValue::T1 => "Tier I",
        CtpatValue::T2 => "Tier II",
        CtpatValue::T3 => "Tier III",
    };
    match (with_tier, standing.trade_compliance) {
        (true, true) => format!("CTPAT certified, {tier}, in Trade Compliance"),
        (true, false) => format!("CTPAT certified, {tier}"),
        (false, _) => "CTPAT certified".to_owned(),
    }
}
