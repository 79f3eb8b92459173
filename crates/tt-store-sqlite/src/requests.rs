//! Benefit request histories on SQLite.

use async_trait::async_trait;
use sqlx::Row;
use tt_domain::proposals::ProposalEvent;
use tt_domain::requests::{RequestEvent, RequestStep};
use tt_domain::{AccountId, NewAuditRecord};
use tt_store::criteria::{decode, encode};
use tt_store::requests::{
    NewProposalEvent, NewRequestEvent, ProposalStore, RequestStore, StoredProposal, StoredRequest,
};
use tt_store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::audit::append_in;
use crate::{SqliteStore, translate};

/// Groups rows ordered by request then sequence into histories.
fn histories(rows: &[sqlx::sqlite::SqliteRow]) -> StoreResult<Vec<StoredRequest>> {
    let mut requests: Vec<StoredRequest> = Vec::new();
    for row in rows {
        let request_id: Uuid = row.try_get("request_id").map_err(translate)?;
        let payload: String = row.try_get("payload").map_err(translate)?;
        let event = RequestEvent {
            sequence: row.try_get("sequence").map_err(translate)?,
            recorded_at: row.try_get("recorded_at").map_err(translate)?,
            recorded_by: row.try_get("recorded_by").map_err(translate)?,
            step: decode(&payload)?,
        };
        match requests.last_mut() {
            Some(request) if request.request_id == request_id => request.events.push(event),
            _ => requests.push(StoredRequest {
                request_id,
                account_id: AccountId(row.try_get("account_id").map_err(translate)?),
                events: vec![event],
            }),
        }
    }
    Ok(requests)
}

#[async_trait]
impl RequestStore for SqliteStore {
    async fn append_request_event(
        &self,
        expected_last: Option<i64>,
        event: &NewRequestEvent,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT max(sequence) FROM request_events WHERE request_id = $1")
            .bind(event.request_id)
            .fetch_one(&mut *transaction)
            .await
            .map_err(translate)?;
        if last != expected_last {
            return Err(StoreError::Conflict { field: "request" });
        }
        if let RequestStep::Submitted { renews: Some(renewed), .. } = &event.step {
            // A certificate has at most one live renewal: checked inside the write transaction,
            // so two clicks cannot both renew it.
            let submissions = sqlx::query(
                "SELECT events.request_id, events.payload FROM request_events events
                 WHERE events.account_id = $1 AND events.step = 'submitted'
                   AND NOT EXISTS (SELECT 1 FROM request_events ended
                                   WHERE ended.request_id = events.request_id AND ended.step IN ('withdrawn', 'refused'))",
            )
            .bind(event.account_id.0)
            .fetch_all(&mut *transaction)
            .await
            .map_err(translate)?;
            for row in &submissions {
                let payload: String = row.try_get("payload").map_err(translate)?;
                if let RequestStep::Submitted { renews: Some(other), .. } = decode(&payload)?
                    && other == *renewed
                {
                    return Err(StoreError::Conflict { field: "renews" });
                }
            }
        }
        sqlx::query(
            "INSERT INTO request_events
                 (request_id, account_id, kind, recorded_at, recorded_by, recorded_by_user, step, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.request_id)
        .bind(event.account_id.0)
        .bind(event.kind.code())
        .bind(event.recorded_at)
        .bind(&event.recorded_by)
        .bind(event.recorded_by_user.map(|id| id.0))
        .bind(event.step.kind())
        .bind(encode(&event.step)?)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn request(&self, request_id: Uuid) -> StoreResult<Option<StoredRequest>> {
        let rows = sqlx::query("SELECT * FROM request_events WHERE request_id = $1 ORDER BY sequence")
            .bind(request_id)
            .fetch_all(&self.pool)
            .await
            .map_err(translate)?;
        Ok(histories(&rows)?.pop())
    }

    async fn requests(&self, account_id: Option<AccountId>) -> StoreResult<Vec<StoredRequest>> {
        // Newest request first (by its first step), each history in recording order.
        let rows = sqlx::query(
            "SELECT events.* FROM request_events events
             JOIN (SELECT request_id, min(sequence) AS first FROM request_events
                   WHERE ($1 IS NULL OR account_id = $1) GROUP BY request_id) requests
               ON requests.request_id = events.request_id
             ORDER BY requests.first DESC, events.sequence",
        )
        .bind(account_id.map(|id| id.0))
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        histories(&rows)
    }
}

#[async_trait]
impl ProposalStore for SqliteStore {
    async fn append_proposal_event(
        &self,
        expected_last: Option<i64>,
        event: &NewProposalEvent,
        audit: &NewAuditRecord,
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT max(sequence) FROM proposal_events WHERE proposal_id = $1")
            .bind(event.proposal_id)
            .fetch_one(&mut *transaction)
            .await
            .map_err(translate)?;
        if last != expected_last {
            return Err(StoreError::Conflict { field: "proposal" });
        }
        sqlx::query(
            "INSERT INTO proposal_events (proposal_id, recorded_at, recorded_by, recorded_by_user, step, payload)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event.proposal_id)
        .bind(event.recorded_at)
        .bind(&event.recorded_by)
        .bind(event.recorded_by_user.map(|id| id.0))
        .bind(event.step.kind())
        .bind(encode(&event.step)?)
        .execute(&mut *transaction)
        .await
        .map_err(translate)?;
        append_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(translate)
    }

    async fn proposals(&self) -> StoreResult<Vec<StoredProposal>> {
        let rows = sqlx::query(
            "SELECT events.* FROM proposal_events events
             JOIN (SELECT proposal_id, min(sequence) AS first FROM proposal_events GROUP BY proposal_id) proposals
               ON proposals.proposal_id = events.proposal_id
             ORDER BY proposals.first, events.sequence",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        let mut proposals: Vec<StoredProposal> = Vec::new();
        for row in &rows {
            let proposal_id: Uuid = row.try_get("proposal_id").map_err(translate)?;
            let payload: String = row.try_get("payload").map_err(translate)?;
            let event = ProposalEvent {
                sequence: row.try_get("sequence").map_err(translate)?,
                recorded_at: row.try_get("recorded_at").map_err(translate)?,
                recorded_by: row.try_get("recorded_by").map_err(translate)?,
                step: decode(&payload)?,
            };
            match proposals.last_mut() {
                Some(proposal) if proposal.proposal_id == proposal_id => proposal.events.push(event),
                _ => proposals.push(StoredProposal { proposal_id, events: vec![event] }),
            }
        }
        Ok(proposals)
    }
}
