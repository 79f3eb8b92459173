-- Partner government agencies: each member's consent to share its standing with an agency
-- (granted or withdrawn, append-only: the latest counts), and the agency each partner-agency
-- liaison works for (append-only: the latest counts). The other backend's migration of the same
-- name creates the same tables.

CREATE TABLE agency_consents (
    sequence INTEGER PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    agency_code TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    by_user BLOB REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE INDEX agency_consents_account ON agency_consents (account_id);
CREATE INDEX agency_consents_agency ON agency_consents (agency_code);

CREATE TABLE liaison_agencies (
    sequence INTEGER PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    agency_code TEXT NOT NULL,
    by_user BLOB REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE INDEX liaison_agencies_user ON liaison_agencies (user_id);
CREATE TRIGGER agency_consents_no_update BEFORE UPDATE ON agency_consents
BEGIN SELECT RAISE(ABORT, 'agency_consents is append-only'); END;
CREATE TRIGGER agency_consents_no_delete BEFORE DELETE ON agency_consents
BEGIN SELECT RAISE(ABORT, 'agency_consents is append-only'); END;
CREATE TRIGGER liaison_agencies_no_update BEFORE UPDATE ON liaison_agencies
BEGIN SELECT RAISE(ABORT, 'liaison_agencies is append-only'); END;
CREATE TRIGGER liaison_agencies_no_delete BEFORE DELETE ON liaison_agencies
BEGIN SELECT RAISE(ABORT, 'liaison_agencies is append-only'); END;
