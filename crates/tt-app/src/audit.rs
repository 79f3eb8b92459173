//! Browsing, exporting and verifying the audit trail.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tt_domain::{AuditRecord, ChainHash};
use tt_store::AuditFilter;
use utoipa::{IntoParams, ToSchema};

use crate::actor::NOTHING;
use crate::{Actor, App, AppError, AppResult, Permission};

/// Filters as typed in the browse form or the query string.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Part of the actor's e-mail address or label.
    pub actor: Option<String>,
    /// The start of an action name, such as `account.` or `session.sign_in`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// From this day (inclusive), `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Until this day (inclusive), `YYYY-MM-DD`.
    pub until: Option<String>,
    /// 1-based page of 100 records.
    pub page: Option<i64>,
}

/// One record as shown to clients.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditRecordView {
    pub sequence: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub actor: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub actor_id: Option<tt_domain::UserId>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub acting_for: Option<tt_domain::UserId>,
    pub source_address: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub hash: String,
}

impl From<&AuditRecord> for AuditRecordView {
    fn from(record: &AuditRecord) -> Self {
        let r = &record.record;
        Self {
            sequence: record.sequence,
            occurred_at: r.occurred_at,
            actor: r.actor_label.clone(),
            actor_id: r.actor_id,
            acting_for: r.acting_for,
            source_address: r.source_address.clone(),
            request_id: r.request_id.clone(),
            action: r.action.clone(),
            object_type: r.object_type.clone(),
            object_id: r.object_id.clone(),
            before: r.before.clone(),
            after: r.after.clone(),
            hash: record.hash.0.clone(),
        }
    }
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub records_checked: i64,
    /// The sequence number of the first record whose hash or link does not match.
    pub first_broken: Option<i64>,
}

pub const PAGE_SIZE: i64 = 100;

impl AuditQuery {
    fn to_filter(&self, limit: i64) -> AppResult<AuditFilter> {
        let day = |field: &'static str, text: &Option<String>| -> AppResult<Option<OffsetDateTime>> {
            match text.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                None => Ok(None),
                Some(text) => time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
                    .map(|date| Some(date.midnight().assume_utc()))
                    .map_err(|_| AppError::invalid(field, "must be a date as YYYY-MM-DD")),
            }
        };
        let text =
            |value: &Option<String>| value.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned);
        let page = self.page.unwrap_or(1);
        if page < 1 {
            return Err(AppError::invalid("page", "must be 1 or more"));
        }
        Ok(AuditFilter {
            actor_label: text(&self.actor),
            action_prefix: text(&self.action),
            object_type: text(&self.object_type),
            object_id: text(&self.object_id),
            from: day("from", &self.from)?,
            until: day("until", &self.until)?.map(|until| until + time::Duration::days(1)),
            limit,
            offset: (page - 1) * limit,
        })
    }
}

impl App {
    /// One page of records, newest first.
    ///
    /// # Errors
    /// `Forbidden` without the permission, `Invalid` for a bad filter.
    pub async fn list_audit(&self, actor: &Actor, query: &AuditQuery) -> AppResult<Vec<AuditRecord>> {
        actor.require(Permission::ViewAuditTrail, self.clock.now())?;
        Ok(self.store.list_audit(&query.to_filter(PAGE_SIZE)?).await?)
    }

    /// Every matching record as CSV (newest first). The export itself is audited.
    ///
    /// # Errors
    /// As [`App::list_audit`].
    pub async fn export_audit_csv(&self, actor: &Actor, query: &AuditQuery) -> AppResult<String> {
        let now = self.clock.now();
        actor.require(Permission::ViewAuditTrail, now)?;
        let records = self.store.list_audit(&AuditQuery { page: None, ..query.clone() }.to_filter(i64::MAX)?).await?;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let internal = |error: csv::Error| AppError::Internal(error.into());
        writer
            .write_record([
                "sequence",
                "occurred_at",
                "actor",
                "actor_id",
                "acting_for",
                "source_address",
                "request_id",
                "action",
                "object_type",
                "object_id",
                "before",
                "after",
                "previous_hash",
                "hash",
            ])
            .map_err(internal)?;
        for record in &records {
            let r = &record.record;
            writer
                .write_record([
                    record.sequence.to_string(),
                    r.occurred_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    r.actor_label.clone(),
                    r.actor_id.map(|id| id.to_string()).unwrap_or_default(),
                    r.acting_for.map(|id| id.to_string()).unwrap_or_default(),
                    r.source_address.clone().unwrap_or_default(),
                    r.request_id.clone().unwrap_or_default(),
                    r.action.clone(),
                    r.object_type.clone(),
                    r.object_id.clone().unwrap_or_default(),
                    r.before.clone().unwrap_or_default(),
                    r.after.clone().unwrap_or_default(),
                    record.previous_hash.0.clone(),
                    record.hash.0.clone(),
                ])
                .map_err(internal)?;
        }
        let bytes = writer.into_inner().map_err(|error| AppError::Internal(anyhow::anyhow!("{error}")))?;
        self.store
            .append_audit(&actor.audit(now, "audit.export", "audit_log", None, NOTHING, Some(&records.len())))
            .await?;
        String::from_utf8(bytes).map_err(|error| AppError::Internal(error.into()))
    }

    /// Walks the whole chain in order and reports the first record that does not match.
    ///
    /// # Errors
    /// On storage failure.
    pub async fn verify_audit_chain(&self) -> AppResult<ChainReport> {
        let mut previous = ChainHash::genesis();
        let mut last_sequence = 0;
        let mut checked = 0;
        loop {
            let batch = self.store.audit_chain(last_sequence, 1000).await?;
            if batch.is_empty() {
                return Ok(ChainReport { records_checked: checked, first_broken: None });
            }
            for record in batch {
                checked += 1;
                if record.sequence != last_sequence + 1 || !record.is_intact_after(&previous) {
                    return Ok(ChainReport { records_checked: checked, first_broken: Some(record.sequence) });
                }
                last_sequence = record.sequence;
                previous = record.hash.clone();
            }
        }
    }
}
