//! Storage of partner programs' certificate lists: each import a snapshot, append-only; a
//! lookup reads each program's latest import.

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::mutual_recognition::ForeignOperator;
use tt_domain::{NewAuditRecord, UserId};

use crate::StoreResult;

/// One import of a partner program's certificate list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorImport {
    /// Set by the store.
    pub id: i64,
    pub arrangement_code: String,
    pub file_name: String,
    pub imported_by: Option<UserId>,
    pub imported_at: OffsetDateTime,
    pub operators: i64,
}

#[async_trait]
pub trait MutualRecognitionStore: Send + Sync {
    /// Stores an import and its operators, with the audit record, in one transaction; returns
    /// the import's id.
    async fn record_operator_import(
        &self,
        import: &OperatorImport,
        operators: &[ForeignOperator],
        audit: &NewAuditRecord,
    ) -> StoreResult<i64>;
    /// The latest import of each arrangement.
    async fn latest_operator_imports(&self) -> StoreResult<Vec<OperatorImport>>;
    /// The operator with this id in the latest import of each arrangement that lists it.
    async fn find_foreign_operator(&self, operator_id: &str) -> StoreResult<Vec<(OperatorImport, ForeignOperator)>>;
}
