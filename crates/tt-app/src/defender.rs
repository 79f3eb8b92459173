//! The Defender workflow: members confirm or deny the alerts raised on their importer numbers;
//! a denial opens a case in the agency's queue, where staff record the outcome.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;
use tt_domain::membership::{FilerAuthorization, FilerEnd, apply_filer_ends};
use tt_domain::trade::parse_date;
use tt_domain::{AccountId, CaseId};
use tt_store::defender::{AlertCase, AlertReview, CaseOutcome};
use tt_store::trade::EntryWithLines;

use crate::actor::NOTHING;
use crate::trade::DefenderAlert;
use crate::{Actor, App, AppError, AppResult, Permission};

/// An alert with the member's answer and, after a denial, the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewedAlert {
    #[serde(flatten)]
    pub alert: DefenderAlert,
    /// `confirmed`, `denied`, or `None` while unanswered.
    pub decision: Option<String>,
    pub case_id: Option<CaseId>,
    pub case_outcome: Option<String>,
}

/// A case with its shipment.
#[derive(Debug, Clone)]
pub struct CaseDetails {
    pub case: AlertCase,
    pub account_number: String,
    pub entry: Option<EntryWithLines>,
}

/// The earliest day alerts are looked for in the member's list.
pub(crate) fn first_day() -> Date {
    Date::from_calendar_date(2000, time::Month::January, 1).unwrap_or(Date::MIN)
}

impl App {
    fn today(&self) -> Date {
        self.clock.now().date()
    }

    /// The actor's company's alerts (all of them to date), newest first, each with its answer.
    ///
    /// # Errors
    /// `Forbidden` without the permission or without a member account.
    pub async fn member_alerts(&self, actor: &Actor) -> AppResult<Vec<ReviewedAlert>> {
        actor.require(Permission::ReviewDefenderAlerts, self.clock.now())?;
        let account_id = actor.own_account().ok_or(AppError::Forbidden("only members review their alerts"))?;
        let account = self.store.get_account(account_id).await?;
        let alerts = self.compute_defender_alerts(first_day(), self.today().max(first_day()), Some(account_id)).await?;
        let reviews = self.store.reviews(Some(account_id)).await?;
        let cases = self.store.cases().await?;
        let mut list: Vec<ReviewedAlert> = alerts
            .into_iter()
            .filter(|alert| alert.account_number == account.number.as_str())
            .map(|alert| {
                let decision = reviews
                    .iter()
                    .rev()
                    .find(|review| review.entry_number == alert.entry_number && review.code == alert.code)
                    .map(|review| review.decision.clone());
                let case = cases.iter().find(|case| case.entry_number == alert.entry_number && case.code == alert.code);
                ReviewedAlert {
                    decision,
                    case_id: case.map(|case| case.id),
                    case_outcome: case.and_then(|case| case.outcome.as_ref().map(|outcome| outcome.outcome.clone())),
                    alert,
                }
            })
            .collect();
        list.reverse();
        Ok(list)
    }

    /// Records a member's answer to one of its alerts; a denial opens a case for the agency.
    ///
    /// # Errors
    /// `Invalid` for an unknown decision, `NotFound` when the company has no such alert,
    /// `Conflict` when it was already answered.
    pub async fn review_alert(
        &self,
        actor: &Actor,
        entry_number: &str,
        code: &str,
        decision: &str,
        note: Option<&str>,
    ) -> AppResult<Option<CaseId>> {
        let now = self.clock.now();
        actor.require(Permission::ReviewDefenderAlerts, now)?;
        if decision != "confirmed" && decision != "denied" {
            return Err(AppError::invalid("decision", "must be confirmed or denied"));
        }
        let note = note.map(str::trim).filter(|note| !note.is_empty());
        if note.is_some_and(|note| note.chars().count() > 2000) {
            return Err(AppError::invalid("note", "must be at most 2000 characters"));
        }
        let alerts = self.member_alerts(actor).await?;
        let alert = alerts
            .iter()
            .find(|alert| alert.alert.entry_number == entry_number && alert.alert.code == code)
            .ok_or(AppError::NotFound)?;
        if alert.decision.is_some() {
            return Err(AppError::Conflict {
                field: "decision",
                message: "this alert has already been answered".to_owned(),
            });
        }
        let account_id: AccountId =
            actor.own_account().ok_or(AppError::Forbidden("only members review their alerts"))?;
        let review = AlertReview {
            account_id,
            entry_number: entry_number.to_owned(),
            code: code.to_owned(),
            decision: decision.to_owned(),
            note: note.map(str::to_owned),
            decided_by: actor.user.as_ref().map(|user| user.id),
            decided_at: now,
        };
        let case = (decision == "denied").then(|| AlertCase {
            id: CaseId::generate(),
            account_id,
            entry_number: entry_number.to_owned(),
            code: code.to_owned(),
            opened_by: review.decided_by,
            opened_at: now,
            outcome: None,
        });
        let audit = actor.audit(
            now,
            &format!("defender.alert_{decision}"),
            "defender_alert",
            Some(format!("{entry_number}/{code}")),
            NOTHING,
            Some(&alert.alert),
        );
        self.store.record_review(&review, case.as_ref(), &audit).await?;
        Ok(case.map(|case| case.id))
    }

    /// The agency's queue: every case, open ones first, newest first.
    ///
    /// # Errors
    /// `Forbidden` without the permission.
    pub async fn list_cases(&self, actor: &Actor) -> AppResult<Vec<CaseDetails>> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        // One read of the accounts rather than one per case.
        let numbers: std::collections::HashMap<AccountId, String> = self
            .store
            .list_accounts()
            .await?
            .into_iter()
            .map(|account| (account.id, account.number.to_string()))
            .collect();
        let mut cases: Vec<CaseDetails> = self
            .store
            .cases()
            .await?
            .into_iter()
            .map(|case| CaseDetails {
                account_number: numbers.get(&case.account_id).cloned().unwrap_or_default(),
                case,
                entry: None,
            })
            .collect();
        cases.sort_by_key(|details| details.case.outcome.is_some());
        Ok(cases)
    }

    /// One case with the shipment's details.
    ///
    /// # Errors
    /// `Forbidden` without the permission, `NotFound` for an unknown case.
    pub async fn get_case(&self, actor: &Actor, id: CaseId) -> AppResult<CaseDetails> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        let case = self.store.get_case(id).await?;
        let account_number = self.store.get_account(case.account_id).await?.number.to_string();
        let entry = self.store.entry_details(&case.entry_number).await?;
        Ok(CaseDetails { case, account_number, entry })
    }

    /// Closes a case with its outcome.
    ///
    /// # Errors
    /// `Invalid` for an empty outcome, `Conflict` when the case is already closed.
    pub async fn record_case_outcome(&self, actor: &Actor, id: CaseId, outcome: &str) -> AppResult<()> {
        let now = self.clock.now();
        actor.require(Permission::RecordCaseOutcome, now)?;
        let outcome = outcome.trim();
        if outcome.is_empty() || outcome.chars().count() > 2000 {
            return Err(AppError::invalid("outcome", "must be 1 to 2000 characters"));
        }
        let case = self.store.get_case(id).await?;
        let audit = actor.audit(now, "defender.case_closed", "case", Some(id.to_string()), NOTHING, Some(&outcome));
        let record = CaseOutcome {
            outcome: outcome.to_owned(),
            decided_by: actor.user.as_ref().map(|user| user.id),
            decided_at: now,
        };
        if case.outcome.is_some() {
            return Err(AppError::Conflict { field: "outcome", message: "this case is already closed".to_owned() });
        }
        self.store.record_case_outcome(id, &record, &audit).await?;
        Ok(())
    }
}

/// One authorized filer code as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FilerView {
    pub filer_code: String,
    pub authorized_from: String,
    pub authorized_to: Option<String>,
    /// Whether it covers today.
    pub current: bool,
    /// Whether the member ended it (its end day is the day before the end took effect).
    pub ended: bool,
}

/// A broker whose authorization the member ends, and from which day.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct FilerEndInput {
    pub filer_code: String,
    /// The first day the broker is no longer authorized.
    pub ended_from: String,
}

/// A filer code the member authorizes.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct FilerInput {
    pub filer_code: String,
    pub authorized_from: String,
    #[serde(default)]
    pub authorized_to: Option<String>,
}

impl App {
    /// The account's Defender enrolment: every filer authorization recorded (by import or by the
    /// member), in recording order.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope.
    pub async fn defender_enrolment(&self, actor: &Actor, account_id: AccountId) -> AppResult<Vec<FilerView>> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("partner agencies do not see Defender enrolments")?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let today = self.today();
        let recorded: Vec<FilerAuthorization> = self
            .store
            .filer_authorizations()
            .await?
            .into_iter()
            .filter(|(owner, _)| *owner == account_id)
            .map(|(_, authorization)| authorization)
            .collect();
        let effective = self.effective_filer_authorizations().await?.remove(&account_id).unwrap_or_default();
        Ok(recorded
            .iter()
            .zip(effective)
            .map(|(as_recorded, authorization)| FilerView {
                current: authorization.covers(today),
                ended: authorization.authorized_to != as_recorded.authorized_to,
                filer_code: authorization.filer_code,
                authorized_from: authorization.authorized_from.to_string(),
                authorized_to: authorization.authorized_to.map(|day| day.to_string()),
            })
            .collect())
    }

    /// Every account's filer authorizations as the member's ends leave them (what Defender and
    /// enrolment read).
    pub(crate) async fn effective_filer_authorizations(
        &self,
    ) -> AppResult<HashMap<AccountId, Vec<FilerAuthorization>>> {
        let mut ends: HashMap<AccountId, Vec<FilerEnd>> = HashMap::new();
        for (account_id, end) in self.store.filer_ends().await? {
            ends.entry(account_id).or_default().push(end);
        }
        let mut recorded: HashMap<AccountId, Vec<FilerAuthorization>> = HashMap::new();
        for (account_id, authorization) in self.store.filer_authorizations().await? {
            recorded.entry(account_id).or_default().push(authorization);
        }
        Ok(recorded
            .into_iter()
            .map(|(account_id, authorizations)| {
                let account_ends = ends.get(&account_id).map_or(&[][..], Vec::as_slice);
                (account_id, apply_filer_ends(authorizations, account_ends))
            })
            .collect())
    }

    /// The company officer ends a broker's authorization from a day: recorded as its own event,
    /// it cuts the broker's authorizations that started before that day.
    ///
    /// # Errors
    /// `Forbidden` for anyone but the account's officer; `Invalid` for a bad code or day, or a
    /// broker the account never authorized.
    pub async fn end_filer(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: &FilerEndInput,
    ) -> AppResult<Vec<FilerView>> {
        let now = self.clock.now();
        actor.require(Permission::ManageDefenderEnrolment, now)?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let mut errors = Vec::new();
        let filer_code =
            FilerAuthorization::parse_filer_code(input.filer_code.trim()).map_err(|error| errors.push(error));
        let ended_from = parse_date("ended_from", input.ended_from.trim()).map_err(|error| errors.push(error));
        let (Ok(filer_code), Ok(ended_from)) = (filer_code, ended_from) else {
            return Err(AppError::Invalid(errors));
        };
        let authorized = self
            .store
            .filer_authorizations()
            .await?
            .iter()
            .any(|(owner, authorization)| *owner == account_id && authorization.filer_code == filer_code);
        if !authorized {
            return Err(AppError::invalid("filer_code", format!("{filer_code} was never authorized for this account")));
        }
        let end = FilerEnd { filer_code, ended_from };
        let audit =
            actor.audit(now, "defender.filer_ended", "account", Some(account_id.to_string()), NOTHING, Some(&end));
        self.store.add_filer_end(account_id, &end, now, &audit).await?;
        self.defender_enrolment(actor, account_id).await
    }

    /// The company officer authorizes a broker's filer code: a new authorization is added to the
    /// enrolment (authorizations are never edited; an interval covers the days it names).
    ///
    /// # Errors
    /// `Forbidden` for anyone but the account's officer; `Invalid` naming each bad field.
    pub async fn authorize_filer(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: &FilerInput,
    ) -> AppResult<Vec<FilerView>> {
        let now = self.clock.now();
        actor.require(Permission::ManageDefenderEnrolment, now)?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let mut errors = Vec::new();
        let filer_code =
            FilerAuthorization::parse_filer_code(input.filer_code.trim()).map_err(|error| errors.push(error));
        let from = parse_date("authorized_from", input.authorized_from.trim()).map_err(|error| errors.push(error));
        let to = match input.authorized_to.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) => parse_date("authorized_to", text).map(Some).map_err(|error| errors.push(error)),
            None => Ok(None),
        };
        let (Ok(filer_code), Ok(authorized_from), Ok(authorized_to)) = (filer_code, from, to) else {
            return Err(AppError::Invalid(errors));
        };
        if authorized_to.is_some_and(|to| to < authorized_from) {
            return Err(AppError::invalid("authorized_to", "is before authorized_from"));
        }
        let authorization = FilerAuthorization { filer_code, authorized_from, authorized_to };
        let audit = actor.audit(
            now,
            "defender.filer_authorized",
            "account",
            Some(account_id.to_string()),
            NOTHING,
            Some(&authorization),
        );
        self.store.add_filer_authorizations(&[(account_id, authorization)], now, &audit).await?;
        self.defender_enrolment(actor, account_id).await
    }
}
