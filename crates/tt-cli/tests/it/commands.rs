//! The binary's commands as an operator runs them, and the two databases' schemas.

use std::io::Write as _;
use std::process::{Command, Stdio};

use tt_testkit::TestDatabase;

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trusted-trader"));
    command.env_remove("TT_DATABASE_URL").env("RUST_LOG", "warn");
    command
}

fn run_with_stdin(mut command: Command, input: &str) -> std::process::Output {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// The database URL for command-line tests: a new SQLite file, or a new PostgreSQL database.
async fn fresh_database_url() -> String {
    match std::env::var("TT_TEST_DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => TestDatabase::create_postgres_database(&server).await,
        _ => format!(
            "sqlite:{}",
            std::env::temp_dir().join(format!("tt-cli-{}.sqlite3", uuid::Uuid::new_v4().simple())).display()
        ),
    }
}

#[tokio::test]
async fn an_operator_creates_a_user_and_a_token_that_the_api_accepts() {
    let url = fresh_database_url().await;
    let mut create = binary();
    create.args([
        "--database-url",
        &url,
        "admin",
        "create-user",
        "--email",
        "ops@cbp.example",
        "--name",
        "Ops Person",
        "--role",
        "program_director",
        "--password-stdin",
    ]);
    let output = run_with_stdin(create, "Operator-Passphrase-1\n");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let mut token = binary();
    token.args([
        "--database-url",
        &url,
        "admin",
        "create-token",
        "--email",
        "ops@cbp.example",
        "--expires-in-days",
        "7",
    ]);
    let output = token.output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 1, "only the token is printed: {stdout}");
    let secret = stdout.trim();
    assert!(secret.starts_with("tt_"));

    let settings = tt_cli::Settings { database_url: tt_cli::Secret::new(url.clone()), ..tt_cli::Settings::default() };
    let app = tt_cli::build_app(&settings).await.expect("app");
    let actor = app.authenticate_token(secret, &tt_app::auth::RequestOrigin::default()).await.expect("token accepted");
    assert_eq!(actor.label, "ops@cbp.example");

    let mut bad_role = binary();
    bad_role.args([
        "--database-url",
        &url,
        "admin",
        "create-user",
        "--email",
        "x@cbp.example",
        "--name",
        "X",
        "--role",
        "emperor",
    ]);
    let output = bad_role.output().expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("role"), "the error names the field");
}

#[tokio::test]
async fn audit_verify_passes_on_an_intact_trail_and_names_the_first_edited_record() {
    let url = fresh_database_url().await;
    let output = binary().args(["--database-url", &url, "demo", "seed"]).output().expect("seed");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let verify = binary().args(["--database-url", &url, "audit", "verify"]).output().expect("verify");
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));

    let database = if url.starts_with("postgres") {
        TestDatabase::Postgres(tt_store_postgres::PostgresStore::connect(&url).await.expect("connect"))
    } else {
        TestDatabase::Sqlite(tt_store_sqlite::SqliteStore::connect(&url).await.expect("connect"))
    };
    database.tamper_with_audit_record(5, "{\"edited\":true}").await;
    let verify = binary().args(["--database-url", &url, "audit", "verify"]).output().expect("verify");
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("BROKEN at record 5"),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_clearly() {
    let output = binary().args(["--database-url", "mysql://localhost/x", "migrate"]).output().expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("must start with sqlite: or postgres://"));
}

#[tokio::test]
async fn both_backends_have_the_same_migrations_tables_and_columns() {
    let names = |backend: &str| -> Vec<String> {
        let directory = format!("{}/../tt-store-{backend}/migrations", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(directory)
            .expect("migrations")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
    let Some(server) = TestDatabase::postgres_server_url().await else { return };
    let sqlite = TestDatabase::fresh_sqlite().await.store().schema_columns().await.expect("sqlite schema");
    let postgres = TestDatabase::fresh_postgres(&server).await.store().schema_columns().await.expect("postgres schema");
    assert_eq!(sqlite, postgres);
}

#[tokio::test]
async fn an_operator_publishes_a_criteria_version_and_a_bad_file_is_refused_row_by_row() {
    let url = fresh_database_url().await;
    let folder = std::env::temp_dir().join(format!("tt-criteria-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("folder");
    let header = "criterion_id,focus_area,category_number,category,requirement,must_from,text,guidance\n";
    std::fs::write(folder.join("bad.csv"), format!("{header}1.1,Corporate Security,1,Vision,sometimes,,Text,\n"))
        .expect("bad file");
    std::fs::write(
        folder.join("good.csv"),
        format!("{header}1.1,Corporate Security,1,Vision,should,,Statement of support,\n4.15,Corporate Security,4,Cybersecurity,must,,Multi-factor authentication,\n"),
    )
    .expect("good file");
    let publish = |file: &str, version: &str| {
        let mut command = binary();
        command.args([
            "--database-url",
            &url,
            "criteria",
            "publish",
            "importer",
            folder.join(file).to_str().expect("path"),
            "--version",
            version,
            "--effective-from",
            "2099-01-01",
        ]);
        command.output().expect("run")
    };
    let refused = publish("bad.csv", "2099-1");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("row 2: 'sometimes' is not must or should"), "{stderr}");
    let published = publish("good.csv", "2099-1");
    assert!(published.status.success(), "{}", String::from_utf8_lossy(&published.stderr));
    let stdout = String::from_utf8_lossy(&published.stdout);
    assert!(
        stdout.contains(
            "Published importer 2099-1 (effective 2099-01-01): 2 criteria, 0 unchanged, 1 changed, 1 new, 96 retired."
        ),
        "{stdout}"
    );
    let mut list = binary();
    list.args(["--database-url", &url, "criteria", "list"]);
    let listed = String::from_utf8_lossy(&list.output().expect("list").stdout).into_owned();
    assert!(
        listed
            .lines()
            .any(|line| line.starts_with("importer") && line.contains("2019-11") && line.ends_with("(in force)")),
        "{listed}"
    );
    assert!(listed.lines().any(|line| line.contains("2099-1") && line.contains("system")), "{listed}");
}

#[tokio::test]
async fn the_annual_report_pdf_carries_the_kpi_figures_the_engine_computes_for_the_same_data() {
    let url = fresh_database_url().await;
    let folder = std::env::temp_dir().join(format!("tt-report-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("folder");
    let run = |args: &[&str]| {
        let mut command = binary();
        command.args(["--database-url", &url]).args(args);
        let output = command.output().expect("run");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        output
    };
    // Synthetic members and a fiscal year of entries, then the report through the binary.
    run(&[
        "simulate",
        "--out",
        folder.to_str().expect("path"),
        "--lines",
        "3000",
        "--accounts",
        "40",
        "--from",
        "2024-10-01",
        "--days",
        "365",
    ]);
    for (kind, file) in [("accounts", "accounts.csv"), ("status-events", "status-events.csv")] {
        run(&["import", kind, folder.join(file).to_str().expect("path")]);
    }
    run(&["ingest", "entries", folder.join("entries.csv").to_str().expect("path")]);
    let pdf = folder.join("report.pdf");
    let output = run(&["report", "annual", "--fiscal-year", "2025", "--out", pdf.to_str().expect("path")]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("100% done"), "a progress bar");
    let json = folder.join("report.json");
    run(&["report", "annual", "--fiscal-year", "2025", "--out", json.to_str().expect("path"), "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");

    // The engine's own figures for the same year, by group.
    let kpis = run(&["kpi", "--from", "2024-10-01", "--to", "2025-09-30", "--by", "group", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&kpis.stdout).expect("kpi json");
    let rows = rows.as_array().or_else(|| rows["rows"].as_array()).expect("rows").clone();
    assert!(!rows.is_empty());
    let effectiveness = report["effectiveness"].as_array().expect("effectiveness");
    assert_eq!(effectiveness.len(), rows.len(), "a row per group");
    let Some(text) = tt_testkit::pdf::pdf_text(&std::fs::read(&pdf).expect("pdf")) else { return };
    assert!(text.contains("Partnership programs annual report, fiscal year 2025"), "{text}");
    for row in &rows {
        let entries = row["entries"].as_u64().expect("entries");
        let examined = row["examined_entries"].as_u64().expect("examined");
        let rate = row["exam_rate"].as_f64().map_or_else(|| "—".to_owned(), |rate| format!("{:.2}", rate * 100.0));
        let random = row["random_exams"].as_u64().expect("random exams");
        let cells = format!("{entries} {examined} {rate} {random}");
        assert!(text.contains(&cells), "the PDF's effectiveness table carries {cells:?}:\n{text}");
    }
}
