//! The two error responses of the web layer, each mapped from [`AppError`] exactly once:
//! [`ApiError`] as RFC 9457 problem details for `/api/v1`, [`PageError`] as an HTML page.
//! Internal errors are logged with their cause chain and shown only as a request id.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use tt_app::AppError;
use utoipa::ToSchema;

use crate::middleware::current_request_id;

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Problem details (RFC 9457) with the invalid fields and the request id.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    pub request_id: Option<String>,
}

fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a person may be told about an error; internal details stay in the log.
fn public_detail(error: &AppError) -> String {
    match error {
        AppError::Internal(source) => {
            tracing::error!(error = ?source, "internal error");
            "Something went wrong on our side. Quote the request id when you report it.".to_owned()
        }
        AppError::Unauthenticated => "Sign in, or send a valid API token as 'Authorization: Bearer …'.".to_owned(),
        other => other.to_string(),
    }
}

fn field_problems(error: &AppError) -> Vec<FieldProblem> {
    match error {
        AppError::Invalid(errors) => errors
            .iter()
            .map(|error| FieldProblem { field: error.field.to_owned(), message: error.message.clone() })
            .collect(),
        AppError::Conflict { field, message } => {
            vec![FieldProblem { field: (*field).to_owned(), message: message.clone() }]
        }
        _ => Vec::new(),
    }
}

/// An error answered as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl ApiError {
    /// A request the API could not even read (malformed JSON, wrong content type).
    #[must_use]
    pub fn bad_request(detail: String) -> Response {
        problem_response(StatusCode::BAD_REQUEST, detail, Vec::new())
    }
}

fn problem_response(status: StatusCode, detail: String, errors: Vec<FieldProblem>) -> Response {
    let problem = Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors,
        request_id: current_request_id(),
    };
    let mut response = (status, Json(problem)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let mut response = problem_response(status, public_detail(&self.0), field_problems(&self.0));
        if let AppError::Throttled { retry_after_seconds } = self.0
            && let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: crate::pages::Layout,
    status: u16,
    title: String,
    detail: String,
    request_id: Option<String>,
}

/// An error answered as an HTML page; a missing sign-in becomes a redirect to the sign-in page.
#[derive(Debug)]
pub enum PageError {
    App(AppError),
    /// Not signed in: go to the sign-in page and come back to `next`.
    SignInRequired {
        next: String,
    },
    /// Signed in, but the second factor is still to be given or set up.
    SecondFactorRequired {
        enroll: bool,
    },
    /// A form whose body could not be read or whose CSRF token did not match.
    BadForm(String),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

/// Renders the error page for a status and message.
pub fn error_page(status: StatusCode, detail: String) -> Response {
    let page = ErrorPage {
        layout: crate::pages::Layout::anonymous(),
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        detail,
        request_id: current_request_id(),
    };
    (status, page).into_response()
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::SignInRequired { next } => {
                let next = crate::pages::encode_query_value(&next);
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            Self::SecondFactorRequired { enroll: true } => Redirect::to("/profile/two-factor").into_response(),
            Self::SecondFactorRequired { enroll: false } => Redirect::to("/login/two-factor").into_response(),
            Self::BadForm(detail) => error_page(StatusCode::BAD_REQUEST, detail),
            Self::App(AppError::Unauthenticated) => Redirect::to("/login").into_response(),
            Self::App(error) => error_page(status_of(&error), public_detail(&error)),
        }
    }
}
