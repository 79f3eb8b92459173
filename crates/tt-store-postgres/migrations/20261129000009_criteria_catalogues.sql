-- Criteria catalogue versions published after the ones built into the program. Append-only: a
-- published version is never changed; a correction is a new version. PostgreSQL dialect; the
-- SQLite migration of the same name creates the same table and columns.

CREATE TABLE criteria_catalogues (
    kind TEXT NOT NULL,
    version TEXT NOT NULL,
    effective_from DATE NOT NULL,
    previous_version TEXT NOT NULL,
    criteria TEXT NOT NULL,
    mapping TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (kind, version)
);
CREATE TRIGGER criteria_catalogues_no_change BEFORE UPDATE OR DELETE ON criteria_catalogues
FOR EACH ROW EXECUTE FUNCTION history_append_only();
