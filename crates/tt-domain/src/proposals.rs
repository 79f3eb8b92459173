//! Proposed benefits, as the advisory working group handles them: a proposal with its
//! rationale, scored by industry members and agency staff on feasibility of implementation and
//! impact to industry, ranked, and moved to pilot or in force (or rejected) by the program
//! director. Replayed from an append-only history; each step names who took it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::benefits::{Benefit, BenefitStatus};
use crate::membership::CtpatValue;

/// What a proposal would give, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalTerms {
    pub name: String,
    /// `security` or `trade_compliance`.
    pub program: String,
    pub tiers: Vec<CtpatValue>,
    pub trade_compliance: bool,
    pub rationale: String,
    pub description: String,
    /// The KPI that would measure it.
    pub kpi: String,
}

/// Which side a scorer speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Industry,
    Agency,
}

/// One step of a proposal's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ProposalStep {
    Proposed {
        terms: ProposalTerms,
    },
    /// A score from 1 to 5 on each axis; a scorer's later score replaces the earlier.
    Scored {
        scorer: String,
        side: Side,
        feasibility: u8,
        impact: u8,
        comment: String,
    },
    /// The program director's decision: `pilot` or `in_force` from a day, or `rejected`.
    Decided {
        status: ProposalStatus,
        from: Date,
        reason: String,
    },
}

impl ProposalStep {
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Proposed { .. } => "proposed",
            Self::Scored { .. } => "scored",
            Self::Decided { .. } => "decided",
        }
    }
}

/// A recorded step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalEvent {
    pub sequence: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: time::OffsetDateTime,
    pub recorded_by: String,
    pub step: ProposalStep,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Proposed,
    Pilot,
    InForce,
    Rejected,
}

impl ProposalStatus {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Proposed => "Proposed",
            Self::Pilot => "Pilot",
            Self::InForce => "In force",
            Self::Rejected => "Rejected",
        }
    }
}

/// A score as kept: the latest from each scorer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub side: Side,
    pub feasibility: u8,
    pub impact: u8,
    pub comment: String,
}

/// A proposal replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub terms: ProposalTerms,
    pub proposed_by: String,
    pub status: ProposalStatus,
    /// Since when it is in its current status (pilot or in force).
    pub status_from: Option<Date>,
    pub scores: BTreeMap<String, Score>,
    /// Every decision: (status, from, decided by, reason).
    pub decisions: Vec<(ProposalStatus, Date, String, String)>,
}

/// The averages a ranking uses, in hundredths (a mean of 3.67 is 367).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    pub scores: usize,
    pub feasibility: u32,
    pub impact: u32,
    /// Feasibility × impact, in hundredths: the ranking key (high first).
    pub priority: u32,
}

/// Why a history cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProposalRefused(pub String);

impl Proposal {
    /// Replays a history.
    ///
    /// # Errors
    /// The first step that does not fit.
    pub fn replay(events: &[ProposalEvent]) -> Result<Self, ProposalRefused> {
        let refuse = |message: &str| Err(ProposalRefused(message.to_owned()));
        let Some((first, rest)) = events.split_first() else { return refuse("a proposal starts with its terms") };
        let ProposalStep::Proposed { terms } = &first.step else { return refuse("a proposal starts with its terms") };
        if terms.name.trim().is_empty() || terms.rationale.trim().is_empty() {
            return refuse("a proposal needs a name and a rationale");
        }
        if terms.tiers.is_empty() {
            return refuse("a proposal names the tiers that would get it");
        }
        let mut proposal = Self {
            terms: terms.clone(),
            proposed_by: first.recorded_by.clone(),
            status: ProposalStatus::Proposed,
            status_from: None,
            scores: BTreeMap::new(),
            decisions: Vec::new(),
        };
        for event in rest {
            match &event.step {
                ProposalStep::Proposed { .. } => return refuse("the proposal was already made"),
                ProposalStep::Scored { scorer, side, feasibility, impact, comment } => {
                    if !(1..=5).contains(feasibility) || !(1..=5).contains(impact) {
                        return refuse("scores run from 1 to 5");
                    }
                    if matches!(proposal.status, ProposalStatus::InForce | ProposalStatus::Rejected) {
                        return refuse("a decided proposal is no longer scored");
                    }
                    proposal.scores.insert(
                        scorer.clone(),
                        Score { side: *side, feasibility: *feasibility, impact: *impact, comment: comment.clone() },
                    );
                }
                ProposalStep::Decided { status, from, reason } => {
                    let allowed = matches!(
                        (proposal.status, status),
                        (
                            ProposalStatus::Proposed,
                            ProposalStatus::Pilot | ProposalStatus::InForce | ProposalStatus::Rejected
                        ) | (ProposalStatus::Pilot, ProposalStatus::InForce | ProposalStatus::Rejected)
                    );
                    if !allowed {
                        return Err(ProposalRefused(format!(
                            "a proposal {} cannot become {}",
                            proposal.status.label().to_lowercase(),
                            status.label().to_lowercase()
                        )));
                    }
                    if reason.trim().is_empty() {
                        return refuse("a decision needs its reason");
                    }
                    if let Some(previous) = proposal.status_from
                        && *from < previous
                    {
                        return Err(ProposalRefused(format!(
                            "a decision from {from} would come before the previous one, from {previous}"
                        )));
                    }
                    proposal.status = *status;
                    proposal.status_from = Some(*from);
                    proposal.decisions.push((*status, *from, event.recorded_by.clone(), reason.clone()));
                }
            }
        }
        Ok(proposal)
    }

    /// The means of the scores (of one side, or all), `None` without scores.
    #[must_use]
    pub fn priority(&self, side: Option<Side>) -> Option<Priority> {
        let scores: Vec<&Score> =
            self.scores.values().filter(|score| side.is_none_or(|side| score.side == side)).collect();
        let count = u32::try_from(scores.len()).ok().filter(|count| *count > 0)?;
        let mean =
            |value: fn(&Score) -> u8| scores.iter().map(|score| u32::from(value(score))).sum::<u32>() * 100 / count;
        let (feasibility, impact) = (mean(|score| score.feasibility), mean(|score| score.impact));
        Some(Priority { scores: scores.len(), feasibility, impact, priority: feasibility * impact / 100 })
    }

    /// The proposal as catalogue benefits, one per period of its history: in pilot from one
    /// decision to the day before the next, in force from its decision on; a proposal not yet
    /// decided is listed as proposed; a rejection ends the previous period and adds none.
    #[must_use]
    pub fn as_benefits(&self, id: &str, legal_basis: &str) -> Vec<Benefit> {
        let benefit = |status, from, to| Benefit {
            id: id.to_owned(),
            name: self.terms.name.clone(),
            program: self.terms.program.clone(),
            tiers: self.terms.tiers.clone(),
            trade_compliance: self.terms.trade_compliance,
            legal_basis: legal_basis.to_owned(),
            status,
            from,
            to,
            description: self.terms.description.clone(),
            kpi: self.terms.kpi.clone(),
        };
        if self.decisions.is_empty() {
            return vec![benefit(BenefitStatus::Proposed, None, None)];
        }
        self.decisions
            .iter()
            .enumerate()
            .filter_map(|(index, (status, from, _, _))| {
                let status = match status {
                    ProposalStatus::Pilot => BenefitStatus::Pilot,
                    ProposalStatus::InForce => BenefitStatus::InForce,
                    ProposalStatus::Proposed | ProposalStatus::Rejected => return None,
                };
                let to = self.decisions.get(index + 1).map(|(_, next, _, _)| *next - time::Duration::days(1));
                Some(benefit(status, Some(*from), to))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    fn event(sequence: i64, by: &str, step: ProposalStep) -> ProposalEvent {
        ProposalEvent { sequence, recorded_at: datetime!(2026-01-01 12:00 UTC), recorded_by: by.to_owned(), step }
    }

    fn proposed() -> ProposalEvent {
        event(
            1,
            "officer@greatlakes.example",
            ProposalStep::Proposed {
                terms: ProposalTerms {
                    name: "Reduced FTZ inspections".to_owned(),
                    program: "trade_compliance".to_owned(),
                    tiers: vec![CtpatValue::T2, CtpatValue::T3],
                    trade_compliance: true,
                    rationale: "Zones run by members are already audited".to_owned(),
                    description: String::new(),
                    kpi: "On-site FTZ inspections per member".to_owned(),
                },
            },
        )
    }

    fn scored(sequence: i64, by: &str, side: Side, feasibility: u8, impact: u8) -> ProposalEvent {
        event(
            sequence,
            by,
            ProposalStep::Scored { scorer: by.to_owned(), side, feasibility, impact, comment: String::new() },
        )
    }

    #[test]
    fn a_scorers_latest_score_counts_and_the_priority_is_feasibility_times_impact() {
        let history = [
            proposed(),
            scored(2, "a@industry", Side::Industry, 2, 5),
            scored(3, "b@cbp", Side::Agency, 4, 3),
            scored(4, "a@industry", Side::Industry, 3, 5),
        ];
        let proposal = Proposal::replay(&history).expect("replay");
        let all = proposal.priority(None).expect("scored");
        assert_eq!((all.scores, all.feasibility, all.impact, all.priority), (2, 350, 400, 1400));
        assert_eq!(proposal.priority(Some(Side::Agency)).map(|priority| priority.priority), Some(1200));
        assert_eq!(Proposal::replay(&[proposed()]).expect("replay").priority(None), None);
        let out_of_range = [proposed(), scored(2, "a@industry", Side::Industry, 0, 5)];
        assert!(Proposal::replay(&out_of_range).is_err());
    }

    #[test]
    fn the_director_moves_a_proposal_to_pilot_then_in_force_and_each_period_stays_in_the_catalogue() {
        let decide = |sequence, status, from: Date, reason: &str| {
            event(sequence, "director@cbp.example", ProposalStep::Decided { status, from, reason: reason.to_owned() })
        };
        let history = [
            proposed(),
            decide(2, ProposalStatus::Pilot, date!(2026 - 02 - 01), "test with ten zones"),
            decide(3, ProposalStatus::InForce, date!(2026 - 04 - 01), "pilot worked"),
        ];
        let proposal = Proposal::replay(&history).expect("replay");
        assert_eq!(proposal.status, ProposalStatus::InForce);
        let periods: Vec<(BenefitStatus, Option<Date>, Option<Date>)> = proposal
            .as_benefits("proposal_1", "Advisory committee proposal")
            .iter()
            .map(|benefit| (benefit.status, benefit.from, benefit.to))
            .collect();
        assert_eq!(
            periods,
            [
                (BenefitStatus::Pilot, Some(date!(2026 - 02 - 01)), Some(date!(2026 - 03 - 31))),
                (BenefitStatus::InForce, Some(date!(2026 - 04 - 01)), None)
            ]
        );
        let day = date!(2026 - 02 - 01);
        let back =
            [proposed(), decide(2, ProposalStatus::InForce, day, "yes"), decide(3, ProposalStatus::Pilot, day, "oops")];
        assert_eq!(Proposal::replay(&back).expect_err("back").0, "a proposal in force cannot become pilot");
        let earlier = [
            proposed(),
            decide(2, ProposalStatus::Pilot, day, "pilot"),
            decide(3, ProposalStatus::InForce, date!(2026 - 01 - 01), "backdated"),
        ];
        assert!(Proposal::replay(&earlier).expect_err("earlier").0.contains("before the previous one"));
        let unexplained = [proposed(), decide(2, ProposalStatus::Rejected, day, " ")];
        assert!(Proposal::replay(&unexplained).is_err());
        let piloted_then_rejected = [
            proposed(),
            decide(2, ProposalStatus::Pilot, day, "pilot"),
            decide(3, ProposalStatus::Rejected, date!(2026 - 06 - 01), "not worth it"),
        ];
        let rejected = Proposal::replay(&piloted_then_rejected).expect("replay");
        let periods = rejected.as_benefits("x", "");
        assert_eq!(periods.len(), 1, "the pilot period stays in the history");
        assert_eq!(periods[0].to, Some(date!(2026 - 05 - 31)));
    }
}
