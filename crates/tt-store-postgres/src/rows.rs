//! Conversions between PostgreSQL rows and domain values. Stored values were validated on the way
//! in; a value that no longer parses means the database was edited by hand, reported as an error.

use sqlx::Row;
use sqlx::postgres::PgRow;
use tt_domain::{
    AccountId, ApiToken, ApiTokenId, AuditRecord, ChainHash, EmailAddress, NewAuditRecord, PersonName, Role,
    TokenScope, User, UserId, ValidationError,
};
use tt_store::{Session, StoreError, StoreResult};

use crate::translate;

pub(crate) fn corrupt(error: ValidationError) -> StoreError {
    StoreError::Other(Box::new(error))
}

pub(crate) fn user_from_row(row: &PgRow) -> StoreResult<User> {
    Ok(User {
        id: UserId(row.try_get("id").map_err(translate)?),
        email: EmailAddress::parse(row.try_get("email").map_err(translate)?).map_err(corrupt)?,
        name: PersonName::parse(row.try_get("name").map_err(translate)?).map_err(corrupt)?,
        role: Role::parse(row.try_get("role").map_err(translate)?).map_err(corrupt)?,
        account_id: row.try_get::<Option<uuid::Uuid>, _>("account_id").map_err(translate)?.map(AccountId),
        active: row.try_get("active").map_err(translate)?,
        two_factor_enabled: row.try_get::<Option<String>, _>("totp_secret").map_err(translate)?.is_some(),
        delegated_by: row.try_get::<Option<uuid::Uuid>, _>("delegated_by").map_err(translate)?.map(UserId),
        delegation_expires_at: row.try_get("delegation_expires_at").map_err(translate)?,
        created_at: row.try_get("created_at").map_err(translate)?,
    })
}

pub(crate) fn session_from_row(row: &PgRow) -> StoreResult<Session> {
    Ok(Session {
        secret_hash: row.try_get("secret_hash").map_err(translate)?,
        user_id: UserId(row.try_get("user_id").map_err(translate)?),
        csrf_token: row.try_get("csrf_token").map_err(translate)?,
        created_at: row.try_get("created_at").map_err(translate)?,
        last_seen_at: row.try_get("last_seen_at").map_err(translate)?,
        second_factor_passed: row.try_get("second_factor_passed").map_err(translate)?,
        source_address: row.try_get("source_address").map_err(translate)?,
    })
}

pub(crate) fn api_token_from_row(row: &PgRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: ApiTokenId(row.try_get("id").map_err(translate)?),
        user_id: UserId(row.try_get("user_id").map_err(translate)?),
        name: row.try_get("name").map_err(translate)?,
        scope: TokenScope::parse(row.try_get("scope").map_err(translate)?).map_err(corrupt)?,
        secret_hash: row.try_get("secret_hash").map_err(translate)?,
        created_at: row.try_get("created_at").map_err(translate)?,
        expires_at: row.try_get("expires_at").map_err(translate)?,
        revoked_at: row.try_get("revoked_at").map_err(translate)?,
    })
}

pub(crate) fn audit_from_row(row: &PgRow) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        sequence: row.try_get("sequence").map_err(translate)?,
        record: NewAuditRecord {
            occurred_at: row.try_get("occurred_at").map_err(translate)?,
            actor_id: row.try_get::<Option<uuid::Uuid>, _>("actor_id").map_err(translate)?.map(UserId),
            actor_label: row.try_get("actor_label").map_err(translate)?,
            acting_for: row.try_get::<Option<uuid::Uuid>, _>("acting_for").map_err(translate)?.map(UserId),
            source_address: row.try_get("source_address").map_err(translate)?,
            request_id: row.try_get("request_id").map_err(translate)?,
            action: row.try_get("action").map_err(translate)?,
            object_type: row.try_get("object_type").map_err(translate)?,
            object_id: row.try_get("object_id").map_err(translate)?,
            before: row.try_get("before_json").map_err(translate)?,
            after: row.try_get("after_json").map_err(translate)?,
        },
        previous_hash: ChainHash(row.try_get("previous_hash").map_err(translate)?),
        hash: ChainHash(row.try_get("hash").map_err(translate)?),
    })
}
