-- Forced labor allegations taken in by staff: each allegation is a series of events carrying its
-- whole state (subject, source, description, state, note); the latest is current, none is
-- edited. The SQLite migration of the same name creates the same table.

CREATE TABLE allegation_events (
    allegation_id UUID NOT NULL,
    position INTEGER NOT NULL,
    account_id UUID REFERENCES accounts (id),
    subject TEXT NOT NULL,
    country TEXT NOT NULL,
    source TEXT NOT NULL,
    description TEXT NOT NULL,
    received_on DATE NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'investigating', 'substantiated', 'unsubstantiated')),
    note TEXT NOT NULL,
    by_user UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (allegation_id, position)
);
CREATE TRIGGER allegation_events_no_change BEFORE UPDATE OR DELETE ON allegation_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();
