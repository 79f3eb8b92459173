-- CTPAT Defender: a member ends a broker's authorization from a day. Authorizations are never
-- edited; the ends are their own append-only events. The SQLite migration of the same name
-- creates the same table.

CREATE TABLE defender_filer_ends (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    filer_code TEXT NOT NULL,
    ended_from DATE NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX defender_filer_ends_account ON defender_filer_ends (account_id);
CREATE TRIGGER defender_filer_ends_no_change BEFORE UPDATE OR DELETE ON defender_filer_ends
FOR EACH ROW EXECUTE FUNCTION history_append_only();
