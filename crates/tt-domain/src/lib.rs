//! Trusted Trader domain: the values, roles and pure rules of the program, with no I/O.
//!
//! Everything that crosses into the system is parsed here once (`AccountNumber::parse`,
//! `EmailAddress::parse`, …) so the inner layers never handle raw strings for ids.
//! This crate must never depend on a database driver, a web framework or an async runtime.

pub mod account;
pub mod audit;
pub mod benefits;
pub mod calendar;
pub mod connection;
pub mod credential;
pub mod criteria;
pub mod error;
pub mod forced_labor;
pub mod ids;
pub mod kpi;
pub mod lifecycle;
pub mod membership;
pub mod mutual_recognition;
pub mod password;
pub mod penalty;
pub mod profile;
pub mod proposals;
pub mod questionnaire;
pub mod requests;
pub mod role;
pub mod token;
pub mod trade;
pub mod user;
pub mod validation;

pub use account::{
    Account, AccountNumber, Address, BusinessType, CountryCode, EmployerIdentificationNumber, ImporterNumber,
    LegalName, ManufacturerId, Scac,
};
pub use audit::{AuditRecord, ChainHash, NewAuditRecord};
pub use error::ValidationError;
pub use ids::{AccountId, ApiTokenId, CaseId, UserId};
pub use password::PasswordPolicy;
pub use role::{Role, Side};
pub use token::{ApiToken, TokenScope};
pub use user::{EmailAddress, PersonName, User};
