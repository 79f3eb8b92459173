//! Signing in and out, the second-factor step, and accepting an invitation.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tt_app::AppError;
use tt_app::auth::{SecondFactorStep, session_cookie_max_age};

use super::{FormErrors, Layout, see_other, set_cookie};
use crate::WebState;
use crate::error::PageError;
use crate::extractors::{FORM_COOKIE, FormData, PendingSignIn, SESSION_COOKIE, cookie, request_origin};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    layout: Layout,
    csrf_token: String,
    next: String,
    email: String,
    errors: FormErrors,
}

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

/// Only same-site paths are followed after sign-in (no open redirects).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// A CSRF token for a form shown before sign-in, reusing the browser's cookie when present.
pub(crate) fn anonymous_csrf_token(parts: &Parts) -> Result<String, PageError> {
    match cookie(parts, FORM_COOKIE) {
        Some(token) if token.len() == 64 => Ok(token.to_owned()),
        _ => Ok(tt_app::secrets::new_secret("")?),
    }
}

pub(crate) fn with_form_cookie(state: &WebState, token: &str, page: impl IntoResponse) -> Response {
    let mut response = page.into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(FORM_COOKIE, token, 3600, state.settings.secure_cookies));
    response
}

pub async fn login_page(
    State(state): State<WebState>,
    Query(query): Query<NextQuery>,
    parts: Parts,
) -> Result<Response, PageError> {
    let csrf_token = anonymous_csrf_token(&parts)?;
    let page = LoginPage {
        layout: Layout::anonymous(),
        csrf_token: csrf_token.clone(),
        next: safe_next(query.next.as_deref()),
        email: String::new(),
        errors: FormErrors::default(),
    };
    Ok(with_form_cookie(&state, &csrf_token, page))
}

pub async fn login(State(state): State<WebState>, parts: Parts, form: FormData) -> Result<Response, PageError> {
    form.verify_anonymous_csrf()?;
    let next = safe_next(Some(&form.value("next")));
    let email = form.value("email");
    let origin = request_origin(&parts);
    match state.app.sign_in(&email, &form.value("password"), &origin).await {
        Ok(signed_in) => {
            let target = match signed_in.next_step {
                SecondFactorStep::NotRequired => next,
                SecondFactorStep::Verify => "/login/two-factor".to_owned(),
                SecondFactorStep::Enroll => "/profile/two-factor".to_owned(),
            };
            let mut response = see_other(&target);
            let max_age = session_cookie_max_age(&state.app.settings).whole_seconds();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &signed_in.session_secret, max_age, state.settings.secure_cookies),
            );
            Ok(response)
        }
        Err(error @ (AppError::Unauthenticated | AppError::Throttled { .. })) => {
            let message = match error {
                AppError::Throttled { .. } => "Too many failed attempts. Wait 15 minutes and try again.",
                _ => "The e-mail address or password is not correct.",
            };
            let page = LoginPage {
                layout: Layout::anonymous(),
                csrf_token: form.value("csrf_token"),
                next,
                email,
                errors: FormErrors { items: vec![tt_domain::ValidationError::new("email", message)] },
            };
            let status = if matches!(error, AppError::Throttled { .. }) {
                axum::http::StatusCode::TOO_MANY_REQUESTS
            } else {
                axum::http::StatusCode::UNAUTHORIZED
            };
            Ok((status, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn logout(
    State(state): State<WebState>,
    signed_in: PendingSignIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    state.app.sign_out(&signed_in.secret, &signed_in.actor).await?;
    let mut response = see_other("/login");
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.settings.secure_cookies));
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "two_factor.html")]
pub struct TwoFactorPage {
    layout: Layout,
    csrf_token: String,
    errors: FormErrors,
}

pub async fn two_factor_page(signed_in: PendingSignIn) -> Result<Response, PageError> {
    if signed_in.next_step != SecondFactorStep::Verify {
        return Ok(see_other("/"));
    }
    Ok(TwoFactorPage {
        layout: Layout::anonymous(),
        csrf_token: signed_in.session.csrf_token,
        errors: FormErrors::default(),
    }
    .into_response())
}

pub async fn verify_two_factor(
    State(state): State<WebState>,
    signed_in: PendingSignIn,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_csrf(&signed_in.session)?;
    match state.app.verify_second_factor(&signed_in.secret, &signed_in.actor, &form.value("code")).await {
        Ok(()) => Ok(see_other("/")),
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = TwoFactorPage { layout: Layout::anonymous(), csrf_token: signed_in.session.csrf_token, errors };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "invitation.html")]
pub struct InvitationPage {
    layout: Layout,
    csrf_token: String,
    email: String,
    name: String,
    errors: FormErrors,
}

pub async fn invitation_page(
    State(state): State<WebState>,
    Path(secret): Path<String>,
    parts: Parts,
) -> Result<Response, PageError> {
    let user = state.app.find_invitation(&secret).await?;
    let csrf_token = anonymous_csrf_token(&parts)?;
    let page = InvitationPage {
        layout: Layout::anonymous(),
        csrf_token: csrf_token.clone(),
        email: user.email.to_string(),
        name: user.name.as_str().to_owned(),
        errors: FormErrors::default(),
    };
    Ok(with_form_cookie(&state, &csrf_token, page))
}

pub async fn accept_invitation(
    State(state): State<WebState>,
    Path(secret): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    form.verify_anonymous_csrf()?;
    match state.app.accept_invitation(&secret, &form.value("password"), &form.value("password_confirmation")).await {
        Ok(_) => Ok(see_other("/login")),
        Err(error) => {
            let user = state.app.find_invitation(&secret).await?;
            let errors = FormErrors::from_app(error)?;
            let page = InvitationPage {
                layout: Layout::anonymous(),
                csrf_token: form.value("csrf_token"),
                email: user.email.to_string(),
                name: user.name.as_str().to_owned(),
                errors,
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The values a sign-up form is shown again with after an error (never the passwords).
#[derive(Debug, Clone, Default)]
pub struct SignUpValues {
    pub legal_name: String,
    pub business_type: String,
    pub address_line1: String,
    pub city: String,
    pub country: String,
    pub name: String,
    pub email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
pub struct SignUpPage {
    layout: Layout,
    csrf_token: String,
    values: SignUpValues,
    /// The company's text fields: name, label, value, autocomplete token.
    company_fields: Vec<(&'static str, &'static str, String, &'static str)>,
    business_types: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
}

impl SignUpPage {
    fn new(csrf_token: String, values: SignUpValues, errors: FormErrors) -> Self {
        let company_fields = vec![
            ("legal_name", "Legal name", values.legal_name.clone(), "organization"),
            ("address_line1", "Street address", values.address_line1.clone(), "address-line1"),
            ("city", "City", values.city.clone(), "address-level2"),
            ("country", "Country (two-letter code, such as US or CA)", values.country.clone(), "country"),
        ];
        Self {
            layout: Layout::anonymous(),
            csrf_token,
            values,
            company_fields,
            business_types: business_types(),
            errors,
        }
    }
}

fn business_types() -> Vec<(&'static str, &'static str)> {
    tt_domain::BusinessType::ALL.into_iter().map(|kind| (kind.id(), kind.label())).collect()
}

pub async fn signup_page(State(state): State<WebState>, parts: Parts) -> Result<Response, PageError> {
    let csrf_token = anonymous_csrf_token(&parts)?;
    let values =
        SignUpValues { business_type: "importer".to_owned(), country: "US".to_owned(), ..SignUpValues::default() };
    let page = SignUpPage::new(csrf_token.clone(), values, FormErrors::default());
    Ok(with_form_cookie(&state, &csrf_token, page))
}

/// Registers the company and signs its officer in, straight to the membership page.
pub async fn sign_up(State(state): State<WebState>, parts: Parts, form: FormData) -> Result<Response, PageError> {
    form.verify_anonymous_csrf()?;
    let origin = request_origin(&parts);
    let values = SignUpValues {
        legal_name: form.value("legal_name"),
        business_type: form.value("business_type"),
        address_line1: form.value("address_line1"),
        city: form.value("city"),
        country: form.value("country"),
        name: form.value("name"),
        email: form.value("email"),
    };
    let input = tt_app::signup::SignUpInput {
        legal_name: values.legal_name.clone(),
        business_type: values.business_type.clone(),
        address_line1: values.address_line1.clone(),
        city: values.city.clone(),
        country: values.country.clone(),
        officer_name: values.name.clone(),
        officer_email: values.email.clone(),
        password: form.value("password"),
        password_confirmation: form.value("password_confirmation"),
    };
    match state.app.sign_up(&input, &origin).await {
        Ok(account) => {
            let signed_in = state.app.sign_in(&input.officer_email, &input.password, &origin).await?;
            let mut response = see_other(&format!("/accounts/{}/membership", account.id));
            let max_age = session_cookie_max_age(&state.app.settings).whole_seconds();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &signed_in.session_secret, max_age, state.settings.secure_cookies),
            );
            Ok(response)
        }
        Err(error) => {
            let errors = FormErrors::from_app(error)?;
            let page = SignUpPage::new(form.value("csrf_token"), values, errors);
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
