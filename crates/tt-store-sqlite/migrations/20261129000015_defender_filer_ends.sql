-- CTPAT Defender: a member ends a broker's authorization from a day. Authorizations are never
-- edited; the ends are their own append-only events. The PostgreSQL migration of the same name
-- creates the same table.

CREATE TABLE defender_filer_ends (
    sequence INTEGER PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    filer_code TEXT NOT NULL,
    ended_from TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX defender_filer_ends_account ON defender_filer_ends (account_id);
CREATE TRIGGER defender_filer_ends_no_update BEFORE UPDATE ON defender_filer_ends
BEGIN SELECT RAISE(ABORT, 'Defender authorization ends are append-only'); END;
CREATE TRIGGER defender_filer_ends_no_delete BEFORE DELETE ON defender_filer_ends
BEGIN SELECT RAISE(ABORT, 'Defender authorization ends are append-only'); END;
