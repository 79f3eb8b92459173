//! Supplier questionnaires: a member asks a business partner (a manufacturer, carrier or
//! logistics provider) to answer criteria through a link, without an account; the answers are
//! scored against must and should, and the gaps become follow-up actions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::criteria::{CriterionId, Requirement};

/// A partner's answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerAnswer {
    Yes,
    Partially,
    No,
    NotApplicable,
}

impl PartnerAnswer {
    pub const ALL: [Self; 4] = [Self::Yes, Self::Partially, Self::No, Self::NotApplicable];

    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::Partially => "partially",
            Self::No => "no",
            Self::NotApplicable => "not_applicable",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Yes => "Yes",
            Self::Partially => "Partially",
            Self::No => "No",
            Self::NotApplicable => "Not applicable",
        }
    }

    /// # Errors
    /// Naming the question.
    pub fn parse(field: &'static str, text: &str) -> Result<Self, crate::ValidationError> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|answer| answer.id() == wanted).ok_or_else(|| {
            crate::ValidationError::new(field, format!("'{}' is not yes, partially, no or not_applicable", text.trim()))
        })
    }
}

/// One question: a criterion with its level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub criterion: CriterionId,
    pub requirement: Requirement,
    pub text: String,
}

/// A partner's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerAnswers {
    pub answers: BTreeMap<CriterionId, (PartnerAnswer, String)>,
    pub answered_by: String,
}

/// How the answers score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// Musts answered yes (or not applicable), out of the musts.
    pub musts_met: usize,
    pub musts: usize,
    pub shoulds_met: usize,
    pub shoulds: usize,
    /// Percent of the musts met, rounded down.
    pub must_percent: u8,
    /// Questions not fully met: musts first, each a follow-up action for the member.
    pub gaps: Vec<Gap>,
}

/// A question the partner does not fully meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub criterion: CriterionId,
    pub requirement: Requirement,
    pub answer: PartnerAnswer,
    pub comment: String,
    /// What the member should follow up.
    pub follow_up: String,
}

/// Scores answers against the questions.
#[must_use]
pub fn score(questions: &[Question], answers: &PartnerAnswers) -> Score {
    let met = |question: &Question| {
        matches!(answers.answers.get(&question.criterion), Some((PartnerAnswer::Yes | PartnerAnswer::NotApplicable, _)))
    };
    let count =
        |requirement: Requirement| questions.iter().filter(|question| question.requirement == requirement).count();
    let count_met = |requirement: Requirement| {
        questions.iter().filter(|question| question.requirement == requirement && met(question)).count()
    };
    let musts = count(Requirement::Must);
    let musts_met = count_met(Requirement::Must);
    let mut gaps: Vec<Gap> = questions
        .iter()
        .filter(|question| !met(question))
        .map(|question| {
            let (answer, comment) =
                answers.answers.get(&question.criterion).cloned().unwrap_or((PartnerAnswer::No, String::new()));
            Gap {
                criterion: question.criterion.clone(),
                requirement: question.requirement,
                answer,
                comment,
                follow_up: format!(
                    "Ask the partner for a corrective action plan on {} ({}): {}",
                    question.criterion,
                    question.requirement.label(),
                    question.text
                ),
            }
        })
        .collect();
    gaps.sort_by_key(|gap| gap.requirement != Requirement::Must);
    Score {
        musts_met,
        musts,
        shoulds_met: count_met(Requirement::Should),
        shoulds: count(Requirement::Should),
        must_percent: (musts_met * 100).checked_div(musts).map_or(100, |percent| u8::try_from(percent).unwrap_or(100)),
        gaps,
    }
}

/// Where a questionnaire stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionnaireState {
    Sent,
    Answered,
    Revoked,
    Expired,
}

impl QuestionnaireState {
    /// From the questionnaire's dates: an answer stands; a revocation or the expiry closes the
    /// link otherwise.
    #[must_use]
    pub fn of(
        answered: bool,
        revoked_at: Option<OffsetDateTime>,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Self {
        if answered {
            Self::Answered
        } else if revoked_at.is_some() {
            Self::Revoked
        } else if now >= expires_at {
            Self::Expired
        } else {
            Self::Sent
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Sent => "Waiting for the partner",
            Self::Answered => "Answered",
            Self::Revoked => "Revoked",
            Self::Expired => "Expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn question(id: &str, requirement: Requirement) -> Question {
        Question { criterion: CriterionId::parse(id).expect("id"), requirement, text: format!("criterion {id}") }
    }

    #[test]
    fn answers_are_scored_against_must_and_should_and_gaps_list_musts_first() {
        let questions = vec![
            question("6.1", Requirement::Must),
            question("6.2", Requirement::Must),
            question("7.4", Requirement::Should),
            question("5.8", Requirement::Should),
        ];
        let answers = PartnerAnswers {
            answers: [
                (CriterionId::parse("6.1").expect("id"), (PartnerAnswer::Yes, String::new())),
                (
                    CriterionId::parse("6.2").expect("id"),
                    (PartnerAnswer::Partially, "ISO seals on some lanes".to_owned()),
                ),
                (CriterionId::parse("7.4").expect("id"), (PartnerAnswer::NotApplicable, String::new())),
            ]
            .into(),
            answered_by: "Ana Partner".to_owned(),
        };
        let score = score(&questions, &answers);
        assert_eq!(
            (score.musts_met, score.musts, score.shoulds_met, score.shoulds, score.must_percent),
            (1, 2, 1, 2, 50)
        );
        let gaps: Vec<(&str, PartnerAnswer)> =
            score.gaps.iter().map(|gap| (gap.criterion.as_str(), gap.answer)).collect();
        assert_eq!(
            gaps,
            vec![("6.2", PartnerAnswer::Partially), ("5.8", PartnerAnswer::No)],
            "an unanswered question is a gap"
        );
        assert!(score.gaps[0].follow_up.starts_with("Ask the partner for a corrective action plan on 6.2 (must)"));
    }

    #[test]
    fn a_questionnaire_is_answered_revoked_or_expired() {
        let expires = datetime!(2026-12-01 0:00 UTC);
        let before = datetime!(2026-11-30 0:00 UTC);
        assert_eq!(QuestionnaireState::of(false, None, expires, before), QuestionnaireState::Sent);
        assert_eq!(QuestionnaireState::of(false, None, expires, expires), QuestionnaireState::Expired);
        assert_eq!(QuestionnaireState::of(false, Some(before), expires, before), QuestionnaireState::Revoked);
        assert_eq!(QuestionnaireState::of(true, Some(before), expires, expires), QuestionnaireState::Answered);
    }
}
