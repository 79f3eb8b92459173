-- KPI rollups by day and program group, maintained at ingest (adjusted by each batch's
-- changes) and rebuilt after membership changes, so a KPI query by month and group reads a few
-- thousand rows instead of every line. Always equal to a recomputation from the lines.

CREATE TABLE kpi_group_daily (
    entry_date DATE NOT NULL,
    tier TEXT NOT NULL,
    trade_compliance BOOLEAN NOT NULL,
    entries BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    entered_value_cents BIGINT NOT NULL,
    duty_cents BIGINT NOT NULL,
    examined_entries BIGINT NOT NULL,
    random_exams BIGINT NOT NULL,
    targeted_exams BIGINT NOT NULL,
    examined_hold_micro_hours BIGINT NOT NULL,
    released_entries BIGINT NOT NULL,
    recon_flagged_lines BIGINT NOT NULL,
    PRIMARY KEY (entry_date, tier, trade_compliance)
);

CREATE TABLE kpi_group_release_days (
    entry_date DATE NOT NULL,
    tier TEXT NOT NULL,
    trade_compliance BOOLEAN NOT NULL,
    release_days BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    PRIMARY KEY (entry_date, tier, trade_compliance, release_days)
);
