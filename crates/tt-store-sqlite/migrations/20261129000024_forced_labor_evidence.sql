-- The forced-labor requirements' evidence: for each member and requirement (the social
-- compliance program of criterion 3.9 and the six Trade Compliance requirements), the evidence
-- submitted and staff's acceptance or return, as events. Append-only. The PostgreSQL migration of
-- the same name creates the same table.

CREATE TABLE forced_labor_evidence_events (
    account_id BLOB NOT NULL REFERENCES accounts (id),
    requirement TEXT NOT NULL,
    position INTEGER NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('submitted', 'accepted', 'returned')),
    evidence_key TEXT,
    file_name TEXT,
    content_type TEXT,
    size BIGINT,
    sha256 TEXT,
    note TEXT NOT NULL,
    by_user BLOB REFERENCES users (id),
    at TEXT NOT NULL,
    PRIMARY KEY (account_id, requirement, position)
);
CREATE TRIGGER forced_labor_evidence_events_no_update BEFORE UPDATE ON forced_labor_evidence_events
BEGIN SELECT RAISE(ABORT, 'forced_labor_evidence_events is append-only'); END;
CREATE TRIGGER forced_labor_evidence_events_no_delete BEFORE DELETE ON forced_labor_evidence_events
BEGIN SELECT RAISE(ABORT, 'forced_labor_evidence_events is append-only'); END;
