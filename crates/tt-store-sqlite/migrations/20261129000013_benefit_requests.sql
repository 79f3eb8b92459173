-- Benefit requests: each one an append-only history of steps (submission, assignment, the
-- conversation with the agency, the decision). The PostgreSQL migration of the same name
-- creates the same table and columns.

CREATE TABLE request_events (
    sequence INTEGER PRIMARY KEY NOT NULL,
    request_id BLOB NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user BLOB REFERENCES users (id),
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, sequence);
CREATE INDEX request_events_account ON request_events (account_id);
CREATE TRIGGER request_events_no_update BEFORE UPDATE ON request_events
BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;
CREATE TRIGGER request_events_no_delete BEFORE DELETE ON request_events
BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;
