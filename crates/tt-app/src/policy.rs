//! The authorization policy: one table of what each role may do. Anything not listed is denied.
//!
//! The admin page "Roles and permissions" renders this same table, so what staff read is what
//! the code enforces.

use serde::Serialize;
use tt_domain::Role;
use tt_domain::Role::{
    CompanyOfficer, Consultant, Employee, Nam, NamSupervisor, PgaLiaison, ProgramDirector, ReadOnly, RegulatoryAudit,
    Scss, ScssSupervisor, TcHqAnalyst,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See accounts in one's scope (one's own for members, consenting ones for PGA liaisons).
    ViewAccounts,
    CreateAccount,
    EditAccount,
    /// Sign the partner agreement and submit to the agency (company officer only).
    SignAndSubmit,
    ViewUsers,
    /// Add, invite and deactivate users of one's own member account.
    ManageAccountUsers,
    /// Give a consultant time-limited access.
    DelegateConsultant,
    /// Add, invite and deactivate agency staff and users of any account.
    ManageAllUsers,
    ViewAuditTrail,
    ViewPolicy,
    /// Change one's own password, second factor and API tokens.
    ManageOwnProfile,
    /// Import membership history and ingest entry data.
    ImportTradeData,
    /// See program KPIs, batch lineage and Defender alerts of every member.
    ViewProgramData,
    /// Screen arrivals for random exams.
    ScreenArrivals,
    /// Confirm or deny one's own company's Defender alerts.
    ReviewDefenderAlerts,
    /// Record the outcome of a case opened by a denied alert.
    RecordCaseOutcome,
    /// Prepare the company's side of a membership: profile, answers, application tiles.
    PrepareMembership,
    /// Review security applications: requests for information, profile decisions, vetting,
    /// validations, annual reviews.
    ReviewSecurityMembership,
    /// Certify Tier I and assign the specialist.
    CertifyPartners,
    /// Suspend, remove, reinstate, and decide appeals.
    DecideStanding,
    /// Review Trade Compliance applications and Annual Notification Letters.
    ReviewTradeCompliance,
    /// Accept, reinstate or revoke Trade Compliance, and assign the National Account Manager.
    DecideTradeCompliance,
    /// Withdraw a step recorded in error, with an explanation.
    CorrectHistory,
    /// See work queues of due and overdue items.
    ViewWorkQueues,
    /// Read the e-mail outbox.
    ViewOutbox,
    /// Publish a new version of a criteria catalogue.
    PublishCriteria,
    /// Ask for a benefit for one's own company and write on its requests.
    RequestBenefits,
    /// Assign, answer and decide members' benefit requests; open penalty cases.
    DecideBenefitRequests,
    /// Propose benefits and score proposals (industry and agency voices of the working group).
    ProposeBenefits,
    /// Move a proposed benefit to pilot or in force, or reject it.
    DecideBenefitProposals,
    /// Authorize brokers' filer codes for CTPAT Defender.
    ManageDefenderEnrolment,
    /// Issue and revoke signed status credentials for the company's business partners.
    IssueStatusCredentials,
    /// Ask members to connect, answer and end connections, and set connection preferences.
    ManageConnections,
    /// Grant or withdraw the company's consent to share its standing with each partner agency.
    ManageAgencyConsent,
    /// See the partner-agency engagement plan.
    ViewAgencyEngagement,
    /// Add and update the partner-agency engagement plan's actions.
    ManageAgencyEngagement,
    /// Read the policies and procedures published for comment, with their comments.
    ViewPolicies,
    /// Comment on a policy while its comment window is open (the working group).
    CommentOnPolicies,
    /// Publish policy versions and dispose of comments.
    ManagePolicies,
    /// Review forced-labor screening hits (confirm them or mark them false positives), and take
    /// in and follow up forced-labor allegations.
    ReviewScreeningHits,
}

/// Each permission, whether it changes data, a description, and the roles that hold it.
pub const POLICY: &[(Permission, bool, &str, &[Role])] = &[
    (
        Permission::ViewAccounts,
        false,
        "See member accounts: members their own, PGA liaisons those that consented, other staff all",
        &Role::ALL,
    ),
    (
        Permission::CreateAccount,
        true,
        "Register a new member account",
        &[ScssSupervisor, NamSupervisor, ProgramDirector],
    ),
    (
        Permission::EditAccount,
        true,
        "Change an account's names, address and identifiers (members: their own)",
        &[CompanyOfficer, Employee, Consultant, ProgramDirector],
    ),
    (Permission::SignAndSubmit, true, "Sign the partner agreement and submit to the agency", &[CompanyOfficer]),
    (
        Permission::ViewUsers,
        false,
        "List users (members: of their own account)",
        &[
            CompanyOfficer,
            Employee,
            Consultant,
            ReadOnly,
            Scss,
            ScssSupervisor,
            Nam,
            NamSupervisor,
            TcHqAnalyst,
            RegulatoryAudit,
            ProgramDirector,
        ],
    ),
    (
        Permission::ManageAccountUsers,
        true,
        "Add, invite and deactivate users of one's own account",
        &[CompanyOfficer, ProgramDirector],
    ),
    (Permission::DelegateConsultant, true, "Give a consultant time-limited access", &[CompanyOfficer]),
    (Permission::ManageAllUsers, true, "Add, invite and deactivate agency staff and any user", &[ProgramDirector]),
    (
        Permission::ViewAuditTrail,
        false,
        "Browse and export the audit trail",
        &[ScssSupervisor, NamSupervisor, RegulatoryAudit, ProgramDirector],
    ),
    (
        Permission::ViewPolicy,
        false,
        "See this table",
        &[Scss, ScssSupervisor, Nam, NamSupervisor, TcHqAnalyst, RegulatoryAudit, ProgramDirector, PgaLiaison],
    ),
    (Permission::ManageOwnProfile, true, "Change one's own password, second factor and API tokens", &Role::ALL),
    (
        Permission::ImportTradeData,
        true,
        "Import membership history and ingest entry data",
        &[TcHqAnalyst, ProgramDirector],
    ),
    (
        Permission::ViewProgramData,
        false,
        "See program KPIs, the lineage of their numbers and every member's Defender alerts",
        &[Scss, ScssSupervisor, Nam, NamSupervisor, TcHqAnalyst, RegulatoryAudit, ProgramDirector],
    ),
    (Permission::ScreenArrivals, false, "Screen arrivals for random exams", &[Scss, ScssSupervisor, ProgramDirector]),
    (
        Permission::ReviewDefenderAlerts,
        true,
        "Confirm or deny the company's Defender alerts (a denial opens a case)",
        &[CompanyOfficer, Employee, Consultant],
    ),
    (
        Permission::RecordCaseOutcome,
        true,
        "Record the outcome of a case opened by a denied Defender alert",
        &[Scss, ScssSupervisor, ProgramDirector],
    ),
    (
        Permission::PrepareMembership,
        true,
        "Prepare the company's membership: profile, answers to requests, Trade Compliance application tiles",
        &[CompanyOfficer, Employee, Consultant],
    ),
    (
        Permission::ReviewSecurityMembership,
        true,
        "Review security applications: requests for information, profile decisions, vetting, validations, annual reviews",
        &[Scss, ScssSupervisor, ProgramDirector],
    ),
    (Permission::CertifyPartners, true, "Certify Tier I and assign the specialist", &[ScssSupervisor, ProgramDirector]),
    (Permission::DecideStanding, true, "Suspend, remove, reinstate and decide appeals", &[ProgramDirector]),
    (
        Permission::ReviewTradeCompliance,
        true,
        "Review Trade Compliance applications and Annual Notification Letters",
        &[Nam, NamSupervisor, TcHqAnalyst],
    ),
    (
        Permission::DecideTradeCompliance,
        true,
        "Accept, reinstate or revoke Trade Compliance; assign the National Account Manager",
        &[NamSupervisor, TcHqAnalyst, ProgramDirector],
    ),
    (
        Permission::CorrectHistory,
        true,
        "Withdraw a membership step recorded in error, with an explanation",
        &[ScssSupervisor, NamSupervisor, ProgramDirector],
    ),
    (
        Permission::ViewWorkQueues,
        false,
        "See work queues of due and overdue items",
        &[Scss, ScssSupervisor, Nam, NamSupervisor, TcHqAnalyst, ProgramDirector],
    ),
    (Permission::ViewOutbox, false, "Read the e-mail outbox", &[ProgramDirector]),
    (Permission::PublishCriteria, true, "Publish a new version of a criteria catalogue", &[ProgramDirector]),
    (
        Permission::RequestBenefits,
        true,
        "Ask for a benefit (rulings, reconciliation flags, exam choices, confidential manifests...) and write on its requests",
        &[CompanyOfficer, Employee, Consultant],
    ),
    (
        Permission::DecideBenefitRequests,
        true,
        "Assign, answer and decide members' benefit requests; open penalty cases",
        &[Scss, ScssSupervisor, Nam, NamSupervisor, TcHqAnalyst, ProgramDirector],
    ),
    (
        Permission::ProposeBenefits,
        true,
        "Propose benefits and score proposals on feasibility and impact",
        &[CompanyOfficer, Scss, ScssSupervisor, Nam, NamSupervisor, TcHqAnalyst, ProgramDirector],
    ),
    (
        Permission::DecideBenefitProposals,
        true,
        "Move a proposed benefit to pilot or in force, or reject it",
        &[ProgramDirector],
    ),
    (
        Permission::ManageDefenderEnrolment,
        true,
        "Authorize the company's brokers' filer codes for CTPAT Defender",
        &[CompanyOfficer],
    ),
    (
        Permission::IssueStatusCredentials,
        true,
        "Issue and revoke signed status credentials for the company's business partners",
        &[CompanyOfficer],
    ),
    (
        Permission::ManageConnections,
        true,
        "Ask members to connect (status verification), answer and end connections, set the preferences",
        &[CompanyOfficer],
    ),
    (
        Permission::ManageAgencyConsent,
        true,
        "Grant or withdraw the company's consent to share its standing with each partner government agency",
        &[CompanyOfficer],
    ),
    (
        Permission::ViewAgencyEngagement,
        false,
        "See the partner-agency engagement plan",
        &[Scss, ScssSupervisor, Nam, NamSupervisor, TcHqAnalyst, RegulatoryAudit, ProgramDirector, PgaLiaison],
    ),
    (
        Permission::ManageAgencyEngagement,
        true,
        "Add and update the actions of the partner-agency engagement plan",
        &[TcHqAnalyst, ProgramDirector],
    ),
    (
        Permission::ViewPolicies,
        false,
        "Read the policies and procedures published for comment, with the comments and dispositions",
        &Role::ALL,
    ),
    (
        Permission::CommentOnPolicies,
        true,
        "Comment on a policy while its comment window is open (working-group members)",
        &[CompanyOfficer, Scss, ScssSupervisor, Nam, NamSupervisor, TcHqAnalyst, ProgramDirector],
    ),
    (
        Permission::ManagePolicies,
        true,
        "Publish policy versions for comment and dispose of each comment",
        &[TcHqAnalyst, ProgramDirector],
    ),
    (
        Permission::ReviewScreeningHits,
        true,
        "Review forced-labor screening hits of members' suppliers, and take in and follow up allegations",
        &[Scss, ScssSupervisor, Nam, NamSupervisor, TcHqAnalyst, ProgramDirector],
    ),
];

impl Permission {
    /// Whether exercising the permission changes data (a read-only token cannot).
    #[must_use]
    pub fn changes_data(self) -> bool {
        POLICY.iter().find(|(permission, ..)| *permission == self).is_some_and(|(_, changes, ..)| *changes)
    }
}

/// Whether a role holds a permission. A permission missing from the table is denied to all.
#[must_use]
pub fn allows(role: Role, permission: Permission) -> bool {
    POLICY.iter().any(|(listed, _, _, roles)| *listed == permission && roles.contains(&role))
}
