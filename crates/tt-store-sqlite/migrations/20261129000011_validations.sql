-- Validations: each one an append-only history of steps (plan, findings, report workflow, the
-- member's answers). The PostgreSQL migration of the same name creates the same table and columns.

CREATE TABLE validation_events (
    sequence INTEGER PRIMARY KEY NOT NULL,
    validation_id BLOB NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user BLOB REFERENCES users (id),
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX validation_events_validation ON validation_events (validation_id, sequence);
CREATE INDEX validation_events_account ON validation_events (account_id);
CREATE TRIGGER validation_events_no_update BEFORE UPDATE ON validation_events
BEGIN SELECT RAISE(ABORT, 'validation events are append-only'); END;
CREATE TRIGGER validation_events_no_delete BEFORE DELETE ON validation_events
BEGIN SELECT RAISE(ABORT, 'validation events are append-only'); END;
