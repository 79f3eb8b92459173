//! Personal API tokens: what they may do and until when. The secret is shown once and only its
//! hash is kept.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ApiTokenId, UserId, ValidationError};

/// What a token may be used for, on top of what its owner's role allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Only reads (`GET`).
    Read,
    /// Reads and changes.
    ReadWrite,
}

impl TokenScope {
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::ReadWrite => "read_write",
        }
    }

    /// # Errors
    /// When the text is neither `read` nor `read_write`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "read" => Ok(Self::Read),
            "read_write" => Ok(Self::ReadWrite),
            _ => Err(ValidationError::new("scope", "must be 'read' or 'read_write'")),
        }
    }
}

/// A token as stored: only the SHA-256 of its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub name: String,
    pub scope: TokenScope,
    #[serde(skip)]
    pub secret_hash: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiToken {
    #[must_use]
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}
