-- Validations: each one an append-only history of steps (plan, findings, report workflow, the
-- member's answers). The SQLite migration of the same name creates the same table and columns.

CREATE TABLE validation_events (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    validation_id UUID NOT NULL,
    account_id UUID NOT NULL REFERENCES accounts (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user UUID REFERENCES users (id),
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX validation_events_validation ON validation_events (validation_id, sequence);
CREATE INDEX validation_events_account ON validation_events (account_id);
CREATE TRIGGER validation_events_no_change BEFORE UPDATE OR DELETE ON validation_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();
