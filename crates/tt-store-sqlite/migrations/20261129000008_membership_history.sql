-- The membership lifecycle: each account's append-only history of steps, and the reminders the
-- worker derives from the histories (in-app inbox and e-mail outbox). SQLite dialect; the
-- PostgreSQL migration of the same name creates the same tables and columns.

CREATE TABLE membership_events (
    sequence INTEGER PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    effective_date TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user BLOB REFERENCES users (id),
    reason TEXT,
    document_version TEXT,
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX membership_events_account ON membership_events (account_id, sequence);
CREATE TRIGGER membership_events_no_update BEFORE UPDATE ON membership_events
BEGIN SELECT RAISE(ABORT, 'the membership history is append-only'); END;
CREATE TRIGGER membership_events_no_delete BEFORE DELETE ON membership_events
BEGIN SELECT RAISE(ABORT, 'the membership history is append-only'); END;

-- Status events are append-only too: the standing on a day is their latest, never an edit.
CREATE TRIGGER status_events_no_update BEFORE UPDATE ON status_events
BEGIN SELECT RAISE(ABORT, 'status events are append-only'); END;
CREATE TRIGGER status_events_no_delete BEFORE DELETE ON status_events
BEGIN SELECT RAISE(ABORT, 'status events are append-only'); END;

CREATE TABLE notifications (
    id BLOB PRIMARY KEY NOT NULL,
    reminder_key TEXT NOT NULL,
    account_id BLOB REFERENCES accounts (id),
    recipient BLOB NOT NULL REFERENCES users (id),
    recipient_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    emailed_at TEXT,
    UNIQUE (reminder_key, recipient)
);
CREATE INDEX notifications_recipient ON notifications (recipient, created_at);
CREATE INDEX notifications_outbox ON notifications (emailed_at, created_at);
