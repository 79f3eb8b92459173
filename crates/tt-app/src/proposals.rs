//! Proposed benefits: proposing, scoring on feasibility and impact, the ranking, and the program
//! director's decisions; proposals in pilot or in force join the benefit catalogue.

use serde::{Deserialize, Serialize};
use tt_domain::ValidationError;
use tt_domain::benefits::Benefit;
use tt_domain::membership::CtpatValue;
use tt_domain::proposals::{Priority, Proposal, ProposalEvent, ProposalStatus, ProposalStep, ProposalTerms, Side};
use tt_domain::trade::parse_date;
use tt_store::StoreError;
use tt_store::requests::NewProposalEvent;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actor::NOTHING;
use crate::benefits::benefit_catalogue;
use crate::{Actor, App, AppError, AppResult, Permission};

/// The legal basis shown for benefits that came from a proposal.
const PROPOSAL_BASIS: &str = "Program decision on a working-group proposal";

/// A new proposal.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProposalInput {
    pub name: String,
    /// `security` or `trade_compliance`.
    pub program: String,
    /// Tiers that would get it: `T1`, `T2`, `T3`, separated by `;` or `,`.
    pub tiers: String,
    #[serde(default)]
    pub trade_compliance: bool,
    pub rationale: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kpi: String,
}

/// A change to a proposal.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ProposalAction {
    /// Scores from 1 to 5; one's later score replaces the earlier.
    Score {
        feasibility: u8,
        impact: u8,
        #[serde(default)]
        comment: String,
    },
    /// `pilot`, `in_force` or `rejected`, from a day (today when absent).
    Decide {
        status: String,
        #[serde(default)]
        from: Option<String>,
        reason: String,
    },
}

/// One score as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ScoreView {
    pub scorer: String,
    /// `industry` or `agency`.
    pub side: &'static str,
    pub feasibility: u8,
    pub impact: u8,
    pub comment: String,
}

/// One decision as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DecisionView {
    pub status: &'static str,
    pub from: String,
    pub decided_by: String,
    pub reason: String,
}

/// Means in hundredths (3.50 is 350); the priority is feasibility × impact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct PriorityView {
    pub scores: usize,
    pub feasibility: u32,
    pub impact: u32,
    pub priority: u32,
}

impl From<Priority> for PriorityView {
    fn from(priority: Priority) -> Self {
        Self {
            scores: priority.scores,
            feasibility: priority.feasibility,
            impact: priority.impact,
            priority: priority.priority,
        }
    }
}

/// A proposal as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProposalView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The id it has in the benefit catalogue once in pilot or in force.
    pub benefit_id: String,
    pub name: String,
    pub program: String,
    pub tiers: Vec<&'static str>,
    pub trade_compliance: bool,
    pub rationale: String,
    pub description: String,
    pub kpi: String,
    pub proposed_by: String,
    /// `proposed`, `pilot`, `in_force` or `rejected`.
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_from: Option<String>,
    /// The rank among open proposals (proposed or pilot) by priority, 1 first.
    pub rank: Option<usize>,
    pub priority: Option<PriorityView>,
    pub industry: Option<PriorityView>,
    pub agency: Option<PriorityView>,
    pub scores: Vec<ScoreView>,
    pub decisions: Vec<DecisionView>,
}

const fn status_code(status: ProposalStatus) -> &'static str {
    match status {
        ProposalStatus::Proposed => "proposed",
        ProposalStatus::Pilot => "pilot",
        ProposalStatus::InForce => "in_force",
        ProposalStatus::Rejected => "rejected",
    }
}

fn benefit_id(id: Uuid) -> String {
    format!("proposal_{}", id.simple())
}

fn tier_code(tier: CtpatValue) -> &'static str {
    match tier {
        CtpatValue::T1 => "T1",
        CtpatValue::T2 => "T2",
        CtpatValue::T3 => "T3",
        CtpatValue::None => "NONE",
    }
}

fn view(id: Uuid, proposal: &Proposal) -> ProposalView {
    ProposalView {
        id,
        benefit_id: benefit_id(id),
        name: proposal.terms.name.clone(),
        program: proposal.terms.program.clone(),
        tiers: proposal.terms.tiers.iter().map(|tier| tier_code(*tier)).collect(),
        trade_compliance: proposal.terms.trade_compliance,
        rationale: proposal.terms.rationale.clone(),
        description: proposal.terms.description.clone(),
        kpi: proposal.terms.kpi.clone(),
        proposed_by: proposal.proposed_by.clone(),
        status: status_code(proposal.status),
        status_label: proposal.status.label(),
        status_from: proposal.status_from.map(|day| day.to_string()),
        rank: None,
        priority: proposal.priority(None).map(PriorityView::from),
        industry: proposal.priority(Some(Side::Industry)).map(PriorityView::from),
        agency: proposal.priority(Some(Side::Agency)).map(PriorityView::from),
        scores: proposal
            .scores
            .iter()
            .map(|(scorer, score)| ScoreView {
                scorer: scorer.clone(),
                side: match score.side {
                    Side::Industry => "industry",
                    Side::Agency => "agency",
                },
                feasibility: score.feasibility,
                impact: score.impact,
                comment: score.comment.clone(),
            })
            .collect(),
        decisions: proposal
            .decisions
            .iter()
            .map(|(status, from, by, reason)| DecisionView {
                status: status_code(*status),
                from: from.to_string(),
                decided_by: by.clone(),
                reason: reason.clone(),
            })
            .collect(),
    }
}

fn replay(events: &[ProposalEvent]) -> AppResult<Proposal> {
    Proposal::replay(events).map_err(|refused| AppError::Internal(anyhow::anyhow!("proposal history: {refused}")))
}

impl App {
    async fn replayed_proposals(&self) -> AppResult<Vec<(Uuid, Vec<ProposalEvent>, Proposal)>> {
        self.store
            .proposals()
            .await?
            .into_iter()
            .map(|stored| {
                let proposal = replay(&stored.events)?;
                Ok((stored.proposal_id, stored.events, proposal))
            })
            .collect()
    }

    /// The benefit catalogue: the built-in benefits, then each proposal's periods (proposed, in
    /// pilot, in force), so entitlement on any past day follows the decisions then in force.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn benefits_catalogue(&self) -> AppResult<Vec<Benefit>> {
        let mut catalogue = benefit_catalogue()?;
        for (id, _, proposal) in self.replayed_proposals().await? {
            catalogue.extend(proposal.as_benefits(&benefit_id(id), PROPOSAL_BASIS));
        }
        Ok(catalogue)
    }

    /// Every proposal: open ones (proposed or in pilot) ranked by priority, then the decided.
    ///
    /// # Errors
    /// `Forbidden` for those who neither propose nor decide.
    pub async fn list_proposals(&self, actor: &Actor) -> AppResult<Vec<ProposalView>> {
        self.require_proposal_permission(actor)?;
        let mut views: Vec<ProposalView> =
            self.replayed_proposals().await?.iter().map(|(id, _, proposal)| view(*id, proposal)).collect();
        let open = |view: &ProposalView| matches!(view.status, "proposed" | "pilot");
        views.sort_by_key(|view| {
            (!open(view), std::cmp::Reverse(view.priority.map_or(0, |priority| priority.priority)), view.name.clone())
        });
        for (index, view) in views.iter_mut().filter(|view| open(view)).enumerate() {
            view.rank = Some(index + 1);
        }
        Ok(views)
    }

    /// Refuses someone who can neither propose nor decide, before their input is read.
    ///
    /// # Errors
    /// `Forbidden`.
    pub fn require_proposal_permission(&self, actor: &Actor) -> AppResult<()> {
        let now = self.clock.now();
        if [Permission::ProposeBenefits, Permission::DecideBenefitProposals]
            .iter()
            .any(|permission| actor.require(*permission, now).is_ok())
        {
            Ok(())
        } else {
            Err(AppError::Forbidden("your role neither proposes benefits nor decides on them"))
        }
    }

    /// Records a proposed benefit.
    ///
    /// # Errors
    /// `Forbidden` without the permission; `Invalid` naming each bad field.
    pub async fn propose_benefit(&self, actor: &Actor, input: &ProposalInput) -> AppResult<ProposalView> {
        actor.require(Permission::ProposeBenefits, self.clock.now())?;
        let mut errors = Vec::new();
        let required = |field: &'static str, text: &str, errors: &mut Vec<ValidationError>| {
            if text.trim().is_empty() {
                errors.push(ValidationError::new(field, "is required"));
            }
            text.trim().to_owned()
        };
        let name = required("name", &input.name, &mut errors);
        let rationale = required("rationale", &input.rationale, &mut errors);
        let program = input.program.trim().to_owned();
        if program != "security" && program != "trade_compliance" {
            errors.push(ValidationError::new("program", format!("'{program}' is not security or trade_compliance")));
        }
        let mut tiers = Vec::new();
        for tier in input.tiers.split([';', ',']).map(str::trim).filter(|tier| !tier.is_empty()) {
            match tier.to_ascii_uppercase().as_str() {
                "T1" => tiers.push(CtpatValue::T1),
                "T2" => tiers.push(CtpatValue::T2),
                "T3" => tiers.push(CtpatValue::T3),
                _ => errors.push(ValidationError::new("tiers", format!("'{tier}' is not T1, T2 or T3"))),
            }
        }
        if tiers.is_empty() && !errors.iter().any(|error| error.field == "tiers") {
            errors.push(ValidationError::new("tiers", "name at least one tier"));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let terms = ProposalTerms {
            name,
            program,
            tiers,
            trade_compliance: input.trade_compliance,
            rationale,
            description: input.description.trim().to_owned(),
            kpi: input.kpi.trim().to_owned(),
        };
        self.append_proposal(actor, Uuid::now_v7(), None, Vec::new(), ProposalStep::Proposed { terms }).await
    }

    /// Scores or decides a proposal.
    ///
    /// # Errors
    /// `Forbidden` for the wrong role, `Invalid` when the step does not fit.
    pub async fn change_proposal(&self, actor: &Actor, id: Uuid, action: &ProposalAction) -> AppResult<ProposalView> {
        let now = self.clock.now();
        let step = match action {
            ProposalAction::Score { feasibility, impact, comment } => {
                actor.require(Permission::ProposeBenefits, now)?;
                let scorer = actor.user.as_ref().map_or_else(|| actor.label.clone(), |user| user.email.to_string());
                ProposalStep::Scored {
                    scorer,
                    side: if actor.is_agency() { Side::Agency } else { Side::Industry },
                    feasibility: *feasibility,
                    impact: *impact,
                    comment: comment.trim().to_owned(),
                }
            }
            ProposalAction::Decide { status, from, reason } => {
                actor.require(Permission::DecideBenefitProposals, now)?;
                let status = match status.trim() {
                    "pilot" => ProposalStatus::Pilot,
                    "in_force" => ProposalStatus::InForce,
                    "rejected" => ProposalStatus::Rejected,
                    other => {
                        return Err(AppError::invalid(
                            "status",
                            format!("'{other}' is not pilot, in_force or rejected"),
                        ));
                    }
                };
                let from = match from.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                    Some(text) => parse_date("from", text)?,
                    None => now.date(),
                };
                ProposalStep::Decided { status, from, reason: reason.trim().to_owned() }
            }
        };
        let stored = self.store.proposals().await?.into_iter().find(|stored| stored.proposal_id == id);
        let events = stored.ok_or(AppError::NotFound)?.events;
        let last = events.last().map(|event| event.sequence);
        self.append_proposal(actor, id, last, events, step).await
    }

    /// One proposal with its rank.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden` for those who neither propose nor decide.
    pub async fn get_proposal(&self, actor: &Actor, id: Uuid) -> AppResult<ProposalView> {
        self.list_proposals(actor).await?.into_iter().find(|view| view.id == id).ok_or(AppError::NotFound)
    }

    async fn append_proposal(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_last: Option<i64>,
        mut events: Vec<ProposalEvent>,
        step: ProposalStep,
    ) -> AppResult<ProposalView> {
        let now = self.clock.now();
        events.push(ProposalEvent {
            sequence: expected_last.unwrap_or(0) + 1,
            recorded_at: now,
            recorded_by: actor.label.clone(),
            step: step.clone(),
        });
        Proposal::replay(&events).map_err(|refused| AppError::invalid("action", refused.0))?;
        let audit = actor.audit(
            now,
            &format!("proposal.{}", step.kind()),
            "proposal",
            Some(id.to_string()),
            NOTHING,
            Some(&step),
        );
        let event = NewProposalEvent {
            proposal_id: id,
            recorded_at: now,
            recorded_by: actor.label.clone(),
            recorded_by_user: actor.user.as_ref().map(|user| user.id),
            step,
        };
        match self.store.append_proposal_event(expected_last, &event, &audit).await {
            Ok(()) => self.get_proposal(actor, id).await,
            Err(StoreError::Conflict { field: "proposal" }) => Err(AppError::Conflict {
                field: "proposal",
                message: "the proposal changed meanwhile; reload it and try again".to_owned(),
            }),
            Err(error) => Err(error.into()),
        }
    }
}
