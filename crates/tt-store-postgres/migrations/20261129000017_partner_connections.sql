-- Status-verification connections between members, and each member's connection preferences.
-- Both are append-only events: a connection's state is replayed from its events, a member's
-- preferences are its latest record. The SQLite migration of the same name creates the same
-- tables.

CREATE TABLE partner_connections (
    id UUID PRIMARY KEY,
    requester_account UUID NOT NULL REFERENCES accounts (id),
    partner_account UUID NOT NULL REFERENCES accounts (id)
);
CREATE INDEX partner_connections_requester ON partner_connections (requester_account);
CREATE INDEX partner_connections_partner ON partner_connections (partner_account);
CREATE TRIGGER partner_connections_no_change BEFORE UPDATE OR DELETE ON partner_connections
FOR EACH ROW EXECUTE FUNCTION history_append_only();

CREATE TABLE partner_connection_events (
    connection_id UUID NOT NULL REFERENCES partner_connections (id),
    position INTEGER NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('requested', 'accepted', 'declined', 'ended')),
    by_account UUID NOT NULL REFERENCES accounts (id),
    by_user UUID REFERENCES users (id),
    share_tier BOOLEAN NOT NULL,
    share_contact BOOLEAN NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, position)
);
CREATE TRIGGER partner_connection_events_no_change BEFORE UPDATE OR DELETE ON partner_connection_events
FOR EACH ROW EXECUTE FUNCTION history_append_only();

CREATE TABLE connection_preferences (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    auto_accept BOOLEAN NOT NULL,
    share_tier BOOLEAN NOT NULL,
    share_contact BOOLEAN NOT NULL,
    by_user UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX connection_preferences_account ON connection_preferences (account_id);
CREATE TRIGGER connection_preferences_no_change BEFORE UPDATE OR DELETE ON connection_preferences
FOR EACH ROW EXECUTE FUNCTION history_append_only();
