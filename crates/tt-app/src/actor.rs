//! Who is acting: a signed-in user (through a session or an API token) or the system itself
//! (the command line run by the operator on the host).

use serde::Serialize;
use time::OffsetDateTime;
use tt_domain::{Account, AccountId, NewAuditRecord, Role, Side, TokenScope, User};

use crate::policy::{self, Permission};
use crate::{AppError, AppResult};

/// How the actor reached the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    ApiToken(TokenScope),
    CommandLine,
}

#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for the system itself.
    pub user: Option<User>,
    pub label: String,
    pub via: Via,
    pub source_address: Option<String>,
    pub request_id: Option<String>,
    /// For a partner-agency liaison: its agency and the members consenting to it when the
    /// request began (see [`crate::App::with_agency_scope`]).
    pub partner_agency: Option<AgencyScope>,
}

/// What a partner-agency liaison may see: its agency, and the accounts that consented to it.
#[derive(Debug, Clone)]
pub struct AgencyScope {
    pub agency: String,
    pub consenting: std::sync::Arc<std::collections::HashSet<AccountId>>,
}

impl Actor {
    /// The operator on the host, through the command line: trusted like the database itself.
    #[must_use]
    pub fn system(label: &str) -> Self {
        Self {
            user: None,
            label: label.to_owned(),
            via: Via::CommandLine,
            source_address: None,
            request_id: None,
            partner_agency: None,
        }
    }

    #[must_use]
    pub fn for_user(user: User, via: Via, source_address: Option<String>, request_id: Option<String>) -> Self {
        Self { label: user.email.to_string(), user: Some(user), via, source_address, request_id, partner_agency: None }
    }

    #[must_use]
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|user| user.role)
    }

    /// The member account a trade-side actor belongs to.
    #[must_use]
    pub fn own_account(&self) -> Option<AccountId> {
        self.user.as_ref().and_then(|user| user.account_id)
    }

    #[must_use]
    pub fn is_agency(&self) -> bool {
        self.role().is_none_or(|role| role.side() == Side::Agency)
    }

    /// Deny by default: allowed only when the policy table lists the actor's role for the
    /// permission, the token's scope allows changes when the permission changes data, and a
    /// consultant's delegation is still running.
    ///
    /// # Errors
    /// `Forbidden` with the reason.
    pub fn require(&self, permission: Permission, now: OffsetDateTime) -> AppResult<()> {
        let Some(user) = &self.user else {
            return Ok(());
        };
        if !user.active {
            return Err(AppError::Forbidden("this user is deactivated"));
        }
        if !user.delegation_is_current(now) {
            return Err(AppError::Forbidden("the consultant's delegation has expired"));
        }
        if self.via == Via::ApiToken(TokenScope::Read) && permission.changes_data() {
            return Err(AppError::Forbidden("this API token may only read"));
        }
        if policy::allows(user.role, permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden("your role does not allow this"))
        }
    }

    /// Whether the actor may see this account at all: members see their own, partner-agency
    /// liaisons see members consenting to every agency or to theirs, other agency staff see
    /// every account.
    #[must_use]
    pub fn can_see_account(&self, account: &Account) -> bool {
        match self.role() {
            None => true,
            Some(Role::PgaLiaison) => {
                account.partner_agency_consent
                    || self.partner_agency.as_ref().is_some_and(|scope| scope.consenting.contains(&account.id))
            }
            Some(role) if role.side() == Side::Trade => self.own_account() == Some(account.id),
            Some(_) => true,
        }
    }

    /// Keeps partner-agency liaisons out of what consenting members share only with CBP
    /// (validations, benefit requests, reconciliation, examinations).
    ///
    /// # Errors
    /// `Forbidden` with `refusal` for a liaison.
    pub fn refuse_partner_agencies(&self, refusal: &'static str) -> AppResult<()> {
        if self.role() == Some(Role::PgaLiaison) { Err(AppError::Forbidden(refusal)) } else { Ok(()) }
    }

    /// # Errors
    /// `Forbidden` when [`Actor::can_see_account`] is false.
    pub fn require_account_visible(&self, account: &Account) -> AppResult<()> {
        if self.can_see_account(account) {
            Ok(())
        } else {
            Err(AppError::Forbidden("this account is not yours to see"))
        }
    }

    /// The audit record of something this actor did. A consultant's actions name the officer
    /// whose delegation they acted under.
    #[must_use]
    pub fn audit(
        &self,
        now: OffsetDateTime,
        action: &str,
        object_type: &str,
        object_id: Option<String>,
        before: Option<&impl Serialize>,
        after: Option<&impl Serialize>,
    ) -> NewAuditRecord {
        let json = |value: Option<&dyn erased::Json>| value.map(erased::Json::to_json);
        NewAuditRecord {
            occurred_at: NewAuditRecord::truncate_time(now),
            actor_id: self.user.as_ref().map(|user| user.id),
            actor_label: self.label.clone(),
            acting_for: self
                .user
                .as_ref()
                .filter(|user| user.role == Role::Consultant)
                .and_then(|user| user.delegated_by),
            source_address: self.source_address.clone(),
            request_id: self.request_id.clone(),
            action: action.to_owned(),
            object_type: object_type.to_owned(),
            object_id,
            before: json(before.map(|value| value as &dyn erased::Json)),
            after: json(after.map(|value| value as &dyn erased::Json)),
        }
    }
}

mod erased {
    //! Serializes any `Serialize` value behind a trait object, for audit snapshots.
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|error| format!("\"unserializable: {error}\""))
        }
    }
}

/// An audit snapshot with nothing in it, for records without before or after values.
pub const NOTHING: Option<&()> = None;
