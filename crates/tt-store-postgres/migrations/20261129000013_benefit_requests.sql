-- Benefit requests: each one an append-only history of steps (submission, assignment, the
-- conversation with the agency, the decision). The SQLite migration of the same name creates
-- the same table and columns.

CREATE TABLE request_events (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id UUID NOT NULL,
    account_id UUID NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user UUID REFERENCES users (id),
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, sequence);
CREATE INDEX request_events_account ON request_events (account_id);
CREATE TRIGGER request_events_no_change BEFORE UPDATE OR DELETE ON request_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();
