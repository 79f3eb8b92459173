//! Partner programs' certificate lists on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use tt_domain::mutual_recognition::{CertificateStatus, ForeignOperator};
use tt_domain::{CountryCode, NewAuditRecord, UserId};
use tt_store::mutual_recognition::{MutualRecognitionStore, OperatorImport};
use tt_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{PostgresStore, translate};

fn import_from_row(row: &PgRow) -> StoreResult<OperatorImport> {
    Ok(OperatorImport {
        id: row.try_get("id").map_err(translate)?,
        arrangement_code: row.try_get("arrangement_code").map_err(translate)?,
        file_name: row.try_get("file_name").map_err(translate)?,
        imported_by: row.try_get::<Option<Uuid>, _>("imported_by").map_err(translate)?.map(UserId),
        imported_at: row.try_get("imported_at").map_err(translate)?,
        operators: i64::from(row.try_get::<i32, _>("operators").map_err(translate)?),
    })
}

fn operator_from_row(row: &PgRow) -> StoreResult<ForeignOperator> {
    let invalid = |error: tt_domain::ValidationError| StoreError::Other(error.message.into());
    Ok(ForeignOperator {
        operator_id: row.try_get("operator_id").map_err(translate)?,
        name: row.try_get("name").map_err(translate)?,
        country: CountryCode::parse("country", &row.try_get::<String, _>("country").map_err(translate)?)
            .map_err(invalid)?,
        status: CertificateStatus::parse(&row.try_get::<String, _>("status").map_err(translate)?).map_err(invalid)?,
        valid_from: row.try_get("valid_from").map_err(translate)?,
        valid_to: row.try_get("valid_to").map_err(translate)?,
    })
}

/// Each arrangement's latest import.
const LATEST_IMPORTS: &str = "SELECT * FROM foreign_operator_imports latest
     WHERE latest.id = (SELECT MAX(later.id) FROM foreign_operator_imports later
                        WHERE later.arrangement_code = latest.arrangement_code)";

#[async_trait]
impl MutualRecognitionStore for PostgresStore {
    async fn record_operator_import(
        &self,
        import: &OperatorImport,
        operators: &[ForeignOperator],
        audit: &NewAuditRecord,
    ) -> StoreResult<i64> {
        let mut transaction = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO foreign_operator_imports (arrangement_code, file_name, imported_by, imported_at, operators)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&import.arrangement_code)
        .bind(&import.file_name)
        .bind(import.imported_by.map(|id| id.0))
        .bind(import.imported_at)
        .bind(i32::try_from(operators.len()).map_err(|error| StoreError::Other(Box::new(error)))?)
        .fetch_one(&mut *transaction)
        .await
        .map_err(translate)?;
        for operator in operators {
            sqlx::query(
                "INSERT INTO foreign_operators (import_id, operator_id, name, country, status, valid_from, valid_to)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&operator.operator_id)
            .bind(&operator.name)
            .bind(operator.country.as_str())
            .bind(operator.status.id())
            .bind(operator.valid_from)
            .bind(operator.valid_to)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)?;
        Ok(id)
    }

    async fn latest_operator_imports(&self) -> StoreResult<Vec<OperatorImport>> {
        let query = format!("{LATEST_IMPORTS} ORDER BY arrangement_code");
        let rows = sqlx::query(sqlx::AssertSqlSafe(query)).fetch_all(&self.pool).await.map_err(translate)?;
        rows.iter().map(import_from_row).collect()
    }

    async fn find_foreign_operator(&self, operator_id: &str) -> StoreResult<Vec<(OperatorImport, ForeignOperator)>> {
        let imports = self.latest_operator_imports().await?;
        let rows = sqlx::query("SELECT * FROM foreign_operators WHERE operator_id = $1")
            .bind(operator_id)
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        let mut found = Vec::new();
        for row in &rows {
            let import_id: i64 = row.try_get("import_id").map_err(translate)?;
            if let Some(import) = imports.iter().find(|import| import.id == import_id) {
                found.push((import.clone(), operator_from_row(row)?));
            }
        }
        Ok(found)
    }
}
