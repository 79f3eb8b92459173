//! Cross-cutting request handling: a request id on every request (header, log span, error
//! pages), security headers, and Prometheus counters and latency histograms.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::WebState;

tokio::task_local! {
    /// The id of the request being handled, for error bodies and audit records.
    pub static REQUEST_ID: String;
}

/// The current request's id, if called while handling one.
#[must_use]
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Takes a well-formed incoming `X-Request-Id` (from a proxy) or makes one; runs the request in
/// a span carrying it; echoes it in the response; records metrics; adds security headers.
pub async fn request_context(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| {
            !value.is_empty() && value.len() <= 64 && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %request_id, method = %method, path = %loggable(&path));
    let started = Instant::now();
    let mut response = REQUEST_ID.scope(request_id.clone(), next.run(request)).instrument(span.clone()).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    span.in_scope(|| tracing::info!(status, elapsed_ms = elapsed * 1000.0, "handled"));
    state.metrics.record(method.as_str(), &route, status, elapsed);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !path.starts_with("/api/v1/docs") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        );
    }
    response
}

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request counts and latencies by method, route and status, in Prometheus text format.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut series) = self.series.lock() else { return };
        let entry = series.entry((method.to_owned(), route.to_owned(), status)).or_default();
        entry.count += 1;
        entry.sum_seconds += seconds;
        for (bucket, bound) in entry.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// The exposition text for `/metrics`.
    #[must_use]
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut text = String::from(
            "# HELP http_requests_total Requests handled, by method, route and status.\n# TYPE http_requests_total counter\n",
        );
        let Ok(series) = self.series.lock() else { return text };
        for ((method, route, status), entry) in series.iter() {
            let _ = writeln!(
                text,
                "http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                entry.count
            );
        }
        text.push_str("# HELP http_request_duration_seconds Time to handle a request.\n# TYPE http_request_duration_seconds histogram\n");
        for ((method, route, status), entry) in series.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            for (count, bound) in entry.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(text, "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(text, "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", entry.count);
            let _ = writeln!(text, "http_request_duration_seconds_sum{{{labels}}} {}", entry.sum_seconds);
            let _ = writeln!(text, "http_request_duration_seconds_count{{{labels}}} {}", entry.count);
        }
        text
    }
}

/// A path as logged: the secrets that some paths carry (invitation links, supplier
/// questionnaire links) are replaced, so logs never hold a working link.
fn loggable(path: &str) -> String {
    for prefix in ["/invitations/", "/q/"] {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return format!("{prefix}[redacted]");
        }
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_in_link_paths_are_not_logged() {
        assert_eq!(super::loggable("/q/q_0123abcd"), "/q/[redacted]");
        assert_eq!(super::loggable("/invitations/secret"), "/invitations/[redacted]");
        assert_eq!(super::loggable("/accounts/1"), "/accounts/1");
    }
}
