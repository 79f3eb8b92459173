-- The partner-agency engagement plan: each action's record is a series of events carrying the
-- action's whole state (agency, action, owner, due date, state, note); the latest is current,
-- none is edited. The SQLite migration of the same name creates the same table.

CREATE TABLE agency_action_events (
    action_id UUID NOT NULL,
    position INTEGER NOT NULL,
    agency_code TEXT NOT NULL,
    action TEXT NOT NULL,
    owner_id UUID NOT NULL REFERENCES users (id),
    due DATE NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('planned', 'in_progress', 'done', 'dropped')),
    note TEXT NOT NULL,
    by_user UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (action_id, position)
);
CREATE TRIGGER agency_action_events_no_change BEFORE UPDATE OR DELETE ON agency_action_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();
