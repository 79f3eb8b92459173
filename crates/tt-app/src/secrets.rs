//! Random secrets and their hashes: session cookies, API tokens, invitations, recovery codes.
//! Only SHA-256 hashes of secrets are stored; the secret itself is shown once.

use sha2::{Digest, Sha256};

use crate::{AppError, AppResult};

/// `length` random bytes from the operating system.
///
/// # Errors
/// When the operating system has no randomness to give (never expected).
pub fn random_bytes(length: usize) -> AppResult<Vec<u8>> {
    let mut bytes = vec![0u8; length];
    getrandom::fill(&mut bytes).map_err(|error| AppError::Internal(anyhow::anyhow!("no randomness: {error}")))?;
    Ok(bytes)
}

#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A new secret: 32 random bytes as hex, with a prefix saying what it is for.
///
/// # Errors
/// See [`random_bytes`].
pub fn new_secret(prefix: &str) -> AppResult<String> {
    Ok(format!("{prefix}{}", hex(&random_bytes(32)?)))
}

/// The stored form of a secret.
#[must_use]
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Compares without stopping at the first difference, so timing reveals nothing.
#[must_use]
pub fn constant_time_equal(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len() && left.iter().zip(right).fold(0u8, |difference, (a, b)| difference | (a ^ b)) == 0
}
