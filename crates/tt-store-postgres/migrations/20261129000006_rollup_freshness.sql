-- Whether the KPI rollups still match the membership. Every change of importer-number ownership
-- or standing bumps membership_version (by trigger, so no write path can forget it); a rebuild
-- records the version it was built for. When the two differ (a membership import committed and
-- the process died before the rebuild, say) the rollups are stale and are rebuilt before they
-- are read. PostgreSQL dialect.

CREATE TABLE kpi_rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    membership_version BIGINT NOT NULL,
    rollups_built_for BIGINT NOT NULL
);
-- Built for no version yet: the first KPI read rebuilds them.
INSERT INTO kpi_rollup_state (id, membership_version, rollups_built_for) VALUES (1, 1, 0);

CREATE FUNCTION bump_membership_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE kpi_rollup_state SET membership_version = membership_version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER importer_numbers_changed AFTER INSERT OR UPDATE OR DELETE ON importer_numbers
FOR EACH STATEMENT EXECUTE FUNCTION bump_membership_version();
CREATE TRIGGER status_events_added AFTER INSERT ON status_events
FOR EACH STATEMENT EXECUTE FUNCTION bump_membership_version();
