//! Reconciliation: for each of an account's importer numbers, its participation (continuous
//! bond and reconciliation rider, recorded as a granted request), the lines the entry feed
//! flagged for reconciliation grouped by month, and each group's filing deadline (21 months
//! after its earliest flagged entry, a setting); the worker warns participants before a deadline.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use time::{Date, OffsetDateTime};
use tt_domain::calendar::add_months;
use tt_domain::requests::RequestKind;
use tt_domain::{Account, AccountId, Role, Side, User};
use tt_store::UserFilter;
use tt_store::membership::Notification;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{Actor, App, AppResult, Permission};

/// The flagged lines of one importer number and month, and when their reconciliation is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReconciliationGroup {
    /// `YYYY-MM`.
    pub month: String,
    pub flagged_lines: i64,
    /// The earliest entry date with a flagged line in the month.
    pub earliest: String,
    pub due: String,
    pub days_left: i64,
    /// `running`, `at_risk` (within the warning days) or `overdue`.
    pub status: &'static str,
}

/// One importer number's reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReconciliationImporter {
    pub importer_number: String,
    /// The granted participation request whose bond and rider are in force today, if any.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub participation: Option<Uuid>,
    pub groups: Vec<ReconciliationGroup>,
}

/// An account's reconciliation at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReconciliationOverview {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub legal_name: String,
    /// Months from a group's earliest flagged entry to its reconciliation entry (a setting).
    pub due_months: i32,
    pub importers: Vec<ReconciliationImporter>,
}

impl App {
    /// The reconciliation of an account's importer numbers: participation and flagged groups
    /// whose deadline is at most a month past.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope.
    pub async fn reconciliation_overview(
        &self,
        actor: &Actor,
        account_id: AccountId,
    ) -> AppResult<ReconciliationOverview> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("partner agencies do not see reconciliation")?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        self.overview(&account).await
    }

    async fn overview(&self, account: &Account) -> AppResult<ReconciliationOverview> {
        let today = self.clock.now().date();
        let rules = &self.settings.benefit_clocks;
        let requests = self.store.requests(Some(account.id)).await?;
        let mut participations = Vec::new();
        for stored in &requests {
            if let Ok(request) = tt_domain::requests::Request::replay(&stored.events)
                && request.kind == RequestKind::ReconciliationParticipation
            {
                participations.push((stored.request_id, request));
            }
        }
        let importers: Vec<String> = account.importer_numbers.iter().map(|number| number.as_str().to_owned()).collect();
        // Groups due up to a month ago still show (as overdue); older ones are history.
        // From the first of a month, so no month's group is cut in half.
        let start = add_months(today, -(rules.reconciliation_months + 1));
        let from = start.replace_day(1).unwrap_or(start);
        let mut groups: BTreeMap<(String, i32, u8), (i64, Date)> = BTreeMap::new();
        if !importers.is_empty() {
            self.store
                .visit_line_aggregates(from, today, Some(&importers), false, &mut |aggregate| {
                    if aggregate.recon_flagged_lines > 0 {
                        let key = (
                            aggregate.importer_number.clone(),
                            aggregate.entry_date.year(),
                            u8::from(aggregate.entry_date.month()),
                        );
                        let group = groups.entry(key).or_insert((0, aggregate.entry_date));
                        group.0 += aggregate.recon_flagged_lines;
                        group.1 = group.1.min(aggregate.entry_date);
                    }
                })
                .await?;
        }
        let importers = importers
            .into_iter()
            .map(|importer| {
                let participation = participations
                    .iter()
                    .find(|(_, request)| request.covers_flagging(&importer, today))
                    .map(|(id, _)| *id);
                let groups = groups
                    .iter()
                    .filter(|((number, _, _), _)| *number == importer)
                    .filter_map(|((_, year, month), (lines, earliest))| {
                        let due = add_months(*earliest, rules.reconciliation_months);
                        let days_left = (due - today).whole_days();
                        (days_left >= -31).then(|| ReconciliationGroup {
                            month: format!("{year:04}-{month:02}"),
                            flagged_lines: *lines,
                            earliest: earliest.to_string(),
                            due: due.to_string(),
                            days_left,
                            status: if days_left < 0 {
                                "overdue"
                            } else if days_left <= rules.warning_days {
                                "at_risk"
                            } else {
                                "running"
                            },
                        })
                    })
                    .collect();
                ReconciliationImporter { importer_number: importer, participation, groups }
            })
            .collect();
        Ok(ReconciliationOverview {
            account_id: account.id,
            account_number: account.number.to_string(),
            legal_name: account.legal_name.as_str().to_owned(),
            due_months: rules.reconciliation_months,
            importers,
        })
    }

    /// Warns the officers and employees of accounts that take part in reconciliation before a
    /// flagged group's filing deadline (at each reminder lead, and once overdue).
    pub(crate) async fn remind_reconciliation_deadlines(
        &self,
        members: &mut HashMap<AccountId, Vec<User>>,
        now: OffsetDateTime,
        leads: &[i64],
    ) -> AppResult<usize> {
        let mut participants: Vec<AccountId> = Vec::new();
        for stored in self.store.requests(None).await? {
            let participates = tt_domain::requests::Request::replay(&stored.events).is_ok_and(|request| {
                request.kind == RequestKind::ReconciliationParticipation
                    && request.state == tt_domain::requests::RequestState::Granted
            });
            if participates && !participants.contains(&stored.account_id) {
                participants.push(stored.account_id);
            }
        }
        let mut created = 0;
        for account_id in participants {
            let account = self.store.get_account(account_id).await?;
            let overview = self.overview(&account).await?;
            if let std::collections::hash_map::Entry::Vacant(entry) = members.entry(account_id) {
                let filter = UserFilter { account_id: Some(account_id), side: Some(Side::Trade) };
                entry.insert(self.store.list_users(&filter).await?);
            }
            let recipients: Vec<&User> = members[&account_id]
                .iter()
                .filter(|user| user.active && matches!(user.role, Role::CompanyOfficer | Role::Employee))
                .collect();
            for importer in &overview.importers {
                for group in &importer.groups {
                    let stage = if group.days_left < 0 {
                        "overdue".to_owned()
                    } else if let Some(lead) = leads.iter().find(|lead| group.days_left <= **lead) {
                        format!("{lead}d")
                    } else {
                        continue;
                    };
                    for user in &recipients {
                        let notification = Notification {
                            id: Uuid::now_v7(),
                            reminder_key: format!(
                                "reconciliation:{}:{}:{}:{stage}",
                                importer.importer_number, group.month, group.due
                            ),
                            account_id: Some(account_id),
                            recipient: user.id,
                            recipient_email: user.email.to_string(),
                            subject: format!(
                                "[Trusted Trader] {}Reconciliation due {} for {} ({} flagged lines of {})",
                                if stage == "overdue" { "OVERDUE: " } else { "" },
                                group.due,
                                importer.importer_number,
                                group.flagged_lines,
                                group.month
                            ),
                            body: format!(
                                "The reconciliation entry for the lines flagged in {} under {} is due {} ({} months after the earliest flagged entry, {}). File it, or ask for an extension of liquidation, to avoid liquidated damages.\n\n{}/reconciliation?account={account_id}\n",
                                group.month,
                                importer.importer_number,
                                group.due,
                                self.settings.benefit_clocks.reconciliation_months,
                                group.earliest,
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
        }
        Ok(created)
    }
}
