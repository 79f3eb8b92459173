//! Civil penalties under 19 U.S.C. 1592: the statutory maximum for a violation's culpability,
//! loss of revenue, dutiable and domestic value and prior disclosure, and the mitigation
//! guideline range of 19 CFR Part 171 Appendix B, with the member's Trade Compliance standing
//! recorded as a mitigating factor.
//!
//! The statutory caps are law (ctpat-facts.md §4.3, sourced). The guideline multiples are marked
//! unverified in the same notes, so every assessment says so beside the range.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::trade::Cents;

/// How culpable the violation was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Culpability {
    Negligence,
    GrossNegligence,
    Fraud,
}

impl Culpability {
    pub const ALL: [Self; 3] = [Self::Negligence, Self::GrossNegligence, Self::Fraud];

    /// # Errors
    /// For anything but `negligence`, `gross_negligence` or `fraud`.
    pub fn parse(field: &'static str, text: &str) -> Result<Self, ValidationError> {
        match text.trim() {
            "negligence" => Ok(Self::Negligence),
            "gross_negligence" => Ok(Self::GrossNegligence),
            "fraud" => Ok(Self::Fraud),
            other => {
                Err(ValidationError::new(field, format!("'{other}' is not negligence, gross_negligence or fraud")))
            }
        }
    }

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Negligence => "negligence",
            Self::GrossNegligence => "gross_negligence",
            Self::Fraud => "fraud",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Negligence => "Negligence",
            Self::GrossNegligence => "Gross negligence",
            Self::Fraud => "Fraud",
        }
    }
}

/// The facts of a violation the calculator needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyFacts {
    pub culpability: Culpability,
    /// Duties, taxes and fees lost (zero when the violation did not affect revenue).
    pub loss_of_revenue: Cents,
    pub dutiable_value: Cents,
    pub domestic_value: Cents,
    /// Disclosed before, or without knowledge of, a formal investigation.
    pub prior_disclosure: bool,
    /// The importer was a Trade Compliance member when the violation occurred.
    pub trade_compliance_member: bool,
}

/// A statutory maximum: an amount, or only interest on the loss (prior disclosure of negligence
/// or gross negligence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "amount", rename_all = "snake_case")]
pub enum Maximum {
    Amount(Cents),
    InterestOnLossOnly,
}

/// What the calculator says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyAssessment {
    pub maximum: Maximum,
    /// The rule that gave the maximum, in words with its citation.
    pub maximum_basis: String,
    /// The guideline range, never above the maximum (absent when only interest is owed).
    pub guideline_low: Option<Cents>,
    pub guideline_high: Option<Cents>,
    pub guideline_basis: String,
    /// Factors the decision must weigh, the member's standing first.
    pub mitigating_factors: Vec<String>,
}

/// `amount × numerator / denominator`, rounded down to the cent; saturating (values are bounded
/// by what [`Cents::parse`] accepts, so this never saturates in practice).
fn share(amount: Cents, numerator: i64, denominator: i64) -> Cents {
    let value = i128::from(amount.0) * i128::from(numerator) / i128::from(denominator);
    Cents(i64::try_from(value).unwrap_or(i64::MAX))
}

/// The statutory maximum and the guideline range of a 19 U.S.C. 1592 penalty.
#[must_use]
pub fn assess(facts: &PenaltyFacts) -> PenaltyAssessment {
    let revenue_loss = facts.loss_of_revenue.0 > 0;
    let (maximum, maximum_basis) = match (facts.prior_disclosure, facts.culpability) {
        (false, Culpability::Fraud) => (
            Maximum::Amount(facts.domestic_value),
            "Fraud: up to the domestic value of the merchandise (19 U.S.C. 1592(c)(1))".to_owned(),
        ),
        (false, culpability) => {
            let (multiple, percent, paragraph) = match culpability {
                Culpability::GrossNegligence => (4, 40, "(c)(2)"),
                _ => (2, 20, "(c)(3)"),
            };
            let (alternative, words) = if revenue_loss {
                (share(facts.loss_of_revenue, multiple, 1), format!("{multiple} times the loss of revenue"))
            } else {
                (
                    share(facts.dutiable_value, percent, 100),
                    format!("{percent}% of the dutiable value (no loss of revenue)"),
                )
            };
            (
                Maximum::Amount(alternative.min(facts.domestic_value)),
                format!(
                    "{}: the lesser of the domestic value and {words} (19 U.S.C. 1592{paragraph})",
                    culpability.label()
                ),
            )
        }
        (true, Culpability::Fraud) => {
            if revenue_loss {
                (
                    Maximum::Amount(facts.loss_of_revenue),
                    "Fraud with prior disclosure: up to 100% of the loss of revenue (19 U.S.C. 1592(c)(4)(A))"
                        .to_owned(),
                )
            } else {
                (
                    Maximum::Amount(share(facts.dutiable_value, 10, 100)),
                    "Fraud with prior disclosure and no loss of revenue: up to 10% of the dutiable value (19 U.S.C. 1592(c)(4)(A))"
                        .to_owned(),
                )
            }
        }
        (true, culpability) => (
            Maximum::InterestOnLossOnly,
            format!(
                "{} with prior disclosure: interest on the loss of revenue only, from liquidation at the IRC 6621 rate (19 U.S.C. 1592(c)(4)(B)); unpaid duties are tendered at disclosure or within 30 days of CBP's calculation",
                culpability.label()
            ),
        ),
    };
    // [R] 19 CFR 171 App. B: (low, high) in tenths of the loss, and in percents of dutiable value.
    let (loss_tenths, value_percents) = match facts.culpability {
        Culpability::Negligence => ((5, 20), (5, 20)),
        Culpability::GrossNegligence => ((25, 40), (25, 40)),
        Culpability::Fraud => ((50, 80), (50, 80)),
    };
    let (guideline_low, guideline_high, guideline_basis) = match maximum {
        _ if facts.prior_disclosure => {
            (None, None, "No guideline range after a prior disclosure: the statute fixes what is owed".to_owned())
        }
        Maximum::InterestOnLossOnly => {
            (None, None, "No guideline range: only interest is owed after a prior disclosure".to_owned())
        }
        Maximum::Amount(cap) => {
            let (low, high, words) = if revenue_loss {
                let (low_tenths, high_tenths) = loss_tenths;
                (
                    share(facts.loss_of_revenue, low_tenths, 10),
                    share(facts.loss_of_revenue, high_tenths, 10),
                    format!("{}–{} times the loss of revenue", tenths(low_tenths), tenths(high_tenths)),
                )
            } else {
                let (low_percent, high_percent) = value_percents;
                (
                    share(facts.dutiable_value, low_percent, 100),
                    share(facts.dutiable_value, high_percent, 100),
                    format!("{low_percent}–{high_percent}% of the dutiable value"),
                )
            };
            (
                Some(low.min(cap)),
                Some(high.min(cap)),
                format!(
                    "{}: {words}, never above the maximum (19 CFR 171 App. B; multiples unverified, check the current appendix)",
                    facts.culpability.label()
                ),
            )
        }
    };
    let mut mitigating_factors = Vec::new();
    if facts.trade_compliance_member {
        mitigating_factors.push(
            "Trade Compliance member when the violation occurred: participation is weighed in the disposition"
                .to_owned(),
        );
    }
    if facts.prior_disclosure {
        mitigating_factors.push("Prior disclosure".to_owned());
    }
    mitigating_factors.extend(
        [
            "Contributory CBP error",
            "Cooperation with the investigation",
            "Immediate remedial action",
            "Inexperience in importing",
            "Prior good record",
            "Inability to pay",
        ]
        .map(|factor| format!("{factor} (weigh if shown)")),
    );
    PenaltyAssessment { maximum, maximum_basis, guideline_low, guideline_high, guideline_basis, mitigating_factors }
}

/// `25` → `2.5`, `20` → `2`.
fn tenths(value: i64) -> String {
    if value % 10 == 0 { (value / 10).to_string() } else { format!("{}.{}", value / 10, value % 10) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(culpability: Culpability, loss: i64, dutiable: i64, domestic: i64, prior: bool) -> PenaltyFacts {
        PenaltyFacts {
            culpability,
            loss_of_revenue: Cents(loss * 100),
            dutiable_value: Cents(dutiable * 100),
            domestic_value: Cents(domestic * 100),
            prior_disclosure: prior,
            trade_compliance_member: false,
        }
    }

    fn maximum(facts: &PenaltyFacts) -> Maximum {
        assess(facts).maximum
    }

    fn dollars(amount: i64) -> Maximum {
        Maximum::Amount(Cents(amount * 100))
    }

    #[test]
    fn fraud_is_capped_at_the_domestic_value() {
        assert_eq!(maximum(&facts(Culpability::Fraud, 10_000, 100_000, 150_000, false)), dollars(150_000));
    }

    #[test]
    fn gross_negligence_is_the_lesser_of_domestic_value_and_four_times_the_loss() {
        // 4 × 10,000 = 40,000 < 150,000.
        assert_eq!(maximum(&facts(Culpability::GrossNegligence, 10_000, 100_000, 150_000, false)), dollars(40_000));
        // 4 × 50,000 = 200,000 > 150,000: the domestic value.
        assert_eq!(maximum(&facts(Culpability::GrossNegligence, 50_000, 100_000, 150_000, false)), dollars(150_000));
        // No loss: 40% of 100,000.
        assert_eq!(maximum(&facts(Culpability::GrossNegligence, 0, 100_000, 150_000, false)), dollars(40_000));
    }

    #[test]
    fn negligence_is_the_lesser_of_domestic_value_and_twice_the_loss() {
        assert_eq!(maximum(&facts(Culpability::Negligence, 10_000, 100_000, 150_000, false)), dollars(20_000));
        assert_eq!(maximum(&facts(Culpability::Negligence, 90_000, 100_000, 150_000, false)), dollars(150_000));
        // No loss: 20% of 100,000.
        assert_eq!(maximum(&facts(Culpability::Negligence, 0, 100_000, 150_000, false)), dollars(20_000));
        // 20% of the dutiable value above a small domestic value: the domestic value.
        assert_eq!(maximum(&facts(Culpability::Negligence, 0, 100_000, 15_000, false)), dollars(15_000));
    }

    #[test]
    fn prior_disclosure_limits_fraud_to_the_loss_and_negligence_to_interest() {
        assert_eq!(maximum(&facts(Culpability::Fraud, 10_000, 100_000, 150_000, true)), dollars(10_000));
        let disclosed = assess(&facts(Culpability::Fraud, 10_000, 100_000, 150_000, true));
        assert_eq!((disclosed.guideline_low, disclosed.guideline_high), (None, None), "the statute fixes it");
        // No loss: 10% of the dutiable value.
        assert_eq!(maximum(&facts(Culpability::Fraud, 0, 100_000, 150_000, true)), dollars(10_000));
        assert_eq!(
            maximum(&facts(Culpability::GrossNegligence, 10_000, 100_000, 150_000, true)),
            Maximum::InterestOnLossOnly
        );
        let negligent = assess(&facts(Culpability::Negligence, 10_000, 100_000, 150_000, true));
        assert_eq!(negligent.maximum, Maximum::InterestOnLossOnly);
        assert_eq!((negligent.guideline_low, negligent.guideline_high), (None, None));
        assert!(negligent.maximum_basis.contains("within 30 days"), "{}", negligent.maximum_basis);
    }

    #[test]
    fn the_guideline_range_follows_culpability_and_never_exceeds_the_maximum() {
        let negligence = assess(&facts(Culpability::Negligence, 10_000, 100_000, 150_000, false));
        assert_eq!(
            (negligence.guideline_low, negligence.guideline_high),
            (Some(Cents(500_000)), Some(Cents(2_000_000)))
        );
        assert!(negligence.guideline_basis.contains("0.5–2 times the loss"), "{}", negligence.guideline_basis);
        let gross = assess(&facts(Culpability::GrossNegligence, 10_000, 100_000, 150_000, false));
        assert_eq!((gross.guideline_low, gross.guideline_high), (Some(Cents(2_500_000)), Some(Cents(4_000_000))));
        // Fraud 5–8 × 10,000 = 50,000–80,000, under the 60,000 domestic value cap: 50,000–60,000.
        let fraud = assess(&facts(Culpability::Fraud, 10_000, 100_000, 60_000, false));
        assert_eq!((fraud.guideline_low, fraud.guideline_high), (Some(Cents(5_000_000)), Some(Cents(6_000_000))));
        let no_loss = assess(&facts(Culpability::Negligence, 0, 100_000, 150_000, false));
        assert_eq!((no_loss.guideline_low, no_loss.guideline_high), (Some(Cents(500_000)), Some(Cents(2_000_000))));
    }

    #[test]
    fn trade_compliance_membership_is_recorded_as_the_first_mitigating_factor() {
        let member = PenaltyFacts {
            trade_compliance_member: true,
            ..facts(Culpability::Negligence, 10_000, 100_000, 150_000, false)
        };
        assert!(assess(&member).mitigating_factors[0].starts_with("Trade Compliance member"));
        let other = facts(Culpability::Negligence, 10_000, 100_000, 150_000, false);
        assert!(!assess(&other).mitigating_factors.iter().any(|factor| factor.contains("Trade Compliance")));
    }
}
