-- Proposed benefits: each one an append-only history (the terms, scores, the program
-- director's decisions). The SQLite migration of the same name creates the same table.

CREATE TABLE proposal_events (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id UUID NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_user UUID REFERENCES users (id),
    step TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX proposal_events_proposal ON proposal_events (proposal_id, sequence);
CREATE TRIGGER proposal_events_no_change BEFORE UPDATE OR DELETE ON proposal_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();
