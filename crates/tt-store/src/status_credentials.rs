//! Storage of status credentials: each issued credential and its revocation, append-only.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::{AccountId, NewAuditRecord, UserId};
use uuid::Uuid;

use crate::StoreResult;

/// Why, by whom and when a credential was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRevocation {
    pub reason: String,
    pub revoked_by: Option<UserId>,
    pub revoked_at: OffsetDateTime,
}

/// An issued status credential, with its revocation if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    pub id: Uuid,
    pub account_id: AccountId,
    pub issued_to: String,
    pub issued_by: Option<UserId>,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The signed text handed to the partner (`payload.signature`).
    pub text: String,
    pub revocation: Option<CredentialRevocation>,
}

#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Stores an issued credential (its revocation is ignored) with the audit record.
    async fn add_credential(&self, credential: &StoredCredential, audit: &NewAuditRecord) -> StoreResult<()>;
    /// An account's credentials, newest first.
    async fn credentials(&self, account_id: AccountId) -> StoreResult<Vec<StoredCredential>>;
    /// One credential; `NotFound` if none has the id.
    async fn get_credential(&self, id: Uuid) -> StoreResult<StoredCredential>;
    /// Revokes a credential; one already revoked is a conflict on `credential`.
    async fn revoke_credential(
        &self,
        id: Uuid,
        revocation: &CredentialRevocation,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
}
