-- Status-verification connections between members, and each member's connection preferences.
-- Both are append-only events: a connection's state is replayed from its events, a member's
-- preferences are its latest record. The PostgreSQL migration of the same name creates the
-- same tables.

CREATE TABLE partner_connections (
    id BLOB PRIMARY KEY NOT NULL,
    requester_account BLOB NOT NULL REFERENCES accounts (id),
    partner_account BLOB NOT NULL REFERENCES accounts (id)
);
CREATE INDEX partner_connections_requester ON partner_connections (requester_account);
CREATE INDEX partner_connections_partner ON partner_connections (partner_account);
CREATE TRIGGER partner_connections_no_update BEFORE UPDATE ON partner_connections
BEGIN SELECT RAISE(ABORT, 'partner connections are append-only'); END;
CREATE TRIGGER partner_connections_no_delete BEFORE DELETE ON partner_connections
BEGIN SELECT RAISE(ABORT, 'partner connections are append-only'); END;

CREATE TABLE partner_connection_events (
    connection_id BLOB NOT NULL REFERENCES partner_connections (id),
    position INTEGER NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('requested', 'accepted', 'declined', 'ended')),
    by_account BLOB NOT NULL REFERENCES accounts (id),
    by_user BLOB REFERENCES users (id),
    share_tier BOOLEAN NOT NULL,
    share_contact BOOLEAN NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (connection_id, position)
);
CREATE TRIGGER partner_connection_events_no_update BEFORE UPDATE ON partner_connection_events
BEGIN SELECT RAISE(ABORT, 'partner connection events are append-only'); END;
CREATE TRIGGER partner_connection_events_no_delete BEFORE DELETE ON partner_connection_events
BEGIN SELECT RAISE(ABORT, 'partner connection events are append-only'); END;

CREATE TABLE connection_preferences (
    sequence INTEGER PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    auto_accept BOOLEAN NOT NULL,
    share_tier BOOLEAN NOT NULL,
    share_contact BOOLEAN NOT NULL,
    by_user BLOB REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE INDEX connection_preferences_account ON connection_preferences (account_id);
CREATE TRIGGER connection_preferences_no_update BEFORE UPDATE ON connection_preferences
BEGIN SELECT RAISE(ABORT, 'connection preferences are append-only'); END;
CREATE TRIGGER connection_preferences_no_delete BEFORE DELETE ON connection_preferences
BEGIN SELECT RAISE(ABORT, 'connection preferences are append-only'); END;
