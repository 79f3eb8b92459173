//! The benefit catalogue as data and the eligibility rules: which tiers and programs get each
//! benefit, from when, and why a member does or does not have it on a given day.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::membership::{CtpatValue, Standing};

/// Whether a benefit is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitStatus {
    InForce,
    Pilot,
    Proposed,
}

impl BenefitStatus {
    /// # Errors
    /// Naming `status`.
    pub fn parse(text: &str) -> Result<Self, crate::ValidationError> {
        match text.trim() {
            "in_force" => Ok(Self::InForce),
            "pilot" => Ok(Self::Pilot),
            "proposed" => Ok(Self::Proposed),
            other => {
                Err(crate::ValidationError::new("status", format!("'{other}' is not in_force, pilot or proposed")))
            }
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::InForce => "In force",
            Self::Pilot => "Pilot",
            Self::Proposed => "Proposed",
        }
    }
}

/// One benefit of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benefit {
    pub id: String,
    pub name: String,
    /// `security` (CTPAT) or `trade_compliance`.
    pub program: String,
    /// The CTPAT tiers that get it.
    pub tiers: Vec<CtpatValue>,
    /// Whether active Trade Compliance membership is required too.
    pub trade_compliance: bool,
    pub legal_basis: String,
    pub status: BenefitStatus,
    /// The dates it applies (a proposed benefit has none).
    #[serde(default, with = "crate::criteria::optional_date")]
    pub from: Option<Date>,
    #[serde(default, with = "crate::criteria::optional_date")]
    pub to: Option<Date>,
    pub description: String,
    /// The KPI that measures it.
    pub kpi: String,
}

/// A member's standing in words, for refusals.
fn describe(standing: Standing) -> String {
    let tier = match standing.ctpat {
        CtpatValue::T1 => "Tier I",
        CtpatValue::T2 => "Tier II",
        CtpatValue::T3 => "Tier III",
        CtpatValue::None => "not certified",
    };
    if standing.ctpat == CtpatValue::None {
        format!("your account is {tier}")
    } else if standing.trade_compliance {
        format!("your account is {tier} with Trade Compliance")
    } else {
        format!("your account is {tier} without Trade Compliance")
    }
}

impl Benefit {
    /// Whether a member standing so on `day` gets the benefit; the reason when not.
    ///
    /// # Errors
    /// The reason, as a sentence a member can read ("Expedited rulings are a Trade Compliance
    /// benefit; your account is Tier II without Trade Compliance").
    pub fn eligibility(&self, standing: Standing, day: Date) -> Result<(), String> {
        match self.status {
            BenefitStatus::Proposed => return Err(format!("{} is a proposed benefit, not delivered yet", self.name)),
            BenefitStatus::InForce | BenefitStatus::Pilot => {}
        }
        if self.from.is_some_and(|from| day < from) || self.to.is_some_and(|to| day > to) {
            return Err(format!("{} does not apply on {day}", self.name));
        }
        let tier_ok = self.tiers.contains(&standing.ctpat);
        let trade_compliance_ok = !self.trade_compliance
            || (standing.trade_compliance && matches!(standing.ctpat, CtpatValue::T2 | CtpatValue::T3));
        if tier_ok && trade_compliance_ok {
            return Ok(());
        }
        let needed = if self.trade_compliance {
            "a Trade Compliance benefit".to_owned()
        } else {
            let tiers: Vec<&str> = self.tiers.iter().map(|tier| tier_label(*tier)).collect();
            format!("a benefit of {}", tiers.join(", "))
        };
        Err(format!("{} is {needed}; {}", self.name, describe(standing)))
    }
}

fn tier_label(tier: CtpatValue) -> &'static str {
    match tier {
        CtpatValue::T1 => "Tier I",
        CtpatValue::T2 => "Tier II",
        CtpatValue::T3 => "Tier III",
        CtpatValue::None => "non-members",
    }
}

/// The columns of the levels-of-service matrix: each tier, and Tier II and III with Trade
/// Compliance.
pub const LEVELS: [(&str, Standing); 5] = [
    ("Tier I", Standing { ctpat: CtpatValue::T1, trade_compliance: false }),
    ("Tier II", Standing { ctpat: CtpatValue::T2, trade_compliance: false }),
    ("Tier III", Standing { ctpat: CtpatValue::T3, trade_compliance: false }),
    ("Tier II + Trade Compliance", Standing { ctpat: CtpatValue::T2, trade_compliance: true }),
    ("Tier III + Trade Compliance", Standing { ctpat: CtpatValue::T3, trade_compliance: true }),
];

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn rulings() -> Benefit {
        Benefit {
            id: "expedited_rulings".to_owned(),
            name: "Expedited rulings".to_owned(),
            program: "trade_compliance".to_owned(),
            tiers: vec![CtpatValue::T2, CtpatValue::T3],
            trade_compliance: true,
            legal_basis: "19 CFR 177".to_owned(),
            status: BenefitStatus::InForce,
            from: Some(date!(2020 - 03 - 01)),
            to: None,
            description: String::new(),
            kpi: String::new(),
        }
    }

    #[test]
    fn an_ineligible_member_is_told_why() {
        let tier_two = Standing { ctpat: CtpatValue::T2, trade_compliance: false };
        assert_eq!(
            rulings().eligibility(tier_two, date!(2026 - 01 - 01)),
            Err("Expedited rulings is a Trade Compliance benefit; your account is Tier II without Trade Compliance"
                .to_owned())
        );
        let member = Standing { ctpat: CtpatValue::T2, trade_compliance: true };
        assert_eq!(rulings().eligibility(member, date!(2026 - 01 - 01)), Ok(()));
        assert!(
            rulings().eligibility(member, date!(2019 - 12 - 31)).unwrap_err().contains("does not apply on 2019-12-31")
        );
        let tier_one_with_flag = Standing { ctpat: CtpatValue::T1, trade_compliance: true };
        assert!(
            rulings().eligibility(tier_one_with_flag, date!(2026 - 01 - 01)).is_err(),
            "Trade Compliance needs Tier II or III"
        );
        let proposed = Benefit { status: BenefitStatus::Proposed, ..rulings() };
        assert!(proposed.eligibility(member, date!(2026 - 01 - 01)).unwrap_err().contains("proposed"));
    }
}
