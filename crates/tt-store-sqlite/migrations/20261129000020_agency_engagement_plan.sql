-- The partner-agency engagement plan: each action's record is a series of events carrying the
-- action's whole state (agency, action, owner, due date, state, note); the latest is current,
-- none is edited. The PostgreSQL migration of the same name creates the same table.

CREATE TABLE agency_action_events (
    action_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    agency_code TEXT NOT NULL,
    action TEXT NOT NULL,
    owner_id BLOB NOT NULL REFERENCES users (id),
    due TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('planned', 'in_progress', 'done', 'dropped')),
    note TEXT NOT NULL,
    by_user BLOB REFERENCES users (id),
    at TEXT NOT NULL,
    PRIMARY KEY (action_id, position)
);
CREATE TRIGGER agency_action_events_no_update BEFORE UPDATE ON agency_action_events
BEGIN SELECT RAISE(ABORT, 'agency_action_events is append-only'); END;
CREATE TRIGGER agency_action_events_no_delete BEFORE DELETE ON agency_action_events
BEGIN SELECT RAISE(ABORT, 'agency_action_events is append-only'); END;
