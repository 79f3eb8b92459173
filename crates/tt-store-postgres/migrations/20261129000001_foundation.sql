-- The foundation: member accounts and their identifiers, users and their credentials, sessions,
-- API tokens, login throttling and the hash-chained audit trail.
-- PostgreSQL dialect. The SQLite migration of the same name creates the same tables and columns.

CREATE TABLE accounts (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    legal_name TEXT NOT NULL,
    doing_business_as TEXT,
    business_type TEXT NOT NULL,
    address_line1 TEXT,
    address_line2 TEXT,
    city TEXT,
    region TEXT,
    postal_code TEXT,
    country TEXT,
    partner_agency_consent BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

-- One importer number belongs to at most one account: the primary key enforces it.
CREATE TABLE importer_numbers (
    number TEXT PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX importer_numbers_account ON importer_numbers (account_id);

-- Other identifiers (EIN, MID, SCAC); the same value may appear on several accounts.
CREATE TABLE account_identifiers (
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('ein', 'mid', 'scac')),
    value TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, value)
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    account_id UUID REFERENCES accounts (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT,
    totp_secret TEXT,
    delegated_by UUID REFERENCES users (id),
    delegation_expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_account ON users (account_id);

CREATE TABLE recovery_codes (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE invitations (
    secret_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    second_factor_passed BOOLEAN NOT NULL,
    source_address TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL,
    source_address TEXT,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_address ON login_attempts (source_address, attempted_at);

-- Append-only. Each row's hash covers its content and the previous row's hash.
CREATE TABLE audit_log (
    sequence BIGINT PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    actor_label TEXT NOT NULL,
    acting_for UUID,
    source_address TEXT,
    request_id TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    before_json TEXT,
    after_json TEXT,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
