//! Real headless Chromium, driven through chromedriver (W3C WebDriver), against the real server
//! on a free port: a member and a staff user sign in and work Defender alerts; an applicant is
//! certified and a member joins Trade Compliance through the membership pages; profiles,
//! validations, a ruling request and a confidential-manifest renewal; a status-verification
//! connection accepted and a partner alerted of a later status change; a consent to the FDA
//! that lets the FDA liaison see the member. Screenshots are
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
        // reqwest is built with rustls and no default crypto provider (for the S3 store): the
        // same ring provider the binary installs.
        let _ = rustls::crypto::ring::default_provider().install_default();
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
        self.wait_for_text("Sign in").await;
    }

    /// Sets a field's value directly (for date inputs, whose typing depends on the locale).
    async fn set_value(&self, css: &str, value: &str) {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": "document.querySelector(arguments[0]).value = arguments[1];", "args": [css, value]})),
        )
        .await;
    }

    /// Signs in; staff also give the demo authenticator's current code.
    async fn sign_in(&self, base: &str, email: &str, staff: bool) {
        self.go(&format!("{base}/login")).await;
        self.type_into("#email", email).await;
        self.type_into("#password", tt_app::demo::DEMO_PASSWORD).await;
        self.click("button[type=submit]").await;
        if staff {
            self.wait_for_text("authentication code").await;
            let secret = tt_app::totp::base32_decode(tt_app::demo::DEMO_TOTP_SECRET).expect("secret");
            let code = tt_app::totp::code_at(&secret, time::OffsetDateTime::now_utc().unix_timestamp());
            self.type_into("#code", &code).await;
            self.click("button[type=submit]").await;
        }
        self.wait_for_text("Sign out").await;
    }

    /// Opens the form of one kind of membership step (one with no fields to fill), submits it
    /// and waits for `expected` on the page that follows.
    async fn record_step(&self, kind: &str, expected: &str) {
        self.click(&format!("#step-{kind} summary")).await;
        self.click(&format!("#step-{kind} button[type=submit]")).await;
        self.wait_for_text(expected).await;
    }
}

/// The real server on a free port, on a fresh database with the demo data (and the demo trade
/// data when asked), with the shipped settings as `configure` leaves them.
struct Portal {
    app: tt_app::App,
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Portal {
    async fn start(configure: impl FnOnce(&mut tt_cli::Settings), trade_data: bool) -> Self {
        let database_url = match std::env::var("TT_TEST_DATABASE_URL") {
            Ok(server) if server.starts_with("postgres") => {
                tt_testkit::TestDatabase::create_postgres_database(&server).await
            }
            _ => format!(
                "sqlite:{}",
                std::env::temp_dir().join(format!("tt-browser-{}.sqlite3", uuid::Uuid::new_v4().simple())).display()
            ),
        };
        let mut settings =
            tt_cli::Settings { database_url: tt_cli::Secret::new(database_url), ..tt_cli::Settings::default() };
        configure(&mut settings);
        let app = tt_cli::build_app(&settings).await.expect("app");
        app.seed_demo().await.expect("demo data");
        if trade_data {
            tt_cli::simulate::seed_demo_trade_data(&app).await.expect("demo trade data");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server =
            tokio::spawn(tt_cli::serve(app.clone(), settings.web.clone(), settings.worker, listener, async move {
                let _ = stopped.await;
            }));
        Self { app, base, stop, server }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.expect("server task").expect("server stopped cleanly");
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
    // The shipped defaults, secure cookies included: Chromium treats 127.0.0.1 as a secure origin.
    let portal = Portal::start(|_| {}, true).await;
    let base = portal.base.clone();

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

    portal.stop().await;
}

/// A company signs up and is certified Tier I by a specialist and a supervisor; a Tier II
/// member applies for Trade Compliance, is accepted, files its Annual Notification Letter and
/// its NAM accepts it, all through the pages in a real browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_is_certified_and_a_member_joins_trade_compliance_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let portal = Portal::start(|_| {}, true).await;
    let (app, base) = (&portal.app, portal.base.clone());
    let browser = Driver::start().await;

    // The company signs itself up and applies.
    browser.go(&format!("{base}/signup")).await;
    browser.type_into("#legal_name", "Prairie Housewares LLC").await;
    browser.type_into("#address_line1", "1 Elm Street").await;
    browser.type_into("#city", "Omaha").await;
    browser.type_into("#name", "Pia Officer").await;
    browser.type_into("#email", "pia@prairie.example").await;
    browser.type_into("#password", "Prairie-Passphrase-9").await;
    browser.type_into("#password_confirmation", "Prairie-Passphrase-9").await;
    browser.click("form[action='/signup'] button[type=submit]").await;
    browser.wait_for_text("Pre-applicant").await;
    let membership_url = browser.command(reqwest::Method::GET, "/url", None).await.as_str().expect("url").to_owned();
    browser.record_step("application_submitted", "Applicant (specialist review)").await;
    assert!(browser.page_source().await.contains("Tier I certification target"));
    browser.screenshot("applicant-membership").await;
    browser.sign_out().await;

    // The specialist approves the profile and records every vetting block.
    browser.sign_in(&base, "scss@cbp.example", true).await;
    browser.go(&format!("{base}/work")).await;
    assert!(
        browser.page_source().await.contains("Prairie Housewares LLC"),
        "the application is in the specialist's queue"
    );
    browser.screenshot("specialist-work").await;
    browser.go(&membership_url).await;
    browser.record_step("profile_approved", "Profile approved (vetting)").await;
    for block in tt_domain::lifecycle::VettingBlock::required_for(tt_domain::BusinessType::Importer) {
        let value = serde_json::to_value(block).expect("block").as_str().expect("name").to_owned();
        browser.click("#step-vetting_recorded summary").await;
        browser.click(&format!("#vetting_recorded-block option[value='{value}']")).await;
        browser.type_into("#vetting_recorded-notes", "nothing found").await;
        browser.click("#step-vetting_recorded button[type=submit]").await;
        browser.wait_for_text(&format!("Vetting: {}", block.label())).await;
    }
    browser.screenshot("specialist-vetting").await;
    browser.sign_out().await;

    // The supervisor certifies Tier I.
    browser.sign_in(&base, "scss.supervisor@cbp.example", true).await;
    browser.go(&membership_url).await;
    browser.record_step("certified_tier_one", "Certified Tier I").await;
    let page = browser.page_source().await;
    assert!(
        page.contains("Initial validation due") && page.contains("1 year after the Tier I certification of"),
        "{page}"
    );
    browser.screenshot("supervisor-certified").await;
    browser.sign_out().await;

    // A Tier II importer applies for Trade Compliance.
    let pacific = app
        .store
        .find_account_by_number(&tt_domain::AccountNumber::parse("DEMO-IMP-005").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id;
    let pacific_url = format!("{base}/accounts/{pacific}/membership");
    browser.sign_in(&base, "officer@pacificapparel.example", false).await;
    browser.go(&pacific_url).await;
    browser.wait_for_text("Certified Tier II").await;
    browser.click("#step-eligibility_checked summary").await;
    browser.set_value("#eligibility_checked-importing_since", "2015-01-01").await;
    for question in 1..=13 {
        browser.click(&format!("#eligibility_checked-answer_{question}")).await;
    }
    browser.click("#step-eligibility_checked button[type=submit]").await;
    browser.wait_for_text("Application open").await;
    for tile in tt_domain::lifecycle::ApplicationTile::ALL {
        let value = serde_json::to_value(tile).expect("tile").as_str().expect("name").to_owned();
        browser.click("#step-tile_completed summary").await;
        browser.click(&format!("#tile_completed-tile option[value='{value}']")).await;
        browser.type_into("#tile_completed-summary", "completed in the portal").await;
        browser.click("#step-tile_completed button[type=submit]").await;
        browser.wait_for_text(&format!("Trade Compliance application: {} completed", tile.label())).await;
    }
    browser.record_step("trade_compliance_submitted", "Submitted (NAM review)").await;
    browser.record_step("memorandum_signed", "Memorandum signed (awaiting acceptance)").await;
    browser.sign_out().await;

    // Trade Compliance headquarters assigns the NAM and accepts.
    browser.sign_in(&base, "tc.analyst@cbp.example", true).await;
    browser.go(&pacific_url).await;
    browser.click("#step-nam_assigned summary").await;
    browser.type_into("#nam_assigned-nam", "nam@cbp.example").await;
    browser.type_into("#nam_assigned-supervisor", "nam.supervisor@cbp.example").await;
    browser.click("#step-nam_assigned button[type=submit]").await;
    browser.wait_for_text("National Account Manager nam@cbp.example assigned").await;
    browser.record_step("trade_compliance_accepted", "Accepted into Trade Compliance").await;
    let page = browser.page_source().await;
    assert!(page.contains("13 months after the Trade Compliance acceptance of"), "{page}");
    browser.screenshot("analyst-accepted").await;
    browser.sign_out().await;

    // The member files its Annual Notification Letter.
    let letter_year = (time::OffsetDateTime::now_utc().date() + time::Duration::days(400)).year().to_string();
    browser.sign_in(&base, "officer@pacificapparel.example", false).await;
    browser.go(&pacific_url).await;
    browser.click("#step-annual_notification_filed summary").await;
    browser.type_into("#annual_notification_filed-year", &letter_year).await;
    browser.type_into("#annual_notification_filed-organizational_changes", "None").await;
    browser
        .type_into("#annual_notification_filed-risk_assessment_summary", "Annual risk assessment done; 2 errors found")
        .await;
    browser.type_into("#annual_notification_filed-corrective_actions", "Broker instructions updated").await;
    browser.click("#annual_notification_filed-officer_certification").await;
    browser.click("#step-annual_notification_filed button[type=submit]").await;
    browser.wait_for_text(&format!("Annual Notification Letter {letter_year} filed")).await;
    browser.screenshot("member-letter-filed").await;
    browser.sign_out().await;

    // The NAM finds the letter in the queue and accepts it.
    browser.sign_in(&base, "nam@cbp.example", true).await;
    browser.go(&format!("{base}/work")).await;
    browser.wait_for_text(&format!("Annual Notification Letter {letter_year} awaiting NAM review")).await;
    browser.screenshot("nam-work").await;
    browser.go(&pacific_url).await;
    browser.click("#step-annual_notification_reviewed summary").await;
    browser.type_into("#annual_notification_reviewed-year", &letter_year).await;
    browser.click("#annual_notification_reviewed-accepted").await;
    browser.click("#step-annual_notification_reviewed button[type=submit]").await;
    browser.wait_for_text(&format!("Annual Notification Letter {letter_year} accepted")).await;
    browser.screenshot("nam-letter-accepted").await;

    portal.stop().await;
}

/// A member completes its security profile (the last answers and an evidence file through the
/// page), the company officer submits it, and a specialist returns one criterion with a request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_submits_a_security_profile_with_evidence_and_a_specialist_returns_a_criterion() {
    if !browser_available() {
        return;
    }
    let evidence_folder = std::env::temp_dir().join(format!("tt-browser-evidence-{}", uuid::Uuid::new_v4().simple()));
    let portal =
        Portal::start(|settings| settings.app.evidence_folder = evidence_folder.display().to_string(), false).await;
    let (app, base) = (&portal.app, portal.base.clone());
    let account = app
        .store
        .find_account_by_number(&tt_domain::AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id;
    // Most answers are in already; the member gives the last required one in the browser.
    let officer = {
        let user = app
            .store
            .find_user_by_email(&tt_domain::EmailAddress::parse("officer@greatlakes.example").expect("email"))
            .await
            .expect("find")
            .expect("officer");
        tt_app::Actor::for_user(user, tt_app::Via::Session, None, None)
    };
    let profile = app.security_profile(&officer, account).await.expect("profile");
    let musts: Vec<String> = profile
        .criteria
        .iter()
        .filter(|criterion| criterion.requirement == "must" && criterion.id.as_str() != "3.9")
        .map(|criterion| criterion.id.to_string())
        .collect();
    for criterion in musts {
        let action = tt_app::profile::ProfileAction::Answer {
            criterion,
            answer: "meets".to_owned(),
            narrative: "Written procedure in place".to_owned(),
        };
        app.change_profile(&officer, account, &action).await.expect("answer");
    }
    let evidence_file = std::env::temp_dir().join(format!("social-compliance-{}.txt", uuid::Uuid::new_v4().simple()));
    std::fs::write(&evidence_file, "Our code of conduct forbids forced labor in our supply chain.")
        .expect("evidence file");

    let browser = Driver::start().await;
    let profile_url = format!("{base}/accounts/{account}/security-profile");

    browser.sign_in(&base, "officer@greatlakes.example", false).await;
    browser.go(&profile_url).await;
    browser.wait_for_text("1 required still unanswered").await;
    browser.click("[id='answer-3.9'] option[value='partially']").await;
    browser
        .type_into("[id='narrative-3.9']", "Social compliance program adopted in 2025; supplier audits under way")
        .await;
    browser.click("[id='criterion-3.9'] form[action$='/security-profile'] button[type=submit]").await;
    browser.wait_for_text("0 required still unanswered").await;
    browser.type_into("[id='file-3.9']", &evidence_file.display().to_string()).await;
    browser.click("[id='criterion-3.9'] form[action$='/evidence'] button[type=submit]").await;
    let file_name = evidence_file.file_name().expect("name").to_string_lossy().into_owned();
    browser.wait_for_text(&file_name).await;
    browser.screenshot("profile-member-evidence").await;
    browser.click("#submit-profile button[type=submit]").await;
    browser.wait_for_text("Submitted for review").await;
    browser.sign_out().await;

    browser.sign_in(&base, "scss@cbp.example", true).await;
    browser.go(&profile_url).await;
    browser.wait_for_text("Record the review of 3.9").await;
    browser.click("[id='return-3.9']").await;
    browser.type_into("[id='comment-3.9']", "Attach the supplier audit schedule").await;
    browser.click("[id='criterion-3.9'] form[action$='/security-profile'] button[type=submit]").await;
    browser.wait_for_text("Reviewer: returned").await;
    browser.click("#return-profile").await;
    browser.wait_for_text("Returned for changes").await;
    let page = browser.page_source().await;
    assert!(page.contains("Attach the supplier audit schedule"), "{page}");
    browser.screenshot("profile-specialist-returned").await;

    portal.stop().await;
    let _ = std::fs::remove_dir_all(&evidence_folder);
}

/// A validation from its plan to the report sent and answered, through the pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_is_planned_reported_sent_and_answered_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let portal = Portal::start(|_| {}, false).await;
    let (app, base) = (&portal.app, portal.base.clone());
    let account = app
        .store
        .find_account_by_number(&tt_domain::AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id;
    let browser = Driver::start().await;
    let today = time::OffsetDateTime::now_utc().date();

    browser.sign_in(&base, "scss@cbp.example", true).await;
    browser.go(&format!("{base}/validations?account={account}")).await;
    browser.wait_for_text("Plan a validation").await;
    browser.type_into("#site_name", "Detroit distribution center").await;
    browser.type_into("#site_country", "US").await;
    browser.type_into("#site_share", "80").await;
    browser.set_value("#notice_sent", &(today - time::Duration::days(40)).to_string()).await;
    browser.set_value("#domestic_visit", &(today - time::Duration::days(3)).to_string()).await;
    browser.click("form[action$='/validations'] button[type=submit]").await;
    browser.wait_for_text("Record a criterion").await;
    let validation_url = browser.command(reqwest::Method::GET, "/url", None).await.as_str().expect("url").to_owned();
    browser.type_into("#criterion", "6.6").await;
    browser.click("#result option[value='no']").await;
    browser.type_into("#internal_notes", "Seal log pages 3 to 9 missing").await;
    browser.type_into("#finding", "The seal inventory is not reconciled with the logs").await;
    browser.type_into("#recommendation", "Reconcile weekly").await;
    browser.type_into("#required_action", "Reconcile the seal inventory").await;
    browser.set_value("#action_due", &(today + time::Duration::days(60)).to_string()).await;
    browser.click("#record-criterion button[type=submit]").await;
    browser.wait_for_text("The seal inventory is not reconciled with the logs").await;
    browser.type_into("#summary", "A sound program; seal controls need work.").await;
    browser.click("#write-summary button[type=submit]").await;
    browser.wait_for_text("Executive summary</h2>").await;
    browser.click("#submit-report button[type=submit]").await;
    browser.wait_for_text("Submitted to the supervisor").await;
    browser.sign_out().await;

    browser.sign_in(&base, "scss.supervisor@cbp.example", true).await;
    browser.go(&validation_url).await;
    browser.click("#approve-report button[type=submit]").await;
    browser.wait_for_text("Approved").await;
    browser.sign_out().await;

    browser.sign_in(&base, "scss@cbp.example", true).await;
    browser.go(&validation_url).await;
    browser.click("#send-report button[type=submit]").await;
    browser.wait_for_text("Sent to the member").await;
    browser.sign_out().await;

    browser.sign_in(&base, "officer@greatlakes.example", false).await;
    browser.go(&validation_url).await;
    let page = browser.wait_for_text("Action plan").await;
    assert!(!page.contains("Seal log pages 3 to 9 missing"), "members never see the internal notes");
    browser.click("[id='implemented-6.6']").await;
    browser.type_into("[id='response-6.6']", "Weekly reconciliation since this month").await;
    browser.click("[id='respond-6.6'] button[type=submit]").await;
    browser.wait_for_text("Implemented: Weekly reconciliation since this month").await;
    browser.screenshot("validation-member-answered").await;

    portal.stop().await;
}

/// A Trade Compliance member asks for a ruling, the National Account Manager asks a question and
/// issues it; the member then gets a confidential-manifest certificate and renews it with one
/// click (the renewal window is widened by setting so it is open on the day of the test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruling_request_and_a_confidential_manifest_renewal_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let portal =
        Portal::start(|settings| settings.app.benefit_clocks.confidential_manifest_renewal_window_days = 800, true)
            .await;
    let base = portal.base.clone();
    let browser = Driver::start().await;

    browser.sign_in(&base, "officer@greatlakes.example", false).await;
    browser.go(&format!("{base}/requests")).await;
    browser.click("a[href='/requests/new?kind=ruling']").await;
    browser.wait_for_text("<h1>Ruling request</h1>").await;
    browser.type_into("#merchandise", "Steel shelf brackets").await;
    browser.click("#question option[value='classification']").await;
    browser.type_into("#description", "We believe heading 7326 applies.").await;
    browser.click("form[action='/requests'] button[type=submit]").await;
    let page = browser.wait_for_text("Ruling due").await;
    assert!(page.contains("Trade Compliance member: front of the line"), "{page}");
    assert!(page.contains("20 days after receipt"), "{page}");
    let ruling_url = browser.command(reqwest::Method::GET, "/url", None).await.as_str().expect("url").to_owned();
    browser.go(&format!("{base}/dashboards/member")).await;
    browser.wait_for_text("our dashboard").await;
    browser.screenshot("member-dashboard").await;
    browser.sign_out().await;

    browser.sign_in(&base, "nam@cbp.example", true).await;
    browser.go(&format!("{base}/requests")).await;
    browser.wait_for_text("Front of line").await;
    browser.go(&ruling_url).await;
    browser.type_into("#text", "Please send a drawing of the bracket.").await;
    browser.click("#message button[type=submit]").await;
    browser.wait_for_text("Agency: Please send a drawing of the bracket.").await;
    browser.type_into("#note", "N312345").await;
    browser.click("#grant button[type=submit]").await;
    browser.wait_for_text("Granted").await;
    browser.screenshot("ruling-granted").await;
    browser.go(&format!("{base}/dashboards/program")).await;
    browser.wait_for_text("Program dashboard on").await;
    browser.screenshot("program-dashboard").await;
    browser.go(&format!("{base}/benefits/kpis")).await;
    browser.wait_for_text("Member against non-member").await;
    browser.screenshot("benefits-dashboard").await;
    browser.go(&format!("{base}/reports/annual")).await;
    browser.wait_for_text("Measures of effectiveness").await;
    browser.screenshot("annual-report").await;
    browser.sign_out().await;

    browser.sign_in(&base, "officer@greatlakes.example", false).await;
    browser.go(&ruling_url).await;
    let page = browser.wait_for_text("N312345").await;
    assert!(page.contains("Met"), "the ruling came within its 20 days: {page}");
    browser.go(&format!("{base}/requests/new?kind=confidential_manifest")).await;
    browser.click("#direction option[value='inward']").await;
    browser.type_into("#names", "Great Lakes Home Goods, Inc.").await;
    browser.type_into("#addresses", "1 Main Street, Detroit, MI").await;
    browser.click("form[action='/requests'] button[type=submit]").await;
    browser.wait_for_text("Decision due").await;
    let manifest_url = browser.command(reqwest::Method::GET, "/url", None).await.as_str().expect("url").to_owned();
    browser.sign_out().await;

    browser.sign_in(&base, "nam@cbp.example", true).await;
    browser.go(&manifest_url).await;
    browser.type_into("#note", "CM-2026-0042").await;
    browser.click("#grant button[type=submit]").await;
    browser.wait_for_text("certificate (PDF)").await;
    browser.sign_out().await;

    browser.sign_in(&base, "officer@greatlakes.example", false).await;
    browser.go(&manifest_url).await;
    browser.wait_for_text("Renew the certificate").await;
    browser.click("#renew button[type=submit]").await;
    let renewal = browser.wait_for_text("the earlier certificate").await;
    assert!(renewal.contains("1 Main Street, Detroit, MI"), "the renewal reuses the last request: {renewal}");
    browser.screenshot("confidential-manifest-renewed").await;
    browser.go(&manifest_url).await;
    let original = browser.wait_for_text("the renewal request").await;
    assert!(!original.contains("Renew the certificate"), "a certificate is renewed once");

    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_request_is_accepted_and_a_later_status_change_alerts_the_partner_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let portal = Portal::start(|_| {}, true).await;
    let base = portal.base.clone();
    let browser = Driver::start().await;

    browser.sign_in(&base, "officer@greatlakes.example", false).await;
    browser.go(&format!("{base}/connections")).await;
    browser.type_into("#account_number", "DEMO-IMP-005").await;
    browser.click("#share_tier").await;
    browser.click("form[action='/connections'] button[type=submit]").await;
    browser.wait_for_text("Awaiting their answer").await;
    browser.sign_out().await;

    browser.sign_in(&base, "officer@pacificapparel.example", false).await;
    browser.go(&format!("{base}/connections")).await;
    browser.wait_for_text("Awaiting your answer").await;
    browser.click("form:has(input[name='step'][value='accepted']) button[type=submit]").await;
    let connected = browser.wait_for_text("CTPAT certified, Tier II").await;
    assert!(connected.contains("Great Lakes Home Goods, Inc."), "{connected}");
    browser.screenshot("connection-accepted").await;

    // Great Lakes is suspended (its history records it no longer certified from today); the
    // worker's next pass alerts its connected partner.
    let today = portal.app.clock.now().date();
    let csv = format!("account_number,effective_date,kind,value\nDEMO-IMP-001,{today},ctpat,NONE\n");
    let kind = tt_app::trade::MembershipFile::StatusEvents;
    let mut file =
        tt_app::trade::FeedFile::from_bytes("suspension.csv", csv.into_bytes(), kind.required_columns()).expect("file");
    let report = portal
        .app
        .import_membership(&tt_app::Actor::system("test"), kind, &mut file, "suspension.csv")
        .await
        .expect("import");
    assert_eq!(report.rejected, 0);
    portal.app.run_reminders().await.expect("worker pass");
    browser.go(&format!("{base}/inbox")).await;
    let inbox = browser.wait_for_text("status changed").await;
    assert!(inbox.contains("Great Lakes Home Goods, Inc."), "{inbox}");
    browser.screenshot("partner-status-alert").await;
    browser.go(&format!("{base}/connections")).await;
    browser.wait_for_text("Not certified (pending, suspended or removed)").await;

    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_granted_to_an_agency_lets_its_liaison_see_the_member_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let portal = Portal::start(|_| {}, false).await;
    let base = portal.base.clone();
    let browser = Driver::start().await;
    let pacific = portal
        .app
        .store
        .find_account_by_number(&tt_domain::AccountNumber::parse("DEMO-IMP-005").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id;

    browser.sign_in(&base, "pga@fda.example", true).await;
    browser.go(&format!("{base}/accounts")).await;
    let before = browser.wait_for_text("<h1").await;
    assert!(!before.contains("Pacific Apparel Importers Corp."), "no consent to the FDA yet");
    browser.sign_out().await;

    browser.sign_in(&base, "officer@pacificapparel.example", false).await;
    browser.go(&format!("{base}/accounts/{pacific}/agency-consents")).await;
    browser.wait_for_text("Consent to each agency").await;
    browser.click("#agency-FDA button[type=submit]").await;
    let granted = browser.wait_for_text("Withdraw consent to the FDA").await;
    assert!(granted.contains("Granted"), "{granted}");
    browser.screenshot("agency-consent-granted").await;
    browser.sign_out().await;

    browser.sign_in(&base, "pga@fda.example", true).await;
    browser.go(&format!("{base}/accounts")).await;
    browser.wait_for_text("Pacific Apparel Importers Corp.").await;
    browser.go(&format!("{base}/accounts/{pacific}")).await;
    browser.wait_for_text("DEMO-IMP-005").await;
    browser.screenshot("liaison-sees-consenting-member").await;

    portal.stop().await;
}
