//! Administration pages: the roles-and-permissions table and the audit trail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tt_app::Permission;
use tt_app::audit::{AuditQuery, AuditRecordView, PAGE_SIZE};
use tt_domain::Role;

use super::{Layout, display_time};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::SignedIn;

pub struct PolicyRow {
    pub permission: String,
    pub description: &'static str,
    pub changes_data: bool,
    pub allowed: Vec<bool>,
}

#[derive(Template, WebTemplate)]
#[template(path = "roles.html")]
pub struct RolesPage {
    layout: Layout,
    roles: Vec<(&'static str, &'static str)>,
    rows: Vec<PolicyRow>,
}

pub async fn roles_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    signed_in.actor.require(Permission::ViewPolicy, state.app.clock.now())?;
    let rows = tt_app::policy::POLICY
        .iter()
        .map(|(permission, changes_data, description, roles)| PolicyRow {
            permission: serde_json::to_value(permission)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
            description,
            changes_data: *changes_data,
            allowed: Role::ALL.iter().map(|role| roles.contains(role)).collect(),
        })
        .collect();
    Ok(RolesPage {
        layout: Layout::for_signed_in(&signed_in),
        roles: Role::ALL.iter().map(|role| (role.id(), role.label())).collect(),
        rows,
    }
    .into_response())
}

pub struct AuditRow {
    pub record: AuditRecordView,
    pub when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    layout: Layout,
    query: AuditQuery,
    rows: Vec<AuditRow>,
    page: i64,
    has_next: bool,
    export_query: String,
    error: Option<String>,
}

impl AuditPage {
    fn text(value: &Option<String>) -> &str {
        value.as_deref().unwrap_or_default()
    }
}

fn query_string(query: &AuditQuery) -> String {
    [
        ("actor", &query.actor),
        ("action", &query.action),
        ("object_type", &query.object_type),
        ("object_id", &query.object_id),
        ("from", &query.from),
        ("until", &query.until),
    ]
    .iter()
    .filter_map(|(key, value)| {
        value.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{key}={}", super::encode_query_value(v)))
    })
    .collect::<Vec<_>>()
    .join("&")
}

pub async fn audit_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let page = query.page.unwrap_or(1);
    let (records, error) = match state.app.list_audit(&signed_in.actor, &query).await {
        Ok(records) => (records, None),
        Err(tt_app::AppError::Invalid(errors)) => {
            (Vec::new(), Some(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))
        }
        Err(other) => return Err(other.into()),
    };
    let has_next = i64::try_from(records.len()).unwrap_or(0) == PAGE_SIZE;
    Ok(AuditPage {
        layout: Layout::for_signed_in(&signed_in),
        export_query: query_string(&query),
        rows: records
            .iter()
            .map(|record| AuditRow { when: display_time(record.record.occurred_at), record: record.into() })
            .collect(),
        query,
        page,
        has_next,
        error,
    }
    .into_response())
}

pub async fn export_audit(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let csv = state.app.export_audit_csv(&signed_in.actor, &query).await?;
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit-trail.csv\""));
    Ok(response)
}
