-- Status credentials: a member's certified status signed with the program's Ed25519 key for a
-- business partner outside the program. Issued credentials and their revocations are
-- append-only events. The PostgreSQL migration of the same name creates the same tables.

CREATE TABLE status_credentials (
    id BLOB PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    issued_to TEXT NOT NULL,
    issued_by BLOB REFERENCES users (id),
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    token TEXT NOT NULL
);
CREATE INDEX status_credentials_account ON status_credentials (account_id);
CREATE TRIGGER status_credentials_no_update BEFORE UPDATE ON status_credentials
BEGIN SELECT RAISE(ABORT, 'status credentials are append-only'); END;
CREATE TRIGGER status_credentials_no_delete BEFORE DELETE ON status_credentials
BEGIN SELECT RAISE(ABORT, 'status credentials are append-only'); END;

CREATE TABLE status_credential_revocations (
    credential_id BLOB PRIMARY KEY NOT NULL REFERENCES status_credentials (id),
    reason TEXT NOT NULL,
    revoked_by BLOB REFERENCES users (id),
    revoked_at TEXT NOT NULL
);
CREATE TRIGGER status_credential_revocations_no_update BEFORE UPDATE ON status_credential_revocations
BEGIN SELECT RAISE(ABORT, 'status credential revocations are append-only'); END;
CREATE TRIGGER status_credential_revocations_no_delete BEFORE DELETE ON status_credential_revocations
BEGIN SELECT RAISE(ABORT, 'status credential revocations are append-only'); END;
