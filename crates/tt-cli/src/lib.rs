//! The `trusted-trader` command line: parses arguments, loads settings, opens the database
//! chosen by URL and wires the layers together. No business rules live here.

pub mod criteria;
pub mod settings;
pub mod simulate;
pub mod trade;

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use tt_app::users::UserInput;
use tt_app::{Actor, App, LogMailer, SystemClock};
use tt_domain::{EmailAddress, TokenScope};
use tt_store::Store;

pub use settings::{LogFormat, Secret, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "trusted-trader",
    version,
    about = "The Trusted Trader partnership program portal (CTPAT and Trade Compliance)"
)]
pub struct Cli {
    /// Database URL: `sqlite:FILE` (default `sqlite:trusted-trader.sqlite3`) or `postgres://…`.
    #[arg(long, global = true, env = "TT_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// A TOML settings file (see `config print-default`).
    #[arg(long, global = true, env = "TT_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The `report` commands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The TFTEA §101 annual report for a fiscal year as PDF (its figures as JSON with `--json`).
    Annual {
        /// The fiscal year: 1 October of the year before to 30 September.
        #[arg(long)]
        fiscal_year: i32,
        /// Where to write the PDF.
        #[arg(long)]
        out: PathBuf,
        /// Write the report's figures as JSON instead of PDF.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web portal and the background jobs (migrates the database first).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "TT_LISTEN")]
        listen: Option<String>,
        /// Fill the database with demo data (once) and print the demo sign-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply the database migrations.
    Migrate,
    /// Run the reminder worker: derive due and overdue items from the membership histories,
    /// remind and escalate, and send the e-mail outbox (repeats every `worker.interval_seconds`).
    Worker {
        /// One pass, then exit, printing what it did.
        #[arg(long)]
        once: bool,
    },
    /// Administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Criteria catalogues: list, show, publish a new version.
    #[command(subcommand)]
    Criteria(criteria::CriteriaCommand),
    /// Ingest trade data (entry lines).
    #[command(subcommand)]
    Ingest(trade::IngestCommand),
    /// Import the membership timeline from a legacy system (CSV).
    Import {
        #[arg(value_enum)]
        kind: trade::MembershipKind,
        file: PathBuf,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Program KPIs for entries dated FROM..=TO.
    Kpi {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// A comma-separated subset of month, group, account.
        #[arg(long, default_value = "month,group")]
        by: String,
        #[arg(long, value_enum, default_value_t = trade::OutputFormat::Table)]
        format: trade::OutputFormat,
    },
    /// CTPAT Defender.
    #[command(subcommand)]
    Defender(trade::DefenderCommand),
    /// Write realistic synthetic membership and entry files (deterministic for a seed).
    Simulate {
        /// The folder to write accounts.csv, status-events.csv, defender-filers.csv, entries.csv to.
        #[arg(long)]
        out: PathBuf,
        /// How many entry lines.
        #[arg(long, default_value_t = 100_000)]
        lines: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many member accounts (each owns two importer numbers).
        #[arg(long, default_value_t = 2_000)]
        accounts: u64,
        /// The first entry date.
        #[arg(long, default_value = "2025-01-01")]
        from: String,
        /// Over how many days the entries are spread.
        #[arg(long, default_value_t = 365)]
        days: i64,
    },
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Decide random non-intrusive exams for an arrivals file.
    Screen {
        file: PathBuf,
        /// The share of non-exempt entries to select, 0 to 1.
        #[arg(long)]
        rate: f64,
        #[arg(long)]
        seed: String,
        #[arg(long, value_enum, default_value_t = trade::ScreenFormat::Json)]
        format: trade::ScreenFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user. Agency roles take no --account.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// company_officer, employee, consultant, read_only, scss, scss_supervisor, nam,
        /// nam_supervisor, tc_hq_analyst, regulatory_audit, program_director, pga_liaison
        #[arg(long)]
        role: String,
        /// The member account number (trade roles).
        #[arg(long)]
        account: Option<String>,
        /// Read the password from standard input (otherwise an invitation link is printed).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (read from standard input) and end the user's sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create a personal API token for a user and print only the token.
    CreateToken {
        #[arg(long)]
        email: String,
        #[arg(long, default_value_t = 90)]
        expires_in_days: i64,
        #[arg(long, default_value = "command line")]
        name: String,
        /// `read` or `read_write`.
        #[arg(long, default_value = "read_write")]
        scope: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Seed the demo data (idempotent) and print the demo sign-ins.
    Seed,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the default settings as TOML.
    PrintDefault,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first broken record if any.
    Verify,
}

/// Parses the command line and runs it; errors are printed and turn into exit status 2, as do
/// usage errors (from clap).
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(mut settings) => {
            if let Some(url) = &cli.database_url {
                settings.database_url = Secret::new(url.clone());
            }
            settings
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::from(trade::EXIT_FATAL);
        }
    };
    init_logging(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(trade::EXIT_FATAL);
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(trade::EXIT_FATAL)
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Opens the store the URL names: `sqlite:` or `postgres://` / `postgresql://`.
///
/// # Errors
/// For any other scheme or when the database cannot be opened.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(tt_store_postgres::PostgresStore::connect(url).await.context("connecting to PostgreSQL")?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(tt_store_sqlite::SqliteStore::connect(url).await.context("opening the SQLite database")?))
    } else {
        bail!("the database URL must start with sqlite: or postgres://")
    }
}

/// Builds the application on an opened, migrated store.
///
/// # Errors
/// When the database cannot be opened or migrated.
pub async fn build_app(settings: &Settings) -> anyhow::Result<App> {
    let store = open_store(settings.database_url.expose()).await?;
    store.migrate().await.context("migrating the database")?;
    let mailer: Arc<dyn tt_app::Mailer> = if settings.mail.smtp_url.is_empty() {
        Arc::new(LogMailer)
    } else {
        Arc::new(tt_mail::SmtpMailer::new(&settings.mail)?)
    };
    let app = App::new(store, Arc::new(SystemClock), mailer, settings.app.clone());
    if settings.objects.s3_endpoint.is_empty() {
        Ok(app)
    } else {
        Ok(app.with_objects(Arc::new(tt_s3::S3Store::new(&settings.objects)?)))
    }
}

/// Serves the portal on a bound listener until `shutdown` resolves, with the periodic jobs
/// beside it. Tests call this with a listener on port 0.
///
/// # Errors
/// When the server fails.
pub async fn serve(
    app: App,
    web_settings: tt_web::WebSettings,
    worker: settings::WorkerSettings,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_jobs, jobs_stopped) = tokio::sync::oneshot::channel::<()>();
    let every = std::time::Duration::from_secs(worker.interval_seconds.max(1));
    let periodic = tt_app::jobs::PeriodicJobs { reminders: worker.in_serve, warm_projections: true };
    let jobs = tokio::spawn(tt_app::jobs::run_periodic(app.clone(), every, periodic, async move {
        let _ = jobs_stopped.await;
    }));
    let router = tt_web::router(tt_web::WebState::new(app, web_settings));
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")?;
    let _ = stop_jobs.send(());
    let _ = jobs.await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("reading the password from standard input")?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

fn print_demo_logins(logins: &[tt_app::demo::DemoLogin]) {
    println!("Demo sign-ins (password for all: {}):", tt_app::demo::DEMO_PASSWORD);
    for login in logins {
        let account = login.account_number.as_deref().map(|number| format!(" [{number}]")).unwrap_or_default();
        println!("  {:<34} {}{account}", login.email, login.role.label());
    }
    println!(
        "Agency staff also give a second factor: `oathtool --totp -b {}` prints the code.",
        tt_app::demo::DEMO_TOTP_SECRET
    );
}

/// Runs one command.
///
/// # Errors
/// Whatever the command fails with, as a readable chain.
pub async fn run(command: Command, mut settings: Settings) -> anyhow::Result<ExitCode> {
    let system = Actor::system("system:cli");
    match command {
        Command::Config(ConfigCommand::PrintDefault) => {
            print!("{}", Settings::default_toml()?);
        }
        Command::Migrate => {
            build_app(&settings).await?;
            println!("The database is migrated.");
        }
        Command::Serve { listen, demo } => {
            if let Some(listen) = listen {
                settings.listen = listen;
            }
            let app = build_app(&settings).await?;
            if demo {
                print_demo_logins(&app.seed_demo().await?);
                simulate::seed_demo_trade_data(&app).await?;
            }
            let listener = tokio::net::TcpListener::bind(&settings.listen)
                .await
                .with_context(|| format!("listening on {}", settings.listen))?;
            let address = listener.local_addr()?;
            println!("Trusted Trader is running at http://{address}/ (Ctrl-C to stop)");
            serve(app, settings.web.clone(), settings.worker, listener, shutdown_signal()).await?;
        }
        Command::Worker { once } => {
            let app = build_app(&settings).await?;
            if once {
                let report = app.run_reminders().await?;
                println!(
                    "Reminders: {} created, {} e-mailed, {} failed (left in the outbox).",
                    report.created, report.emailed, report.failed
                );
            } else {
                println!("The reminder worker is running (Ctrl-C to stop).");
                let every = std::time::Duration::from_secs(settings.worker.interval_seconds.max(1));
                let periodic = tt_app::jobs::PeriodicJobs { reminders: true, warm_projections: false };
                tt_app::jobs::run_periodic(app, every, periodic, shutdown_signal()).await;
            }
        }
        Command::Demo(DemoCommand::Seed) => {
            let app = build_app(&settings).await?;
            print_demo_logins(&app.seed_demo().await?);
            simulate::seed_demo_trade_data(&app).await?;
        }
        Command::Admin(AdminCommand::CreateUser { email, name, role, account, password_stdin }) => {
            let app = build_app(&settings).await?;
            let password = if password_stdin { Some(read_password_from_stdin()?) } else { None };
            let created =
                app.create_user(&system, &UserInput { email, name, role, account_number: account, password }).await?;
            println!("Created user {} ({}).", created.user.email, created.user.role.id());
            if let Some(link) = created.invitation_link {
                println!("Invitation link: {link}");
            }
        }
        Command::Admin(AdminCommand::ResetPassword { email, password_stdin }) => {
            if !password_stdin {
                bail!("pass --password-stdin and the new password on standard input");
            }
            let app = build_app(&settings).await?;
            let email = EmailAddress::parse(&email)?;
            app.reset_password(&system, &email, &read_password_from_stdin()?).await?;
            println!("The password of {email} is changed and its sessions are ended.");
        }
        Command::Admin(AdminCommand::CreateToken { email, expires_in_days, name, scope }) => {
            let app = build_app(&settings).await?;
            let email = EmailAddress::parse(&email)?;
            let user = app
                .store
                .find_user_by_email(&email)
                .await?
                .with_context(|| format!("no user has the e-mail address {email}"))?;
            let (_, secret) =
                app.create_api_token(&system, user.id, &name, TokenScope::parse(&scope)?, expires_in_days).await?;
            println!("{secret}");
        }
        Command::Ingest(trade::IngestCommand::Entries { files, rejects, json }) => {
            let app = build_app(&settings).await?;
            return Ok(ExitCode::from(trade::ingest(&app, &system, &files, rejects.as_deref(), json).await?));
        }
        Command::Import { kind, file, json } => {
            let app = build_app(&settings).await?;
            return Ok(ExitCode::from(trade::import(&app, &system, kind, &file, json).await?));
        }
        Command::Kpi { from, to, by, format } => {
            let app = build_app(&settings).await?;
            return Ok(ExitCode::from(trade::kpi(&app, &system, &from, &to, &by, format).await?));
        }
        Command::Defender(trade::DefenderCommand::Alerts { from, to, format }) => {
            let app = build_app(&settings).await?;
            return Ok(ExitCode::from(trade::defender_alerts(&app, &system, &from, &to, format).await?));
        }
        Command::Simulate { out, lines, seed, accounts, from, days } => {
            let first_day = tt_domain::trade::parse_date("from", &from)
                .map_err(|error| anyhow::anyhow!("--from: {}", error.message))?;
            let written = simulate::simulate(&simulate::Plan {
                folder: out,
                lines,
                seed,
                accounts,
                first_day,
                days: days.max(1),
            })?;
            for file in &written.files {
                println!("{}", file.display());
            }
            eprintln!("{lines} lines in {} entries", written.entries);
        }
        Command::Screen { file, rate, seed, format } => {
            let app = build_app(&settings).await?;
            return Ok(ExitCode::from(trade::screen(&app, &system, &file, rate, &seed, format).await?));
        }
        Command::Report(ReportCommand::Annual { fiscal_year, out, json }) => {
            let app = build_app(&settings).await?;
            let mut progress = |percent: u8, section: &str| {
                let filled = usize::from(percent / 5);
                eprint!("\r[{}{}] {percent:>3}% {section:<32}", "#".repeat(filled), " ".repeat(20 - filled));
                if percent == 100 {
                    eprintln!();
                }
            };
            let report = app.annual_report_computed_now(&system, fiscal_year, &mut progress).await?;
            let bytes = if json { serde_json::to_vec_pretty(&report)? } else { report.to_pdf() };
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("The fiscal year {fiscal_year} report is in {}.", out.display());
        }
        Command::Criteria(command) => {
            let app = build_app(&settings).await?;
            criteria::run(&app, &system, command).await?;
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = build_app(&settings).await?;
            let report = app.verify_audit_chain().await?;
            match report.first_broken {
                None => println!("The audit trail is intact: {} records checked.", report.records_checked),
                Some(sequence) => {
                    println!(
                        "The audit trail is BROKEN at record {sequence} (checked {} records).",
                        report.records_checked
                    );
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
