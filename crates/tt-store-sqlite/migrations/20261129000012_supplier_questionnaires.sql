-- Supplier questionnaires: sent by a member to a business partner, answered through a link
-- whose secret is kept only as a SHA-256 hash. Every change is audited. The PostgreSQL migration of
-- the same name creates the same table and columns.

CREATE TABLE questionnaires (
    id BLOB PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    partner_name TEXT NOT NULL,
    partner_email TEXT NOT NULL,
    catalogue TEXT NOT NULL,
    catalogue_version TEXT NOT NULL,
    questions TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    answered_at TEXT,
    answers TEXT
);
CREATE INDEX questionnaires_account ON questionnaires (account_id);
