//! [`TestApp`]: the real router on a fresh database, driven in-process, with a client that keeps
//! cookies, reads CSRF tokens from pages and signs in (second factor included) like a browser.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;
use tt_app::{App, AppSettings};
use tt_domain::EmailAddress;
use tt_web::{WebSettings, WebState};

use crate::{MovableClock, RecordingMailer, TestDatabase};

pub struct TestApp {
    pub database: TestDatabase,
    pub app: App,
    pub clock: Arc<MovableClock>,
    pub mailer: Arc<RecordingMailer>,
    router: Router,
}

impl TestApp {
    /// An application on a fresh, empty database.
    pub async fn new() -> Self {
        Self::with_settings(AppSettings::default()).await
    }

    pub async fn with_settings(mut settings: AppSettings) -> Self {
        if settings.evidence_folder == AppSettings::default().evidence_folder {
            // Never the working directory: each test keeps its evidence in its own folder.
            settings.evidence_folder = std::env::temp_dir()
                .join(format!("tt-evidence-{}", uuid::Uuid::new_v4().simple()))
                .display()
                .to_string();
        }
        if settings.status_signing_key_file == AppSettings::default().status_signing_key_file {
            // Never the working directory: each test has its own program key.
            settings.status_signing_key_file = std::env::temp_dir()
                .join(format!("tt-status-key-{}.p8", uuid::Uuid::new_v4().simple()))
                .display()
                .to_string();
        }
        if settings.dashboard_wait_milliseconds == AppSettings::default().dashboard_wait_milliseconds {
            // Tests read figures right after recording changes: they wait for the new ones
            // however busy the machine (the test of the earlier figures sets its own wait).
            settings.dashboard_wait_milliseconds = 600_000;
        }
        let database = TestDatabase::fresh().await;
        let clock = Arc::new(MovableClock::starting_now());
        let mailer = Arc::new(RecordingMailer::default());
        let app = App::new(database.store(), clock.clone(), mailer.clone(), settings);
        let router = tt_web::router(WebState::new(app.clone(), WebSettings { secure_cookies: false }));
        Self { database, app, clock, mailer, router }
    }

    /// An application with the demo data: accounts, members and staff of every role.
    ///
    /// # Panics
    /// When seeding fails.
    pub async fn with_demo() -> Self {
        let test_app = Self::new().await;
        test_app.app.seed_demo().await.expect("seed demo data");
        test_app
    }

    /// Gives the demo accounts a standing history, as an import would: each `(account number,
    /// days ago, kind, value)` is a status event (`ctpat` T1/T2/T3/NONE, `tc` ON/OFF).
    ///
    /// The id of the account with this number (a demo account's, say).
    ///
    /// # Panics
    /// When no account has it.
    pub async fn account_id(&self, number: &str) -> tt_domain::AccountId {
        let number = tt_domain::AccountNumber::parse(number).expect("account number");
        self.app.store.find_account_by_number(&number).await.expect("find").expect("account").id
    }

    /// # Panics
    /// When a row is refused.
    pub async fn import_standing(&self, events: &[(&str, i64, &str, &str)]) {
        let today = self.app.clock.now().date();
        let mut csv = String::from("account_number,effective_date,kind,value\n");
        for (number, days_ago, kind, value) in events {
            csv.push_str(&format!("{number},{},{kind},{value}\n", today - time::Duration::days(*days_ago)));
        }
        let kind = tt_app::trade::MembershipFile::StatusEvents;
        let mut file =
            tt_feed::FeedFile::from_bytes("status.csv", csv.into_bytes(), kind.required_columns()).expect("file");
        let report = self
            .app
            .import_membership(&tt_app::Actor::system("test"), kind, &mut file, "status.csv")
            .await
            .expect("import");
        assert_eq!(report.rejected, 0, "{report:?}");
    }

    /// A new client with no cookies (a new browser).
    #[must_use]
    pub fn client(&self) -> TestClient<'_> {
        TestClient { test_app: self, cookies: Mutex::new(BTreeMap::new()), bearer: None }
    }

    /// A client that sends `Authorization: Bearer <token>`.
    #[must_use]
    pub fn api_client(&self, token: &str) -> TestClient<'_> {
        TestClient { test_app: self, cookies: Mutex::new(BTreeMap::new()), bearer: Some(token.to_owned()) }
    }

    /// Sends a request through the router as if from 127.0.0.1.
    ///
    /// # Panics
    /// When the router fails (it never should).
    pub async fn send(&self, mut request: Request<Body>) -> TestResponse {
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("read body").to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// Creates an API token for a user directly through the use case.
    ///
    /// # Panics
    /// When the user does not exist.
    pub async fn token_for(&self, email: &str, scope: tt_domain::TokenScope) -> String {
        let user = self
            .app
            .store
            .find_user_by_email(&EmailAddress::parse(email).expect("email"))
            .await
            .expect("find")
            .expect("user exists");
        let (_, secret) =
            self.app.create_api_token(&tt_app::Actor::system("test"), user.id, "test", scope, 30).await.expect("token");
        secret
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    #[must_use]
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|value| value.to_str().ok())
    }

    /// # Panics
    /// When the body is not JSON.
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    /// The value of the first `name="csrf_token"` field in the page.
    #[must_use]
    pub fn csrf_token(&self) -> Option<String> {
        hidden_value(&self.body, "csrf_token")
    }
}

/// The `value` of the first input with this name in an HTML page.
#[must_use]
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// A browser-like client: keeps cookies between requests.
pub struct TestClient<'a> {
    test_app: &'a TestApp,
    cookies: Mutex<BTreeMap<String, String>>,
    bearer: Option<String>,
}

impl TestClient<'_> {
    fn remember_cookies(&self, headers: &HeaderMap) {
        let mut cookies = self.cookies.lock().expect("cookie lock");
        for value in headers.get_all(header::SET_COOKIE).iter().filter_map(|value| value.to_str().ok()) {
            let Some((name, rest)) = value.split_once('=') else { continue };
            let cookie_value = rest.split(';').next().unwrap_or_default();
            if cookie_value.is_empty() || value.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), cookie_value.to_owned());
            }
        }
    }

    /// Sends a request with this client's cookies (or bearer token).
    ///
    /// # Panics
    /// When the request cannot be built.
    pub async fn request(&self, method: Method, path: &str, content_type: Option<&str>, body: String) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        let cookie_header = {
            let cookies = self.cookies.lock().expect("cookie lock");
            cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
        };
        if !cookie_header.is_empty() {
            builder = builder.header(header::COOKIE, cookie_header);
        }
        if let Some(token) = &self.bearer {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let response = self.test_app.send(builder.body(Body::from(body)).expect("request")).await;
        self.remember_cookies(&response.headers);
        response
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path, None, String::new()).await
    }

    /// Posts a form as a browser would (`application/x-www-form-urlencoded`).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = fields
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        self.request(Method::POST, path, Some("application/x-www-form-urlencoded"), body).await
    }

    /// Posts a form with the CSRF token of the signed-in session added.
    pub async fn post_form_with_csrf(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.session_csrf_token().await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    /// Sends JSON with the given method.
    pub async fn send_json(&self, method: Method, path: &str, json: &serde_json::Value) -> TestResponse {
        self.request(method, path, Some("application/json"), json.to_string()).await
    }

    /// The CSRF token of the current session, read from a page that every signed-in user (even
    /// one still giving a second factor) can open.
    ///
    /// # Panics
    /// When no page shows a token (not signed in).
    pub async fn session_csrf_token(&self) -> String {
        for page in ["/profile", "/login/two-factor", "/profile/two-factor"] {
            let response = self.get(page).await;
            if response.status == StatusCode::OK
                && let Some(token) = response.csrf_token()
                && !token.is_empty()
            {
                return token;
            }
        }
        panic!("no page shows a CSRF token: is the client signed in?")
    }

    /// Submits the sign-in form; returns the response (a redirect on success).
    pub async fn submit_sign_in(&self, email: &str, password: &str) -> TestResponse {
        let page = self.get("/login").await;
        let token = page.csrf_token().expect("sign-in form has a CSRF token");
        self.post_form("/login", &[("csrf_token", &token), ("email", email), ("password", password), ("next", "/")])
            .await
    }

    /// Signs in with the demo password and completes the second factor when asked.
    ///
    /// # Panics
    /// When any step fails.
    pub async fn sign_in(&self, email: &str) {
        let response = self.submit_sign_in(email, tt_app::demo::DEMO_PASSWORD).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "sign-in of {email} failed: {}", response.body);
        match response.location() {
            Some("/login/two-factor") => {
                let secret = self
                    .test_app
                    .app
                    .store
                    .two_factor_secret(self.user_id(email).await)
                    .await
                    .expect("secret")
                    .expect("enrolled");
                let code = self.current_code(&secret);
                let page = self.get("/login/two-factor").await;
                let token = page.csrf_token().expect("token");
                let done = self.post_form("/login/two-factor", &[("csrf_token", &token), ("code", &code)]).await;
                assert_eq!(done.status, StatusCode::SEE_OTHER, "second factor of {email} failed: {}", done.body);
            }
            Some("/profile/two-factor") => {
                let page = self.get("/profile/two-factor").await;
                let secret = hidden_value(&page.body, "secret").expect("enrolment secret");
                let token = page.csrf_token().expect("token");
                let code = self.current_code(&secret);
                let done = self
                    .post_form("/profile/two-factor", &[("csrf_token", &token), ("secret", &secret), ("code", &code)])
                    .await;
                assert_eq!(done.status, StatusCode::OK, "enrolment of {email} failed: {}", done.body);
            }
            _ => {}
        }
    }

    /// The TOTP code for a base32 secret at the app's clock.
    #[must_use]
    pub fn current_code(&self, base32_secret: &str) -> String {
        let secret = tt_app::totp::base32_decode(base32_secret).expect("base32");
        tt_app::totp::code_at(&secret, self.test_app.app.clock.now().unix_timestamp())
    }

    async fn user_id(&self, email: &str) -> tt_domain::UserId {
        let email = EmailAddress::parse(email).expect("email");
        self.test_app.app.store.find_user_by_email(&email).await.expect("find").expect("user exists").id
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}
