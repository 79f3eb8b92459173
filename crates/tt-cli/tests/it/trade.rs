//! The entry-feed contract (spec/entry-feed.md) through the command line, as the independent
//! checker runs it: files in, exit status and JSON out. Runs on SQLite, and on PostgreSQL when
//! `TT_TEST_DATABASE_URL` names a server.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A temporary folder and a fresh database for one test.
struct Workspace {
    folder: PathBuf,
    database_url: String,
}

impl Workspace {
    async fn new() -> Self {
        let folder = std::env::temp_dir().join(format!("tt-trade-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("folder");
        let database_url = match std::env::var("TT_TEST_DATABASE_URL") {
            Ok(server) if server.starts_with("postgres") => {
                tt_testkit::TestDatabase::create_postgres_database(&server).await
            }
            _ => format!("sqlite://{}", folder.join("test.db").display()),
        };
        Self { folder, database_url }
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.folder.join(name);
        std::fs::write(&path, content).expect("write");
        path
    }

    /// Runs the binary; returns the exit status and standard output.
    fn run(&self, arguments: &[&str]) -> (i32, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_trusted-trader"))
            .arg("--database-url")
            .arg(&self.database_url)
            .args(arguments)
            .current_dir(&self.folder)
            .env_remove("TT_DATABASE_URL")
            .env("RUST_LOG", "error")
            .output()
            .expect("run");
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn json(&self, arguments: &[&str]) -> (i32, Value) {
        let (status, stdout) = self.run(arguments);
        (status, serde_json::from_str(stdout.trim()).unwrap_or_else(|error| panic!("not JSON ({error}): {stdout}")))
    }

    fn ingest(&self, name: &str, content: &str) -> (i32, Value) {
        self.write(name, content.as_bytes());
        self.json(&["ingest", "entries", name, "--json"])
    }

    fn kpi(&self, by: &str) -> Vec<Value> {
        let (status, value) =
            self.json(&["kpi", "--from", "2000-01-01", "--to", "2099-12-31", "--by", by, "--format", "json"]);
        assert_eq!(status, 0);
        value.as_array().expect("array").clone()
    }
}

const HEADER: &str = "entry_number,line_number,entry_type,importer_number,port_code,entry_date,release_date,exam,exam_reason,hold_hours,country_of_origin,hts_number,entered_value_usd,duty_usd,recon_flag\n";

/// A valid line; `changes` replace fields by name.
fn line(entry: &str, line_number: u32, importer: &str, date: &str, changes: &[(&str, &str)]) -> String {
    let mut fields: Vec<(&str, String)> = vec![
        ("entry_number", entry.to_owned()),
        ("line_number", line_number.to_string()),
        ("entry_type", "01".to_owned()),
        ("importer_number", importer.to_owned()),
        ("port_code", "2704".to_owned()),
        ("entry_date", date.to_owned()),
        ("release_date", String::new()),
        ("exam", String::new()),
        ("exam_reason", String::new()),
        ("hold_hours", String::new()),
        ("country_of_origin", "CN".to_owned()),
        ("hts_number", "8471300100".to_owned()),
        ("entered_value_usd", "100.00".to_owned()),
        ("duty_usd", "1.00".to_owned()),
        ("recon_flag", String::new()),
    ];
    for (name, value) in changes {
        fields.iter_mut().find(|(field, _)| field == name).unwrap_or_else(|| panic!("no field {name}")).1 =
            (*value).to_owned();
    }
    let mut text = fields.into_iter().map(|(_, value)| value).collect::<Vec<_>>().join(",");
    text.push('\n');
    text
}

fn rejects_of(report: &Value) -> Vec<(u64, String)> {
    report["rejects"]
        .as_array()
        .expect("rejects")
        .iter()
        .map(|r| (r["row"].as_u64().expect("row"), r["field"].as_str().expect("field").to_owned()))
        .collect()
}

#[tokio::test]
async fn every_field_rule_rejects_the_row_naming_the_first_broken_field() {
    let workspace = Workspace::new().await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("entry_number", "AB12345678")], "entry_number"),
        (&[("line_number", "0")], "line_number"),
        (&[("line_number", "10000")], "line_number"),
        (&[("entry_type", "1")], "entry_type"),
        (&[("importer_number", "12345678")], "importer_number"),
        (&[("port_code", "27O4")], "port_code"),
        (&[("entry_date", "2024-02-30")], "entry_date"),
        (&[("release_date", "2024-02-29")], "release_date"),
        (&[("exam", "XRAY"), ("exam_reason", "RANDOM")], "exam"),
        (&[("exam", "NII")], "exam_reason"),
        (&[("exam_reason", "RANDOM")], "exam_reason"),
        (&[("hold_hours", "1.")], "hold_hours"),
        (&[("hold_hours", "-1")], "hold_hours"),
        (&[("country_of_origin", "CHN")], "country_of_origin"),
        (&[("hts_number", "8471.30.010")], "hts_number"),
        (&[("entered_value_usd", ".5")], "entered_value_usd"),
        (&[("entered_value_usd", "5.")], "entered_value_usd"),
        (&[("entered_value_usd", "+5")], "entered_value_usd"),
        (&[("entered_value_usd", "1e3")], "entered_value_usd"),
        (&[("entered_value_usd", "-0")], "entered_value_usd"),
        (&[("entered_value_usd", "1.234")], "entered_value_usd"),
        (&[("duty_usd", "1.555")], "duty_usd"),
        (&[("recon_flag", "X")], "recon_flag"),
        // Several broken fields: the first in the contract's order is reported.
        (&[("port_code", "x"), ("hts_number", "1")], "port_code"),
    ];
    let mut content = String::from(HEADER);
    for (index, (changes, _)) in cases.iter().enumerate() {
        content.push_str(&line(&format!("AB1{:07}0", index), 1, "123456789", "2024-03-01", changes));
    }
    content.push_str(&line(
        "AB199999990",
        1,
        "123456789",
        "2024-03-01",
        &[("hold_hours", "0012.50"), ("entered_value_usd", "007.5"), ("hts_number", "8471.30.0100")],
    ));
    let (status, report) = workspace.ingest("fields.csv", &content);
    assert_eq!(status, 3);
    let expected: Vec<(u64, String)> =
        cases.iter().enumerate().map(|(index, (_, field))| (index as u64 + 2, (*field).to_owned())).collect();
    assert_eq!(rejects_of(&report), expected);
    assert_eq!(report["lines_ingested"], 1);
    assert_eq!(report["rows_read"], cases.len() + 1);
}

#[tokio::test]
async fn csv_layout_does_not_matter_and_rows_are_physical_line_numbers() {
    let workspace = Workspace::new().await;
    // BOM, CRLF, columns in another order, header names in other case with spaces, an unknown
    // column, and a quoted value spanning two lines.
    let content = "\u{feff} Entry_Number ,LINE_NUMBER,extra,entry_type,importer_number,port_code,entry_date,country_of_origin,hts_number,entered_value_usd\r\n\
                   AB112345678,1,\"two\r\nlines\",01,123456789,2704,2024-03-01,cn,8471300100,10\r\n\
                   AB112345678,2,,01,123456789,2704,2024-03-01,cn,8471300100,not money\r\n\
                   AB112345679,1,x,01,123456789,2704,2024-03-02,de,8471300100,20.00\r\n";
    let (status, report) = workspace.ingest("layout.csv", content);
    assert_eq!(status, 3);
    assert_eq!(rejects_of(&report), vec![(4, "entered_value_usd".to_owned())]);
    assert_eq!(report["lines_ingested"], 2);
    assert_eq!(report["entries_new"], 2);
}

#[tokio::test]
async fn rejected_rows_are_written_back_byte_for_byte_with_their_reason() {
    let workspace = Workspace::new().await;
    let bad_line = "AB112345678,1,01,123456789,2704,2024-03-01,,,,,CN,8471300100,\"1,5\",,\r\n";
    let content = format!(
        "{}{}{}",
        HEADER.replace('\n', "\r\n"),
        line("AB112345679", 1, "123456789", "2024-03-01", &[]).replace('\n', "\r\n"),
        bad_line
    );
    workspace.write("rows.csv", content.as_bytes());
    let (status, _) = workspace.run(&["ingest", "entries", "rows.csv", "--rejects", "rejects.csv"]);
    assert_eq!(status, 3);
    let written = std::fs::read_to_string(workspace.folder.join("rejects.csv")).expect("rejects file");
    let mut lines = written.split("\r\n");
    assert_eq!(lines.next().expect("header"), format!("{},error", HEADER.trim_end()));
    let rejected = lines.next().expect("row");
    assert!(rejected.starts_with(bad_line.trim_end()), "{rejected}");
    assert!(rejected.ends_with(",\"entered_value_usd: '1,5' is not an amount such as 1234.56\""), "{rejected}");

    let ndjson = "{\"entry_number\":\"AB1-1234567-0\",\"line_number\":1}\n\nnot json\n";
    workspace.write("rows.ndjson", ndjson.as_bytes());
    let (status, report) =
        workspace.json(&["ingest", "entries", "rows.ndjson", "--json", "--rejects", "rejects.ndjson"]);
    assert_eq!(status, 3);
    assert_eq!(rejects_of(&report), vec![(1, "entry_type".to_owned()), (3, "_record".to_owned())]);
    assert_eq!(report["rows_read"], 2, "blank lines are not rows");
    let written = std::fs::read_to_string(workspace.folder.join("rejects.ndjson")).expect("rejects file");
    let first: Value = serde_json::from_str(written.lines().next().expect("line")).expect("json");
    assert_eq!(first["entry_number"], "AB1-1234567-0");
    assert_eq!(first["error"], "entry_type: is required");
}

#[tokio::test]
async fn several_files_are_separate_batches_and_a_fatal_file_does_not_stop_the_others() {
    let workspace = Workspace::new().await;
    workspace
        .write("good.csv", format!("{HEADER}{}", line("AB112345678", 1, "123456789", "2024-03-01", &[])).as_bytes());
    workspace.write("bad.csv", format!("{HEADER}{}", line("AB1123", 1, "123456789", "2024-03-01", &[])).as_bytes());
    workspace.write("nocolumn.csv", b"entry_number,line_number\nAB112345678,1\n");
    let (status, stdout) = workspace.run(&[
        "ingest",
        "entries",
        "good.csv",
        "nocolumn.csv",
        "missing.csv",
        "bad.csv",
        "--json",
        "--rejects",
        "out",
    ]);
    assert_eq!(status, 2);
    let reports: Vec<Value> = stdout.lines().map(|line| serde_json::from_str(line).expect("json line")).collect();
    assert_eq!(reports.len(), 4);
    assert_eq!(reports[0]["lines_ingested"], 1);
    assert!(reports[1]["fatal"].as_str().expect("fatal").contains("entry_type"), "{}", reports[1]);
    assert_eq!(reports[1]["file"], "nocolumn.csv");
    assert!(reports[2]["fatal"].is_string());
    assert_eq!(reports[3]["rejected"], 1);
    assert!(workspace.folder.join("out/bad.csv.rejects.csv").exists());
}

#[tokio::test]
async fn an_entry_must_agree_with_itself_within_one_file() {
    let workspace = Workspace::new().await;
    let content = format!(
        "{HEADER}{}{}{}{}",
        line("AB112345678", 1, "123456789", "2024-03-01", &[]),
        line("AB112345678", 2, "123456789", "2024-03-01", &[("port_code", "9999")]),
        line("AB112345678", 1, "123456789", "2024-03-01", &[]),
        line("AB112345678", 3, "123456789", "2024-03-01", &[]),
    );
    let (status, report) = workspace.ingest("consistency.csv", &content);
    assert_eq!(status, 3);
    assert_eq!(rejects_of(&report), vec![(3, "port_code".to_owned()), (4, "line_number".to_owned())]);
    assert!(report["rejects"][0]["reason"].as_str().expect("reason").contains("row 2"));
    assert_eq!(report["rejects"][1]["reason"], "duplicate key in file");
}

#[tokio::test]
async fn ingesting_twice_changes_nothing_and_corrections_replace_lines() {
    let workspace = Workspace::new().await;
    let first = format!(
        "{HEADER}{}{}{}",
        line("AB112345678", 1, "123456789", "2024-03-01", &[("entered_value_usd", "10")]),
        line("AB112345678", 2, "123456789", "2024-03-01", &[]),
        line("AB112345679", 1, "123456789", "2024-03-02", &[]),
    );
    let (_, report) = workspace.ingest("first.csv", &first);
    assert_eq!(
        (report["entries_new"].as_u64(), report["duplicates"].as_u64(), report["corrections"].as_u64()),
        (Some(2), Some(0), Some(0))
    );
    let kpis = workspace.kpi("month");
    let (_, again) = workspace.ingest("first.csv", &first);
    assert_eq!(
        (again["entries_new"].as_u64(), again["duplicates"].as_u64(), again["corrections"].as_u64()),
        (Some(0), Some(3), Some(0))
    );
    assert_eq!(workspace.kpi("month"), kpis, "the same file twice gives the same KPIs");

    // `10` and `10.00` are the same value; a new exam on line 1 changes the entry for line 2 too.
    let second = format!(
        "{HEADER}{}{}",
        line(
            "AB112345678",
            1,
            "123456789",
            "2024-03-01",
            &[("entered_value_usd", "10.00"), ("exam", "PHYSICAL"), ("exam_reason", "TARGETED")]
        ),
        line("AB112345679", 1, "123456789", "2024-03-02", &[("duty_usd", "1")]),
    );
    let (_, report) = workspace.ingest("second.csv", &second);
    assert_eq!(
        (report["duplicates"].as_u64(), report["corrections"].as_u64(), report["entries_new"].as_u64()),
        (Some(1), Some(1), Some(0))
    );
    let kpis = workspace.kpi("month");
    assert_eq!(kpis[0]["entries"], 2);
    assert_eq!(kpis[0]["lines"], 3);
    assert_eq!(kpis[0]["examined_entries"], 1);
    assert_eq!(kpis[0]["targeted_exams"], 1);
}

#[tokio::test]
async fn kpis_follow_the_contracts_definitions() {
    let workspace = Workspace::new().await;
    workspace.write("accounts.csv", b"account_number,legal_name,business_type,ior_numbers\nT2TC,Two,importer,222222222\nT1TC,One,importer,111111111\n");
    workspace.write("events.csv", b"account_number,effective_date,kind,value\nT2TC,2024-01-01,ctpat,T2\nT2TC,2024-01-01,tc,on\nT1TC,2024-01-01,ctpat,t1\nT1TC,2024-01-01,tc,ON\n");
    assert_eq!(workspace.run(&["import", "accounts", "accounts.csv"]).0, 0);
    assert_eq!(workspace.run(&["import", "status-events", "events.csv"]).0, 0);
    let mut content = String::from(HEADER);
    // Release days 1, 2, 3, 10 and one unreleased: lower median 2, p90 10.
    for (index, release) in ["2024-03-02", "2024-03-03", "2024-03-04", "2024-03-11", ""].iter().enumerate() {
        let exam: &[(&str, &str)] =
            if index < 2 { &[("exam", "NII"), ("exam_reason", "RANDOM"), ("hold_hours", "1.1")] } else { &[] };
        let mut changes = vec![("release_date", *release), ("entered_value_usd", "0.10"), ("recon_flag", "y")];
        changes.extend_from_slice(exam);
        content.push_str(&line(&format!("AB1000000{index}0"), 1, "222222222", "2024-03-01", &changes));
    }
    content.push_str(&line("AB100000900", 1, "111111111", "2024-04-01", &[]));
    content.push_str(&line(
        "AB100000910",
        1,
        "999999999",
        "2024-04-01",
        &[("exam", "DOCUMENT"), ("exam_reason", "TARGETED"), ("hold_hours", "2")],
    ));
    assert_eq!(workspace.ingest("kpi.csv", &content).0, 0);
    let rows = workspace.kpi("month,group");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        rows[0],
        json!({"month": "2024-03", "tier": "T2", "tc": true, "entries": 5, "lines": 5, "entered_value_usd": "0.50",
               "duty_usd": "5.00", "examined_entries": 2, "exam_rate": 0.4, "random_exams": 2, "targeted_exams": 0,
               "mean_hold_hours": 1.1, "released_entries": 4, "median_release_days": 2, "p90_release_days": 10,
               "recon_flagged_lines": 5})
    );
    // Trade Compliance counts only with tier 2 or 3.
    assert_eq!((rows[1]["tier"].as_str(), rows[1]["tc"].as_bool()), (Some("T1"), Some(false)));
    assert_eq!(rows[1]["mean_hold_hours"], Value::Null);
    assert_eq!(rows[1]["median_release_days"], Value::Null);
    assert_eq!(
        (rows[2]["tier"].as_str(), rows[2]["tc"].as_bool(), rows[2]["exam_rate"].as_f64()),
        (Some("NM"), Some(false), Some(1.0))
    );
    let by_account = workspace.kpi("account");
    assert_eq!(by_account.len(), 3);
    assert!(by_account.iter().any(|row| row["account_number"].is_null() && row["entries"] == 1));
    assert!(by_account.iter().all(|row| row.as_object().expect("object").len() == 14), "exactly the requested keys");
}

#[tokio::test]
async fn standing_is_evaluated_when_kpis_are_computed_with_later_rows_winning_ties() {
    let workspace = Workspace::new().await;
    workspace
        .write("accounts.csv", b"account_number,legal_name,business_type,ior_numbers\nACC,Acme,importer,123456789\n");
    assert_eq!(workspace.run(&["import", "accounts", "accounts.csv"]).0, 0);
    assert_eq!(
        workspace.ingest("e.csv", &format!("{HEADER}{}", line("AB112345678", 1, "123456789", "2024-05-01", &[]))).0,
        0
    );
    assert_eq!(workspace.kpi("group")[0]["tier"], "NM", "no events yet: not certified");
    workspace.write("events.csv", b"account_number,effective_date,kind,value\nACC,2024-05-01,ctpat,T3\nACC,2024-05-01,ctpat,T2\nACC,2024-05-02,ctpat,NONE\n");
    assert_eq!(workspace.run(&["import", "status-events", "events.csv"]).0, 0);
    assert_eq!(workspace.kpi("group")[0]["tier"], "T2", "the later row of the same date wins");
    workspace.write("later.csv", b"account_number,effective_date,kind,value\nACC,2024-05-01,ctpat,T1\n");
    assert_eq!(workspace.run(&["import", "status-events", "later.csv"]).0, 0);
    assert_eq!(workspace.kpi("group")[0]["tier"], "T1", "a later import wins a tie");
}

#[tokio::test]
async fn the_accounts_import_applies_its_rules() {
    let workspace = Workspace::new().await;
    let long_name = "é".repeat(200);
    let content = format!(
        "account_number,legal_name,business_type,ior_numbers,anl_anniversary\n\
         acc-1,{long_name},IMPORTER,12-3456789-00;123456789-00,02-29\n\
         ACC-2,Two,broker,555555555;666666666,\n\
         ACC-3,Three,exporter,555-555-555,\n\
         ACC-1,Again,importer,,\n\
         ACC-4,Four,importer,,02-30\n\
         ACC-5,{long_name}x,importer,,\n"
    );
    workspace.write("accounts.csv", content.as_bytes());
    let (status, report) = workspace.json(&["import", "accounts", "accounts.csv", "--json"]);
    assert_eq!(status, 3);
    assert_eq!(report["imported"], 1);
    assert_eq!(
        rejects_of(&report),
        vec![
            (3, "ior_numbers".to_owned()),
            (4, "ior_numbers".to_owned()),
            (5, "account_number".to_owned()),
            (6, "anl_anniversary".to_owned()),
            (7, "legal_name".to_owned())
        ]
    );
    // Importing an existing account updates it and adds numbers; a number owned elsewhere rejects.
    workspace.write("more.csv", b"account_number,legal_name,business_type,ior_numbers\nACC-1,Renamed,broker,777777777\nACC-9,Nine,importer,12345678900\n");
    let (status, report) = workspace.json(&["import", "accounts", "more.csv", "--json"]);
    assert_eq!(status, 3);
    assert_eq!(rejects_of(&report), vec![(3, "ior_numbers".to_owned())]);
    let events = b"account_number,effective_date,kind,value\nACC-1,2024-01-01,ctpat,T2\nACC-1,2024-01-01,grade,A\nACC-1,2024-01-01,tc,MAYBE\nACC-3,2024-01-01,tc,ON\n";
    workspace.write("events.csv", events);
    let (_, report) = workspace.json(&["import", "status-events", "events.csv", "--json"]);
    assert_eq!(
        rejects_of(&report),
        vec![(3, "kind".to_owned()), (4, "value".to_owned()), (5, "account_number".to_owned())]
    );
}

/// `count` history entries for one importer, one a day ending the day before `until`.
fn history(importer: &str, until: time::Date, count: usize, port: &str, country: &str, serial: &mut u32) -> String {
    let mut text = String::new();
    for day in 1..=count {
        *serial += 1;
        let date = until - time::Duration::days(i64::try_from(day).expect("day"));
        text.push_str(&line(
            &format!("AB1{:07}0", 5_000_000 + *serial),
            1,
            importer,
            &tt_app::trade::format_date(date),
            &[("port_code", port), ("country_of_origin", country)],
        ));
    }
    text
}

#[tokio::test]
async fn defender_alerts_follow_enrolment_filers_and_the_365_day_window() {
    let workspace = Workspace::new().await;
    workspace.write("accounts.csv", b"account_number,legal_name,business_type,ior_numbers\nDEF,Defended,importer,111111111;222222222\nOFF,Not enrolled,importer,333333333\n");
    workspace.write("filers.csv", b"account_number,filer_code,authorized_from,authorized_to\nDEF,AB1,2024-01-01,2024-12-31\nDEF,ZZ9,2024-06-01,\n");
    assert_eq!(workspace.run(&["import", "accounts", "accounts.csv"]).0, 0);
    assert_eq!(workspace.run(&["import", "defender-filers", "filers.csv"]).0, 0);
    let day = time::macros::date!(2024 - 07 - 01);
    let mut serial = 0;
    let mut content = String::from(HEADER);
    // 111111111: exactly 20 entries in the window, all at port 2704 from CN.
    content.push_str(&history("111111111", day, 20, "2704", "CN", &mut serial));
    // 222222222: 19 entries in the window (a 20th is 366 days back, outside it).
    content.push_str(&history("222222222", day, 19, "2704", "CN", &mut serial));
    content.push_str(&line("AB100099990", 1, "222222222", "2023-07-01", &[]));
    // 333333333 is not enrolled.
    content.push_str(&history("333333333", day, 20, "2704", "CN", &mut serial));
    // The alerting entries, on 2024-07-01: new port and two new countries; filer XX1 unauthorized.
    content.push_str(&line(
        "XX100000010",
        1,
        "111111111",
        "2024-07-01",
        &[("port_code", "3001"), ("country_of_origin", "VN")],
    ));
    content.push_str(&line(
        "XX100000010",
        2,
        "111111111",
        "2024-07-01",
        &[("port_code", "3001"), ("country_of_origin", "BD")],
    ));
    content.push_str(&line(
        "XX100000010",
        3,
        "111111111",
        "2024-07-01",
        &[("port_code", "3001"), ("country_of_origin", "CN")],
    ));
    content.push_str(&line(
        "XX100000020",
        1,
        "222222222",
        "2024-07-01",
        &[("port_code", "3001"), ("country_of_origin", "VN")],
    ));
    content.push_str(&line("ZZ900000030", 1, "222222222", "2024-07-01", &[]));
    content.push_str(&line("XX100000040", 1, "333333333", "2024-07-01", &[("port_code", "3001")]));
    // Outside the enrolment of AB1 (ends 2024-12-31) and before ZZ9 starts: unauthorized.
    content.push_str(&line("AB100000050", 1, "222222222", "2025-01-02", &[]));
    content.push_str(&line("ZZ900000060", 1, "111111111", "2024-05-31", &[]));
    assert_eq!(workspace.ingest("history.csv", &content).0, 0);
    let (status, alerts) =
        workspace.json(&["defender", "alerts", "--from", "2024-05-01", "--to", "2025-12-31", "--format", "json"]);
    assert_eq!(status, 0);
    let summary: Vec<(String, String)> = alerts
        .as_array()
        .expect("array")
        .iter()
        .map(|alert| {
            (
                alert["entry_number"].as_str().expect("entry").to_owned(),
                alert["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("ZZ900000060", "UNAUTHORIZED_FILER"),
        ("XX100000010", "UNAUTHORIZED_FILER"),
        ("XX100000010", "NEW_PORT"),
        ("XX100000010", "NEW_ORIGIN"),
        ("XX100000020", "UNAUTHORIZED_FILER"),
        ("AB100000050", "UNAUTHORIZED_FILER"),
    ];
    assert_eq!(summary, expected.iter().map(|(e, c)| ((*e).to_owned(), (*c).to_owned())).collect::<Vec<_>>());
    let origin =
        alerts.as_array().expect("array").iter().find(|alert| alert["code"] == "NEW_ORIGIN").expect("origin alert");
    assert_eq!(origin["countries"], json!(["BD", "VN"]));
    assert_eq!(origin["account_number"], "DEF");
    assert_eq!(origin["entry_date"], "2024-07-01");
}

/// The screening draw, computed here independently of the program.
fn expected_draw(seed: &str, entry_number: &str) -> f64 {
    let digest = Sha256::digest(format!("{seed}:{entry_number}").as_bytes());
    let x = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    #[allow(clippy::cast_precision_loss, reason = "the contract converts x to the nearest double")]
    let value = x as f64 / 2f64.powi(64);
    value
}

#[tokio::test]
async fn screening_draws_u_from_sha256_and_exempts_trade_compliance_members() {
    let workspace = Workspace::new().await;
    workspace
        .write("accounts.csv", b"account_number,legal_name,business_type,ior_numbers\nTC,Trusted,importer,222222222\n");
    workspace.write(
        "events.csv",
        b"account_number,effective_date,kind,value\nTC,2024-01-01,ctpat,T3\nTC,2024-01-01,tc,ON\n",
    );
    workspace.run(&["import", "accounts", "accounts.csv"]);
    workspace.run(&["import", "status-events", "events.csv"]);
    let mut content = String::from(HEADER);
    for index in 0..40 {
        let importer = if index % 2 == 0 { "222222222" } else { "999999999" };
        content.push_str(&line(&format!("ab1-{index:07}-0"), 1, importer, "2024-03-01", &[]));
    }
    content.push_str(&line("ab1-0000000-0", 2, "222222222", "2024-03-01", &[]));
    workspace.write("arrivals.csv", content.as_bytes());
    let (status, decisions) =
        workspace.json(&["screen", "arrivals.csv", "--rate", "0.5", "--seed", "Seed 7", "--format", "json"]);
    assert_eq!(status, 0);
    let decisions = decisions.as_array().expect("array");
    assert_eq!(decisions.len(), 40, "one decision per distinct entry");
    for decision in decisions {
        let entry = decision["entry_number"].as_str().expect("entry");
        let u = expected_draw("Seed 7", entry);
        assert_eq!(decision["u"].as_f64(), Some(u));
        let exempt = decision["importer_number"] == "222222222";
        assert_eq!(decision["exempt"].as_bool(), Some(exempt));
        assert_eq!(decision["tc"].as_bool(), Some(exempt));
        assert_eq!(decision["selected"].as_bool(), Some(!exempt && u < 0.5));
    }
    assert!(decisions.iter().any(|d| d["selected"] == true), "some entries are selected");
}

#[tokio::test]
async fn screening_rejects_a_later_line_that_disagrees_with_its_entry_and_decides_the_entry_once() {
    let workspace = Workspace::new().await;
    let mut content = String::from(HEADER);
    content.push_str(&line("ab1-0000001-0", 1, "999999999", "2024-03-01", &[]));
    content.push_str(&line("ab1-0000002-0", 1, "999999999", "2024-03-01", &[]));
    content.push_str(&line("ab1-0000001-0", 2, "999999999", "2024-03-01", &[("port_code", "3001")]));
    content.push_str(&line("ab1-0000001-0", 3, "999999999", "2024-03-01", &[]));
    workspace.write("arrivals.csv", content.as_bytes());
    let (status, stdout) = workspace.run(&["screen", "arrivals.csv", "--rate", "1", "--seed", "s", "--format", "csv"]);
    assert_eq!(status, 3, "a rejected row: {stdout}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows[0], "entry_number,importer_number,account_number,tier,tc,exempt,selected,u");
    let u = expected_draw("s", "AB100000010");
    assert_eq!(rows[1], format!("AB100000010,999999999,,NM,false,false,true,{}", serde_json::Value::from(u)));
    assert!(rows[2].starts_with("AB100000020,"), "{stdout}");
    assert_eq!(rows.len(), 3, "one decision per entry, in the order entries first appear");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trusted-trader"))
        .args(["--database-url", &workspace.database_url, "screen", "arrivals.csv", "--rate", "1", "--seed", "s"])
        .current_dir(&workspace.folder)
        .env_remove("TT_DATABASE_URL")
        .output()
        .expect("run");
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(errors.contains("row 4") && errors.contains("port_code"), "names the row and field: {errors}");
}

#[tokio::test]
async fn gzip_and_ndjson_inputs_are_read_like_csv() {
    use std::io::Write as _;
    let workspace = Workspace::new().await;
    let ndjson = "{\"entry_number\":\"AB112345678\",\"line_number\":1,\"entry_type\":\"01\",\"importer_number\":\"123456789\",\"port_code\":\"2704\",\"entry_date\":\"2024-03-01\",\"hold_hours\":null,\"country_of_origin\":\"cn\",\"hts_number\":\"8471300100\",\"entered_value_usd\":12.5}\n";
    let mut encoder = flate2_free::Encoder::new();
    encoder.write_all(ndjson.as_bytes()).expect("compress");
    workspace.write("entries.ndjson.gz", &encoder.finish());
    let (status, report) = workspace.json(&["ingest", "entries", "entries.ndjson.gz", "--json"]);
    assert_eq!(status, 0, "{report}");
    assert_eq!(report["lines_ingested"], 1);
    assert_eq!(workspace.kpi("month")[0]["entered_value_usd"], "12.50");
}

mod flate2_free {
    //! Gzip compression through the system's `gzip`, so the test needs no compression crate.
    pub struct Encoder(Vec<u8>);
    impl Encoder {
        pub fn new() -> Self {
            Self(Vec::new())
        }
        pub fn finish(self) -> Vec<u8> {
            use std::io::Write as _;
            let mut child = std::process::Command::new("gzip")
                .arg("-c")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("gzip");
            child.stdin.take().expect("stdin").write_all(&self.0).expect("write");
            child.wait_with_output().expect("gzip output").stdout
        }
    }
    impl std::io::Write for Encoder {
        fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
            self.0.extend_from_slice(buffer);
            Ok(buffer.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}

#[tokio::test]
async fn a_killed_ingest_leaves_nothing_and_a_rerun_gives_the_clean_state() {
    let workspace = Workspace::new().await;
    let mut content = String::from(HEADER);
    for index in 0..60_000 {
        content.push_str(&line(&format!("AB1{:07}0", index / 3), index % 3 + 1, "123456789", "2024-03-01", &[]));
    }
    let path = workspace.write("big.csv", content.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_trusted-trader"))
        .args(["--database-url", &workspace.database_url, "ingest", "entries"])
        .arg(&path)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().expect("kill -9");
    let _ = child.wait();
    assert!(
        workspace.kpi("month").is_empty() || workspace.kpi("month")[0]["lines"] == 60_000,
        "a batch is all or nothing"
    );
    let (status, report) = workspace.json(&["ingest", "entries", "big.csv", "--json"]);
    assert_eq!(status, 0);
    let rows = workspace.kpi("month");
    assert_eq!(rows[0]["lines"], 60_000);
    assert_eq!(rows[0]["entries"], 20_000);
    assert!(report["duplicates"] == 0 || report["duplicates"] == 60_000);
}

#[tokio::test]
async fn sqlite_urls_take_relative_and_absolute_paths() {
    if std::env::var("TT_TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        return;
    }
    let workspace = Workspace::new().await;
    let run = |url: &str| {
        Command::new(env!("CARGO_BIN_EXE_trusted-trader"))
            .args(["--database-url", url, "kpi", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "json"])
            .current_dir(&workspace.folder)
            .output()
            .expect("run")
    };
    assert!(run("sqlite://relative.db").status.success());
    assert!(workspace.folder.join("relative.db").exists());
    let absolute = workspace.folder.join("absolute.db");
    assert!(run(&format!("sqlite://{}", absolute.display())).status.success());
    assert!(absolute.exists());
    let bad = Command::new(env!("CARGO_BIN_EXE_trusted-trader"))
        .args(["--database-url", "sqlite://x.db", "kpi", "--from", "2024-13-01", "--to", "2024-12-31"])
        .current_dir(&workspace.folder)
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2), "bad arguments are fatal");
}

/// Rows are applied in chunks of 20,000 and each chunk is written while the next is applied; an
/// entry whose lines straddle two chunks must follow the same rules as one inside a chunk.
#[tokio::test]
async fn an_entry_whose_lines_straddle_two_chunks_follows_the_same_rules() {
    let workspace = Workspace::new().await;
    let mut content = String::from(HEADER);
    // Data rows start on physical row 2; the first chunk ends on row 20,001.
    for index in 0..19_997 {
        content.push_str(&line(&format!("AB2{index:07}0"), 1, "123456789", "2024-03-01", &[]));
    }
    let straddling = "AB100000010";
    content.push_str(&line(straddling, 1, "123456789", "2024-03-02", &[])); // row 19,999
    content.push_str(&line("AB300000010", 1, "123456789", "2024-03-02", &[])); // row 20,000
    content.push_str(&line(straddling, 2, "123456789", "2024-03-02", &[])); // row 20,001
    content.push_str(&line(straddling, 3, "123456789", "2024-03-02", &[])); // row 20,002: next chunk
    content.push_str(&line(straddling, 2, "123456789", "2024-03-02", &[])); // row 20,003: key again
    content.push_str(&line(straddling, 4, "123456789", "2024-03-02", &[("port_code", "3001")])); // row 20,004
    let (status, report) = workspace.ingest("straddle.csv", &content);
    assert_eq!(status, 3, "{report}");
    assert_eq!(rejects_of(&report), [(20_003, "line_number".to_owned()), (20_004, "port_code".to_owned())]);
    let reasons: Vec<&str> = report["rejects"]
        .as_array()
        .expect("rejects")
        .iter()
        .map(|reject| reject["reason"].as_str().expect("reason"))
        .collect();
    assert!(reasons[1].contains("row 19999"), "the first line's row is named: {reasons:?}");
    assert_eq!((report["rows_read"].clone(), report["lines_ingested"].clone()), (json!(20_003), json!(20_001)));
    assert_eq!(report["entries_new"], 19_999);
    let day = workspace.kpi("month").into_iter().find(|row| row["month"] == "2024-03").expect("march");
    assert_eq!((day["entries"].clone(), day["lines"].clone()), (json!(19_999), json!(20_001)));

    // The same file again: every ingested line is a duplicate, nothing is new or corrected.
    let (status, again) = workspace.json(&["ingest", "entries", "straddle.csv", "--json"]);
    assert_eq!(status, 3);
    assert_eq!((again["duplicates"].clone(), again["corrections"].clone()), (json!(20_001), json!(0)));
    assert_eq!(again["entries_new"], 0);
    assert_eq!(rejects_of(&again), rejects_of(&report));
}
