//! User pages: the list, one user (with activation and consultant delegation), and the form
//! that adds a user or sends an invitation.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tt_app::users::UserInput;
use tt_app::{AppError, Permission};
use tt_domain::{Role, UserId};

use super::accounts::UserRow;
use super::{FormErrors, Layout, can, display_time, see_other};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, SignedIn};

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
pub struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    can_add: bool,
}

pub async fn users_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let users = state.app.list_users(&signed_in.actor, None).await?;
    Ok(UsersPage {
        layout: Layout::for_signed_in(&signed_in),
        users: users.iter().map(UserRow::from).collect(),
        can_add: can(&signed_in.actor, Permission::ManageAccountUsers)
            || can(&signed_in.actor, Permission::ManageAllUsers),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "user.html")]
pub struct UserPage {
    layout: Layout,
    user: tt_app::users::UserView,
    account_link: Option<String>,
    created: String,
    delegation: Option<String>,
    is_consultant: bool,
    can_manage: bool,
    can_delegate: bool,
    errors: FormErrors,
}

fn parse_user_id(text: &str) -> Result<UserId, PageError> {
    UserId::parse("id", text).map_err(|_| PageError::App(AppError::NotFound))
}

async fn user_page_with(
    state: &WebState,
    signed_in: &SignedIn,
    id: UserId,
    errors: FormErrors,
) -> Result<UserPage, PageError> {
    let user = state.app.get_user(&signed_in.actor, id).await?;
    let actor = &signed_in.actor;
    let same_account = user.account_id.is_some() && user.account_id == actor.own_account();
    Ok(UserPage {
        layout: Layout::for_signed_in(signed_in),
        account_link: user.account_id.map(|account| format!("/accounts/{account}")),
        created: display_time(user.created_at),
        delegation: user.delegation_expires_at.map(display_time),
        is_consultant: user.role == Role::Consultant,
        can_manage: can(actor, Permission::ManageAllUsers)
            || (same_account && can(actor, Permission::ManageAccountUsers)),
        can_delegate: same_account && can(actor, Permission::DelegateConsultant),
        user: (&user).into(),
        errors,
    })
}

pub async fn user_page(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(user_page_with(&state, &signed_in, parse_user_id(&id)?, FormErrors::default()).await?.into_response())
}

pub async fn set_user_active(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let user_id = parse_user_id(&id)?;
    state.app.set_user_active(&signed_in.actor, user_id, form.value("active") == "true").await?;
    Ok(see_other(&format!("/users/{id}")))
}

pub async fn delegate_consultant(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let user_id = parse_user_id(&id)?;
    // A non-number becomes 0, which the use case refuses with the field named, after it has
    // checked that the actor may delegate at all.
    let days = form.value("days").trim().parse::<i64>().unwrap_or(0);
    match state.app.delegate_consultant(&signed_in.actor, user_id, days).await {
        Ok(_) => Ok(see_other(&format!("/users/{id}"))),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, user_page_with(&state, &signed_in, user_id, errors).await?)
                .into_response())
        }
    }
}

pub struct RoleOption {
    pub id: &'static str,
    pub label: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "user_form.html")]
pub struct UserFormPage {
    layout: Layout,
    email: String,
    name: String,
    role: String,
    account_number: String,
    roles: Vec<RoleOption>,
    choose_account: bool,
    errors: FormErrors,
    invitation_link: Option<String>,
}

fn user_form(
    signed_in: &SignedIn,
    input: UserInput,
    errors: FormErrors,
    invitation_link: Option<String>,
) -> UserFormPage {
    let agency_admin = can(&signed_in.actor, Permission::ManageAllUsers);
    let roles = Role::ALL
        .iter()
        .filter(|role| agency_admin || matches!(role, Role::Employee | Role::Consultant | Role::ReadOnly))
        .map(|role| RoleOption { id: role.id(), label: role.label() })
        .collect();
    UserFormPage {
        layout: Layout::for_signed_in(signed_in),
        email: input.email,
        name: input.name,
        role: input.role,
        account_number: input.account_number.unwrap_or_default(),
        roles,
        choose_account: agency_admin,
        errors,
        invitation_link,
    }
}

pub async fn new_user_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    let now = state.app.clock.now();
    if signed_in.actor.require(Permission::ManageAllUsers, now).is_err() {
        signed_in.actor.require(Permission::ManageAccountUsers, now)?;
    }
    Ok(user_form(
        &signed_in,
        UserInput { role: "employee".to_owned(), ..UserInput::default() },
        FormErrors::default(),
        None,
    )
    .into_response())
}

pub async fn create_user(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let account_number = if can(&signed_in.actor, Permission::ManageAllUsers) {
        form.optional("account_number")
    } else {
        // Members add users to their own account only.
        match signed_in.actor.own_account() {
            Some(id) => Some(state.app.get_account(&signed_in.actor, id).await?.number.to_string()),
            None => None,
        }
    };
    let input = UserInput {
        email: form.value("email"),
        name: form.value("name"),
        role: form.value("role"),
        account_number,
        password: form.optional("password"),
    };
    match state.app.create_user(&signed_in.actor, &input).await {
        Ok(created) => match created.invitation_link {
            None => Ok(see_other(&format!("/users/{}", created.user.id))),
            Some(link) => {
                Ok(user_form(&signed_in, UserInput::default(), FormErrors::default(), Some(link)).into_response())
            }
        },
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                user_form(&signed_in, UserInput { password: None, ..input }, errors, None),
            )
                .into_response())
        }
    }
}
