//! The one error every parser in the domain returns: which field, and what is wrong with it.

/// A value that does not satisfy the rule for its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The input field the value came from, as named in forms, JSON and files.
    pub field: &'static str,
    /// A sentence a user can act on.
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}
