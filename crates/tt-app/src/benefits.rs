//! Benefits: the catalogue (a CSV file built into the program), the levels of service each tier
//! and program gets, and what an account is entitled to on any day, computed from its standing
//! history.

use serde::Serialize;
use time::Date;
use tt_domain::AccountId;
use tt_domain::benefits::{Benefit, BenefitStatus, LEVELS};
use tt_domain::membership::{CtpatValue, Standing, StatusChange, Timeline};
use tt_domain::{ValidationError, criteria::RowError};
use tt_feed::FeedFile;
use utoipa::ToSchema;

use crate::{Actor, App, AppError, AppResult, Permission};

const CATALOGUE: &str = include_str!("../benefits/catalogue.csv");

pub const COLUMNS: [&str; 11] = [
    "benefit_id",
    "name",
    "program",
    "tiers",
    "trade_compliance",
    "legal_basis",
    "status",
    "from",
    "to",
    "description",
    "kpi",
];

/// Reads a benefit catalogue file, naming the row and field of every problem.
///
/// # Errors
/// The bad rows.
pub fn read_benefits(mut file: FeedFile) -> Result<Vec<Benefit>, Vec<RowError>> {
    let rows = crate::criteria::read_rows(&mut file, |value| -> Result<Benefit, ValidationError> {
        let date = |field: &'static str| match value(field) {
            text if text.is_empty() => Ok(None),
            text => tt_domain::calendar::iso_date::parse(&text)
                .map(Some)
                .ok_or_else(|| ValidationError::new(field, format!("'{text}' is not a date as YYYY-MM-DD"))),
        };
        let id = value("benefit_id");
        if id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_lowercase() || byte == b'_') {
            return Err(ValidationError::new("benefit_id", format!("'{id}' is not an id of a-z and _")));
        }
        let program = value("program");
        if program != "security" && program != "trade_compliance" {
            return Err(ValidationError::new("program", format!("'{program}' is not security or trade_compliance")));
        }
        let tiers = value("tiers")
            .split(';')
            .map(|tier| match tier.trim() {
                "T1" => Ok(CtpatValue::T1),
                "T2" => Ok(CtpatValue::T2),
                "T3" => Ok(CtpatValue::T3),
                other => Err(ValidationError::new("tiers", format!("'{other}' is not T1, T2 or T3"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let trade_compliance = match value("trade_compliance").as_str() {
            "yes" => true,
            "no" => false,
            other => return Err(ValidationError::new("trade_compliance", format!("'{other}' is not yes or no"))),
        };
        let status = BenefitStatus::parse(&value("status"))?;
        let from = date("from")?;
        if from.is_none() && status != BenefitStatus::Proposed {
            return Err(ValidationError::new("from", "a benefit in force or in pilot needs the date it starts"));
        }
        Ok(Benefit {
            id,
            name: value("name"),
            program,
            tiers,
            trade_compliance,
            legal_basis: value("legal_basis"),
            status,
            from,
            to: date("to")?,
            description: value("description"),
            kpi: value("kpi"),
        })
    })?;
    Ok(rows.into_iter().map(|(_, benefit)| benefit).collect())
}

/// The built-in catalogue.
///
/// # Errors
/// Only if the file built into the program is invalid (a test guards it).
pub fn benefit_catalogue() -> AppResult<Vec<Benefit>> {
    let file = FeedFile::from_bytes("benefits.csv", CATALOGUE.as_bytes().to_vec(), &COLUMNS)
        .map_err(|error| AppError::Internal(error.into()))?;
    read_benefits(file).map_err(|errors| {
        AppError::Internal(anyhow::anyhow!(
            "the benefit catalogue is invalid: {}",
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        ))
    })
}

/// One row of the levels-of-service matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LevelRow {
    #[schema(value_type = Object)]
    pub benefit: Benefit,
    /// For each column of [`LEVELS`], whether that level gets the benefit on the day asked.
    pub levels: Vec<bool>,
}

/// The levels of service on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LevelsOfService {
    pub on: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<LevelRow>,
}

/// What an account is entitled to on a day, and what more it would get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountBenefits {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub on: String,
    /// `T1`, `T2`, `T3` or `NONE` on that day.
    pub tier: &'static str,
    pub trade_compliance: bool,
    #[schema(value_type = Vec<Object>)]
    pub entitled: Vec<Benefit>,
    /// What Tier III would add on that day (empty at Tier III).
    #[schema(value_type = Vec<Object>)]
    pub tier_three_would_add: Vec<Benefit>,
    /// What Trade Compliance would add on that day (empty with it).
    #[schema(value_type = Vec<Object>)]
    pub trade_compliance_would_add: Vec<Benefit>,
}

impl App {
    /// The levels of service: which tier and program gets which benefit on `day`.
    ///
    /// # Errors
    /// `Forbidden` for no one signed in (every role may read it).
    pub async fn levels_of_service(&self, actor: &Actor, day: Option<Date>) -> AppResult<LevelsOfService> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let day = day.unwrap_or_else(|| self.clock.now().date());
        // A benefit with several periods (a proposal piloted, then in force) shows once: the
        // period that includes the day, or its latest.
        let mut benefits: Vec<Benefit> = Vec::new();
        for benefit in self.benefits_catalogue().await? {
            let covers = |benefit: &Benefit| {
                benefit.from.is_none_or(|from| from <= day) && benefit.to.is_none_or(|to| day <= to)
            };
            match benefits.iter_mut().find(|kept| kept.id == benefit.id) {
                Some(kept) if !covers(kept) => *kept = benefit,
                Some(_) => {}
                None => benefits.push(benefit),
            }
        }
        let rows = benefits
            .into_iter()
            .map(|benefit| LevelRow {
                levels: LEVELS.iter().map(|(_, standing)| benefit.eligibility(*standing, day).is_ok()).collect(),
                benefit,
            })
            .collect();
        Ok(LevelsOfService { on: day.to_string(), columns: LEVELS.iter().map(|(label, _)| *label).collect(), rows })
    }

    /// An account's standing on a day, from its status history (what the KPIs count).
    pub(crate) async fn standing_on(&self, account_id: AccountId, day: Date) -> AppResult<Standing> {
        let events = self.store.sourced_status_events(Some(account_id)).await?;
        Ok(Timeline::new(events.into_iter().map(|(_, sourced)| sourced.event)).standing_on(day))
    }

    /// What an account was, is or will be entitled to on `day` (today by default), and what
    /// Tier III or Trade Compliance would add.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope.
    pub async fn account_benefits(
        &self,
        actor: &Actor,
        account_id: AccountId,
        day: Option<Date>,
    ) -> AppResult<AccountBenefits> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let day = day.unwrap_or_else(|| self.clock.now().date());
        let standing = self.standing_on(account_id, day).await?;
        let catalogue = self.benefits_catalogue().await?;
        let get = |standing: Standing| -> Vec<Benefit> {
            catalogue.iter().filter(|benefit| benefit.eligibility(standing, day).is_ok()).cloned().collect()
        };
        let entitled = get(standing);
        let more = |other: Standing| -> Vec<Benefit> {
            get(other).into_iter().filter(|benefit| !entitled.iter().any(|have| have.id == benefit.id)).collect()
        };
        let tier_three = Standing { ctpat: CtpatValue::T3, ..standing };
        let with_trade_compliance = Standing {
            ctpat: if matches!(standing.ctpat, CtpatValue::T3) { CtpatValue::T3 } else { CtpatValue::T2 },
            trade_compliance: true,
        };
        Ok(AccountBenefits {
            account_id,
            on: day.to_string(),
            tier: StatusChange::Ctpat(standing.ctpat).value(),
            trade_compliance: standing.trade_compliance,
            tier_three_would_add: if standing.ctpat == CtpatValue::T3 { Vec::new() } else { more(tier_three) },
            trade_compliance_would_add: if standing.trade_compliance {
                Vec::new()
            } else {
                more(with_trade_compliance)
            },
            entitled,
        })
    }

    /// Refuses a benefit request the account is not eligible for on `day`, with the reason.
    ///
    /// # Errors
    /// `Invalid` on `benefit` with the reason; `NotFound` for an unknown benefit.
    pub async fn check_benefit(&self, account_id: AccountId, benefit_id: &str, day: Date) -> AppResult<()> {
        let benefit = self
            .benefits_catalogue()
            .await?
            .into_iter()
            .find(|benefit| benefit.id == benefit_id)
            .ok_or(AppError::NotFound)?;
        let standing = self.standing_on(account_id, day).await?;
        benefit.eligibility(standing, day).map_err(|reason| AppError::invalid("benefit", reason))
    }
}

/// Whether an account may use the CTPAT logo on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BrandingView {
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub account_number: String,
    pub legal_name: String,
    pub on: String,
    pub allowed: bool,
    /// Why, in a sentence.
    pub reason: String,
    /// The first day of the unbroken certification that allows it.
    pub certified_since: Option<String>,
}

impl App {
    /// Whether the account may use the CTPAT logo on `day` (today by default): only while
    /// certified (any tier), so a suspension or removal in the standing history ends it that day.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's scope.
    pub async fn branding(&self, actor: &Actor, account_id: AccountId, day: Option<Date>) -> AppResult<BrandingView> {
        actor.require(Permission::ViewAccounts, self.clock.now())?;
        let account = self.store.get_account(account_id).await?;
        actor.require_account_visible(&account)?;
        let day = day.unwrap_or_else(|| self.clock.now().date());
        let events = self.store.sourced_status_events(Some(account_id)).await?;
        let timeline = Timeline::new(events.into_iter().map(|(_, sourced)| sourced.event));
        let branding = self
            .benefits_catalogue()
            .await?
            .into_iter()
            .find(|benefit| benefit.id == "ctpat_branding")
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the catalogue has no ctpat_branding")))?;
        let mut verdict = branding.eligibility(timeline.standing_on(day), day);
        let certified_since = timeline.certified_since(day);
        let clause = self.settings.logo_clause_agreement_version.trim();
        if verdict.is_ok() && !clause.is_empty() {
            // The logo's proper-use clauses are in the partner agreement from `clause` on: the
            // latest agreement signed on or before the day must include them. Legacy members
            // with no signing on record keep their existing use until they re-sign.
            if let Some(signed) = self.latest_agreement_version(account_id, day).await?
                && signed.as_str() < clause
            {
                verdict = Err(format!(
                    "The partner agreement on record (version {signed}) predates the logo clause (version {clause}); the logo may be used again once the agreement is re-signed at the annual review"
                ));
            }
        }
        Ok(BrandingView {
            account_id,
            account_number: account.number.to_string(),
            legal_name: account.legal_name.as_str().to_owned(),
            on: day.to_string(),
            allowed: verdict.is_ok(),
            reason: match (verdict, certified_since) {
                (Ok(()), Some(since)) => format!(
                    "Certified since {since}: the logo may be used under the partner agreement; use must stop on suspension, removal or withdrawal"
                ),
                (Ok(()), None) => "Certified: the logo may be used under the partner agreement".to_owned(),
                (Err(reason), _) => {
                    format!(
                        "{reason}. Only certified partners may use the logo; a removed or withdrawn partner must stop"
                    )
                }
            },
            certified_since: certified_since.map(|since| since.to_string()),
        })
    }

    /// The version of the partner agreement the officer last signed (with the application or an
    /// annual review) on or before `day`, from the membership history, withdrawn steps ignored.
    async fn latest_agreement_version(&self, account_id: AccountId, day: Date) -> AppResult<Option<String>> {
        use tt_domain::lifecycle::Step;
        let events = self.store.membership_events(account_id).await?;
        let voided = tt_domain::lifecycle::withdrawn_steps(&events);
        Ok(events
            .iter()
            .filter(|event| matches!(event.step, Step::ApplicationSubmitted | Step::AnnualReviewSubmitted))
            .filter(|event| !voided.contains(&event.sequence) && event.effective_date <= day)
            .filter_map(|event| event.document_version.clone())
            .next_back())
    }

    /// The licence letter for the CTPAT logo, as a PDF, for an account that may use it today.
    ///
    /// # Errors
    /// `Invalid` (field `account`) when the account may not use the logo today.
    pub async fn branding_licence_pdf(&self, actor: &Actor, account_id: AccountId) -> AppResult<Vec<u8>> {
        let view = self.branding(actor, account_id, None).await?;
        if !view.allowed {
            return Err(AppError::invalid("account", view.reason));
        }
        let mut document = crate::pdf::PdfDocument::new("CTPAT logo licence");
        document
            .title("Licence to use the CTPAT logo")
            .paragraph(&format!("{} ({})", view.legal_name, view.account_number))
            .paragraph(&format!(
                "On {}, this partner may use the CTPAT logo free of charge under the terms of its partner agreement. {}.",
                view.on, view.reason
            ))
            .paragraph(
                "Displaying the logo does not prove membership: only the Status Verification Interface verifies a partner's current status.",
            );
        Ok(document.to_bytes())
    }
}
