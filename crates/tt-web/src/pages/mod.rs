//! Server-rendered pages. Each page is an askama template struct; handlers call the same use
//! cases as the API. Pages work without JavaScript; every form carries a CSRF token.

pub mod accounts;
pub mod admin;
pub mod agencies;
pub mod benefits;
pub mod connections;
pub mod credentials;
pub mod criteria;
pub mod dashboards;
pub mod defender;
pub mod forced_labor;
pub mod home;
pub mod kpis;
pub mod membership;
pub mod mutual_recognition;
pub mod policies;
pub mod profile;
pub mod questionnaire;
pub mod reports;
pub mod security_profile;
pub mod session;
pub mod users;
pub mod validation;

use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use tt_app::{Actor, AppError, Permission};
use tt_domain::ValidationError;

use crate::error::PageError;
use crate::extractors::SignedIn;

/// An account id from an address or a query: one that does not parse names no account, so it
/// is not found (rather than a form error on a field the user never typed).
pub(crate) fn parse_account(text: &str) -> Result<tt_domain::AccountId, PageError> {
    tt_domain::AccountId::parse("account", text.trim()).map_err(|_| PageError::from(AppError::NotFound))
}

/// A link in the main navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// What every page's frame shows: who is signed in, the navigation and the sign-out form's token.
#[derive(Debug, Clone)]
pub struct Layout {
    pub user_name: Option<String>,
    pub role_label: String,
    pub csrf_token: String,
    pub nav: Vec<NavLink>,
}

impl Layout {
    #[must_use]
    pub fn anonymous() -> Self {
        Self { user_name: None, role_label: String::new(), csrf_token: String::new(), nav: Vec::new() }
    }

    /// The frame for a signed-in user, with only the links the role can use.
    #[must_use]
    pub fn for_signed_in(signed_in: &SignedIn) -> Self {
        let actor = &signed_in.actor;
        let mut nav = vec![NavLink { href: "/", label: "Home" }];
        let can = |permission| can(actor, permission);
        if can(Permission::ViewAccounts) {
            nav.push(NavLink { href: "/accounts", label: if actor.is_agency() { "Accounts" } else { "My company" } });
        }
        if can(Permission::ViewWorkQueues) {
            nav.push(NavLink { href: "/work", label: "My work" });
            if can(Permission::ReviewTradeCompliance) || can(Permission::DecideTradeCompliance) {
                nav.push(NavLink { href: "/migration", label: "Migration" });
            }
        } else if !actor.is_agency() {
            nav.push(NavLink { href: "/work", label: "What we owe" });
            nav.push(NavLink { href: "/dashboards/member", label: "Our dashboard" });
            nav.push(NavLink { href: "/connections", label: "Status verification" });
        }
        if can(Permission::ViewUsers) {
            nav.push(NavLink { href: "/users", label: "Users" });
        }
        if can(Permission::ViewAccounts) && actor.role() != Some(tt_domain::Role::PgaLiaison) {
            nav.push(NavLink { href: "/criteria", label: "Criteria" });
        }
        if can(Permission::ViewProgramData) || !actor.is_agency() {
            nav.push(NavLink { href: "/kpis", label: "KPIs" });
        }
        if can(Permission::ViewAccounts) && actor.role() != Some(tt_domain::Role::PgaLiaison) {
            nav.push(NavLink { href: "/benefits", label: "Benefits" });
            nav.push(NavLink { href: "/requests", label: "Requests" });
        }
        if can(Permission::ReviewDefenderAlerts) {
            nav.push(NavLink { href: "/alerts", label: "Defender alerts" });
        }
        if can(Permission::ViewProgramData) {
            nav.push(NavLink { href: "/cases", label: "Cases" });
            nav.push(NavLink { href: "/dashboards/program", label: "Dashboard" });
            nav.push(NavLink { href: "/reports/annual", label: "Annual report" });
        }
        if !actor.is_agency() && can(Permission::PrepareMembership) {
            nav.push(NavLink { href: "/questionnaires", label: "Questionnaires" });
        }
        if can(Permission::ViewAuditTrail) {
            nav.push(NavLink { href: "/admin/audit", label: "Audit trail" });
        }
        if can(Permission::ViewPolicy) {
            nav.push(NavLink { href: "/admin/roles", label: "Roles" });
        }
        if can(Permission::ViewOutbox) {
            nav.push(NavLink { href: "/admin/outbox", label: "Outbox" });
        }
        nav.push(NavLink { href: "/agencies", label: "Partner agencies" });
        nav.push(NavLink { href: "/mutual-recognition", label: "Mutual recognition" });
        nav.push(NavLink { href: "/policies", label: "Policies" });
        nav.push(NavLink { href: "/inbox", label: "Inbox" });
        nav.push(NavLink { href: "/profile", label: "My profile" });
        Self {
            user_name: actor.user.as_ref().map(|user| user.name.as_str().to_owned()),
            role_label: actor.role().map(|role| role.label().to_owned()).unwrap_or_default(),
            csrf_token: signed_in.session.csrf_token.clone(),
            nav,
        }
    }
}

/// Whether the actor holds a permission (to show or hide links and buttons; the use case
/// still decides).
#[must_use]
pub fn can(actor: &Actor, permission: Permission) -> bool {
    actor.user.as_ref().is_none_or(|user| tt_app::policy::allows(user.role, permission))
}

/// Errors shown above a form and beside each field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    pub items: Vec<ValidationError>,
}

impl FormErrors {
    /// Splits an error into what a form shows (invalid fields) and what it cannot (the rest).
    ///
    /// # Errors
    /// Any error that is not about the input.
    pub fn from_app(error: AppError) -> Result<Self, AppError> {
        match error {
            AppError::Invalid(items) => Ok(Self { items }),
            AppError::Conflict { field, message } => Ok(Self { items: vec![ValidationError::new(field, message)] }),
            other => Err(other),
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message for one field, or an empty string.
    #[must_use]
    pub fn for_field(&self, field: &str) -> String {
        self.items
            .iter()
            .filter(|item| item.field == field)
            .map(|item| item.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Percent-encodes a value for a query string.
#[must_use]
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// A `303 See Other` after a successful form, so reloading does not resend it.
#[must_use]
pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// Builds a `Set-Cookie` header value.
#[must_use]
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Formats a time for people: `2026-11-29 14:03 UTC`.
#[must_use]
pub fn display_time(at: time::OffsetDateTime) -> String {
    at.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).unwrap_or_default()
}
