//! Extractors that turn a request into what handlers need: the signed-in actor (from the
//! session cookie for pages, from a bearer token for the API), form fields with their CSRF
//! check, and JSON bodies whose errors are answered as problem details.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use tt_app::Session;
use tt_app::auth::{ActiveSession, RequestOrigin, SecondFactorStep};
use tt_app::{Actor, AppError};

use crate::WebState;
use crate::error::{ApiError, PageError};
use crate::middleware::current_request_id;

/// The cookie holding the session secret.
pub const SESSION_COOKIE: &str = "tt_session";
/// The cookie holding the CSRF token of forms shown before sign-in (double-submit).
pub const FORM_COOKIE: &str = "tt_form";

/// The value of one cookie from the `Cookie` header.
#[must_use]
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The peer address and request id, for throttling and the audit trail.
#[must_use]
pub fn request_origin(parts: &Parts) -> RequestOrigin {
    RequestOrigin {
        source_address: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string()),
        request_id: current_request_id(),
    }
}

/// A signed-in user on a page, whose sign-in may still await the second factor.
pub struct PendingSignIn {
    pub actor: Actor,
    pub session: Session,
    pub secret: String,
    pub next_step: SecondFactorStep,
}

impl FromRequestParts<WebState> for PendingSignIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let next = parts.uri.path_and_query().map_or_else(|| "/".to_owned(), ToString::to_string);
        let secret =
            cookie(parts, SESSION_COOKIE).ok_or_else(|| PageError::SignInRequired { next: next.clone() })?.to_owned();
        let origin = request_origin(parts);
        match state.app.resume_session(&secret, &origin).await? {
            None => Err(PageError::SignInRequired { next }),
            Some(ActiveSession { session, actor, next_step }) => Ok(Self { actor, session, secret, next_step }),
        }
    }
}

/// A signed-in user on a page, second factor done.
pub struct SignedIn {
    pub actor: Actor,
    pub session: Session,
    pub secret: String,
}

impl FromRequestParts<WebState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let pending = PendingSignIn::from_request_parts(parts, state).await?;
        match pending.next_step {
            SecondFactorStep::NotRequired => {
                Ok(Self { actor: pending.actor, session: pending.session, secret: pending.secret })
            }
            SecondFactorStep::Verify => Err(PageError::SecondFactorRequired { enroll: false }),
            SecondFactorStep::Enroll => Err(PageError::SecondFactorRequired { enroll: true }),
        }
    }
}

/// The caller of an API route, from `Authorization: Bearer <token>`.
pub struct ApiActor(pub Actor);

impl FromRequestParts<WebState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let origin = request_origin(parts);
        Ok(Self(state.app.authenticate_token(token, &origin).await?))
    }
}

/// The fields of a submitted HTML form, read leniently: a missing field is empty, so every
/// problem is reported by the use case with its field name rather than by a parser.
pub struct FormData {
    fields: Vec<(String, String)>,
    form_cookie: Option<String>,
}

impl FromRequest<WebState> for FormData {
    type Rejection = PageError;

    async fn from_request(request: Request, _state: &WebState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError::BadForm("This form must be sent as application/x-www-form-urlencoded.".to_owned()));
        }
        let form_cookie = cookie(&parts, FORM_COOKIE).map(str::to_owned);
        let bytes = axum::body::to_bytes(body, 256 * 1024)
            .await
            .map_err(|_| PageError::BadForm("The form is too large.".to_owned()))?;
        let fields = form_urlencoded_pairs(&bytes);
        Ok(Self { fields, form_cookie })
    }
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte).
fn form_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    fn decode(text: &[u8]) -> String {
        let mut output = Vec::with_capacity(text.len());
        let mut index = 0;
        while index < text.len() {
            match text[index] {
                b'+' => output.push(b' '),
                b'%' if index + 2 < text.len() => {
                    let hex = std::str::from_utf8(&text[index + 1..index + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(byte) => {
                            output.push(byte);
                            index += 2;
                        }
                        None => output.push(b'%'),
                    }
                }
                byte => output.push(byte),
            }
            index += 1;
        }
        String::from_utf8_lossy(&output).into_owned()
    }
    bytes
        .split(|byte| *byte == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|byte| *byte == b'=') {
            Some(at) => (decode(&pair[..at]), decode(&pair[at + 1..])),
            None => (decode(pair), String::new()),
        })
        .collect()
}

impl FormData {
    /// The first value of a field, or an empty string.
    #[must_use]
    pub fn value(&self, name: &str) -> String {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default()
    }

    /// A field that is absent or blank is `None`.
    #[must_use]
    pub fn optional(&self, name: &str) -> Option<String> {
        Some(self.value(name)).filter(|value| !value.trim().is_empty())
    }

    /// A multi-line or `;`/`,`-separated list field, split into its items.
    #[must_use]
    pub fn list(&self, name: &str) -> Vec<String> {
        self.value(name)
            .split(['\n', ';', ','])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[must_use]
    pub fn checked(&self, name: &str) -> bool {
        self.fields.iter().any(|(key, value)| key == name && !value.is_empty())
    }

    /// Checks the form's CSRF token against the session's.
    ///
    /// # Errors
    /// `BadForm` when it is missing or different.
    pub fn verify_csrf(&self, session: &Session) -> Result<(), PageError> {
        self.verify_token(Some(session.csrf_token.as_str()))
    }

    /// Checks the token of a form shown before sign-in against its cookie.
    ///
    /// # Errors
    /// `BadForm` when it is missing or different.
    pub fn verify_anonymous_csrf(&self) -> Result<(), PageError> {
        self.verify_token(self.form_cookie.as_deref())
    }

    fn verify_token(&self, expected: Option<&str>) -> Result<(), PageError> {
        let given = self.value("csrf_token");
        match expected {
            Some(expected)
                if !given.is_empty() && tt_app::secrets::constant_time_equal(given.as_bytes(), expected.as_bytes()) =>
            {
                Ok(())
            }
            _ => Err(PageError::BadForm(
                "This form has expired or did not come from this site. Go back, reload the page and try again."
                    .to_owned(),
            )),
        }
    }
}

/// A JSON body whose parse errors are answered as problem details naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<WebState> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::JsonDataError(error)) => {
                Err(ApiError(AppError::invalid("body", error.body_text())).into_response())
            }
            Err(rejection) => Err(ApiError::bad_request(rejection.body_text())),
        }
    }
}

/// A `multipart/form-data` form: its text fields (read like [`FormData`], CSRF check included)
/// and its uploaded files.
pub struct UploadForm {
    pub form: FormData,
    /// `(field name, file name, bytes)`.
    files: Vec<(String, String, Vec<u8>)>,
}

impl UploadForm {
    /// An uploaded file by field name, with its file name; `None` when no file was chosen.
    #[must_use]
    pub fn file(&self, name: &str) -> Option<(&str, &[u8])> {
        self.files
            .iter()
            .find(|(field, file_name, _)| field == name && !file_name.is_empty())
            .map(|(_, file_name, bytes)| (file_name.as_str(), bytes.as_slice()))
    }
}

impl FromRequest<WebState> for UploadForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let bad = |message: &str| PageError::BadForm(message.to_owned());
        let mut multipart = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(|_| bad("This form must be sent as multipart/form-data."))?;
        let mut fields = Vec::new();
        let mut files = Vec::new();
        while let Some(field) =
            multipart.next_field().await.map_err(|_| bad("The form could not be read (too large?)."))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(|_| bad("The file could not be read (too large?)."))?;
                    files.push((name, file_name, bytes.to_vec()));
                }
                None => {
                    let text = field.text().await.map_err(|_| bad("A form field could not be read."))?;
                    fields.push((name, text));
                }
            }
        }
        Ok(Self { form: FormData { fields, form_cookie: None }, files })
    }
}
