-- Partner government agencies: each member's consent to share its standing with an agency
-- (granted or withdrawn, append-only: the latest counts), and the agency each partner-agency
-- liaison works for (append-only: the latest counts). The other backend's migration of the same
-- name creates the same tables.

CREATE TABLE agency_consents (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    agency_code TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    by_user UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX agency_consents_account ON agency_consents (account_id);
CREATE INDEX agency_consents_agency ON agency_consents (agency_code);

CREATE TABLE liaison_agencies (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    agency_code TEXT NOT NULL,
    by_user UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX liaison_agencies_user ON liaison_agencies (user_id);
CREATE TRIGGER agency_consents_no_change BEFORE UPDATE OR DELETE ON agency_consents
FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER liaison_agencies_no_change BEFORE UPDATE OR DELETE ON liaison_agencies
FOR EACH ROW EXECUTE FUNCTION history_append_only();
