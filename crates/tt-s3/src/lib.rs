//! Keeps evidence files in S3-compatible object storage, implementing `tt_app::objects::ObjectStore`:
//! path-style requests (`{endpoint}/{bucket}/{key}`) signed with AWS Signature Version 4, over
//! HTTPS (rustls with ring) or plain HTTP for a local endpoint.
//!
//! Without `[objects] s3_endpoint` the binary keeps evidence in a local folder instead.

use anyhow::{Context as _, bail};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;
use tt_app::mailer::MailFuture as BoxFuture;
use tt_app::objects::ObjectStore;

/// Object storage settings. The secret key is redacted in `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// Such as `https://s3.us-east-1.amazonaws.com` or `http://127.0.0.1:9000`; empty keeps
    /// evidence in the local folder.
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_bucket: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            s3_endpoint: String::new(),
            s3_region: "us-east-1".to_owned(),
            s3_bucket: "trusted-trader-evidence".to_owned(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
        }
    }
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_access_key_id", &self.s3_access_key_id)
            .field("s3_secret_access_key", &if self.s3_secret_access_key.is_empty() { "" } else { "[redacted]" })
            .finish()
    }
}

/// An S3-compatible bucket.
pub struct S3Store {
    client: reqwest::Client,
    endpoint: String,
    host: String,
    settings: S3Settings,
}

type HmacSha256 = Hmac<Sha256>;

/// An HTTP client over rustls with ring (as the mail transport uses) and the system's root
/// certificates.
fn http_client() -> anyhow::Result<reqwest::Client> {
    // Installing twice (a second store) is refused harmlessly: the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .context("building the S3 client")
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The Signature Version 4 signing key of a day, region and service.
fn signing_key(secret: &str, day: &str, region: &str, service: &str) -> Vec<u8> {
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), day);
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part);
    }
    key
}

/// Percent-encodes a key's path segments as S3 expects (unreserved characters and `/` kept).
fn encode_path(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

impl S3Store {
    /// # Errors
    /// When the endpoint is not an `http(s)://host[:port]` URL or a setting is missing.
    pub fn new(settings: &S3Settings) -> anyhow::Result<Self> {
        let endpoint = settings.s3_endpoint.trim_end_matches('/').to_owned();
        let (scheme_port, rest) = match (endpoint.strip_prefix("https://"), endpoint.strip_prefix("http://")) {
            (Some(rest), _) => (":443", rest),
            (None, Some(rest)) => (":80", rest),
            (None, None) => ("", ""),
        };
        // The Host header the client sends leaves out the scheme's default port; the signature
        // must name the same host.
        let host = rest.strip_suffix(scheme_port).unwrap_or(rest).to_owned();
        anyhow::ensure!(!host.is_empty() && !host.contains('/'), "objects.s3_endpoint must be http(s)://host[:port]");
        if settings.s3_bucket.trim().is_empty()
            || settings.s3_access_key_id.is_empty()
            || settings.s3_secret_access_key.is_empty()
        {
            bail!(
                "objects.s3_bucket, objects.s3_access_key_id and objects.s3_secret_access_key are required with an S3 endpoint"
            );
        }
        Ok(Self { client: http_client()?, endpoint, host, settings: settings.clone() })
    }

    /// The signed headers of a request (Signature Version 4, payload hashed).
    fn signed(
        &self,
        method: &str,
        path: &str,
        payload: &[u8],
        at: OffsetDateTime,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let amz_date = at.format(format_description!("[year][month][day]T[hour][minute][second]Z"))?;
        let day = &amz_date[..8];
        let payload_hash = hex(&Sha256::digest(payload));
        let canonical_headers =
            format!("host:{}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz_date}\n", self.host);
        let signed_headers = "host;x-amz-content-sha256;x-amz-date";
        let canonical_request = format!("{method}\n{path}\n\n{canonical_headers}\n{signed_headers}\n{payload_hash}");
        let scope = format!("{day}/{}/s3/aws4_request", self.settings.s3_region);
        let string_to_sign =
            format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical_request.as_bytes())));
        let key = signing_key(&self.settings.s3_secret_access_key, day, &self.settings.s3_region, "s3");
        let signature = hex(&hmac(&key, &string_to_sign));
        Ok(vec![
            ("x-amz-date".to_owned(), amz_date.clone()),
            ("x-amz-content-sha256".to_owned(), payload_hash),
            (
                "authorization".to_owned(),
                format!(
                    "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
                    self.settings.s3_access_key_id
                ),
            ),
        ])
    }

    async fn send(&self, method: reqwest::Method, key: &str, body: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        let path = encode_path(&format!("/{}/{key}", self.settings.s3_bucket));
        let headers = self.signed(method.as_str(), &path, &body, OffsetDateTime::now_utc())?;
        let mut request = self.client.request(method.clone(), format!("{}{path}", self.endpoint));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.body(body).send().await.with_context(|| format!("S3 {method} {key}"))?;
        let status = response.status();
        let bytes = response.bytes().await.with_context(|| format!("S3 {method} {key}: reading the answer"))?;
        if !status.is_success() {
            bail!(
                "S3 {method} {key}: {status}: {}",
                String::from_utf8_lossy(&bytes).chars().take(300).collect::<String>()
            );
        }
        Ok(bytes.to_vec())
    }

    /// Creates the bucket (for a new deployment or a test endpoint); an existing one is fine.
    ///
    /// # Errors
    /// When the endpoint refuses for another reason.
    pub async fn create_bucket(&self) -> anyhow::Result<()> {
        let path = encode_path(&format!("/{}", self.settings.s3_bucket));
        let headers = self.signed("PUT", &path, b"", OffsetDateTime::now_utc())?;
        let mut request = self.client.put(format!("{}{path}", self.endpoint));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.context("S3 create bucket")?;
        let status = response.status();
        if status.is_success() || status == reqwest::StatusCode::CONFLICT {
            Ok(())
        } else {
            bail!("S3 create bucket: {status}: {}", response.text().await.unwrap_or_default())
        }
    }
}

impl ObjectStore for S3Store {
    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, anyhow::Result<()>> {
        let key = key.to_owned();
        Box::pin(async move { self.send(reqwest::Method::PUT, &key, bytes).await.map(|_| ()) })
    }

    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Vec<u8>>> {
        let key = key.to_owned();
        Box::pin(async move { self.send(reqwest::Method::GET, &key, Vec::new()).await })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    /// AWS's documented example of deriving a signing key (secret
    /// `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, 2012-02-15, us-east-1, iam).
    #[test]
    fn the_signing_key_is_derived_as_aws_documents() {
        let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
        assert_eq!(hex(&key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    #[test]
    fn a_request_carries_its_date_payload_hash_and_credential_scope() {
        let store = S3Store {
            client: http_client().expect("client"),
            endpoint: "https://s3.amazonaws.com".to_owned(),
            host: "s3.amazonaws.com".to_owned(),
            settings: S3Settings {
                s3_access_key_id: "AKIAIOSFODNN7EXAMPLE".to_owned(),
                s3_secret_access_key: "secret".to_owned(),
                ..S3Settings::default()
            },
        };
        let headers = store.signed("GET", "/bucket/key", b"", datetime!(2013-05-24 0:00 UTC)).expect("signed");
        assert_eq!(headers[0], ("x-amz-date".to_owned(), "20130524T000000Z".to_owned()));
        assert_eq!(
            headers[1].1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "the empty payload's hash"
        );
        assert!(headers[2].1.starts_with("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="));
    }

    #[test]
    fn the_secret_key_never_appears_in_debug_output() {
        let settings = S3Settings { s3_secret_access_key: "very-secret".to_owned(), ..S3Settings::default() };
        assert!(!format!("{settings:?}").contains("very-secret"));
    }
}
