//! Storage traits in the language of the domain. Backends live in `tt-store-sqlite` and
//! `tt-store-postgres`; nothing here knows SQL or a driver.
//!
//! Every method that changes data takes the audit record describing the change and writes both
//! in one transaction, so a change without its audit record (or the reverse) cannot exist.

pub mod agencies;
pub mod connections;
pub mod criteria;
pub mod defender;
pub mod forced_labor;
pub mod membership;
pub mod mutual_recognition;
pub mod policies;
pub mod profile;
pub mod questionnaire;
pub mod requests;
pub mod status_credentials;
pub mod trade;
pub mod validation;

use async_trait::async_trait;
use time::OffsetDateTime;
use tt_domain::{
    Account, AccountId, AccountNumber, ApiToken, ApiTokenId, AuditRecord, EmailAddress, ImporterNumber, NewAuditRecord,
    Side, User, UserId,
};

/// Events of several histories read in order of history (those of one history next to each
/// other), as one list per history.
pub fn group_histories<T, K: PartialEq>(events: impl IntoIterator<Item = T>, history: impl Fn(&T) -> K) -> Vec<Vec<T>> {
    let mut histories: Vec<Vec<T>> = Vec::new();
    for event in events {
        match histories.last_mut() {
            Some(last) if last.first().is_some_and(|first| history(first) == history(&event)) => last.push(event),
            _ => histories.push(vec![event]),
        }
    }
    histories
}

/// The one error type of the storage boundary. Driver errors are translated here and never
/// travel further.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; `field` names the input field it concerns.
    #[error("{field} is already in use")]
    Conflict { field: &'static str },
    #[error("storage failure: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A user and, when set, the argon2id hash of the password.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub user: User,
    pub password_hash: Option<String>,
}

/// Which users to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub account_id: Option<AccountId>,
    pub side: Option<Side>,
}

/// A browser session. The cookie carries a secret; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub secret_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    /// False until the user has given a second factor, when one is required.
    pub second_factor_passed: bool,
    pub source_address: Option<String>,
}

/// Which audit records to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_label: Option<String>,
    pub action_prefix: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub limit: i64,
    pub offset: i64,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_account(&self, account: &Account, audit: &NewAuditRecord) -> StoreResult<()>;
    /// Replaces the account's fields and identifiers with the given ones.
    async fn update_account(&self, account: &Account, audit: &NewAuditRecord) -> StoreResult<()>;
    async fn get_account(&self, id: AccountId) -> StoreResult<Account>;
    async fn find_account_by_number(&self, number: &AccountNumber) -> StoreResult<Option<Account>>;
    async fn find_account_by_importer_number(&self, number: &ImporterNumber) -> StoreResult<Option<Account>>;
    /// All accounts ordered by account number.
    async fn list_accounts(&self) -> StoreResult<Vec<Account>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(&self, user: &NewUser, audit: &NewAuditRecord) -> StoreResult<()>;
    /// Replaces name, role, account, active flag and delegation.
    async fn update_user(&self, user: &User, audit: &NewAuditRecord) -> StoreResult<()>;
    async fn get_user(&self, id: UserId) -> StoreResult<User>;
    async fn find_user_by_email(&self, email: &EmailAddress) -> StoreResult<Option<User>>;
    async fn list_users(&self, filter: &UserFilter) -> StoreResult<Vec<User>>;
    async fn password_hash(&self, id: UserId) -> StoreResult<Option<String>>;
    async fn set_password_hash(&self, id: UserId, hash: &str, audit: &NewAuditRecord) -> StoreResult<()>;
    /// Sets (or with `None` clears) the TOTP secret and replaces the recovery-code hashes.
    async fn set_two_factor(
        &self,
        id: UserId,
        secret: Option<&str>,
        recovery_code_hashes: &[String],
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    async fn two_factor_secret(&self, id: UserId) -> StoreResult<Option<String>>;
    /// Removes a recovery code if it exists; true when it did.
    async fn consume_recovery_code(&self, id: UserId, code_hash: &str, audit: &NewAuditRecord) -> StoreResult<bool>;
    async fn create_invitation(
        &self,
        secret_hash: &str,
        user_id: UserId,
        expires_at: OffsetDateTime,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
    /// The invited user for an unexpired invitation, without using it up.
    async fn find_invitation(&self, secret_hash: &str, now: OffsetDateTime) -> StoreResult<Option<UserId>>;
    /// Sets the invited user's password and deletes the invitation, in one transaction.
    async fn accept_invitation(
        &self,
        secret_hash: &str,
        password_hash: &str,
        audit: &NewAuditRecord,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(&self, session: &Session) -> StoreResult<()>;
    async fn find_session(&self, secret_hash: &str) -> StoreResult<Option<Session>>;
    async fn touch_session(&self, secret_hash: &str, at: OffsetDateTime) -> StoreResult<()>;
    async fn mark_second_factor_passed(&self, secret_hash: &str) -> StoreResult<()>;
    async fn delete_session(&self, secret_hash: &str) -> StoreResult<()>;
    async fn delete_sessions_of_user(&self, user_id: UserId) -> StoreResult<()>;
    /// Deletes sessions not seen since `cutoff`; returns how many.
    async fn delete_sessions_idle_since(&self, cutoff: OffsetDateTime) -> StoreResult<u64>;
}

#[async_trait]
pub trait ApiTokenStore: Send + Sync {
    async fn create_api_token(&self, token: &ApiToken, audit: &NewAuditRecord) -> StoreResult<()>;
    async fn find_api_token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>>;
    async fn list_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<ApiToken>>;
    async fn revoke_api_token(&self, id: ApiTokenId, at: OffsetDateTime, audit: &NewAuditRecord) -> StoreResult<()>;
}

#[async_trait]
pub trait LoginAttemptStore: Send + Sync {
    async fn record_login_attempt(
        &self,
        email: &str,
        source_address: Option<&str>,
        succeeded: bool,
        at: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn count_failed_logins_for_email(&self, email: &str, since: OffsetDateTime) -> StoreResult<i64>;
    async fn count_failed_logins_from_address(&self, source_address: &str, since: OffsetDateTime) -> StoreResult<i64>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends a record on its own (for events that change nothing else, such as a login).
    async fn append_audit(&self, record: &NewAuditRecord) -> StoreResult<AuditRecord>;
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>>;
    /// Records in chain order with a sequence number above `after`, at most `limit` of them.
    async fn audit_chain(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>>;
    /// The sequence number of the latest record whose action starts with none of `ignoring`
    /// (0 with none). Every change is recorded, so — ignoring records of reads and sign-ins —
    /// it moves with every change of data: read models stamped with it know when they are stale.
    async fn audit_head(&self, ignoring: &[&str]) -> StoreResult<i64>;
}

/// Operations on the database itself.
#[async_trait]
pub trait DatabaseAdmin: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend_name(&self) -> &'static str;
    async fn migrate(&self) -> StoreResult<()>;
    /// Succeeds when the database answers a trivial query.
    async fn ping(&self) -> StoreResult<()>;
    /// Every (table, column) of the application's schema, sorted; used to prove both backends
    /// have the same shape.
    async fn schema_columns(&self) -> StoreResult<Vec<(String, String)>>;
}

/// Everything the application needs from storage, as one trait object.
pub trait Store:
    AccountStore
    + UserStore
    + SessionStore
    + ApiTokenStore
    + LoginAttemptStore
    + AuditStore
    + trade::TradeStore
    + defender::DefenderStore
    + membership::MembershipStore
    + criteria::CriteriaStore
    + profile::ProfileStore
    + validation::ValidationStore
    + questionnaire::QuestionnaireStore
    + requests::RequestStore
    + requests::ProposalStore
    + status_credentials::CredentialStore
    + connections::ConnectionStore
    + agencies::AgencyStore
    + mutual_recognition::MutualRecognitionStore
    + policies::PolicyStore
    + forced_labor::ForcedLaborStore
    + DatabaseAdmin
{
}

impl<T> Store for T where
    T: AccountStore
        + UserStore
        + SessionStore
        + ApiTokenStore
        + LoginAttemptStore
        + AuditStore
        + trade::TradeStore
        + defender::DefenderStore
        + membership::MembershipStore
        + criteria::CriteriaStore
        + profile::ProfileStore
        + validation::ValidationStore
        + questionnaire::QuestionnaireStore
        + requests::RequestStore
        + requests::ProposalStore
        + status_credentials::CredentialStore
        + connections::ConnectionStore
        + agencies::AgencyStore
        + mutual_recognition::MutualRecognitionStore
        + policies::PolicyStore
        + forced_labor::ForcedLaborStore
        + DatabaseAdmin
{
}
