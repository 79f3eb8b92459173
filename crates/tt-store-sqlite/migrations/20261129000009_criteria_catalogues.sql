-- Criteria catalogue versions published after the ones built into the program. Append-only: a
-- published version is never changed; a correction is a new version. SQLite dialect; the
-- PostgreSQL migration of the same name creates the same table and columns.

CREATE TABLE criteria_catalogues (
    kind TEXT NOT NULL,
    version TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    previous_version TEXT NOT NULL,
    criteria TEXT NOT NULL,
    mapping TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (kind, version)
);
CREATE TRIGGER criteria_catalogues_no_update BEFORE UPDATE ON criteria_catalogues
BEGIN SELECT RAISE(ABORT, 'criteria catalogues are append-only'); END;
CREATE TRIGGER criteria_catalogues_no_delete BEFORE DELETE ON criteria_catalogues
BEGIN SELECT RAISE(ABORT, 'criteria catalogues are append-only'); END;
