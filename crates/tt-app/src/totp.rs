//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, six digits), the second
//! factor authenticator apps use, and the base32 text form of their secrets.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

const STEP_SECONDS: i64 = 30;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648) without padding, as authenticator apps expect.
#[must_use]
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut output = String::new();
    for chunk in bytes.chunks(5) {
        let mut buffer = [0u8; 5];
        buffer[..chunk.len()].copy_from_slice(chunk);
        let bits = buffer.iter().fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        let characters = (chunk.len() * 8).div_ceil(5);
        for index in 0..characters {
            let value = (bits >> (35 - index * 5)) & 0x1f;
            output.push(char::from(ALPHABET[usize::try_from(value).unwrap_or(0)]));
        }
    }
    output
}

/// The bytes of a base32 text; `None` when it has characters outside the alphabet.
#[must_use]
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut output = Vec::new();
    for character in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let upper = character.to_ascii_uppercase();
        let value = ALPHABET.iter().position(|a| char::from(*a) == upper)?;
        bits = (bits << 5) | value as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            output.push(u8::try_from((bits >> count) & 0xff).ok()?);
        }
    }
    Some(output)
}

/// The six-digit code for a secret at a Unix time.
#[must_use]
pub fn code_at(secret: &[u8], unix_seconds: i64) -> String {
    let counter = unix_seconds.div_euclid(STEP_SECONDS);
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    format!("{:06}", binary % 1_000_000)
}

/// Whether a code matches at this time or one step either side (clock drift).
#[must_use]
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64) -> bool {
    let code = code.trim().replace(' ', "");
    code.len() == 6
        && [-1, 0, 1].iter().any(|step| {
            crate::secrets::constant_time_equal(
                code_at(secret, unix_seconds + step * STEP_SECONDS).as_bytes(),
                code.as_bytes(),
            )
        })
}

/// The `otpauth://` URI authenticator apps read (from a QR code or pasted).
#[must_use]
pub fn provisioning_uri(base32_secret: &str, account_label: &str) -> String {
    let label: String =
        account_label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_@".contains(c) {
                    c.to_string()
                } else {
                    format!("%{:02X}", c as u32)
                }
            })
            .collect();
    format!("otpauth://totp/Trusted%20Trader:{label}?secret={base32_secret}&issuer=Trusted%20Trader")
}
