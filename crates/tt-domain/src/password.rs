//! The password strength rule, applied wherever a password is chosen.

use crate::ValidationError;

/// At least 12 characters, at most 128, with at least three of: lower-case letters, upper-case
/// letters, digits, other characters; and not containing the user's e-mail name.
/// Length matters more than variety (NIST SP 800-63B), so the bar is length first.
pub struct PasswordPolicy;

impl PasswordPolicy {
    pub const MINIMUM_LENGTH: usize = 12;
    pub const MAXIMUM_LENGTH: usize = 128;

    /// # Errors
    /// With a message saying which part of the rule the password breaks.
    pub fn check(password: &str, email_local_part: &str) -> Result<(), ValidationError> {
        let length = password.chars().count();
        if length < Self::MINIMUM_LENGTH {
            return Err(ValidationError::new("password", "must be at least 12 characters"));
        }
        if length > Self::MAXIMUM_LENGTH {
            return Err(ValidationError::new("password", "must be at most 128 characters"));
        }
        let classes = [
            password.chars().any(char::is_lowercase),
            password.chars().any(char::is_uppercase),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_alphanumeric()),
        ];
        if classes.iter().filter(|present| **present).count() < 3 {
            return Err(ValidationError::new(
                "password",
                "must mix at least three of: lower-case, upper-case, digits, symbols",
            ));
        }
        let local = email_local_part.to_lowercase();
        if local.len() >= 3 && password.to_lowercase().contains(&local) {
            return Err(ValidationError::new("password", "must not contain your e-mail name"));
        }
        Ok(())
    }
}
