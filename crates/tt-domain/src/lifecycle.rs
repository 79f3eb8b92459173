//! The membership lifecycle as an append-only history: the steps of a CTPAT security and a Trade
//! Compliance membership, the rules of which step may follow which, and everything derived from
//! the history by replaying it (state, tier, anniversary and every due date, each with how it
//! was computed).
//!
//! Nothing here is ever edited in place: a mistake is corrected by a `Voided` step that names
//! the step it withdraws and explains why, and the history is replayed without it. A step is
//! accepted only if the whole history, with it, still replays without a broken rule.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::account::BusinessType;
use crate::calendar::{add_days, add_months, add_years, next_anniversary};
use crate::membership::{CtpatValue, Timeline};

/// Time limits set by statute (6 U.S.C. 964–969): not settings.
pub mod statute {
    /// Tier I certification within 90 days of the application, "to the extent practicable".
    pub const CERTIFICATION_TARGET_DAYS: i64 = 90;
    /// Initial validation within one year of Tier I certification.
    pub const INITIAL_VALIDATION_MONTHS: i32 = 12;
    /// Tier II and III revalidated at least once every four years.
    pub const REVALIDATION_YEARS: i32 = 4;
    /// Appeal of a non-compliance decision (967(a)): filed within 90 days.
    pub const APPEAL_FILING_DAYS_NON_COMPLIANCE: i64 = 90;
    /// Appeal of a false-information decision (967(b)): filed within 30 days.
    pub const APPEAL_FILING_DAYS_FALSE_INFORMATION: i64 = 30;
    /// An appeal is decided within 180 days of filing.
    pub const APPEAL_DECISION_DAYS: i64 = 180;
}

/// The time limits that come from practice rather than statute ([P] in the domain notes), with
/// those values as defaults; the program can change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LifecycleRules {
    /// The annual security profile review window opens this many days before the anniversary.
    pub annual_review_window_days: i64,
    /// Days a suspended partner has to answer the suspension letter.
    pub suspension_response_days: i64,
    /// Months a withdrawn partner must wait before applying again.
    pub reapply_after_withdrawal_months: i32,
    /// Months from Trade Compliance acceptance to the first Annual Notification Letter.
    pub first_annual_notification_months: i32,
    /// Days of notice a member gets before a validation visit.
    pub validation_notice_days: i64,
    /// Years of importing a Trade Compliance applicant needs.
    pub trade_compliance_import_years: i32,
    /// Days a pre-applicant has to submit its security profile before its credentials lapse.
    pub security_profile_due_days: i64,
}

impl Default for LifecycleRules {
    fn default() -> Self {
        Self {
            annual_review_window_days: 90,
            suspension_response_days: 90,
            reapply_after_withdrawal_months: 12,
            first_annual_notification_months: 13,
            validation_notice_days: 30,
            trade_compliance_import_years: 2,
            security_profile_due_days: 30,
        }
    }
}

/// Which of the two linked memberships a step or request concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    Security,
    TradeCompliance,
}

/// A certified CTPAT tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertifiedTier {
    One,
    Two,
    Three,
}

impl CertifiedTier {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::One => "Tier I",
            Self::Two => "Tier II",
            Self::Three => "Tier III",
        }
    }

    const fn ctpat_value(self) -> CtpatValue {
        match self {
            Self::One => CtpatValue::T1,
            Self::Two => CtpatValue::T2,
            Self::Three => CtpatValue::T3,
        }
    }
}

/// The grounds of an adverse decision, which set the appeal filing window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionGrounds {
    /// Security measures fail a requirement (6 U.S.C. 967(a)): 90 days to appeal.
    NonCompliance,
    /// False or misleading information (967(b)): 30 days to appeal.
    FalseInformation,
}

impl DecisionGrounds {
    #[must_use]
    pub const fn appeal_filing_days(self) -> i64 {
        match self {
            Self::NonCompliance => statute::APPEAL_FILING_DAYS_NON_COMPLIANCE,
            Self::FalseInformation => statute::APPEAL_FILING_DAYS_FALSE_INFORMATION,
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::NonCompliance => "non-compliance (6 U.S.C. 967(a))",
            Self::FalseInformation => "false or misleading information (6 U.S.C. 967(b))",
        }
    }
}

/// The vetting checklist's blocks; which apply depends on the business type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VettingBlock {
    PortalQueries,
    OpenSource,
    Bond,
    FmcAndBond,
    AtsExport,
    ManufacturerIdQueries,
    Transportation,
    MexicoTaxRegistry,
    MarineTerminalNumber,
    BondAndScac,
    Accurint,
    AnalyticalFramework,
    AtsImport,
    IrsSuperQuery,
    Dice,
    AdditionalQueries,
}

impl VettingBlock {
    pub const ALL: [Self; 16] = [
        Self::PortalQueries,
        Self::OpenSource,
        Self::Bond,
        Self::FmcAndBond,
        Self::AtsExport,
        Self::ManufacturerIdQueries,
        Self::Transportation,
        Self::MexicoTaxRegistry,
        Self::MarineTerminalNumber,
        Self::BondAndScac,
        Self::Accurint,
        Self::AnalyticalFramework,
        Self::AtsImport,
        Self::IrsSuperQuery,
        Self::Dice,
        Self::AdditionalQueries,
    ];

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::PortalQueries => "Portal queries (milestones, company history, names, entity ids, contacts)",
            Self::OpenSource => "Open-source queries (names, website, news, phones, addresses)",
            Self::Bond => "Bond query",
            Self::FmcAndBond => "FMC and bond (NVOCC)",
            Self::AtsExport => "ATS export queries",
            Self::ManufacturerIdQueries => "Manufacturer ID queries",
            Self::Transportation => "DOT (name, USDOT number)",
            Self::MexicoTaxRegistry => "Mexico SAT (RFC)",
            Self::MarineTerminalNumber => "FMC/MTO number",
            Self::BondAndScac => "Bond and SCAC",
            Self::Accurint => "LexisNexis Accurint",
            Self::AnalyticalFramework => "Analytical Framework for Intelligence",
            Self::AtsImport => "ATS import queries",
            Self::IrsSuperQuery => "IRS-NG super query",
            Self::Dice => "DICE (required for every new applicant)",
            Self::AdditionalQueries => "Additional subject-matter-expert queries",
        }
    }

    /// The blocks a new applicant of this business type must have recorded before Tier I
    /// certification. Every type gets the identity blocks and DICE; the rest follow the
    /// business: importers their bond, imports and suppliers' manufacturer ids, carriers their
    /// bond and SCAC, and so on. Additional queries are optional for everyone.
    #[must_use]
    pub fn required_for(business_type: BusinessType) -> BTreeSet<Self> {
        let mut blocks = BTreeSet::from([
            Self::PortalQueries,
            Self::OpenSource,
            Self::Accurint,
            Self::AnalyticalFramework,
            Self::IrsSuperQuery,
            Self::Dice,
        ]);
        let specific: &[Self] = match business_type {
            BusinessType::Importer => &[Self::Bond, Self::AtsImport, Self::ManufacturerIdQueries],
            BusinessType::Exporter => &[Self::AtsExport],
            BusinessType::Broker | BusinessType::ThirdPartyLogistics => &[Self::Bond],
            BusinessType::Consolidator => &[Self::FmcAndBond],
            BusinessType::AirCarrier | BusinessType::SeaCarrier | BusinessType::RailCarrier => &[Self::BondAndScac],
            BusinessType::HighwayCarrier => &[Self::Transportation, Self::BondAndScac],
            BusinessType::MxLongHaulCarrier => &[Self::Transportation, Self::MexicoTaxRegistry],
            BusinessType::MarinePortTerminalOperator => &[Self::MarineTerminalNumber],
            BusinessType::ForeignManufacturer => &[Self::ManufacturerIdQueries],
        };
        blocks.extend(specific.iter().copied());
        blocks
    }
}

/// Initial validation (towards Tier II) or a revalidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationKind {
    Initial,
    Revalidation,
}

/// A best practice put forward for Tier III, with the five elements CBP requires of each.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BestPractice {
    pub title: String,
    pub senior_management_support: bool,
    pub innovative: bool,
    pub documented: bool,
    pub verifiable_evidence: bool,
    pub checks_and_balances: bool,
}

impl BestPractice {
    /// All five elements: senior-management support, an innovative process or technology, a
    /// documented process, verifiable evidence of implementation, and checks, balances and
    /// accountability.
    #[must_use]
    pub const fn meets_all_five_elements(&self) -> bool {
        self.senior_management_support
            && self.innovative
            && self.documented
            && self.verifiable_evidence
            && self.checks_and_balances
    }
}

/// What a validation concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ValidationResult {
    /// Meets the criteria: Tier II.
    TierTwo,
    /// Exceeds them, with best practices proven: Tier III.
    TierThree { best_practices: Vec<BestPractice> },
    /// Does not meet them; the tier is unchanged until a decision (usually a suspension).
    Failed,
}

/// The four tiles of a Trade Compliance application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationTile {
    ImporterNumbers,
    Questionnaire,
    RequiredDocuments,
    Contacts,
}

impl ApplicationTile {
    pub const ALL: [Self; 4] = [Self::ImporterNumbers, Self::Questionnaire, Self::RequiredDocuments, Self::Contacts];

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::ImporterNumbers => "Importer-number selection",
            Self::Questionnaire => "Questionnaire",
            Self::RequiredDocuments => "Required documents (including the six forced-labor requirements)",
            Self::Contacts => "Contacts",
        }
    }
}

/// The 13 yes/no questions of the Trade Compliance eligibility questionnaire; every answer must
/// be yes.
pub const ELIGIBILITY_QUESTIONS: [&str; 13] = [
    "The company has general authority to do business without approval of a person outside the United States or Canada.",
    "The company is an active U.S. importer or non-resident Canadian importer meeting 19 CFR 141 (141.17, 141.18).",
    "The company keeps separate books, records and financial statements for its U.S. or Canadian operations, accounts for imported goods and is responsible for duties and taxes.",
    "The company has a valid continuous importation bond on file with CBP.",
    "The company is willing to complete the memorandum of understanding and the Trade Compliance questionnaire.",
    "The company has an internal control system designed to assure compliance with CBP laws and regulations.",
    "The company performs annual risk assessments to identify compliance risks.",
    "The company maintains and adjusts its internal control system.",
    "The company has an annual self-testing plan responsive to its risks and takes corrective action for errors and control weaknesses.",
    "The company has an audit trail from its financial records to its CBP declarations (or an alternative ensuring accurate values).",
    "The company makes disclosures through prior disclosure, reconciliation, post-summary corrections or supplemental letters.",
    "The company is willing to submit an Annual Notification Letter certifying continued compliance.",
    "The company agrees to notify CBP of all major organizational changes.",
];

/// The Annual Notification Letter's structured form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AnnualNotificationLetter {
    /// The letter's year: the n-th letter is due n − 1 years after the first due date.
    pub year: i32,
    pub organizational_changes: String,
    pub importer_number_changes: String,
    pub internal_control_changes: String,
    pub risk_assessment_summary: String,
    pub self_testing_errors_found: String,
    pub corrective_actions: String,
    pub disclosures_filed: String,
    /// The company officer certifies continued compliance.
    pub officer_certification: bool,
}

/// One step of a membership, with what it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    // CTPAT security.
    CompanyProfileCreated,
    /// The security profile is submitted and the partner agreement signed by the company officer.
    ApplicationSubmitted,
    InformationRequested {
        program: Program,
        request: u32,
        question: String,
        #[serde(with = "crate::calendar::iso_date")]
        due: Date,
    },
    InformationAnswered {
        program: Program,
        request: u32,
        answer: String,
    },
    InformationRequestCancelled {
        program: Program,
        request: u32,
    },
    /// The specialist who works the account, their supervisor (e-mail addresses) and the field
    /// office the account is assigned to.
    SpecialistAssigned {
        specialist: String,
        supervisor: String,
        #[serde(default)]
        office: String,
    },
    ProfileApproved,
    ApplicationRejected,
    VettingRecorded {
        block: VettingBlock,
        derogatory: bool,
        notes: String,
    },
    CertifiedTierOne,
    ValidationScheduled {
        validation: ValidationKind,
        #[serde(with = "crate::calendar::iso_date")]
        visit: Date,
    },
    ValidationCompleted {
        validation: ValidationKind,
        outcome: ValidationResult,
    },
    /// The annual security profile review, with the partner agreement re-signed.
    AnnualReviewSubmitted,
    AnnualReviewApproved,
    Suspended {
        grounds: DecisionGrounds,
    },
    CorrectiveActionPlanReceived {
        summary: String,
    },
    Reinstated {
        tier: CertifiedTier,
    },
    Removed {
        grounds: DecisionGrounds,
    },
    Withdrawn,
    AppealFiled {
        statement: String,
    },
    AppealDecided {
        reversed: bool,
    },
    // Trade Compliance.
    EligibilityChecked {
        answers: Vec<bool>,
        #[serde(with = "crate::calendar::iso_date")]
        importing_since: Date,
        cbp_debt: bool,
    },
    TileCompleted {
        tile: ApplicationTile,
        summary: String,
    },
    TradeComplianceSubmitted,
    MemorandumSigned,
    TradeComplianceAccepted,
    NamAssigned {
        nam: String,
        supervisor: String,
    },
    AnnualNotificationFiled {
        letter: AnnualNotificationLetter,
    },
    AnnualNotificationReviewed {
        year: i32,
        accepted: bool,
    },
    /// Recorded automatically when the security membership leaves Tier II/III.
    TradeComplianceSuspended,
    TradeComplianceReinstated,
    TradeComplianceRevoked,
    // Migration of a legacy Importer Self-Assessment member onto the Trade Compliance portal.
    MigrationInvited,
    OnboardingSessionHeld,
    MigrationCompleted,
    // Any.
    /// Withdraws an earlier step recorded by mistake; the event's reason explains why.
    Voided {
        sequence: i64,
    },
}

impl Step {
    /// A stable identifier of the step's kind (the `step` field of its JSON).
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::CompanyProfileCreated => "company_profile_created",
            Self::ApplicationSubmitted => "application_submitted",
            Self::InformationRequested { .. } => "information_requested",
            Self::InformationAnswered { .. } => "information_answered",
            Self::InformationRequestCancelled { .. } => "information_request_cancelled",
            Self::SpecialistAssigned { .. } => "specialist_assigned",
            Self::ProfileApproved => "profile_approved",
            Self::ApplicationRejected => "application_rejected",
            Self::VettingRecorded { .. } => "vetting_recorded",
            Self::CertifiedTierOne => "certified_tier_one",
            Self::ValidationScheduled { .. } => "validation_scheduled",
            Self::ValidationCompleted { .. } => "validation_completed",
            Self::AnnualReviewSubmitted => "annual_review_submitted",
            Self::AnnualReviewApproved => "annual_review_approved",
            Self::Suspended { .. } => "suspended",
            Self::CorrectiveActionPlanReceived { .. } => "corrective_action_plan_received",
            Self::Reinstated { .. } => "reinstated",
            Self::Removed { .. } => "removed",
            Self::Withdrawn => "withdrawn",
            Self::AppealFiled { .. } => "appeal_filed",
            Self::AppealDecided { .. } => "appeal_decided",
            Self::EligibilityChecked { .. } => "eligibility_checked",
            Self::TileCompleted { .. } => "tile_completed",
            Self::TradeComplianceSubmitted => "trade_compliance_submitted",
            Self::MemorandumSigned => "memorandum_signed",
            Self::TradeComplianceAccepted => "trade_compliance_accepted",
            Self::NamAssigned { .. } => "nam_assigned",
            Self::AnnualNotificationFiled { .. } => "annual_notification_filed",
            Self::AnnualNotificationReviewed { .. } => "annual_notification_reviewed",
            Self::TradeComplianceSuspended => "trade_compliance_suspended",
            Self::TradeComplianceReinstated => "trade_compliance_reinstated",
            Self::TradeComplianceRevoked => "trade_compliance_revoked",
            Self::MigrationInvited => "migration_invited",
            Self::OnboardingSessionHeld => "onboarding_session_held",
            Self::MigrationCompleted => "migration_completed",
            Self::Voided { .. } => "voided",
        }
    }

    /// A sentence for the timeline.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::CompanyProfileCreated => "Company profile created (pre-applicant)".to_owned(),
            Self::ApplicationSubmitted => {
                "Security profile submitted and partner agreement signed by the company officer".to_owned()
            }
            Self::InformationRequested { program, request, question, due } => {
                format!(
                    "Request for information #{request} ({}): {question} — answer by {due}",
                    program_label(*program)
                )
            }
            Self::InformationAnswered { request, .. } => format!("Request for information #{request} answered"),
            Self::InformationRequestCancelled { request, .. } => {
                format!("Request for information #{request} cancelled")
            }
            Self::SpecialistAssigned { specialist, supervisor, office } if office.is_empty() => {
                format!("Supply Chain Security Specialist {specialist} assigned, supervisor {supervisor}")
            }
            Self::SpecialistAssigned { specialist, supervisor, office } => {
                format!(
                    "Supply Chain Security Specialist {specialist} assigned, supervisor {supervisor}, office {office}"
                )
            }
            Self::ProfileApproved => "Security profile approved; vetting begins".to_owned(),
            Self::ApplicationRejected => "Application rejected".to_owned(),
            Self::VettingRecorded { block, derogatory, .. } => format!(
                "Vetting: {} — derogatory information {}",
                block.label(),
                if *derogatory { "found" } else { "not found" }
            ),
            Self::CertifiedTierOne => "Certified Tier I".to_owned(),
            Self::ValidationScheduled { validation, visit } => {
                format!("{} scheduled for {visit}", validation_label(*validation))
            }
            Self::ValidationCompleted { validation, outcome } => format!(
                "{} completed: {}",
                validation_label(*validation),
                match outcome {
                    ValidationResult::TierTwo => "meets the criteria (Tier II)",
                    ValidationResult::TierThree { .. } => "exceeds the criteria with proven best practices (Tier III)",
                    ValidationResult::Failed => "does not meet the criteria",
                }
            ),
            Self::AnnualReviewSubmitted => "Annual security profile review submitted".to_owned(),
            Self::AnnualReviewApproved => "Annual security profile review approved".to_owned(),
            Self::Suspended { grounds } => format!("Suspended for {}", grounds.label()),
            Self::CorrectiveActionPlanReceived { .. } => "Corrective action plan received".to_owned(),
            Self::Reinstated { tier } => format!("Reinstated at {}", tier.label()),
            Self::Removed { grounds } => format!("Removed for {}", grounds.label()),
            Self::Withdrawn => "Withdrawn from the program".to_owned(),
            Self::AppealFiled { .. } => "Appeal filed".to_owned(),
            Self::AppealDecided { reversed } => {
                format!("Appeal decided: decision {}", if *reversed { "reversed" } else { "upheld" })
            }
            Self::EligibilityChecked { .. } => "Trade Compliance eligibility check".to_owned(),
            Self::TileCompleted { tile, .. } => format!("Trade Compliance application: {} completed", tile.label()),
            Self::TradeComplianceSubmitted => "Trade Compliance application submitted".to_owned(),
            Self::MemorandumSigned => "Memorandum of understanding signed".to_owned(),
            Self::TradeComplianceAccepted => "Accepted into Trade Compliance".to_owned(),
            Self::NamAssigned { nam, supervisor } => {
                format!("National Account Manager {nam} assigned, supervisor {supervisor}")
            }
            Self::AnnualNotificationFiled { letter } => format!("Annual Notification Letter {} filed", letter.year),
            Self::AnnualNotificationReviewed { year, accepted } => format!(
                "Annual Notification Letter {year} {}",
                if *accepted { "accepted" } else { "returned for correction" }
            ),
            Self::TradeComplianceSuspended => {
                "Trade Compliance suspended (security membership no longer Tier II or III)".to_owned()
            }
            Self::TradeComplianceReinstated => "Trade Compliance reinstated".to_owned(),
            Self::TradeComplianceRevoked => "Trade Compliance revoked".to_owned(),
            Self::MigrationInvited => "Invited to migrate from Importer Self-Assessment".to_owned(),
            Self::OnboardingSessionHeld => "Onboarding session held".to_owned(),
            Self::MigrationCompleted => "Migrated onto the Trade Compliance portal".to_owned(),
            Self::Voided { sequence } => format!("Step #{sequence} withdrawn as recorded in error"),
        }
    }
}

const fn program_label(program: Program) -> &'static str {
    match program {
        Program::Security => "CTPAT security",
        Program::TradeCompliance => "Trade Compliance",
    }
}

const fn validation_label(validation: ValidationKind) -> &'static str {
    match validation {
        ValidationKind::Initial => "Initial validation",
        ValidationKind::Revalidation => "Revalidation",
    }
}

/// A step as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipEvent {
    /// Order of recording; ties between steps effective on the same day go to the earlier.
    pub sequence: i64,
    /// The day the step took effect (a calendar date; may be earlier than recording).
    #[serde(with = "crate::calendar::iso_date")]
    pub effective_date: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Who recorded it (an e-mail address, or `system` for automatic steps).
    pub recorded_by: String,
    /// Why: reasons of a decision, the explanation of a correction.
    pub reason: Option<String>,
    /// The version of the document the step concerns (agreement, profile, letter), if any.
    pub document_version: Option<String>,
    pub step: Step,
}

/// The sequences of the steps in `events` that a `Voided` step withdrew: they count for
/// nothing, though they stay in the history.
#[must_use]
pub fn withdrawn_steps(events: &[MembershipEvent]) -> std::collections::BTreeSet<i64> {
    events
        .iter()
        .filter_map(|event| match event.step {
            Step::Voided { sequence } => Some(sequence),
            _ => None,
        })
        .collect()
}

/// Where the security membership stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SecurityState {
    NotStarted,
    PreApplicant,
    Applicant,
    /// Profile approved; vetting under way.
    Approved,
    Rejected,
    Certified {
        tier: CertifiedTier,
    },
    Suspended {
        prior: CertifiedTier,
    },
    Removed,
    Withdrawn,
}

impl SecurityState {
    #[must_use]
    pub fn label(self) -> String {
        match self {
            Self::NotStarted => "Not started".to_owned(),
            Self::PreApplicant => "Pre-applicant".to_owned(),
            Self::Applicant => "Applicant (specialist review)".to_owned(),
            Self::Approved => "Profile approved (vetting)".to_owned(),
            Self::Rejected => "Rejected".to_owned(),
            Self::Certified { tier } => format!("Certified {}", tier.label()),
            Self::Suspended { prior } => format!("Suspended (was {})", prior.label()),
            Self::Removed => "Removed".to_owned(),
            Self::Withdrawn => "Withdrawn".to_owned(),
        }
    }

    /// In good standing at Tier II or III, as Trade Compliance requires.
    #[must_use]
    pub const fn is_tier_two_or_three(self) -> bool {
        matches!(self, Self::Certified { tier: CertifiedTier::Two | CertifiedTier::Three })
    }

    const fn ctpat_value(self) -> CtpatValue {
        match self {
            Self::Certified { tier } => tier.ctpat_value(),
            _ => CtpatValue::None,
        }
    }
}

/// Where the Trade Compliance membership stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TradeComplianceState {
    NotApplied,
    /// The eligibility check passed; the application is open.
    ApplicationOpen,
    Submitted,
    MemorandumSigned,
    Active,
    Suspended,
    Revoked,
}

impl TradeComplianceState {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::NotApplied => "Not applied",
            Self::ApplicationOpen => "Application open",
            Self::Submitted => "Submitted (NAM review)",
            Self::MemorandumSigned => "Memorandum signed (awaiting acceptance)",
            Self::Active => "Active",
            Self::Suspended => "Suspended",
            Self::Revoked => "Revoked",
        }
    }
}

/// Where a legacy Importer Self-Assessment member stands in its migration, which is due on its
/// next Annual Notification Letter anniversary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    Scheduled,
    Invited,
    OnboardingSessionHeld,
    Migrated,
}

impl MigrationState {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "Scheduled",
            Self::Invited => "Invited",
            Self::OnboardingSessionHeld => "Onboarding session held",
            Self::Migrated => "Migrated",
        }
    }
}

/// A request for information and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InformationRequest {
    pub program: Program,
    pub request: u32,
    pub question: String,
    #[serde(with = "crate::calendar::iso_date")]
    pub asked_on: Date,
    #[serde(with = "crate::calendar::iso_date")]
    pub due: Date,
    /// `new`, `answered`, `expired` or `cancelled` (expired: unanswered after its due date).
    pub state: &'static str,
}

/// Who owes the next move on a due item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Member,
    Specialist,
    SpecialistSupervisor,
    NationalAccountManager,
    ProgramDirector,
}

impl Party {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Member => "Member",
            Self::Specialist => "Supply Chain Security Specialist",
            Self::SpecialistSupervisor => "SCSS supervisor",
            Self::NationalAccountManager => "National Account Manager",
            Self::ProgramDirector => "Program director",
        }
    }
}

/// A date derived from the history, with the rule that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedDate {
    /// A stable key (`revalidation_due`, `anl_due:2027`, …): with the account, it identifies a
    /// reminder, so a restarted worker never sends the same one twice.
    pub key: String,
    pub label: String,
    #[serde(with = "crate::calendar::iso_date")]
    pub date: Date,
    /// How it was computed, e.g. "4 years after validation of 2023-03-14".
    pub explanation: String,
    /// Whose move it is; `None` for dates that are facts rather than duties.
    pub owed_by: Option<Party>,
}

/// A step the history refuses, with a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransitionRefused {
    /// The sequence of the refused step, when it was already in the history (a correction that
    /// would break a later step names that step).
    pub sequence: Option<i64>,
    pub message: String,
}

fn refuse<T>(message: impl Into<String>) -> Result<T, TransitionRefused> {
    Err(TransitionRefused { sequence: None, message: message.into() })
}

/// The last adverse decision, for appeals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdverseDecision {
    pub decided_on: Date,
    pub grounds: DecisionGrounds,
    /// The state the decision replaced, restored if the appeal reverses it.
    pub replaced: SecurityState,
    pub appeal_filed_on: Option<Date>,
}

/// Everything derived from replaying a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub security: SecurityState,
    pub trade_compliance: TradeComplianceState,
    pub profile_created_on: Option<Date>,
    pub applied_on: Option<Date>,
    pub certified_on: Option<Date>,
    pub last_validated_on: Option<Date>,
    pub scheduled_validation: Option<(ValidationKind, Date)>,
    pub vetting: BTreeMap<VettingBlock, bool>,
    /// Anniversary years whose annual review was submitted inside its window.
    pub annual_reviews_submitted: BTreeSet<i32>,
    pub annual_reviews_approved: BTreeSet<i32>,
    pub suspended_on: Option<Date>,
    /// Whether the suspended partner answered with a corrective action plan.
    pub corrective_plan_received: bool,
    pub withdrawn_on: Option<Date>,
    pub last_decision: Option<AdverseDecision>,
    pub requests: Vec<InformationRequest>,
    pub eligibility_failures: Vec<String>,
    pub tiles_completed: BTreeSet<ApplicationTile>,
    pub trade_compliance_accepted_on: Option<Date>,
    pub nam: Option<(String, String)>,
    /// The assigned specialist and supervisor.
    pub specialist: Option<(String, String)>,
    /// The field office the account is assigned to.
    pub office: Option<String>,
    /// Letter years filed and not returned.
    pub letters_filed: BTreeSet<i32>,
    pub letters_accepted: BTreeSet<i32>,
    /// The CTPAT value and Trade Compliance flag from each day they changed, for the KPIs.
    pub ctpat_changes: Vec<(Date, CtpatValue)>,
    pub trade_compliance_changes: Vec<(Date, bool)>,
    /// Events withdrawn by a correction.
    pub voided: BTreeSet<i64>,
    /// The legacy Annual Notification Letter anniversary (month, day), for members migrated
    /// from Importer Self-Assessment.
    pub letter_anniversary: Option<(u8, u8)>,
    /// `None` unless the member is a legacy Importer Self-Assessment member.
    pub migration: Option<MigrationState>,
}

/// Standing a member already had when the history started: the legacy status events imported
/// from the previous system, which seed the replay so a legacy Tier II member can be suspended
/// or revalidated here.
#[derive(Debug, Clone, Default)]
pub struct LegacyStanding {
    pub timeline: Timeline,
    /// The first day the legacy history shows a tier.
    pub first_certified: Option<Date>,
    /// The first day it shows Tier II or III (taken as the last validation).
    pub first_validated: Option<Date>,
    /// The legacy Annual Notification Letter anniversary (month, day), if imported.
    pub letter_anniversary: Option<(u8, u8)>,
}

impl LegacyStanding {
    /// From the imported status events of one account.
    #[must_use]
    pub fn from_events(events: &[crate::membership::StatusEvent]) -> Self {
        let mut ordered: Vec<_> = events.to_vec();
        ordered.sort_by_key(|event| (event.effective_date, event.sequence));
        let first = |wanted: &[CtpatValue]| {
            ordered.iter().find_map(|event| match event.change {
                crate::membership::StatusChange::Ctpat(value) if wanted.contains(&value) => Some(event.effective_date),
                _ => None,
            })
        };
        Self {
            first_certified: first(&[CtpatValue::T1, CtpatValue::T2, CtpatValue::T3]),
            first_validated: first(&[CtpatValue::T2, CtpatValue::T3]),
            timeline: Timeline::new(ordered),
            letter_anniversary: None,
        }
    }
}

impl Membership {
    fn empty() -> Self {
        Self {
            security: SecurityState::NotStarted,
            trade_compliance: TradeComplianceState::NotApplied,
            profile_created_on: None,
            applied_on: None,
            certified_on: None,
            last_validated_on: None,
            scheduled_validation: None,
            vetting: BTreeMap::new(),
            annual_reviews_submitted: BTreeSet::new(),
            annual_reviews_approved: BTreeSet::new(),
            suspended_on: None,
            corrective_plan_received: false,
            withdrawn_on: None,
            last_decision: None,
            requests: Vec::new(),
            eligibility_failures: Vec::new(),
            tiles_completed: BTreeSet::new(),
            trade_compliance_accepted_on: None,
            nam: None,
            specialist: None,
            office: None,
            letters_filed: BTreeSet::new(),
            letters_accepted: BTreeSet::new(),
            ctpat_changes: Vec::new(),
            trade_compliance_changes: Vec::new(),
            voided: BTreeSet::new(),
            letter_anniversary: None,
            migration: None,
        }
    }

    /// Replays a history in effective-date order (recording order within a day), skipping
    /// voided steps. `today` only expires requests for information.
    ///
    /// # Errors
    /// The first step that breaks a rule, with its sequence.
    pub fn replay(
        events: &[MembershipEvent],
        business_type: BusinessType,
        legacy: &LegacyStanding,
        rules: &LifecycleRules,
        today: Date,
    ) -> Result<Self, TransitionRefused> {
        let mut membership = Self::empty();
        for event in events {
            if let Step::Voided { sequence } = event.step {
                let target = events.iter().find(|candidate| candidate.sequence == sequence);
                match target {
                    None => {
                        return Err(TransitionRefused {
                            sequence: Some(event.sequence),
                            message: format!("there is no step #{sequence} to withdraw"),
                        });
                    }
                    Some(target) if matches!(target.step, Step::Voided { .. }) => {
                        return Err(TransitionRefused {
                            sequence: Some(event.sequence),
                            message: "a correction cannot itself be withdrawn; record the step again instead".into(),
                        });
                    }
                    Some(_) => {}
                }
                if event.reason.as_deref().is_none_or(|reason| reason.trim().is_empty()) {
                    return Err(TransitionRefused {
                        sequence: Some(event.sequence),
                        message: "a correction must explain why the step is withdrawn".into(),
                    });
                }
                if !membership.voided.insert(sequence) {
                    return Err(TransitionRefused {
                        sequence: Some(event.sequence),
                        message: format!("step #{sequence} is already withdrawn"),
                    });
                }
            }
        }
        let mut ordered: Vec<&MembershipEvent> = events
            .iter()
            .filter(|event| !matches!(event.step, Step::Voided { .. }) && !membership.voided.contains(&event.sequence))
            .collect();
        ordered.sort_by_key(|event| (event.effective_date, event.sequence));
        for event in ordered {
            membership.seed_from_legacy(legacy, event.effective_date);
            membership
                .apply(event, business_type, rules)
                .map_err(|refused| TransitionRefused { sequence: Some(event.sequence), ..refused })?;
        }
        // A member known only from the legacy import stands where that history puts it today.
        membership.seed_from_legacy(legacy, today);
        for request in &mut membership.requests {
            if request.state == "new" && request.due < today {
                request.state = "expired";
            }
        }
        Ok(membership)
    }

    /// A history that has not yet touched the security membership starts from the legacy
    /// standing of the day.
    fn seed_from_legacy(&mut self, legacy: &LegacyStanding, day: Date) {
        if self.security != SecurityState::NotStarted {
            return;
        }
        let standing = legacy.timeline.standing_on(day);
        let tier = match standing.ctpat {
            CtpatValue::T1 => CertifiedTier::One,
            CtpatValue::T2 => CertifiedTier::Two,
            CtpatValue::T3 => CertifiedTier::Three,
            CtpatValue::None => return,
        };
        self.security = SecurityState::Certified { tier };
        self.certified_on = legacy.first_certified;
        if tier != CertifiedTier::One {
            self.last_validated_on = legacy.first_validated;
        }
        if standing.trade_compliance && self.trade_compliance == TradeComplianceState::NotApplied {
            self.trade_compliance = TradeComplianceState::Active;
            self.letter_anniversary = legacy.letter_anniversary;
            if legacy.letter_anniversary.is_some() {
                self.migration = Some(MigrationState::Scheduled);
            }
        }
    }

    fn set_security(&mut self, day: Date, state: SecurityState) {
        let before = self.security.ctpat_value();
        self.security = state;
        let after = state.ctpat_value();
        if before != after {
            self.ctpat_changes.push((day, after));
        }
    }

    fn set_trade_compliance(&mut self, day: Date, state: TradeComplianceState) {
        let before = self.trade_compliance == TradeComplianceState::Active;
        self.trade_compliance = state;
        let after = state == TradeComplianceState::Active;
        if before != after {
            self.trade_compliance_changes.push((day, after));
        }
    }

    /// The account's anniversary: that of its Tier I certification.
    #[must_use]
    pub fn anniversary_origin(&self) -> Option<Date> {
        self.certified_on
    }

    /// The first Annual Notification Letter's due date.
    #[must_use]
    pub fn first_letter_due(&self, rules: &LifecycleRules) -> Option<Date> {
        self.trade_compliance_accepted_on.map(|accepted| add_months(accepted, rules.first_annual_notification_months))
    }

    /// The due date of the letter of a given year: yearly from the first due date, or for a
    /// legacy member on its letter anniversary (29 February is 28 February in common years).
    fn letter_due(&self, rules: &LifecycleRules, year: i32) -> Option<Date> {
        if let Some(first) = self.first_letter_due(rules) {
            return Some(add_years(first, year - first.year()));
        }
        let (month, day) = self.letter_anniversary?;
        let month = time::Month::try_from(month).ok()?;
        Date::from_calendar_date(year, month, day.min(time::util::days_in_month(month, year))).ok()
    }

    /// The next legacy letter anniversary on or after `day`.
    fn next_letter_anniversary(&self, rules: &LifecycleRules, day: Date) -> Option<Date> {
        let this_year = self.letter_due(rules, day.year())?;
        if this_year >= day { Some(this_year) } else { self.letter_due(rules, day.year() + 1) }
    }

    #[allow(clippy::too_many_lines)]
    fn apply(
        &mut self,
        event: &MembershipEvent,
        business_type: BusinessType,
        rules: &LifecycleRules,
    ) -> Result<(), TransitionRefused> {
        let day = event.effective_date;
        let security = self.security;
        match &event.step {
            Step::CompanyProfileCreated => {
                match security {
                    SecurityState::NotStarted | SecurityState::Rejected => {}
                    SecurityState::Withdrawn => self.check_reapply(day, rules)?,
                    _ => return refuse(format!("a company profile exists already ({})", security.label())),
                }
                // A new application starts a new membership: nothing of the old one carries over.
                self.applied_on = None;
                self.certified_on = None;
                self.last_validated_on = None;
                self.scheduled_validation = None;
                self.vetting.clear();
                self.annual_reviews_submitted.clear();
                self.annual_reviews_approved.clear();
                self.suspended_on = None;
                self.corrective_plan_received = false;
                self.last_decision = None;
                self.profile_created_on = Some(day);
                self.set_security(day, SecurityState::PreApplicant);
            }
            Step::ApplicationSubmitted => match security {
                SecurityState::PreApplicant => {
                    self.applied_on = Some(day);
                    self.vetting.clear();
                    self.set_security(day, SecurityState::Applicant);
                }
                _ => {
                    return refuse(format!(
                        "an application can be submitted only by a pre-applicant; the account is {}",
                        security.label()
                    ));
                }
            },
            Step::InformationRequested { program, request, question, due } => {
                if question.trim().is_empty() {
                    return refuse("a request for information needs a question");
                }
                if *due <= day {
                    return refuse(format!("the answer's due date {due} must be after the request's date {day}"));
                }
                if self.requests.iter().any(|existing| existing.program == *program && existing.request == *request) {
                    return refuse(format!("request #{request} exists already"));
                }
                let open = match program {
                    Program::Security => matches!(
                        security,
                        SecurityState::Applicant
                            | SecurityState::Approved
                            | SecurityState::Certified { .. }
                            | SecurityState::Suspended { .. }
                    ),
                    Program::TradeCompliance => matches!(
                        self.trade_compliance,
                        TradeComplianceState::Submitted
                            | TradeComplianceState::MemorandumSigned
                            | TradeComplianceState::Active
                    ),
                };
                if !open {
                    return refuse(format!(
                        "there is no {} application or membership to ask about",
                        program_label(*program)
                    ));
                }
                self.requests.push(InformationRequest {
                    program: *program,
                    request: *request,
                    question: question.clone(),
                    asked_on: day,
                    due: *due,
                    state: "new",
                });
            }
            Step::InformationAnswered { program, request, answer } => {
                if answer.trim().is_empty() {
                    return refuse("an answer cannot be empty");
                }
                let found = self.open_request(*program, *request)?;
                if day > found.due {
                    return refuse(format!(
                        "request #{request} expired on {}; it can no longer be answered",
                        found.due
                    ));
                }
                found.state = "answered";
            }
            Step::InformationRequestCancelled { program, request } => {
                self.open_request(*program, *request)?.state = "cancelled";
            }
            Step::SpecialistAssigned { specialist, supervisor, office } => {
                if specialist.trim().is_empty() || supervisor.trim().is_empty() {
                    return refuse("name both the specialist and the supervisor");
                }
                if security == SecurityState::NotStarted {
                    return refuse("there is no security membership to assign");
                }
                self.specialist = Some((specialist.clone(), supervisor.clone()));
                self.office = Some(office.trim().to_owned()).filter(|office| !office.is_empty());
            }
            Step::ProfileApproved => match security {
                SecurityState::Applicant => self.set_security(day, SecurityState::Approved),
                _ => {
                    return refuse(format!(
                        "only an applicant's profile can be approved; the account is {}",
                        security.label()
                    ));
                }
            },
            Step::ApplicationRejected => match security {
                SecurityState::Applicant | SecurityState::Approved => self.set_security(day, SecurityState::Rejected),
                _ => {
                    return refuse(format!(
                        "only an application under review can be rejected; the account is {}",
                        security.label()
                    ));
                }
            },
            Step::VettingRecorded { block, derogatory, .. } => match security {
                SecurityState::Approved | SecurityState::Certified { .. } | SecurityState::Suspended { .. } => {
                    self.vetting.insert(*block, *derogatory);
                }
                _ => {
                    return refuse(format!(
                        "vetting starts once the profile is approved; the account is {}",
                        security.label()
                    ));
                }
            },
            Step::CertifiedTierOne => {
                if security != SecurityState::Approved {
                    return refuse(format!(
                        "only an approved applicant can be certified; the account is {}",
                        security.label()
                    ));
                }
                let missing: Vec<&str> = VettingBlock::required_for(business_type)
                    .into_iter()
                    .filter(|block| !self.vetting.contains_key(block))
                    .map(VettingBlock::label)
                    .collect();
                if !missing.is_empty() {
                    return refuse(format!("vetting is not complete: missing {}", missing.join("; ")));
                }
                let derogatory: Vec<&str> = self
                    .vetting
                    .iter()
                    .filter(|(_, derogatory)| **derogatory)
                    .map(|(block, _)| block.label())
                    .collect();
                if !derogatory.is_empty() {
                    return refuse(format!(
                        "vetting found derogatory information ({}); reject the application or record the block again once cleared",
                        derogatory.join("; ")
                    ));
                }
                self.certified_on = Some(day);
                self.set_security(day, SecurityState::Certified { tier: CertifiedTier::One });
            }
            Step::ValidationScheduled { validation, visit } => {
                self.check_validation_kind(*validation)?;
                if *visit < add_days(day, rules.validation_notice_days) {
                    return refuse(format!(
                        "the member must have {} days' notice: the visit can be on {} at the earliest",
                        rules.validation_notice_days,
                        add_days(day, rules.validation_notice_days)
                    ));
                }
                self.scheduled_validation = Some((*validation, *visit));
            }
            Step::ValidationCompleted { validation, outcome } => {
                self.check_validation_kind(*validation)?;
                let Some((scheduled, visit)) = self.scheduled_validation.filter(|(kind, _)| kind == validation) else {
                    return refuse("schedule the validation before recording its outcome");
                };
                if day < visit {
                    return refuse(format!(
                        "the {} visit is on {visit}; its outcome is recorded on or after that day",
                        validation_label(scheduled).to_lowercase()
                    ));
                }
                self.scheduled_validation = None;
                match outcome {
                    ValidationResult::TierTwo => {
                        self.last_validated_on = Some(day);
                        self.set_security(day, SecurityState::Certified { tier: CertifiedTier::Two });
                    }
                    ValidationResult::TierThree { best_practices } => {
                        if !best_practices.iter().any(BestPractice::meets_all_five_elements) {
                            return refuse(
                                "Tier III needs at least one best practice meeting all five elements (senior-management support, innovation, documented process, verifiable evidence, checks and balances)",
                            );
                        }
                        self.last_validated_on = Some(day);
                        self.set_security(day, SecurityState::Certified { tier: CertifiedTier::Three });
                    }
                    ValidationResult::Failed => {}
                }
            }
            Step::AnnualReviewSubmitted => {
                let SecurityState::Certified { .. } = security else {
                    return refuse(format!(
                        "only a certified partner files an annual review; the account is {}",
                        security.label()
                    ));
                };
                let origin = self.anniversary_origin().ok_or_else(|| TransitionRefused {
                    sequence: None,
                    message: "the account has no certification date to take an anniversary from".into(),
                })?;
                let anniversary = next_anniversary(origin, day);
                let opens = add_days(anniversary, -rules.annual_review_window_days);
                if anniversary == origin || day < opens {
                    return refuse(format!(
                        "the annual review window for the anniversary of {anniversary} opens on {opens} ({} days before); changes made before then do not count",
                        rules.annual_review_window_days
                    ));
                }
                self.annual_reviews_submitted.insert(anniversary.year());
            }
            Step::AnnualReviewApproved => {
                let pending = self.annual_reviews_submitted.difference(&self.annual_reviews_approved).last().copied();
                let Some(year) = pending else {
                    return refuse("there is no submitted annual review to approve");
                };
                self.annual_reviews_approved.insert(year);
            }
            Step::Suspended { grounds } => {
                let SecurityState::Certified { tier } = security else {
                    return refuse(format!(
                        "only a certified partner can be suspended; the account is {}",
                        security.label()
                    ));
                };
                self.suspended_on = Some(day);
                self.corrective_plan_received = false;
                self.last_decision = Some(AdverseDecision {
                    decided_on: day,
                    grounds: *grounds,
                    replaced: security,
                    appeal_filed_on: None,
                });
                self.set_security(day, SecurityState::Suspended { prior: tier });
            }
            Step::CorrectiveActionPlanReceived { summary } => {
                if !matches!(security, SecurityState::Suspended { .. }) {
                    return refuse("a corrective action plan answers a suspension; the account is not suspended");
                }
                if summary.trim().is_empty() {
                    return refuse("describe the corrective action plan");
                }
                self.corrective_plan_received = true;
            }
            Step::Reinstated { tier } => {
                let SecurityState::Suspended { prior } = security else {
                    return refuse(format!(
                        "only a suspended partner can be reinstated; the account is {}",
                        security.label()
                    ));
                };
                if *tier > prior {
                    return refuse(format!(
                        "reinstatement is at the prior tier ({}) or lower, not {}",
                        prior.label(),
                        tier.label()
                    ));
                }
                self.set_security(day, SecurityState::Certified { tier: *tier });
                // The suspension is settled: nothing is left to appeal.
                self.last_decision = None;
            }
            Step::Removed { grounds } => {
                if matches!(security, SecurityState::NotStarted | SecurityState::Removed | SecurityState::Withdrawn) {
                    return refuse(format!("the account cannot be removed: it is {}", security.label()));
                }
                self.last_decision = Some(AdverseDecision {
                    decided_on: day,
                    grounds: *grounds,
                    replaced: security,
                    appeal_filed_on: None,
                });
                self.set_security(day, SecurityState::Removed);
            }
            Step::Withdrawn => {
                if matches!(security, SecurityState::NotStarted | SecurityState::Removed | SecurityState::Withdrawn) {
                    return refuse(format!("the account cannot withdraw: it is {}", security.label()));
                }
                self.withdrawn_on = Some(day);
                self.last_decision = None;
                self.set_security(day, SecurityState::Withdrawn);
            }
            Step::AppealFiled { statement } => {
                if statement.trim().is_empty() {
                    return refuse("an appeal needs a statement");
                }
                let decision = self.appealable_decision()?;
                if decision.appeal_filed_on.is_some() {
                    return refuse("this decision has been appealed already");
                }
                let deadline = add_days(decision.decided_on, decision.grounds.appeal_filing_days());
                if day > deadline {
                    return refuse(format!(
                        "the appeal window closed on {deadline}: {} days after the decision of {} for {}",
                        decision.grounds.appeal_filing_days(),
                        decision.decided_on,
                        decision.grounds.label()
                    ));
                }
                decision.appeal_filed_on = Some(day);
            }
            Step::AppealDecided { reversed } => {
                let decision = self.appealable_decision()?;
                if decision.appeal_filed_on.is_none() {
                    return refuse("no appeal has been filed against the decision");
                }
                let replaced = decision.replaced;
                self.last_decision = None;
                if *reversed {
                    self.set_security(day, replaced);
                }
            }
            Step::EligibilityChecked { answers, importing_since, cbp_debt } => {
                if !matches!(self.trade_compliance, TradeComplianceState::NotApplied | TradeComplianceState::Revoked) {
                    return refuse(format!("Trade Compliance is {} already", self.trade_compliance.label()));
                }
                if business_type != BusinessType::Importer {
                    return refuse("Trade Compliance is open only to importers");
                }
                let mut failures = Vec::new();
                if !security.is_tier_two_or_three() {
                    failures.push(format!(
                        "CTPAT security must be Tier II or III in good standing; it is {}",
                        security.label()
                    ));
                }
                let needed = add_years(*importing_since, rules.trade_compliance_import_years);
                if needed > day {
                    failures.push(format!(
                        "at least {} years of importing are needed: importing since {importing_since} reaches that on {needed}",
                        rules.trade_compliance_import_years
                    ));
                }
                if *cbp_debt {
                    failures.push("the company must have no debt to CBP".to_owned());
                }
                if answers.len() != ELIGIBILITY_QUESTIONS.len() {
                    return refuse(format!(
                        "all {} eligibility questions must be answered",
                        ELIGIBILITY_QUESTIONS.len()
                    ));
                }
                for (number, answer) in answers.iter().enumerate() {
                    if !answer {
                        failures.push(format!("question {} must be answered yes", number + 1));
                    }
                }
                self.eligibility_failures = failures;
                if self.eligibility_failures.is_empty() {
                    self.tiles_completed.clear();
                    self.set_trade_compliance(day, TradeComplianceState::ApplicationOpen);
                }
            }
            Step::TileCompleted { tile, .. } => {
                if self.trade_compliance != TradeComplianceState::ApplicationOpen {
                    return refuse(format!(
                        "application tiles are filled in while the application is open; Trade Compliance is {}",
                        self.trade_compliance.label()
                    ));
                }
                self.tiles_completed.insert(*tile);
            }
            Step::TradeComplianceSubmitted => {
                if self.trade_compliance != TradeComplianceState::ApplicationOpen {
                    return refuse(format!(
                        "there is no open application; Trade Compliance is {}",
                        self.trade_compliance.label()
                    ));
                }
                let missing: Vec<&str> = ApplicationTile::ALL
                    .into_iter()
                    .filter(|tile| !self.tiles_completed.contains(tile))
                    .map(ApplicationTile::label)
                    .collect();
                if !missing.is_empty() {
                    return refuse(format!("the application is incomplete: {}", missing.join("; ")));
                }
                self.set_trade_compliance(day, TradeComplianceState::Submitted);
            }
            Step::MemorandumSigned => {
                if self.trade_compliance != TradeComplianceState::Submitted {
                    return refuse(format!(
                        "the memorandum is signed after submission; Trade Compliance is {}",
                        self.trade_compliance.label()
                    ));
                }
                self.set_trade_compliance(day, TradeComplianceState::MemorandumSigned);
            }
            Step::TradeComplianceAccepted => {
                if self.trade_compliance != TradeComplianceState::MemorandumSigned {
                    return refuse(format!(
                        "acceptance follows the signed memorandum; Trade Compliance is {}",
                        self.trade_compliance.label()
                    ));
                }
                if !security.is_tier_two_or_three() {
                    return refuse(format!("CTPAT security must be Tier II or III; it is {}", security.label()));
                }
                self.trade_compliance_accepted_on = Some(day);
                self.letters_filed.clear();
                self.letters_accepted.clear();
                self.set_trade_compliance(day, TradeComplianceState::Active);
            }
            Step::NamAssigned { nam, supervisor } => {
                if nam.trim().is_empty() || supervisor.trim().is_empty() {
                    return refuse("name both the National Account Manager and the supervisor");
                }
                if self.trade_compliance == TradeComplianceState::NotApplied {
                    return refuse("there is no Trade Compliance application to assign");
                }
                self.nam = Some((nam.clone(), supervisor.clone()));
            }
            Step::AnnualNotificationFiled { letter } => {
                if self.trade_compliance != TradeComplianceState::Active {
                    return refuse(format!(
                        "letters are filed by active Trade Compliance partners; Trade Compliance is {}",
                        self.trade_compliance.label()
                    ));
                }
                if !letter.officer_certification {
                    return refuse("the company officer must certify continued compliance");
                }
                let first_year = self.first_letter_due(rules).map_or(day.year() - 1, Date::year);
                if letter.year < first_year {
                    return refuse(format!("the first letter is for {first_year}"));
                }
                if self.letters_filed.contains(&letter.year) {
                    return refuse(format!("the {} letter is filed already", letter.year));
                }
                self.letters_filed.insert(letter.year);
            }
            Step::AnnualNotificationReviewed { year, accepted } => {
                if !self.letters_filed.contains(year) || self.letters_accepted.contains(year) {
                    return refuse(format!("there is no {year} letter waiting for review"));
                }
                if *accepted {
                    self.letters_accepted.insert(*year);
                } else {
                    self.letters_filed.remove(year);
                }
            }
            Step::TradeComplianceSuspended => {
                if self.trade_compliance != TradeComplianceState::Active {
                    return refuse(format!("Trade Compliance is {}, not active", self.trade_compliance.label()));
                }
                self.set_trade_compliance(day, TradeComplianceState::Suspended);
            }
            Step::TradeComplianceReinstated => {
                if self.trade_compliance != TradeComplianceState::Suspended {
                    return refuse(format!("Trade Compliance is {}, not suspended", self.trade_compliance.label()));
                }
                if !security.is_tier_two_or_three() {
                    return refuse(format!(
                        "CTPAT security must be Tier II or III again first; it is {}",
                        security.label()
                    ));
                }
                self.set_trade_compliance(day, TradeComplianceState::Active);
            }
            Step::TradeComplianceRevoked => {
                if matches!(self.trade_compliance, TradeComplianceState::NotApplied | TradeComplianceState::Revoked) {
                    return refuse(format!(
                        "Trade Compliance is {}; there is nothing to revoke",
                        self.trade_compliance.label()
                    ));
                }
                self.set_trade_compliance(day, TradeComplianceState::Revoked);
            }
            Step::MigrationInvited | Step::OnboardingSessionHeld | Step::MigrationCompleted => {
                let (from, to) = match event.step {
                    Step::MigrationInvited => (MigrationState::Scheduled, MigrationState::Invited),
                    Step::OnboardingSessionHeld => (MigrationState::Invited, MigrationState::OnboardingSessionHeld),
                    _ => (MigrationState::OnboardingSessionHeld, MigrationState::Migrated),
                };
                match self.migration {
                    None => {
                        return refuse(
                            "only legacy Importer Self-Assessment members with a letter anniversary are migrated",
                        );
                    }
                    Some(state) if state != from => {
                        return refuse(format!(
                            "the migration is {}; this step follows \"{}\"",
                            state.label().to_lowercase(),
                            from.label().to_lowercase()
                        ));
                    }
                    Some(_) => self.migration = Some(to),
                }
            }
            Step::Voided { .. } => {}
        }
        if matches!(event.step, Step::ApplicationRejected | Step::Removed { .. } | Step::Withdrawn) {
            self.scheduled_validation = None;
        }
        Ok(())
    }

    fn check_reapply(&self, day: Date, rules: &LifecycleRules) -> Result<(), TransitionRefused> {
        if let Some(withdrawn) = self.withdrawn_on {
            let allowed = add_months(withdrawn, rules.reapply_after_withdrawal_months);
            if day < allowed {
                return refuse(format!(
                    "a withdrawn partner may apply again from {allowed}, {} months after withdrawing on {withdrawn}",
                    rules.reapply_after_withdrawal_months
                ));
            }
        }
        Ok(())
    }

    fn check_validation_kind(&self, validation: ValidationKind) -> Result<(), TransitionRefused> {
        match (validation, self.security) {
            (ValidationKind::Initial, SecurityState::Certified { tier: CertifiedTier::One })
                if self.last_validated_on.is_none() =>
            {
                Ok(())
            }
            (ValidationKind::Initial, _) => refuse(format!(
                "an initial validation is for a Tier I partner never validated; the account is {}",
                self.security.label()
            )),
            (ValidationKind::Revalidation, _)
                if self.last_validated_on.is_some() && matches!(self.security, SecurityState::Certified { .. }) =>
            {
                Ok(())
            }
            (ValidationKind::Revalidation, _) => refuse("a revalidation is for a certified partner validated before"),
        }
    }

    fn open_request(&mut self, program: Program, request: u32) -> Result<&mut InformationRequest, TransitionRefused> {
        let found = self
            .requests
            .iter_mut()
            .find(|existing| existing.program == program && existing.request == request)
            .ok_or_else(|| TransitionRefused { sequence: None, message: format!("there is no request #{request}") })?;
        if found.state != "new" {
            return Err(TransitionRefused {
                sequence: None,
                message: format!("request #{request} is {} already", found.state),
            });
        }
        Ok(found)
    }

    fn appealable_decision(&mut self) -> Result<&mut AdverseDecision, TransitionRefused> {
        match (&mut self.last_decision, self.security) {
            (Some(decision), SecurityState::Suspended { .. } | SecurityState::Removed) => Ok(decision),
            _ => refuse("there is no suspension or removal in force to appeal"),
        }
    }

    /// Every date derived from the history, each with how it was computed, in date order.
    #[must_use]
    pub fn derived_dates(&self, rules: &LifecycleRules, today: Date) -> Vec<DerivedDate> {
        let mut dates = Vec::new();
        let mut push = |key: String, label: &str, date: Date, explanation: String, owed_by: Option<Party>| {
            dates.push(DerivedDate { key, label: label.to_owned(), date, explanation, owed_by });
        };
        if let (Some(created), SecurityState::PreApplicant) = (self.profile_created_on, self.security) {
            push(
                "security_profile_due".into(),
                "Security profile and partner agreement due",
                add_days(created, rules.security_profile_due_days),
                format!(
                    "{} days after the company profile of {created}; without them the credentials lapse",
                    rules.security_profile_due_days
                ),
                Some(Party::Member),
            );
        }
        if let (Some(applied), SecurityState::Applicant | SecurityState::Approved) = (self.applied_on, self.security) {
            push(
                "certification_target".into(),
                "Tier I certification target",
                add_days(applied, statute::CERTIFICATION_TARGET_DAYS),
                format!(
                    "{} days after the application of {applied} (6 U.S.C. 964)",
                    statute::CERTIFICATION_TARGET_DAYS
                ),
                Some(if self.security == SecurityState::Applicant {
                    Party::Specialist
                } else {
                    Party::SpecialistSupervisor
                }),
            );
        }
        if let Some(certified) = self.certified_on {
            push("certified_on".into(), "Certified Tier I", certified, "date of the Tier I certification".into(), None);
        }
        let certified_now = matches!(self.security, SecurityState::Certified { .. });
        match (self.last_validated_on, self.certified_on) {
            (Some(validated), _) if certified_now => push(
                "revalidation_due".into(),
                "Revalidation due",
                add_years(validated, statute::REVALIDATION_YEARS),
                format!("{} years after validation of {validated} (6 U.S.C. 969)", statute::REVALIDATION_YEARS),
                Some(Party::Specialist),
            ),
            (None, Some(certified)) if self.security == (SecurityState::Certified { tier: CertifiedTier::One }) => {
                push(
                    "initial_validation_due".into(),
                    "Initial validation due",
                    add_months(certified, statute::INITIAL_VALIDATION_MONTHS),
                    format!("1 year after the Tier I certification of {certified} (6 U.S.C. 965)"),
                    Some(Party::Specialist),
                )
            }
            _ => {}
        }
        if let Some((kind, visit)) = self.scheduled_validation {
            push(
                "validation_visit".into(),
                &format!("{} visit", validation_label(kind)),
                visit,
                "as scheduled".into(),
                Some(Party::Specialist),
            );
        }
        if let (Some(origin), true) = (self.anniversary_origin(), certified_now) {
            let anniversary = next_anniversary(origin, add_days(today, 1).max(add_days(origin, 1)));
            // An anniversary that passed without a review stays owed (overdue), and the next
            // one is owed as well: its window may be open already.
            let previous = add_years(anniversary, -1);
            let missed =
                previous > origin && previous <= today && !self.annual_reviews_submitted.contains(&previous.year());
            push(
                "anniversary".into(),
                "Anniversary",
                anniversary,
                format!("yearly anniversary of the Tier I certification of {origin}"),
                None,
            );
            let owed: Vec<Date> = [missed.then_some(previous), Some(anniversary)]
                .into_iter()
                .flatten()
                .filter(|owed| !self.annual_reviews_submitted.contains(&owed.year()))
                .collect();
            for owed in owed {
                push(
                    format!("annual_review_opens:{}", owed.year()),
                    "Annual security profile review window opens",
                    add_days(owed, -rules.annual_review_window_days),
                    format!("{} days before the anniversary of {owed}", rules.annual_review_window_days),
                    None,
                );
                push(
                    format!("annual_review_due:{}", owed.year()),
                    "Annual security profile review due",
                    owed,
                    format!(
                        "on the anniversary of the Tier I certification of {origin}; only changes made from {} count",
                        add_days(owed, -rules.annual_review_window_days)
                    ),
                    Some(Party::Member),
                );
            }
        }
        for year in self.annual_reviews_submitted.difference(&self.annual_reviews_approved) {
            if let Some(origin) = self.anniversary_origin() {
                let anniversary = add_years(origin, year - origin.year());
                push(
                    format!("annual_review_approval:{year}"),
                    "Annual review awaiting the specialist",
                    anniversary,
                    format!("submitted for the anniversary of {anniversary}"),
                    Some(Party::Specialist),
                );
            }
        }
        for request in self.requests.iter().filter(|request| request.state == "new" || request.state == "expired") {
            push(
                format!("information_request:{}:{}", program_key(request.program), request.request),
                &format!("Answer to request for information #{}", request.request),
                request.due,
                format!("due date set by the request of {}", request.asked_on),
                Some(Party::Member),
            );
        }
        if let (Some(suspended), SecurityState::Suspended { .. }, false) =
            (self.suspended_on, self.security, self.corrective_plan_received)
        {
            push(
                "suspension_response_due".into(),
                "Response to the suspension due",
                add_days(suspended, rules.suspension_response_days),
                format!("{} days after the suspension of {suspended}", rules.suspension_response_days),
                Some(Party::Member),
            );
        }
        if let (Some(withdrawn), SecurityState::Withdrawn) = (self.withdrawn_on, self.security) {
            push(
                "reapply_from".into(),
                "May apply again from",
                add_months(withdrawn, rules.reapply_after_withdrawal_months),
                format!("{} months after withdrawing on {withdrawn}", rules.reapply_after_withdrawal_months),
                None,
            );
        }
        if let (Some(decision), SecurityState::Suspended { .. } | SecurityState::Removed) =
            (self.last_decision, self.security)
        {
            match decision.appeal_filed_on {
                None => push(
                    "appeal_filing_deadline".into(),
                    "Last day to appeal",
                    add_days(decision.decided_on, decision.grounds.appeal_filing_days()),
                    format!(
                        "{} days after the decision of {} for {}",
                        decision.grounds.appeal_filing_days(),
                        decision.decided_on,
                        decision.grounds.label()
                    ),
                    None,
                ),
                Some(filed) => push(
                    "appeal_decision_due".into(),
                    "Appeal decision due",
                    add_days(filed, statute::APPEAL_DECISION_DAYS),
                    format!(
                        "{} days after the appeal filed on {filed} (6 U.S.C. 967(c))",
                        statute::APPEAL_DECISION_DAYS
                    ),
                    Some(Party::ProgramDirector),
                ),
            }
        }
        if let Some(accepted) = self.trade_compliance_accepted_on {
            push(
                "trade_compliance_accepted".into(),
                "Accepted into Trade Compliance",
                accepted,
                "date of acceptance".into(),
                None,
            );
        }
        if let (Some(state), Some((month, day))) = (self.migration, self.letter_anniversary)
            && state != MigrationState::Migrated
            && let Some(due) = self.next_letter_anniversary(rules, today)
        {
            push(
                "migration_due".into(),
                "Migration onto the Trade Compliance portal due",
                due,
                format!(
                    "on the next Annual Notification Letter anniversary ({month:02}-{day:02}) of the legacy Importer Self-Assessment membership"
                ),
                Some(Party::NationalAccountManager),
            );
        }
        if self.trade_compliance == TradeComplianceState::Active {
            let first_year = match (self.first_letter_due(rules), self.letter_anniversary) {
                (Some(first), _) => Some(first.year()),
                // A legacy member owes this year's letter and every later one.
                (None, Some(_)) => Some(today.year()),
                (None, None) => None,
            };
            if let Some(first_year) = first_year {
                let mut year = first_year;
                while self.letters_filed.contains(&year) {
                    year += 1;
                }
                if let Some(due) = self.letter_due(rules, year) {
                    let explanation = match (self.first_letter_due(rules), self.letter_anniversary) {
                        (Some(first), _) if year == first.year() => format!(
                            "{} months after the Trade Compliance acceptance of {}",
                            rules.first_annual_notification_months,
                            self.trade_compliance_accepted_on.map_or_else(String::new, |date| date.to_string())
                        ),
                        (Some(first), _) => {
                            format!("yearly on the anniversary of the first letter's due date, {first}")
                        }
                        (None, Some((month, day))) => {
                            format!("yearly on the legacy letter anniversary {month:02}-{day:02}")
                        }
                        (None, None) => String::new(),
                    };
                    push(
                        format!("anl_due:{year}"),
                        &format!("Annual Notification Letter {year} due"),
                        due,
                        explanation,
                        Some(Party::Member),
                    );
                }
                for year in self.letters_filed.difference(&self.letters_accepted) {
                    if let Some(due) = self.letter_due(rules, *year) {
                        push(
                            format!("anl_review:{year}"),
                            &format!("Annual Notification Letter {year} awaiting NAM review"),
                            due,
                            format!("letter due {due}"),
                            Some(Party::NationalAccountManager),
                        );
                    }
                }
            }
        }
        dates.sort_by(|left, right| left.date.cmp(&right.date).then_with(|| left.key.cmp(&right.key)));
        dates
    }
}

const fn program_key(program: Program) -> &'static str {
    match program {
        Program::Security => "security",
        Program::TradeCompliance => "trade_compliance",
    }
}

/// The status events to append so that the stored standing timeline (`current`, every status
/// event of the account) matches the one the lifecycle derives: from the first day the
/// lifecycle changed the standing on, its value wins; before it, and where a correction removed
/// every lifecycle change, the imported legacy standing (`legacy`) stands.
#[must_use]
pub fn standing_corrections<T: Copy + PartialEq>(
    current: &[(Date, T)],
    legacy: &[(Date, T)],
    derived: &[(Date, T)],
    initial: T,
) -> Vec<(Date, T)> {
    fn value_on<T: Copy>(changes: &[(Date, T)], day: Date) -> Option<T> {
        let count = changes.partition_point(|(date, _)| *date <= day);
        (count > 0).then(|| changes[count - 1].1)
    }
    let mut days: Vec<Date> = current.iter().chain(legacy).chain(derived).map(|(date, _)| *date).collect();
    days.sort_unstable();
    days.dedup();
    let mut corrections = Vec::new();
    for day in days {
        let wanted = value_on(derived, day).or_else(|| value_on(legacy, day)).unwrap_or(initial);
        let stored = value_on(current, day).unwrap_or(initial);
        if wanted != stored {
            corrections.push((day, wanted));
        }
    }
    corrections
}

#[cfg(test)]
mod tests;
