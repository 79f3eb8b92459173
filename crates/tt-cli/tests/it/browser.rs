//! Real headless Chromium, driven through chromedriver (W3C WebDriver), against the real server
//! on a free port: a member and a staff user sign in and reach their home pages. Screenshots are
//! saved under `target/browser-screenshots/`. Without Chromium outside CI the test says so and
//! skips; under CI a missing browser fails it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

struct Driver {
    process: Child,
    http: reqwest::Client,
    port: u16,
    base: String,
    session: String,
}

impl Drop for Driver {
    /// Ends the WebDriver session first, so chromedriver closes Chromium (killing chromedriver
    /// alone leaves the browser running), even when the test failed half-way. Plain blocking
    /// HTTP: `drop` cannot await.
    fn drop(&mut self) {
        use std::io::{Read as _, Write as _};
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session, self.port
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Driver {
    async fn start() -> Self {
        let port = free_port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("tt-chromium-{}", uuid::Uuid::new_v4().simple()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--window-size=1280,900", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let response: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let session =
            response["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {response}")).to_owned();
        Self { process, http, port, base, session }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.expect("webdriver").json().await.expect("json");
        assert!(response["value"]["error"].is_null(), "webdriver error on {path}: {response}");
        response["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    async fn find(&self, css: &str) -> String {
        let element =
            self.command(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        element[ELEMENT_KEY].as_str().expect("element id").to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({"text": text}))).await;
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    async fn page_source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None).await.as_str().unwrap_or_default().to_owned()
    }

    async fn screenshot(&self, name: &str) {
        let encoded = self.command(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.as_str().expect("base64")).expect("png");
        let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
        std::fs::create_dir_all(&directory).expect("screenshot folder");
        std::fs::write(directory.join(format!("{name}.png")), bytes).expect("write screenshot");
    }

    /// The page source once it contains `text` (a click's navigation may still be under way
    /// when the click returns); panics after five seconds.
    async fn wait_for_text(&self, text: &str) -> String {
        let mut source = String::new();
        for _ in 0..50 {
            source = self.page_source().await;
            if source.contains(text) {
                return source;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {text:?}:\n{source}")
    }

    async fn sign_out(&self) {
        self.click("form[action='/logout'] button").await;
    }
}

fn browser_available() -> bool {
    let present = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("CI").is_err(),
            "Chromium and chromedriver are required under CI (.ci/run installs them)"
        );
        eprintln!("skipping the browser test: install the Debian packages chromium and chromium-driver to run it");
    }
    present
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_and_a_staff_user_sign_in_with_a_real_browser() {
    if !browser_available() {
        return;
    }
    let database_url = match std::env::var("TT_TEST_DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => {
            tt_testkit::TestDatabase::create_postgres_database(&server).await
        }
        _ => format!(
            "sqlite:{}",
            std::env::temp_dir().join(format!("tt-browser-{}.sqlite3", uuid::Uuid::new_v4().simple())).display()
        ),
    };
    // The shipped defaults, secure cookies included: Chromium treats 127.0.0.1 as a secure origin.
    let settings = tt_cli::Settings { database_url: tt_cli::Secret::new(database_url), ..tt_cli::Settings::default() };
    let app = tt_cli::build_app(&settings).await.expect("app");
    app.seed_demo().await.expect("demo data");
    tt_cli::simulate::seed_demo_trade_data(&app).await.expect("demo trade data");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server =
        tokio::spawn(tt_cli::serve(app.clone(), settings.web.clone(), settings.worker, listener, async move {
            let _ = stopped.await;
        }));

    let browser = Driver::start().await;
    browser.go(&format!("{base}/")).await;
    assert!(browser.page_source().await.contains("Sign in"), "anonymous visitors are sent to sign in");
    browser.screenshot("sign-in").await;
    browser.type_into("#email", "officer@greatlakes.example").await;
    browser.type_into("#password", tt_app::demo::DEMO_PASSWORD).await;
    browser.click("button[type=submit]").await;
    let home = browser.wait_for_text("My company").await;
    assert!(home.contains("Great Lakes Home Goods"), "member home page:\n{home}");
    browser.screenshot("member-home").await;
    // Defender: the member denies the first alert and confirms the next.
    browser.go(&format!("{base}/alerts")).await;
    let alerts = browser.page_source().await;
    assert!(
        alerts.contains("UNAUTHORIZED_FILER") && alerts.contains("NEW_PORT") && alerts.contains("NEW_ORIGIN"),
        "{alerts}"
    );
    browser.click("button[value=denied]").await;
    browser.wait_for_text("Denied: case opened").await;
    browser.click("button[value=confirmed]").await;
    browser.wait_for_text("Confirmed: this shipment is ours").await;
    browser.screenshot("member-alerts").await;
    browser.go(&format!("{base}/kpis")).await;
    assert!(browser.page_source().await.contains("Non-member baseline"));
    browser.screenshot("member-kpis").await;
    browser.sign_out().await;
    browser.wait_for_text("Sign in").await;

    browser.type_into("#email", "scss@cbp.example").await;
    browser.type_into("#password", tt_app::demo::DEMO_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("authentication code").await;
    let secret = tt_app::totp::base32_decode(tt_app::demo::DEMO_TOTP_SECRET).expect("secret");
    let code = tt_app::totp::code_at(&secret, time::OffsetDateTime::now_utc().unix_timestamp());
    browser.type_into("#code", &code).await;
    browser.click("button[type=submit]").await;
    let home = browser.wait_for_text("My work").await;
    assert!(home.contains("Applications to review"), "staff home page:\n{home}");
    browser.screenshot("staff-home").await;
    browser.go(&format!("{base}/accounts")).await;
    assert!(browser.page_source().await.contains("DEMO-BRK-002"));
    browser.screenshot("staff-accounts").await;
    // The denied alert is an open case; the specialist records its outcome.
    browser.go(&format!("{base}/cases")).await;
    assert!(browser.page_source().await.contains("<strong>Open</strong>"));
    browser.click("table a").await;
    browser.wait_for_text("Record the outcome").await;
    browser.type_into("#outcome", "The filer was not authorized: referred for investigation").await;
    browser.click("form[action$='/outcome'] button").await;
    browser.wait_for_text("Closed: The filer was not authorized").await;
    browser.screenshot("staff-case").await;
    browser.go(&format!("{base}/kpis")).await;
    assert!(browser.page_source().await.contains("demo-entries.csv"), "staff see the batches behind the numbers");
    browser.screenshot("staff-kpis").await;

    let _ = stop.send(());
    server.await.expect("server task").expect("server stopped cleanly");
}
