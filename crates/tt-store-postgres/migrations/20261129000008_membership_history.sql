-- The membership lifecycle: each account's append-only history of steps, and the reminders the
-- worker derives from the histories (in-app inbox and e-mail outbox). PostgreSQL dialect; the
-- SQLite migration of the same name creates the same tables and columns.

CREATE TABLE membership_events (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    effective_date DATE NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user UUID REFERENCES users (id),
    reason TEXT,
    document_version TEXT,
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX membership_events_account ON membership_events (account_id, sequence);

CREATE FUNCTION history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER membership_events_no_change BEFORE UPDATE OR DELETE ON membership_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();
-- Status events are append-only too: the standing on a day is their latest, never an edit.
CREATE TRIGGER status_events_no_change BEFORE UPDATE OR DELETE ON status_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();

CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    reminder_key TEXT NOT NULL,
    account_id UUID REFERENCES accounts (id),
    recipient UUID NOT NULL REFERENCES users (id),
    recipient_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ,
    emailed_at TIMESTAMPTZ,
    UNIQUE (reminder_key, recipient)
);
CREATE INDEX notifications_recipient ON notifications (recipient, created_at);
CREATE INDEX notifications_outbox ON notifications (emailed_at, created_at);
