//! Typed identifiers so an account id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered identifier.
            #[must_use]
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses the textual form used in URLs and JSON.
            ///
            /// # Errors
            /// When the text is not a UUID.
            pub fn parse(field: &'static str, text: &str) -> Result<Self, crate::ValidationError> {
                Uuid::parse_str(text.trim())
                    .map(Self)
                    .map_err(|_| crate::ValidationError::new(field, "is not a valid identifier"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A member company's account.
    AccountId
);
uuid_id!(
    /// A person who can sign in, on the trade or the agency side.
    UserId
);
uuid_id!(
    /// A personal API token (the secret itself is never stored).
    ApiTokenId
);
uuid_id!(
    /// A case opened when a member denies a Defender alert.
    CaseId
);
