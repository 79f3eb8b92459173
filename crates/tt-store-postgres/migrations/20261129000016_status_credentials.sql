-- Status credentials: a member's certified status signed with the program's Ed25519 key for a
-- business partner outside the program. Issued credentials and their revocations are
-- append-only events. The SQLite migration of the same name creates the same tables.

CREATE TABLE status_credentials (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    issued_to TEXT NOT NULL,
    issued_by UUID REFERENCES users (id),
    issued_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    token TEXT NOT NULL
);
CREATE INDEX status_credentials_account ON status_credentials (account_id);
CREATE TRIGGER status_credentials_no_change BEFORE UPDATE OR DELETE ON status_credentials
FOR EACH ROW EXECUTE FUNCTION history_append_only();

CREATE TABLE status_credential_revocations (
    credential_id UUID PRIMARY KEY REFERENCES status_credentials (id),
    reason TEXT NOT NULL,
    revoked_by UUID REFERENCES users (id),
    revoked_at TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER status_credential_revocations_no_change BEFORE UPDATE OR DELETE ON status_credential_revocations
FOR EACH ROW EXECUTE FUNCTION history_append_only();
