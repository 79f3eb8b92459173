//! Status credentials: a member's certified status, signed with the program's Ed25519 key, that
//! a business partner outside the program can check offline with the published public key (the
//! retired SVI numbers proved nothing by themselves).
//!
//! A credential is written `payload.signature`. The payload is the claims as JSON, and the
//! signature is Ed25519 over the payload *as written* (its base64url text): a verifier checks
//! the bytes it received, never a re-encoding. Both parts are base64url without padding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ValidationError;

/// The claims' format, so that a later format is never read as this one.
pub const FORMAT: &str = "trusted-trader-status/1";

/// The length of an Ed25519 signature.
pub const SIGNATURE_BYTES: usize = 64;

/// What a status credential says: who, which status, for whom, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusClaims {
    pub format: String,
    pub credential_id: Uuid,
    pub account_number: String,
    pub legal_name: String,
    /// `Tier I`, `Tier II` or `Tier III`.
    pub ctpat_tier: String,
    pub trade_compliance: bool,
    /// The business partner the member gave it to.
    pub issued_to: String,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A credential read from its text: the payload as written, its claims, and the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCredential {
    /// The base64url payload: the signed bytes.
    pub payload: String,
    pub claims: StatusClaims,
    pub signature: [u8; SIGNATURE_BYTES],
}

impl StatusClaims {
    /// The payload text to sign: the claims as JSON, base64url.
    ///
    /// # Panics
    /// Never: the claims are plain strings, numbers and booleans, which always serialize.
    #[must_use]
    pub fn payload(&self) -> String {
        let json = serde_json::to_vec(self).expect("claims serialize");
        URL_SAFE_NO_PAD.encode(json)
    }
}

impl SignedCredential {
    /// The credential's text: `payload.signature`.
    #[must_use]
    pub fn text(&self) -> String {
        format!("{}.{}", self.payload, URL_SAFE_NO_PAD.encode(self.signature))
    }

    /// Reads a credential's text (whitespace around it, as pasted, is ignored). The signature
    /// is not checked here: that needs the key.
    ///
    /// # Errors
    /// On the field `credential`, saying what is wrong with the text.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let invalid = |message: &str| ValidationError::new("credential", message);
        let text = text.trim();
        let (payload, signature) =
            text.split_once('.').ok_or_else(|| invalid("is not a status credential: it has no signature part"))?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| invalid("is not a status credential: its payload is not base64url"))?;
        let claims: StatusClaims = serde_json::from_slice(&json)
            .map_err(|_| invalid("is not a status credential: its payload is not status claims"))?;
        if claims.format != FORMAT {
            return Err(invalid(&format!("is in the format {:?}, not {FORMAT:?}", claims.format)));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|bytes| <[u8; SIGNATURE_BYTES]>::try_from(bytes).ok())
            .ok_or_else(|| invalid("has a signature that is not 64 bytes of base64url"))?;
        Ok(Self { payload: payload.to_owned(), claims, signature })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    fn claims() -> StatusClaims {
        StatusClaims {
            format: FORMAT.to_owned(),
            credential_id: Uuid::nil(),
            account_number: "DEMO-IMP-001".to_owned(),
            legal_name: "Great Lakes Imports, Inc.".to_owned(),
            ctpat_tier: "Tier II".to_owned(),
            trade_compliance: true,
            issued_to: "Harbor Freight Forwarding".to_owned(),
            issued_at: datetime!(2026-11-29 12:00 UTC),
            expires_at: datetime!(2027-02-27 12:00 UTC),
        }
    }

    #[test]
    fn a_credential_reads_back_as_written() {
        let credential = SignedCredential { payload: claims().payload(), claims: claims(), signature: [7; 64] };
        assert_eq!(SignedCredential::parse(&format!("  {}\n", credential.text())), Ok(credential));
    }

    #[test]
    fn a_credential_without_a_signature_or_in_another_format_is_refused_on_the_credential_field() {
        let payload = claims().payload();
        assert_eq!(SignedCredential::parse(&payload).map_err(|error| error.field), Err("credential"));
        let other = StatusClaims { format: "other/2".to_owned(), ..claims() };
        let text = format!("{}.{}", other.payload(), URL_SAFE_NO_PAD.encode([0; 64]));
        assert!(SignedCredential::parse(&text).is_err_and(|error| error.message.contains("other/2")));
        let short = format!("{payload}.{}", URL_SAFE_NO_PAD.encode([0; 63]));
        assert!(SignedCredential::parse(&short).is_err_and(|error| error.message.contains("64 bytes")));
    }

    proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in ".{0,300}") {
            let _ = SignedCredential::parse(&text);
        }

        #[test]
        fn any_issued_to_name_survives_the_round_trip(issued_to in ".{1,80}", signature in proptest::array::uniform32(any::<u8>())) {
            let claims = StatusClaims { issued_to, ..claims() };
            let mut full = [0u8; 64];
            full[..32].copy_from_slice(&signature);
            let credential = SignedCredential { payload: claims.payload(), claims, signature: full };
            prop_assert_eq!(SignedCredential::parse(&credential.text()), Ok(credential));
        }
    }
}
