-- Security profiles: each account's append-only history of profile steps (answers, evidence,
-- submissions, reviews). The evidence bytes are in object storage; the steps keep each file's
-- key, name, type, size and SHA-256. The other backend's migration of the same name creates the
-- same table and columns.

CREATE TABLE profile_events (
    sequence INTEGER PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user BLOB REFERENCES users (id),
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX profile_events_account ON profile_events (account_id, sequence);
CREATE TRIGGER profile_events_no_update BEFORE UPDATE ON profile_events
BEGIN SELECT RAISE(ABORT, 'profile events are append-only'); END;
CREATE TRIGGER profile_events_no_delete BEFORE DELETE ON profile_events
BEGIN SELECT RAISE(ABORT, 'profile events are append-only'); END;
