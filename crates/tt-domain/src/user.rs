//! People who sign in: their e-mail address, name, role and (for the trade side) account.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AccountId, Role, UserId, ValidationError};

/// An e-mail address, trimmed and lower-cased so it can serve as a unique login name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// A deliberately plain check: one `@`, a non-empty local part, a dotted domain, no spaces.
    /// Deliverability is proven by the invitation e-mail, not by a pattern.
    ///
    /// # Errors
    /// When the text does not look like an address or is longer than 254 characters.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let value = text.trim().to_lowercase();
        let invalid = || ValidationError::new("email", "must be an e-mail address such as name@example.com");
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for EmailAddress {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}
impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's display name, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// # Errors
    /// When the trimmed text is empty or longer than 100 characters.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let value = text.trim();
        let length = value.chars().count();
        if length == 0 || length > 100 {
            return Err(ValidationError::new("name", "must be 1 to 100 characters"));
        }
        Ok(Self(value.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for PersonName {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<PersonName> for String {
    fn from(value: PersonName) -> Self {
        value.0
    }
}

/// A user as the system knows it now. Credentials are kept apart and never leave the store
/// except to the authentication use case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: EmailAddress,
    pub name: PersonName,
    pub role: Role,
    /// The member account of a trade-side user; `None` for agency staff.
    pub account_id: Option<AccountId>,
    pub active: bool,
    pub two_factor_enabled: bool,
    /// For a consultant: the company officer who delegated access, and until when.
    pub delegated_by: Option<UserId>,
    pub delegation_expires_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

impl User {
    /// A consultant may act only while an officer's delegation runs; everyone else is not
    /// limited by time.
    #[must_use]
    pub fn delegation_is_current(&self, now: OffsetDateTime) -> bool {
        if self.role != Role::Consultant {
            return true;
        }
        matches!((self.delegated_by, self.delegation_expires_at), (Some(_), Some(until)) if now < until)
    }

    /// Checks that a role and an account go together: trade roles need an account, agency
    /// roles must not have one.
    ///
    /// # Errors
    /// When they do not.
    pub fn check_role_and_account(role: Role, account_id: Option<AccountId>) -> Result<(), ValidationError> {
        match (role.side(), account_id) {
            (crate::Side::Trade, None) => {
                Err(ValidationError::new("account", "a trade-side role needs the member account the user belongs to"))
            }
            (crate::Side::Agency, Some(_)) => {
                Err(ValidationError::new("account", "agency staff do not belong to a member account"))
            }
            _ => Ok(()),
        }
    }
}
