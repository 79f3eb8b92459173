//! Settings of the application layer: sessions, throttling, two-factor and invitations.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSettings {
    /// The address users reach the portal at; used in links sent by e-mail.
    pub public_base_url: String,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after sign-in whatever the activity.
    pub session_absolute_hours: i64,
    /// Agency staff must use a second factor (TOTP) to sign in.
    pub require_agency_two_factor: bool,
    /// Failed sign-ins for one e-mail address within the window before it is throttled.
    pub login_failures_per_account: i64,
    /// Failed sign-ins from one network address within the window before it is throttled.
    pub login_failures_per_address: i64,
    pub login_throttle_window_minutes: i64,
    pub invitation_valid_days: i64,
    /// Time limits of the membership lifecycle that come from practice, not statute.
    pub lifecycle: tt_domain::lifecycle::LifecycleRules,
    /// Reminders go out this many days before a due date (and again once it is overdue).
    pub reminder_lead_days: Vec<i64>,
    /// The folder evidence files are kept in (created when missing).
    pub evidence_folder: String,
    /// The largest evidence file accepted, in bytes.
    pub evidence_max_bytes: u64,
    /// How long a supplier questionnaire's link works.
    pub questionnaire_valid_days: i64,
    /// Questionnaires (sent or renewed) one member account may e-mail per day.
    pub questionnaires_per_day: usize,
    /// The clocks of benefit requests that come from practice or policy rather than law.
    pub benefit_clocks: tt_domain::requests::ClockRules,
    /// The first partner-agreement version with the logo's proper-use clauses; when set, the
    /// logo may be used only under an agreement of that version or later (members with no
    /// signed agreement on record keep their existing use). Empty: not checked.
    pub logo_clause_agreement_version: String,
    /// How long a dashboard request waits for figures being computed again after a change
    /// before it answers with the previous ones, marked in their lineage as being recomputed.
    pub dashboard_wait_milliseconds: u64,
    /// The program's Ed25519 key for status credentials (PKCS#8), created when missing. Keep
    /// it secret and backed up: a new key makes every credential issued so far not genuine.
    pub status_signing_key_file: String,
    /// How long a status credential is valid unless its member asks for less (at most 365).
    pub status_credential_valid_days: i64,
    /// Status credential checks one network address may make within the throttling window.
    pub status_verifications_per_address: i64,
    /// Days a policy version stays open for comment unless its publisher says otherwise.
    pub policy_comment_days: i64,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            public_base_url: "http://127.0.0.1:8080".to_owned(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            require_agency_two_factor: true,
            login_failures_per_account: 5,
            login_failures_per_address: 20,
            login_throttle_window_minutes: 15,
            invitation_valid_days: 7,
            lifecycle: tt_domain::lifecycle::LifecycleRules::default(),
            reminder_lead_days: vec![30, 7],
            evidence_folder: "evidence".to_owned(),
            evidence_max_bytes: 10 * 1024 * 1024,
            questionnaire_valid_days: 30,
            questionnaires_per_day: 50,
            benefit_clocks: tt_domain::requests::ClockRules::default(),
            logo_clause_agreement_version: String::new(),
            dashboard_wait_milliseconds: 50,
            status_signing_key_file: "status-signing-key.p8".to_owned(),
            status_credential_valid_days: 90,
            status_verifications_per_address: 60,
            policy_comment_days: 30,
        }
    }
}
