//! The error of the application boundary. The web layer maps it to HTTP exactly once for the
//! API and once for pages; the command line prints it.

use tt_domain::ValidationError;
use tt_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule; every broken field is listed.
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ValidationError>),
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Signed in, but the role, scope or token does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    /// The change conflicts with existing data (for example an importer number already owned).
    #[error("{field}: {message}")]
    Conflict { field: &'static str, message: String },
    /// Too many failed sign-ins; try again later.
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    Throttled { retry_after_seconds: i64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// One invalid field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![ValidationError::new(field, message)])
    }
}

impl From<ValidationError> for AppError {
    fn from(error: ValidationError) -> Self {
        Self::Invalid(vec![error])
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict { field } => Self::Conflict {
                field,
                message: match field {
                    "email" => "a user with this e-mail address already exists".to_owned(),
                    "ior_numbers" => "an importer number is already owned by another account".to_owned(),
                    "account_number" => "an account with this number already exists".to_owned(),
                    _ => "this record already exists".to_owned(),
                },
            },
            StoreError::Other(source) => Self::Internal(anyhow::Error::from_boxed(source)),
        }
    }
}

/// Collects the results of parsing several fields, so a form reports every bad field at once.
#[derive(Default)]
pub struct FieldErrors(Vec<ValidationError>);

impl FieldErrors {
    /// Keeps the value, or remembers the error and returns `None`.
    pub fn take<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: ValidationError) {
        self.0.push(error);
    }

    /// # Errors
    /// When any field was invalid.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::Invalid(self.0)) }
    }
}
