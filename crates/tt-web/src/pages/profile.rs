//! The signed-in user's own profile: password, two-factor authentication and API tokens.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tt_app::auth::{SecondFactorStep, session_cookie_max_age};
use tt_domain::{ApiTokenId, TokenScope};

use super::{FormErrors, Layout, display_time, see_other, set_cookie};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FormData, PendingSignIn, SESSION_COOKIE, SignedIn};

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: &'static str,
    pub created: String,
    pub expires: String,
    pub status: &'static str,
    pub usable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    layout: Layout,
    email: String,
    role_label: String,
    two_factor_enabled: bool,
    tokens: Vec<TokenRow>,
    password_errors: FormErrors,
    token_errors: FormErrors,
    password_changed: bool,
    new_token: Option<String>,
}

async fn profile_page_with(
    state: &WebState,
    signed_in: &SignedIn,
    password_errors: FormErrors,
    token_errors: FormErrors,
    new_token: Option<String>,
) -> Result<ProfilePage, PageError> {
    let user = signed_in.actor.user.clone().ok_or(PageError::App(tt_app::AppError::Unauthenticated))?;
    let now = state.app.clock.now();
    let tokens = state
        .app
        .list_api_tokens(&signed_in.actor)
        .await?
        .into_iter()
        .map(|token| TokenRow {
            id: token.id.to_string(),
            name: token.name.clone(),
            scope: token.scope.id(),
            created: display_time(token.created_at),
            expires: display_time(token.expires_at),
            status: if token.revoked_at.is_some() {
                "revoked"
            } else if token.is_usable(now) {
                "active"
            } else {
                "expired"
            },
            usable: token.is_usable(now),
        })
        .collect();
    Ok(ProfilePage {
        layout: Layout::for_signed_in(signed_in),
        email: user.email.to_string(),
        role_label: user.role.label().to_owned(),
        two_factor_enabled: user.two_factor_enabled,
        tokens,
        password_errors,
        token_errors,
        password_changed: false,
        new_token,
    })
}

pub async fn profile_page(State(state): State<WebState>, signed_in: SignedIn) -> Result<Response, PageError> {
    Ok(profile_page_with(&state, &signed_in, FormErrors::default(), FormErrors::default(), None).await?.into_response())
}

pub async fn change_password(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let result = state
        .app
        .change_password(
            &signed_in.actor,
            &form.value("current_password"),
            &form.value("password"),
            &form.value("password_confirmation"),
        )
        .await;
    match result {
        Ok(new_secret) => {
            let mut page =
                profile_page_with(&state, &signed_in, FormErrors::default(), FormErrors::default(), None).await?;
            page.password_changed = true;
            let mut response = page.into_response();
            let max_age = session_cookie_max_age(&state.app.settings).whole_seconds();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &new_secret, max_age, state.settings.secure_cookies),
            );
            Ok(response)
        }
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = profile_page_with(&state, &signed_in, errors, FormErrors::default(), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn create_token(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let owner =
        signed_in.actor.user.as_ref().map(|user| user.id).ok_or(PageError::App(tt_app::AppError::Unauthenticated))?;
    let scope = TokenScope::parse(&form.value("scope")).map_err(tt_app::AppError::from);
    let days = form
        .value("expires_in_days")
        .trim()
        .parse::<i64>()
        .map_err(|_| tt_app::AppError::invalid("expires_in_days", "must be a whole number of days"));
    let result = match (scope, days) {
        (Ok(scope), Ok(days)) => {
            state.app.create_api_token(&signed_in.actor, owner, &form.value("name"), scope, days).await
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    match result {
        Ok((_, secret)) => {
            Ok(profile_page_with(&state, &signed_in, FormErrors::default(), FormErrors::default(), Some(secret))
                .await?
                .into_response())
        }
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = profile_page_with(&state, &signed_in, FormErrors::default(), errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn revoke_token(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    let id = ApiTokenId::parse("id", &id).map_err(|_| PageError::App(tt_app::AppError::NotFound))?;
    state.app.revoke_api_token(&signed_in.actor, id).await?;
    Ok(see_other("/profile"))
}

#[derive(Template, WebTemplate)]
#[template(path = "two_factor_setup.html")]
pub struct TwoFactorSetupPage {
    layout: Layout,
    csrf_token: String,
    secret: String,
    provisioning_uri: String,
    required: bool,
    errors: FormErrors,
    recovery_codes: Vec<String>,
}

fn setup_layout(signed_in: &PendingSignIn) -> Layout {
    if signed_in.next_step == SecondFactorStep::NotRequired {
        Layout::for_signed_in(&SignedIn {
            actor: signed_in.actor.clone(),
            session: signed_in.session.clone(),
            secret: signed_in.secret.clone(),
        })
    } else {
        Layout::anonymous()
    }
}

/// Enrolment is reachable while the second factor is pending (agency staff must enrol first),
/// but not while a code is awaited from an already enrolled authenticator.
pub async fn two_factor_setup_page(
    State(state): State<WebState>,
    signed_in: PendingSignIn,
) -> Result<Response, PageError> {
    if signed_in.next_step == SecondFactorStep::Verify {
        return Err(PageError::SecondFactorRequired { enroll: false });
    }
    let enrollment = state.app.start_two_factor_enrollment(&signed_in.actor)?;
    Ok(TwoFactorSetupPage {
        layout: setup_layout(&signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        secret: enrollment.secret,
        provisioning_uri: enrollment.provisioning_uri,
        required: signed_in.next_step == SecondFactorStep::Enroll,
        errors: FormErrors::default(),
        recovery_codes: Vec::new(),
    }
    .into_response())
}

pub async fn confirm_two_factor(
    State(state): State<WebState>,
    signed_in: PendingSignIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    if signed_in.next_step == SecondFactorStep::Verify {
        return Err(PageError::SecondFactorRequired { enroll: false });
    }
    let secret = form.value("secret");
    let result = state
        .app
        .confirm_two_factor_enrollment(Some(&signed_in.secret), &signed_in.actor, &secret, &form.value("code"))
        .await;
    match result {
        Ok(recovery_codes) => Ok(TwoFactorSetupPage {
            layout: setup_layout(&PendingSignIn { next_step: SecondFactorStep::NotRequired, ..signed_in }),
            csrf_token: String::new(),
            secret: String::new(),
            provisioning_uri: String::new(),
            required: false,
            errors: FormErrors::default(),
            recovery_codes,
        }
        .into_response()),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = TwoFactorSetupPage {
                layout: setup_layout(&signed_in),
                csrf_token: signed_in.session.csrf_token.clone(),
                provisioning_uri: tt_app::totp::provisioning_uri(&secret, &signed_in.actor.label),
                secret,
                required: signed_in.next_step == SecondFactorStep::Enroll,
                errors,
                recovery_codes: Vec::new(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn disable_two_factor(
    State(state): State<WebState>,
    signed_in: SignedIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    state.app.disable_two_factor(&signed_in.actor).await?;
    Ok(see_other("/profile"))
}
