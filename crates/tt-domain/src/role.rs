//! The roles a user can hold. What each role may do is decided in the app layer's policy table.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Which side of the partnership a role belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A member company's people; always tied to one account.
    Trade,
    /// Government staff; never tied to an account.
    Agency,
}

/// A user's role. The identifiers are a stable interface (CLI, API, configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
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
    PgaLiaison,
}

impl Role {
    pub const ALL: [Self; 12] = [
        Self::CompanyOfficer,
        Self::Employee,
        Self::Consultant,
        Self::ReadOnly,
        Self::Scss,
        Self::ScssSupervisor,
        Self::Nam,
        Self::NamSupervisor,
        Self::TcHqAnalyst,
        Self::RegulatoryAudit,
        Self::ProgramDirector,
        Self::PgaLiaison,
    ];

    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::CompanyOfficer => "company_officer",
            Self::Employee => "employee",
            Self::Consultant => "consultant",
            Self::ReadOnly => "read_only",
            Self::Scss => "scss",
            Self::ScssSupervisor => "scss_supervisor",
            Self::Nam => "nam",
            Self::NamSupervisor => "nam_supervisor",
            Self::TcHqAnalyst => "tc_hq_analyst",
            Self::RegulatoryAudit => "regulatory_audit",
            Self::ProgramDirector => "program_director",
            Self::PgaLiaison => "pga_liaison",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::CompanyOfficer => "Company officer",
            Self::Employee => "Employee",
            Self::Consultant => "Consultant",
            Self::ReadOnly => "Read-only",
            Self::Scss => "Supply Chain Security Specialist",
            Self::ScssSupervisor => "SCSS supervisor",
            Self::Nam => "National Account Manager",
            Self::NamSupervisor => "NAM supervisor",
            Self::TcHqAnalyst => "Trade Compliance HQ analyst",
            Self::RegulatoryAudit => "Regulatory Audit",
            Self::ProgramDirector => "Program director",
            Self::PgaLiaison => "Partner government agency liaison",
        }
    }

    #[must_use]
    pub const fn side(self) -> Side {
        match self {
            Self::CompanyOfficer | Self::Employee | Self::Consultant | Self::ReadOnly => Side::Trade,
            _ => Side::Agency,
        }
    }

    /// # Errors
    /// When the text is not one of the role identifiers.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|role| role.id() == wanted)
            .ok_or_else(|| ValidationError::new("role", format!("'{}' is not a role", text.trim())))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
