-- Security profiles: each account's append-only history of profile steps (answers, evidence,
-- submissions, reviews). The evidence bytes are in object storage; the steps keep each file's
-- key, name, type, size and SHA-256. The other backend's migration of the same name creates the
-- same table and columns.

CREATE TABLE profile_events (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user UUID REFERENCES users (id),
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX profile_events_account ON profile_events (account_id, sequence);
CREATE TRIGGER profile_events_no_change BEFORE UPDATE OR DELETE ON profile_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();
