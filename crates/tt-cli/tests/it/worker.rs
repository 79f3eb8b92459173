//! The reminder worker as an operator runs it: `trusted-trader worker --once` delivers reminders
//! through a real SMTP server on loopback, and a second run sends nothing again.

use std::process::Command;

use time::Duration;
use tt_app::Actor;
use tt_app::membership::StepInput;
use tt_domain::lifecycle::{Program, Step};
use tt_domain::{AccountNumber, EmailAddress};
use tt_testkit::smtp::SmtpSink;

async fn actor(app: &tt_app::App, email: &str) -> Actor {
    let user =
        app.store.find_user_by_email(&EmailAddress::parse(email).expect("email")).await.expect("find").expect("user");
    Actor::for_user(user, tt_app::Via::Session, None, None)
}

fn step(step: Step) -> StepInput {
    StepInput { effective_date: None, reason: None, document_version: None, step }
}

fn worker_once(database_url: &str, smtp_url: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_trusted-trader"))
        .env_remove("TT_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env("TT_MAIL__SMTP_URL", smtp_url)
        .env("TT_MAIL__FROM", "Trusted Trader <reminders@cbp.example>")
        .args(["--database-url", database_url, "worker", "--once"])
        .output()
        .expect("run the worker");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_is_delivered_through_smtp_once_however_often_the_worker_runs() {
    let database_url = match std::env::var("TT_TEST_DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => {
            tt_testkit::TestDatabase::create_postgres_database(&server).await
        }
        _ => format!(
            "sqlite:{}",
            std::env::temp_dir().join(format!("tt-worker-{}.sqlite3", uuid::Uuid::new_v4().simple())).display()
        ),
    };
    let settings =
        tt_cli::Settings { database_url: tt_cli::Secret::new(database_url.clone()), ..tt_cli::Settings::default() };
    let app = tt_cli::build_app(&settings).await.expect("app");
    app.seed_demo().await.expect("demo data");
    let account = app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id;
    let officer = actor(&app, "officer@greatlakes.example").await;
    let specialist = actor(&app, "scss@cbp.example").await;
    app.record_step(&officer, account, &step(Step::CompanyProfileCreated)).await.expect("profile");
    app.record_step(&officer, account, &step(Step::ApplicationSubmitted)).await.expect("application");
    let due = time::OffsetDateTime::now_utc().date() + Duration::days(5);
    app.record_step(
        &specialist,
        account,
        &step(Step::InformationRequested {
            program: Program::Security,
            request: 1,
            question: "Please upload your seal log.".to_owned(),
            due,
        }),
    )
    .await
    .expect("request for information");

    let sink = SmtpSink::start().await;
    let smtp_url = sink.url();
    let received = tokio::spawn(sink.receive(2, std::time::Duration::from_secs(30)));
    let first = {
        let database_url = database_url.clone();
        let smtp_url = smtp_url.clone();
        tokio::task::spawn_blocking(move || worker_once(&database_url, &smtp_url)).await.expect("worker")
    };
    assert!(first.contains("Reminders: 2 created, 2 e-mailed, 0 failed"), "{first}");
    let messages = received.await.expect("sink");
    assert_eq!(messages.len(), 2, "the officer and the employee");
    let recipients: Vec<String> = messages
        .iter()
        .flat_map(|message| {
            message.commands.iter().filter(|command| command.to_ascii_uppercase().starts_with("RCPT TO:")).cloned()
        })
        .collect();
    assert!(recipients.iter().any(|rcpt| rcpt.contains("officer@greatlakes.example")), "{recipients:?}");
    assert!(recipients.iter().any(|rcpt| rcpt.contains("employee@greatlakes.example")), "{recipients:?}");
    let data = &messages[0].data;
    // The subject header may be folded over two lines.
    let unfolded = data.replace("\n ", " ");
    assert!(
        unfolded.contains("Subject: [Trusted Trader] Answer to request for information #1 for DEMO-IMP-001"),
        "{data}"
    );
    assert!(data.contains(&due.to_string()), "{data}");

    // A second run has nothing new to send; the SMTP server is not even needed.
    let second =
        tokio::task::spawn_blocking(move || worker_once(&database_url, "smtp://127.0.0.1:9")).await.expect("worker");
    assert!(second.contains("Reminders: 0 created, 0 e-mailed, 0 failed"), "{second}");
}
