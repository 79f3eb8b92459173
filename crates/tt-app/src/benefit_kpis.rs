//! KPIs of two benefits delivered by the trade-data engine rather than by requests: CTPAT
//! Defender (alerts, answers, response time, cases) and the exemption from random exams (each
//! member's random examinations while exempt, which should be none).

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;
use tt_domain::membership::Timeline;
use tt_domain::{AccountId, ImporterNumber};
use utoipa::ToSchema;

use crate::defender::first_day;
use crate::{Actor, App, AppError, AppResult, Permission};

/// Defender over a period of entry dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DefenderKpis {
    pub from: String,
    pub to: String,
    pub alerts: usize,
    pub answered: usize,
    /// The member recognised the shipment.
    pub confirmed: usize,
    /// The member did not: a case of possible misuse.
    pub denied: usize,
    /// Median days from the entry to the member's answer (`null` without answers).
    pub median_response_days: Option<i64>,
    pub cases_open: usize,
    pub cases_closed: usize,
    /// When and from which ingest batches these figures were computed.
    pub lineage: Vec<String>,
}

/// One month of a member's random examinations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExemptionMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub entries: i64,
    /// Entries on days the member was exempt (a Trade Compliance member).
    pub entries_while_exempt: i64,
    /// Random examinations on days it was exempt: the benefit says none.
    pub random_exams_while_exempt: i64,
    pub random_exams_while_not_exempt: i64,
    pub targeted_exams: i64,
}

/// A member's random examinations by month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExemptionReport {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub from: String,
    pub to: String,
    pub months: Vec<ExemptionMonth>,
}

fn lower_median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    (!values.is_empty()).then(|| values[(values.len() - 1) / 2])
}

impl App {
    /// Defender alerts on entries dated `from..=to`, the members' answers and the cases.
    ///
    /// # Errors
    /// `Forbidden` without access to program data; `Invalid` when `to` is before `from`.
    pub async fn defender_kpis(&self, actor: &Actor, from: Date, to: Date) -> AppResult<DefenderKpis> {
        actor.require(Permission::ViewProgramData, self.clock.now())?;
        if to < from {
            return Err(AppError::invalid("to", "is before from"));
        }
        Ok(self
            .dashboard_projection(format!("defender_kpis:{from}:{to}"), move |app| async move {
                app.compute_defender_kpis(from, to).await
            })
            .await?
            .marked())
    }

    async fn compute_defender_kpis(&self, from: Date, to: Date) -> AppResult<DefenderKpis> {
        let alerts = self.compute_defender_alerts(from.max(first_day()), to, None).await?;
        let reviews = self.store.reviews(None).await?;
        let cases = self.store.cases().await?;
        let mut answered = 0;
        let mut confirmed = 0;
        let mut response_days = Vec::new();
        let mut open = 0;
        let mut closed = 0;
        for alert in &alerts {
            let review =
                reviews.iter().find(|review| review.entry_number == alert.entry_number && review.code == alert.code);
            if let Some(review) = review {
                answered += 1;
                if review.decision == "confirmed" {
                    confirmed += 1;
                }
                response_days.push((review.decided_at.date() - alert.entry_date).whole_days());
            }
            let case = cases.iter().find(|case| case.entry_number == alert.entry_number && case.code == alert.code);
            match case.map(|case| case.outcome.is_some()) {
                Some(true) => closed += 1,
                Some(false) => open += 1,
                None => {}
            }
        }
        Ok(DefenderKpis {
            from: from.to_string(),
            to: to.to_string(),
            alerts: alerts.len(),
            answered,
            confirmed,
            denied: answered - confirmed,
            median_response_days: lower_median(response_days),
            cases_open: open,
            cases_closed: closed,
            lineage: self
                .lineage(&format!(
                    "Defender alerts raised by the rules over every stored entry dated {from} to {to}, with the members' answers and the cases as recorded"
                ))
                .await?,
        })
    }

    /// The account's entries and random examinations by month, split by whether it was exempt
    /// (eligible for the exemption from random exams) on each entry's day.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope; `Invalid` when `to` is before `from`.
    pub async fn exemption_report(
        &self,
        actor: &Actor,
        account_id: AccountId,
        from: Date,
        to: Date,
    ) -> AppResult<ExemptionReport> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        actor.refuse_partner_agencies("partner agencies do not see examinations")?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        if to < from {
            return Err(AppError::invalid("to", "is before from"));
        }
        let exemption = self
            .benefits_catalogue()
            .await?
            .into_iter()
            .find(|benefit| benefit.id == "random_nii_exemption")
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the catalogue has no random_nii_exemption")))?;
        let events = self.store.sourced_status_events(Some(account_id)).await?;
        let timeline = Timeline::new(events.into_iter().map(|(_, sourced)| sourced.event));
        let importers: Vec<String> = account.importer_numbers.iter().map(ImporterNumber::to_string).collect();
        let mut months: BTreeMap<(i32, u8), ExemptionMonth> = BTreeMap::new();
        if !importers.is_empty() {
            self.store
                .visit_entry_aggregates(from, to, Some(&importers), false, &mut |aggregate| {
                    let day = aggregate.entry_date;
                    let exempt = exemption.eligibility(timeline.standing_on(day), day).is_ok();
                    let month = months.entry((day.year(), u8::from(day.month()))).or_insert_with(|| ExemptionMonth {
                        month: format!("{:04}-{:02}", day.year(), u8::from(day.month())),
                        entries: 0,
                        entries_while_exempt: 0,
                        random_exams_while_exempt: 0,
                        random_exams_while_not_exempt: 0,
                        targeted_exams: 0,
                    });
                    month.entries += aggregate.entries;
                    if exempt {
                        month.entries_while_exempt += aggregate.entries;
                    }
                    match (aggregate.exam_reason.as_deref(), exempt) {
                        (Some("RANDOM"), true) => month.random_exams_while_exempt += aggregate.entries,
                        (Some("RANDOM"), false) => month.random_exams_while_not_exempt += aggregate.entries,
                        (Some(_), _) => month.targeted_exams += aggregate.entries,
                        (None, _) => {}
                    }
                })
                .await?;
        }
        Ok(ExemptionReport {
            account_id,
            from: from.to_string(),
            to: to.to_string(),
            months: months.into_values().collect(),
        })
    }
}

impl crate::projections::WithLineage for DefenderKpis {
    fn lineage_mut(&mut self) -> &mut Vec<String> {
        &mut self.lineage
    }
}
