-- Forced labor allegations taken in by staff: each allegation is a series of events carrying its
-- whole state (subject, source, description, state, note); the latest is current, none is
-- edited. The PostgreSQL migration of the same name creates the same table.

CREATE TABLE allegation_events (
    allegation_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    account_id BLOB REFERENCES accounts (id),
    subject TEXT NOT NULL,
    country TEXT NOT NULL,
    source TEXT NOT NULL,
    description TEXT NOT NULL,
    received_on TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'investigating', 'substantiated', 'unsubstantiated')),
    note TEXT NOT NULL,
    by_user BLOB REFERENCES users (id),
    at TEXT NOT NULL,
    PRIMARY KEY (allegation_id, position)
);
CREATE TRIGGER allegation_events_no_update BEFORE UPDATE ON allegation_events
BEGIN SELECT RAISE(ABORT, 'allegation_events is append-only'); END;
CREATE TRIGGER allegation_events_no_delete BEFORE DELETE ON allegation_events
BEGIN SELECT RAISE(ABORT, 'allegation_events is append-only'); END;
