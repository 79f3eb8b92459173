//! The reminder worker: derives due and overdue items from every membership history, puts a
//! reminder in each responsible person's inbox, escalates overdue items, and e-mails what is in
//! the outbox when a mail server is configured.
//!
//! Idempotent: each reminder has a key (account, item, due date, stage) that is unique per
//! recipient in storage, so a restarted or doubled worker never creates one twice; e-mail is
//! sent only for reminders whose e-mail has not gone out.

use std::collections::HashMap;

use serde::Serialize;
use tt_domain::lifecycle::Party;
use tt_domain::{AccountId, EmailAddress, Role, Side, User};
use tt_store::UserFilter;
pub use tt_store::membership::Notification;
use utoipa::ToSchema;

use crate::membership::DueItem;
use crate::{Actor, App, AppResult, OutgoingEmail, Permission};

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReminderReport {
    /// Reminders added to inboxes (new ones only).
    pub created: usize,
    /// E-mails sent from the outbox.
    pub emailed: usize,
    /// E-mails that failed and stay in the outbox for the next pass.
    pub failed: usize,
}

/// How many outbox messages one pass sends at most.
const OUTBOX_BATCH: i64 = 500;

impl App {
    /// One pass of the reminder worker.
    ///
    /// # Errors
    /// When storage fails (a failed e-mail is counted, not an error).
    pub async fn run_reminders(&self) -> AppResult<ReminderReport> {
        let now = self.clock.now();
        let mut report = ReminderReport::default();
        let items = self.all_due_items().await?;
        let staff = self.store.list_users(&UserFilter { account_id: None, side: Some(Side::Agency) }).await?;
        let mut members: HashMap<AccountId, Vec<User>> = HashMap::new();
        for item in items.iter() {
            if item.due.owed_by == Some(Party::Member) && !members.contains_key(&item.account_id) {
                let users = self
                    .store
                    .list_users(&UserFilter { account_id: Some(item.account_id), side: Some(Side::Trade) })
                    .await?;
                members.insert(item.account_id, users);
            }
        }
        let mut leads = self.settings.reminder_lead_days.clone();
        leads.sort_unstable();
        for item in items.iter() {
            let Some(party) = item.due.owed_by else { continue };
            let stage = if item.due.days_left < 0 {
                "overdue".to_owned()
            } else if let Some(lead) = leads.iter().find(|lead| item.due.days_left <= **lead) {
                format!("{lead}d")
            } else {
                continue;
            };
            let mut recipients = responsible(party, item, &staff, members.get(&item.account_id));
            if stage == "overdue" {
                recipients.extend(escalation(party, item, &staff));
            }
            recipients.sort_by_key(|user| user.id);
            recipients.dedup_by_key(|user| user.id);
            let subject = format!(
                "[Trusted Trader] {}{} for {}: {}",
                if stage == "overdue" { "OVERDUE: " } else { "" },
                item.due.label,
                item.account_number,
                item.due.date
            );
            let body = format!(
                "{} — {} ({})\n\nDue {}: {}.\n\n{}/accounts/{}/membership\n",
                item.account_number,
                item.legal_name,
                item.due.label,
                item.due.date,
                item.due.explanation,
                self.settings.public_base_url.trim_end_matches('/'),
                item.account_id
            );
            for user in recipients {
                let notification = Notification {
                    id: uuid::Uuid::now_v7(),
                    reminder_key: format!("{}:{}:{}:{stage}", item.account_id, item.due.key, item.due.date),
                    account_id: Some(item.account_id),
                    recipient: user.id,
                    recipient_email: user.email.to_string(),
                    subject: subject.clone(),
                    body: body.clone(),
                    created_at: now,
                    read_at: None,
                    emailed_at: None,
                };
                if self.store.add_notification(&notification).await? {
                    report.created += 1;
                }
            }
        }
        report.created += self.remind_unanswered_questionnaires(&mut members, now).await?;
        report.created += self.remind_validation_actions(&mut members, now, &leads).await?;
        report.created += self.remind_request_clocks(&mut members, &staff, now, &leads).await?;
        report.created += self.remind_reconciliation_deadlines(&mut members, now, &leads).await?;
        report.created += self.alert_partner_status_changes(now).await?;
        if self.mailer.delivers() {
            for waiting in self.store.outbox(OUTBOX_BATCH).await? {
                let email = OutgoingEmail {
                    to: waiting.recipient_email.clone(),
                    subject: waiting.subject.clone(),
                    body: waiting.body.clone(),
                };
                match self.mailer.send(email).await {
                    Ok(()) => {
                        self.store.mark_notification_emailed(waiting.id, self.clock.now()).await?;
                        report.emailed += 1;
                    }
                    Err(error) => {
                        tracing::warn!(to = %waiting.recipient_email, error = %error, "reminder e-mail failed; it stays in the outbox");
                        report.failed += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    /// Reminds a member's officers and employees of questionnaires whose link closes within a
    /// week unanswered (once per questionnaire and expiry).
    async fn remind_unanswered_questionnaires(
        &self,
        members: &mut HashMap<AccountId, Vec<User>>,
        now: time::OffsetDateTime,
    ) -> AppResult<usize> {
        let mut created = 0;
        for questionnaire in self.store.list_questionnaires(None).await? {
            let state = tt_domain::questionnaire::QuestionnaireState::of(
                questionnaire.answers.is_some(),
                questionnaire.revoked_at,
                questionnaire.expires_at,
                now,
            );
            if state != tt_domain::questionnaire::QuestionnaireState::Sent
                || questionnaire.expires_at - now > time::Duration::days(7)
            {
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(entry) = members.entry(questionnaire.account_id) {
                let filter = UserFilter { account_id: Some(questionnaire.account_id), side: Some(Side::Trade) };
                entry.insert(self.store.list_users(&filter).await?);
            }
            let recipients = members.get(&questionnaire.account_id).map(Vec::as_slice).unwrap_or_default();
            for user in recipients
                .iter()
                .filter(|user| user.active && matches!(user.role, Role::CompanyOfficer | Role::Employee))
            {
                let notification = Notification {
                    id: uuid::Uuid::now_v7(),
                    reminder_key: format!("questionnaire:{}:{}", questionnaire.id, questionnaire.expires_at.date()),
                    account_id: Some(questionnaire.account_id),
                    recipient: user.id,
                    recipient_email: user.email.to_string(),
                    subject: format!("[Trusted Trader] Questionnaire to {} unanswered", questionnaire.partner_name),
                    body: format!(
                        "{} has not answered the security questionnaire; its link closes on {}. Renew it or follow up:\n\n{}/questionnaires/{}\n",
                        questionnaire.partner_name,
                        questionnaire.expires_at.date(),
                        self.settings.public_base_url.trim_end_matches('/'),
                        questionnaire.id
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
        Ok(created)
    }

    /// Reminds a member's officers and employees of the required actions of their validation
    /// reports, before each due date (the lead days) and once overdue.
    async fn remind_validation_actions(
        &self,
        members: &mut HashMap<AccountId, Vec<User>>,
        now: time::OffsetDateTime,
        leads: &[i64],
    ) -> AppResult<usize> {
        let today = now.date();
        let mut created = 0;
        for summary in self.store.list_validations(None).await? {
            let Some((account_id, events)) = self.store.validation_events(summary.validation_id).await? else {
                continue;
            };
            let Ok(validation) = tt_domain::validation::Validation::replay(&events) else { continue };
            for item in validation.action_plan(today) {
                let Some(due) = item.due else { continue };
                let days_left = (due - today).whole_days();
                let stage = if days_left < 0 {
                    "overdue".to_owned()
                } else if let Some(lead) = leads.iter().find(|lead| days_left <= **lead) {
                    format!("{lead}d")
                } else {
                    continue;
                };
                if let std::collections::hash_map::Entry::Vacant(entry) = members.entry(account_id) {
                    let filter = UserFilter { account_id: Some(account_id), side: Some(Side::Trade) };
                    entry.insert(self.store.list_users(&filter).await?);
                }
                let recipients = members.get(&account_id).map(Vec::as_slice).unwrap_or_default();
                for user in recipients
                    .iter()
                    .filter(|user| user.active && matches!(user.role, Role::CompanyOfficer | Role::Employee))
                {
                    let notification = Notification {
                        id: uuid::Uuid::now_v7(),
                        reminder_key: format!("validation:{}:{}:{due}:{stage}", summary.validation_id, item.criterion),
                        account_id: Some(account_id),
                        recipient: user.id,
                        recipient_email: user.email.to_string(),
                        subject: format!(
                            "[Trusted Trader] {}Validation action on {} due {due}",
                            if stage == "overdue" { "OVERDUE: " } else { "" },
                            item.criterion
                        ),
                        body: format!(
                            "Required action: {}\nDue {due}.\n\n{}/validations/{}\n",
                            item.required_action,
                            self.settings.public_base_url.trim_end_matches('/'),
                            summary.validation_id
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

    /// The signed-in person's notifications, newest first.
    ///
    /// # Errors
    /// `Unauthenticated` for the system actor.
    pub async fn my_notifications(&self, actor: &Actor) -> AppResult<Vec<Notification>> {
        let user = actor.user.as_ref().ok_or(crate::AppError::Unauthenticated)?;
        Ok(self.store.notifications_for(user.id).await?)
    }

    /// Marks one of the actor's notifications read.
    ///
    /// # Errors
    /// `NotFound` when it is not theirs, `Forbidden` through a read-only token.
    pub async fn mark_notification_read(&self, actor: &Actor, id: uuid::Uuid) -> AppResult<()> {
        // A change, however small: a read-only token may not make it.
        actor.require(Permission::ManageOwnProfile, self.clock.now())?;
        let user = actor.user.as_ref().ok_or(crate::AppError::Unauthenticated)?;
        Ok(self.store.mark_notification_read(id, user.id, self.clock.now()).await?)
    }

    /// E-mail not yet sent (everything, when no mail server is configured).
    ///
    /// # Errors
    /// `Forbidden` without the permission.
    pub async fn outbox(&self, actor: &Actor) -> AppResult<Vec<Notification>> {
        actor.require(Permission::ViewOutbox, self.clock.now())?;
        Ok(self.store.outbox(1000).await?)
    }
}

fn active_with_role<'a>(staff: &'a [User], roles: &[Role]) -> impl Iterator<Item = &'a User> {
    staff.iter().filter(move |user| user.active && roles.contains(&user.role))
}

fn by_email<'a>(staff: &'a [User], email: Option<&str>) -> Option<&'a User> {
    let email = EmailAddress::parse(email?).ok()?;
    staff.iter().find(|user| user.active && user.email == email)
}

/// Who is reminded of an item: the member's officers and employees, or the assigned staff
/// member (the supervisors of that role while nobody is assigned).
fn responsible(party: Party, item: &DueItem, staff: &[User], members: Option<&Vec<User>>) -> Vec<User> {
    match party {
        Party::Member => members
            .map(|users| {
                users
                    .iter()
                    .filter(|user| user.active && matches!(user.role, Role::CompanyOfficer | Role::Employee))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        Party::ProgramDirector => active_with_role(staff, &[Role::ProgramDirector]).cloned().collect(),
        Party::Specialist | Party::SpecialistSupervisor => match by_email(staff, item.assigned.as_deref()) {
            Some(user) => vec![user.clone()],
            None => active_with_role(staff, &[Role::ScssSupervisor]).cloned().collect(),
        },
        Party::NationalAccountManager => match by_email(staff, item.assigned.as_deref()) {
            Some(user) => vec![user.clone()],
            None => active_with_role(staff, &[Role::NamSupervisor]).cloned().collect(),
        },
    }
}

/// Who an overdue item is escalated to: a member's overdue letter to its NAM, other member
/// items to its specialist, staff items to the supervisor.
fn escalation(party: Party, item: &DueItem, staff: &[User]) -> Vec<User> {
    let trade_compliance = item.due.key.starts_with("anl_") || item.due.key.contains(":trade_compliance:");
    let (assigned, fallback) = match party {
        Party::Member if trade_compliance => (item.nam.as_ref().map(|pair| pair.0.as_str()), Role::NamSupervisor),
        Party::Member => (item.specialist.as_ref().map(|pair| pair.0.as_str()), Role::ScssSupervisor),
        Party::Specialist | Party::SpecialistSupervisor => {
            (item.specialist.as_ref().map(|pair| pair.1.as_str()), Role::ScssSupervisor)
        }
        Party::NationalAccountManager => (item.nam.as_ref().map(|pair| pair.1.as_str()), Role::NamSupervisor),
        Party::ProgramDirector => (None, Role::ProgramDirector),
    };
    match by_email(staff, assigned) {
        Some(user) => vec![user.clone()],
        None => active_with_role(staff, &[fallback]).cloned().collect(),
    }
}
