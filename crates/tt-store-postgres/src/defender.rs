//! The Defender workflow tables on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use tt_domain::membership::FilerEnd;
use tt_domain::{AccountId, CaseId, NewAuditRecord, UserId};
use tt_store::defender::{AlertCase, AlertReview, CaseOutcome, DefenderStore};
use tt_store::trade::EntryWithLines;
use tt_store::{StoreError, StoreResult};

use crate::audit::append_in;
use crate::trade::entry_with_lines_from_row;
use crate::{PostgresStore, translate};

fn review_from_row(row: &PgRow) -> StoreResult<AlertReview> {
    Ok(AlertReview {
        account_id: AccountId(row.try_get("account_id").map_err(translate)?),
        entry_number: row.try_get("entry_number").map_err(translate)?,
        code: row.try_get("code").map_err(translate)?,
        decision: row.try_get("decision").map_err(translate)?,
        note: row.try_get("note").map_err(translate)?,
        decided_by: row.try_get::<Option<uuid::Uuid>, _>("decided_by").map_err(translate)?.map(UserId),
        decided_at: row.try_get("decided_at").map_err(translate)?,
    })
}

fn case_from_row(row: &PgRow) -> StoreResult<AlertCase> {
    let outcome: Option<String> = row.try_get("outcome").map_err(translate)?;
    Ok(AlertCase {
        id: CaseId(row.try_get("id").map_err(translate)?),
        account_id: AccountId(row.try_get("account_id").map_err(translate)?),
        entry_number: row.try_get("entry_number").map_err(translate)?,
        code: row.try_get("code").map_err(translate)?,
        opened_by: row.try_get::<Option<uuid::Uuid>, _>("opened_by").map_err(translate)?.map(UserId),
        opened_at: row.try_get("opened_at").map_err(translate)?,
        outcome: match outcome {
            None => None,
            Some(outcome) => Some(CaseOutcome {
                outcome,
                decided_by: row.try_get::<Option<uuid::Uuid>, _>("decided_by").map_err(translate)?.map(UserId),
                decided_at: row.try_get("decided_at").map_err(translate)?,
            }),
        },
    })
}

const SELECT_CASES: &str = "SELECT c.*, o.outcome, o.decided_by, o.decided_at
     FROM alert_cases c LEFT JOIN alert_case_outcomes o ON o.case_id = c.id";

#[async_trait]
impl DefenderStore for PostgresStore {
    async fn record_review(
        &self,
        review: &AlertReview,
        case: Option<&AlertCase>,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO alert_reviews (account_id, entry_number, code, decision, note, decided_by, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(review.account_id.0)
        .bind(&review.entry_number)
        .bind(&review.code)
        .bind(&review.decision)
        .bind(&review.note)
        .bind(review.decided_by.map(|id| id.0))
        .bind(review.decided_at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        if let Some(case) = case {
            sqlx::query(
                "INSERT INTO alert_cases (id, account_id, entry_number, code, opened_by, opened_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(case.id.0)
            .bind(case.account_id.0)
            .bind(&case.entry_number)
            .bind(&case.code)
            .bind(case.opened_by.map(|id| id.0))
            .bind(case.opened_at)
            .execute(&mut *transaction)
            .await
            .map_err(translate)?;
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn reviews(&self, account_id: Option<AccountId>) -> StoreResult<Vec<AlertReview>> {
        let rows = sqlx::query("SELECT * FROM alert_reviews WHERE ($1 IS NULL OR account_id = $1) ORDER BY sequence")
            .bind(account_id.map(|id| id.0))
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(review_from_row).collect()
    }

    async fn cases(&self) -> StoreResult<Vec<AlertCase>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_CASES} ORDER BY c.opened_at DESC")))
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter().map(case_from_row).collect()
    }

    async fn get_case(&self, id: CaseId) -> StoreResult<AlertCase> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_CASES} WHERE c.id = $1")))
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .map_err(translate)?;
        case_from_row(&row)
    }

    async fn record_case_outcome(&self, id: CaseId, outcome: &CaseOutcome, audit: &NewAuditRecord) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO alert_case_outcomes (case_id, outcome, decided_by, decided_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(id.0)
        .bind(&outcome.outcome)
        .bind(outcome.decided_by.map(|id| id.0))
        .bind(outcome.decided_at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "outcome" });
        }
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn entry_details(&self, entry_number: &str) -> StoreResult<Option<EntryWithLines>> {
        let Some(key) = tt_domain::trade::entry_key(entry_number) else { return Ok(None) };
        let row = sqlx::query("SELECT * FROM entries WHERE entry_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        row.as_ref().map(entry_with_lines_from_row).transpose()
    }

    async fn add_filer_end(
        &self,
        account_id: AccountId,
        end: &FilerEnd,
        recorded_at: time::OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO defender_filer_ends (account_id, filer_code, ended_from, recorded_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(account_id.0)
        .bind(&end.filer_code)
        .bind(end.ended_from)
        .bind(recorded_at)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn filer_ends(&self) -> StoreResult<Vec<(AccountId, FilerEnd)>> {
        let rows = sqlx::query("SELECT account_id, filer_code, ended_from FROM defender_filer_ends ORDER BY sequence")
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        rows.iter()
            .map(|row| {
                Ok((
                    AccountId(row.try_get("account_id").map_err(translate)?),
                    FilerEnd {
                        filer_code: row.try_get("filer_code").map_err(translate)?,
                        ended_from: row.try_get("ended_from").map_err(translate)?,
                    },
                ))
            })
            .collect()
    }
}
