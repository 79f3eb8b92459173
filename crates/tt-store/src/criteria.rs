//! Storage of criteria catalogue versions published after the built-in ones.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::NewAuditRecord;
use tt_domain::criteria::{Catalogue, Mapping};

use crate::{StoreError, StoreResult};

/// A published version with the mapping from the version before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCatalogue {
    pub catalogue: Catalogue,
    pub previous_version: String,
    pub mapping: Mapping,
    pub published_at: OffsetDateTime,
    pub published_by: String,
}

/// The criteria (or the mapping) as stored: JSON.
///
/// # Errors
/// Never in practice; a storage failure if serialization failed.
pub fn encode<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|error| StoreError::Other(Box::new(error)))
}

/// # Errors
/// When the stored JSON does not parse (a corrupted row).
pub fn decode<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|error| StoreError::Other(Box::new(error)))
}

#[async_trait]
pub trait CriteriaStore: Send + Sync {
    /// Stores a new version; a version that exists already for the catalogue is a conflict on
    /// `version`.
    async fn publish_catalogue(&self, published: &PublishedCatalogue, audit: &NewAuditRecord) -> StoreResult<()>;
    /// Every published version, oldest effective date first.
    async fn published_catalogues(&self) -> StoreResult<Vec<PublishedCatalogue>>;
}
