//! Trusted Trader use cases: what the system does, for whom, under which rules.
//!
//! Every use case takes the acting [`Actor`], checks the [`policy`] and returns [`AppError`].
//! Pages, the JSON API and the command line all call these functions, so a rule enforced here is
//! enforced everywhere. This crate knows no SQL, HTTP or HTML.

pub mod accounts;
pub mod actor;
pub mod agencies;
pub mod audit;
pub mod auth;
pub mod benefit_kpis;
pub mod benefits;
pub mod clock;
pub mod connections;
pub mod criteria;
pub mod dashboards;
pub mod defender;
pub mod definitions;
pub mod demo;
pub mod error;
pub mod forced_labor;
pub mod jobs;
pub mod list_files;
pub mod mailer;
pub mod membership;
pub mod mutual_recognition;
pub mod objects;
pub mod password;
pub mod pdf;
pub mod policies;
pub mod policy;
pub mod profile;
pub mod projections;
pub mod proposals;
pub mod questionnaire;
pub mod reconciliation;
pub mod reject_list;
pub mod reminders;
pub mod reports;
pub mod requests;
pub mod secrets;
pub mod settings;
pub mod signup;
pub mod status_credentials;
pub mod totp;
pub mod trade;
pub mod users;
pub mod validation;

use std::sync::Arc;

use tt_store::Store;

pub use actor::{Actor, Via};
pub use clock::{Clock, SystemClock};
pub use error::{AppError, AppResult};
pub use mailer::{LogMailer, Mailer, OutgoingEmail};
pub use policy::Permission;
pub use settings::AppSettings;
/// A browser session, as the web layer sees it.
pub use tt_store::Session;

/// The application: storage, time, mail and settings, shared by every request and job.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub mailer: Arc<dyn Mailer>,
    pub settings: AppSettings,
    /// Where evidence files are kept (a local folder unless replaced with [`App::with_objects`]).
    pub objects: Arc<dyn objects::ObjectStore>,
    /// Every evidence file passes through it before it is stored.
    pub scanner: Arc<dyn objects::EvidenceScanner>,
    /// Read models reused between requests while nothing changes (see [`projections`]).
    pub projections: Arc<projections::Projections>,
    /// The program's key for status credentials, read on first use.
    pub signing_key: Arc<status_credentials::SigningKey>,
}

impl App {
    /// An application with evidence in the local folder `settings.evidence_folder` and no
    /// virus scanner.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, mailer: Arc<dyn Mailer>, settings: AppSettings) -> Self {
        let objects = Arc::new(objects::LocalFolder::new(&settings.evidence_folder));
        Self {
            store,
            clock,
            mailer,
            settings,
            objects,
            scanner: Arc::new(objects::NoScanner),
            projections: Arc::new(projections::Projections::default()),
            signing_key: Arc::new(status_credentials::SigningKey::default()),
        }
    }

    /// Keeps evidence in another object store.
    #[must_use]
    pub fn with_objects(mut self, objects: Arc<dyn objects::ObjectStore>) -> Self {
        self.objects = objects;
        self
    }

    /// Passes evidence through a scanner before it is stored.
    #[must_use]
    pub fn with_scanner(mut self, scanner: Arc<dyn objects::EvidenceScanner>) -> Self {
        self.scanner = scanner;
        self
    }

    /// Whether the database answers (for `/readyz`).
    ///
    /// # Errors
    /// When it does not.
    pub async fn check_ready(&self) -> AppResult<()> {
        self.store.ping().await.map_err(AppError::from)
    }
}
