//! The tamper-evident audit trail: each record carries the SHA-256 of the one before it.
//!
//! The hash covers every field in a fixed, length-prefixed encoding, so changing any stored
//! value (or deleting or reordering records) breaks the chain at that record.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::UserId;

/// A SHA-256 digest in lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChainHash(pub String);

impl ChainHash {
    /// The hash that stands before the first record.
    #[must_use]
    pub fn genesis() -> Self {
        Self("0".repeat(64))
    }
}

/// What happened, by whom and to what; the store adds the sequence number and the hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditRecord {
    /// Truncated to whole microseconds so it survives every database unchanged.
    pub occurred_at: OffsetDateTime,
    /// The user who acted; `None` for the system itself (command line, jobs).
    pub actor_id: Option<UserId>,
    /// A readable name for the actor, kept even if the user is later renamed.
    pub actor_label: String,
    /// For a consultant: the company officer whose delegation the consultant acted under.
    pub acting_for: Option<UserId>,
    pub source_address: Option<String>,
    pub request_id: Option<String>,
    /// A dotted verb such as `account.create` or `session.login_failed`.
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    /// JSON of the object before the change (`None` for a creation or a read).
    pub before: Option<String>,
    /// JSON of the object after the change (`None` for a deletion or a read).
    pub after: Option<String>,
}

impl NewAuditRecord {
    /// Rounds a time down to the microsecond, the precision every backend keeps.
    #[must_use]
    pub fn truncate_time(at: OffsetDateTime) -> OffsetDateTime {
        let micros = at.microsecond();
        at.replace_nanosecond(micros * 1000).unwrap_or(at)
    }
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub sequence: i64,
    #[serde(flatten)]
    pub record: NewAuditRecord,
    pub previous_hash: ChainHash,
    pub hash: ChainHash,
}

impl AuditRecord {
    /// The hash of a record given its sequence number, content and the previous hash.
    #[must_use]
    pub fn compute_hash(sequence: i64, record: &NewAuditRecord, previous: &ChainHash) -> ChainHash {
        fn field(hasher: &mut Sha256, value: Option<&str>) {
            match value {
                None => hasher.update([0u8]),
                Some(text) => {
                    hasher.update([1u8]);
                    hasher.update((text.len() as u64).to_be_bytes());
                    hasher.update(text.as_bytes());
                }
            }
        }
        let mut hasher = Sha256::new();
        hasher.update(sequence.to_be_bytes());
        let micros = record.occurred_at.unix_timestamp_nanos() / 1000;
        hasher.update(micros.to_be_bytes());
        let actor = record.actor_id.map(|id| id.to_string());
        let acting_for = record.acting_for.map(|id| id.to_string());
        for value in [
            actor.as_deref(),
            Some(record.actor_label.as_str()),
            acting_for.as_deref(),
            record.source_address.as_deref(),
            record.request_id.as_deref(),
            Some(record.action.as_str()),
            Some(record.object_type.as_str()),
            record.object_id.as_deref(),
            record.before.as_deref(),
            record.after.as_deref(),
            Some(previous.0.as_str()),
        ] {
            field(&mut hasher, value);
        }
        let digest = hasher.finalize();
        ChainHash(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// Whether this record's stored hash matches its content and the given previous hash.
    #[must_use]
    pub fn is_intact_after(&self, previous: &ChainHash) -> bool {
        self.previous_hash == *previous && Self::compute_hash(self.sequence, &self.record, previous) == self.hash
    }
}
