//! Password hashing with argon2id, off the async threads. The only place argon2 is called.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::{AppError, AppResult};

use std::sync::OnceLock;

/// A hash of a password nobody knows, verified when the e-mail address is unknown so that a
/// failed sign-in takes the same time whether or not the user exists.
fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            Argon2::default()
                .hash_password(b"not a password anyone has")
                .map(|hash| hash.to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// # Errors
/// When hashing fails (never expected).
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| AppError::Internal(anyhow::anyhow!("hashing failed: {error}")))
    })
    .await
    .map_err(|error| AppError::Internal(error.into()))?
}

/// Whether the password matches the stored hash; with no hash, a dummy one is checked.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> bool {
    let known = stored_hash.is_some();
    let matched = tokio::task::spawn_blocking(move || {
        let hash = stored_hash.unwrap_or_else(dummy_hash);
        Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
    })
    .await
    .unwrap_or(false);
    known && matched
}
