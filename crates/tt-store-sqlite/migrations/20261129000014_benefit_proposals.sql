-- Proposed benefits: each one an append-only history (the terms, scores, the program
-- director's decisions). The PostgreSQL migration of the same name creates the same table.

CREATE TABLE proposal_events (
    sequence INTEGER PRIMARY KEY NOT NULL,
    proposal_id BLOB NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user BLOB REFERENCES users (id),
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX proposal_events_proposal ON proposal_events (proposal_id, sequence);
CREATE TRIGGER proposal_events_no_update BEFORE UPDATE ON proposal_events
BEGIN SELECT RAISE(ABORT, 'proposal events are append-only'); END;
CREATE TRIGGER proposal_events_no_delete BEFORE DELETE ON proposal_events
BEGIN SELECT RAISE(ABORT, 'proposal events are append-only'); END;
