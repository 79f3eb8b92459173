//! Users: staff and members add people, invite them by e-mail, delegate consultants and
//! deactivate accounts that should no longer sign in.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tt_domain::{AccountId, AccountNumber, EmailAddress, PersonName, Role, Side, User, UserId};
use tt_store::{NewUser, UserFilter};
use utoipa::ToSchema;

use crate::actor::NOTHING;
use crate::auth::check_new_password;
use crate::error::FieldErrors;
use crate::secrets::{hash_secret, new_secret};
use crate::{Actor, App, AppError, AppResult, OutgoingEmail, Permission};

/// A new user as typed or sent. Without a password, the user is invited by e-mail.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub email: String,
    pub name: String,
    /// A role identifier such as `employee` or `scss`.
    pub role: String,
    /// The member account (trade roles only).
    #[serde(default)]
    pub account_number: Option<String>,
    /// Set a password now instead of sending an invitation.
    #[serde(default)]
    pub password: Option<String>,
}

/// A user as shown to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserView {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub role_label: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub account_id: Option<AccountId>,
    pub active: bool,
    pub two_factor_enabled: bool,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub delegated_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delegation_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.to_string(),
            name: user.name.as_str().to_owned(),
            role: user.role.id().to_owned(),
            role_label: user.role.label().to_owned(),
            account_id: user.account_id,
            active: user.active,
            two_factor_enabled: user.two_factor_enabled,
            delegated_by: user.delegated_by,
            delegation_expires_at: user.delegation_expires_at,
            created_at: user.created_at,
        }
    }
}

/// The result of adding a user: with an invitation link when no password was set.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user: User,
    pub invitation_link: Option<String>,
}

impl App {
    fn require_user_admin(
        &self,
        actor: &Actor,
        role: Role,
        account_id: Option<AccountId>,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        if actor.user.is_none() {
            return Ok(());
        }
        let own_account = actor.own_account().is_some() && actor.own_account() == account_id;
        if own_account && matches!(role, Role::Employee | Role::Consultant | Role::ReadOnly) {
            actor.require(Permission::ManageAccountUsers, now)
        } else {
            actor.require(Permission::ManageAllUsers, now)
        }
    }

    /// Adds a user, with a password or (without one) an e-mailed invitation.
    ///
    /// # Errors
    /// `Invalid` per field, `Conflict` for a used e-mail address, `Forbidden` outside the
    /// actor's authority (members add only employees, consultants and read-only users to their
    /// own account).
    pub async fn create_user(&self, actor: &Actor, input: &UserInput) -> AppResult<CreatedUser> {
        let now = self.clock.now();
        // Deny before looking at the input, so a caller without authority learns nothing from it.
        if actor.user.is_some() && actor.require(Permission::ManageAllUsers, now).is_err() {
            actor.require(Permission::ManageAccountUsers, now)?;
        }
        let mut errors = FieldErrors::default();
        let email = errors.take(EmailAddress::parse(&input.email));
        let name = errors.take(PersonName::parse(&input.name));
        let role = errors.take(Role::parse(&input.role));
        let account_number = input
            .account_number
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .and_then(|text| errors.take(AccountNumber::parse(text)));
        errors.finish()?;
        let (Some(email), Some(name), Some(role)) = (email, name, role) else {
            return Err(AppError::Internal(anyhow::anyhow!("field errors were not collected")));
        };
        let account_id = match &account_number {
            None => None,
            Some(number) => Some(
                self.store
                    .find_account_by_number(number)
                    .await?
                    .ok_or_else(|| AppError::invalid("account_number", "no account has this number"))?
                    .id,
            ),
        };
        User::check_role_and_account(role, account_id)?;
        self.require_user_admin(actor, role, account_id, now)?;
        let password_hash = match input.password.as_deref().filter(|text| !text.is_empty()) {
            Some(password) => {
                check_new_password(&email, password, password)?;
                Some(crate::password::hash_password(password.to_owned()).await?)
            }
            None => None,
        };
        let user = User {
            id: UserId::generate(),
            email,
            name,
            role,
            account_id,
            active: true,
            two_factor_enabled: false,
            delegated_by: None,
            delegation_expires_at: None,
            created_at: now,
        };
        let invite = password_hash.is_none();
        let audit =
            actor.audit(now, "user.create", "user", Some(user.id.to_string()), NOTHING, Some(&UserView::from(&user)));
        self.store.create_user(&NewUser { user: user.clone(), password_hash }, &audit).await?;
        let invitation_link = if invite { Some(self.invite(actor, &user, now).await?) } else { None };
        Ok(CreatedUser { user, invitation_link })
    }

    /// Stores an invitation and e-mails its link; returns the link.
    async fn invite(&self, actor: &Actor, user: &User, now: OffsetDateTime) -> AppResult<String> {
        let secret = new_secret("")?;
        let expires_at = now + Duration::days(self.settings.invitation_valid_days);
        let audit = actor.audit(now, "user.invite", "user", Some(user.id.to_string()), NOTHING, NOTHING);
        self.store.create_invitation(&hash_secret(&secret), user.id, expires_at, &audit).await?;
        let link = format!("{}/invitations/{secret}", self.settings.public_base_url.trim_end_matches('/'));
        let body = format!(
            "Hello {},\n\nYou have been invited to the Trusted Trader portal as {}.\n\
             Choose your password here within {} days:\n\n{link}\n",
            user.name.as_str(),
            user.role.label(),
            self.settings.invitation_valid_days
        );
        self.mailer
            .send(OutgoingEmail {
                to: user.email.to_string(),
                subject: "Your Trusted Trader invitation".to_owned(),
                body,
            })
            .await
            .map_err(AppError::Internal)?;
        Ok(link)
    }

    /// The invited user behind an invitation link, if it is still valid.
    ///
    /// # Errors
    /// `NotFound` for an unknown, used or expired invitation.
    pub async fn find_invitation(&self, secret: &str) -> AppResult<User> {
        let user_id =
            self.store.find_invitation(&hash_secret(secret), self.clock.now()).await?.ok_or(AppError::NotFound)?;
        Ok(self.store.get_user(user_id).await?)
    }

    /// Sets the invited user's first password; the invitation is then used up.
    ///
    /// # Errors
    /// `NotFound` as [`App::find_invitation`], `Invalid` for a weak or mismatched password.
    pub async fn accept_invitation(&self, secret: &str, password: &str, confirmation: &str) -> AppResult<User> {
        let user = self.find_invitation(secret).await?;
        check_new_password(&user.email, password, confirmation)?;
        let hash = crate::password::hash_password(password.to_owned()).await?;
        let actor = Actor::for_user(user.clone(), crate::Via::Session, None, None);
        let audit = actor.audit(
            self.clock.now(),
            "user.invitation_accepted",
            "user",
            Some(user.id.to_string()),
            NOTHING,
            NOTHING,
        );
        self.store.accept_invitation(&hash_secret(secret), &hash, &audit).await?;
        Ok(user)
    }

    /// Users the actor may see: members see their own account's users, staff see everyone
    /// (optionally one account's).
    ///
    /// # Errors
    /// `Forbidden` without the permission.
    pub async fn list_users(&self, actor: &Actor, account_id: Option<AccountId>) -> AppResult<Vec<User>> {
        actor.require(Permission::ViewUsers, self.clock.now())?;
        let filter = if actor.is_agency() {
            UserFilter { account_id, side: None }
        } else {
            UserFilter { account_id: actor.own_account(), side: Some(Side::Trade) }
        };
        Ok(self.store.list_users(&filter).await?)
    }

    /// # Errors
    /// `NotFound`, or `Forbidden` outside the actor's scope.
    pub async fn get_user(&self, actor: &Actor, id: UserId) -> AppResult<User> {
        actor.require(Permission::ViewUsers, self.clock.now())?;
        let user = self.store.get_user(id).await?;
        if !actor.is_agency() && user.account_id != actor.own_account() {
            return Err(AppError::Forbidden("this user is not in your account"));
        }
        Ok(user)
    }

    /// Activates or deactivates a user; deactivation ends all of the user's sessions.
    ///
    /// # Errors
    /// `Forbidden` outside the actor's authority or for oneself.
    pub async fn set_user_active(&self, actor: &Actor, id: UserId, active: bool) -> AppResult<User> {
        let now = self.clock.now();
        let before = self.store.get_user(id).await?;
        self.require_user_admin(actor, before.role, before.account_id, now)?;
        if actor.user.as_ref().is_some_and(|user| user.id == id) {
            return Err(AppError::Forbidden("you cannot deactivate yourself"));
        }
        let after = User { active, ..before.clone() };
        let action = if active { "user.activate" } else { "user.deactivate" };
        let audit = actor.audit(
            now,
            action,
            "user",
            Some(id.to_string()),
            Some(&UserView::from(&before)),
            Some(&UserView::from(&after)),
        );
        self.store.update_user(&after, &audit).await?;
        if !active {
            self.store.delete_sessions_of_user(id).await?;
        }
        Ok(after)
    }

    /// A company officer lets a consultant of the same account act for a limited time
    /// (1 to 365 days); every action the consultant takes names the officer.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is an officer of the consultant's account, `Invalid` for
    /// a bad duration or a user who is not a consultant.
    pub async fn delegate_consultant(&self, actor: &Actor, consultant_id: UserId, days: i64) -> AppResult<User> {
        let now = self.clock.now();
        actor.require(Permission::DelegateConsultant, now)?;
        let officer = actor.user.as_ref().ok_or(AppError::Forbidden("only a company officer can delegate"))?;
        let before = self.store.get_user(consultant_id).await?;
        if before.account_id != officer.account_id {
            return Err(AppError::Forbidden("this consultant is not in your account"));
        }
        if before.role != Role::Consultant {
            return Err(AppError::invalid("user", "only consultants receive delegations"));
        }
        if !(1..=365).contains(&days) {
            return Err(AppError::invalid("days", "must be from 1 to 365"));
        }
        let after = User {
            delegated_by: Some(officer.id),
            delegation_expires_at: Some(now + Duration::days(days)),
            ..before.clone()
        };
        let audit = actor.audit(
            now,
            "user.delegate",
            "user",
            Some(consultant_id.to_string()),
            Some(&UserView::from(&before)),
            Some(&UserView::from(&after)),
        );
        self.store.update_user(&after, &audit).await?;
        Ok(after)
    }
}
