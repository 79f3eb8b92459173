-- The trade-data side: the membership timeline (status events), Defender filer authorizations,
-- entry lines and the batches that brought them. PostgreSQL dialect.

ALTER TABLE accounts ADD COLUMN anl_anniversary TEXT;

-- Append-only: standing on a day is derived from these, never stored.
CREATE TABLE status_events (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    effective_date DATE NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ctpat', 'tc')),
    value TEXT NOT NULL,
    reason TEXT,
    source TEXT NOT NULL CHECK (source IN ('import', 'workflow')),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_events_account ON status_events (account_id);

CREATE TABLE defender_filers (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    filer_code TEXT NOT NULL,
    authorized_from DATE NOT NULL,
    authorized_to DATE,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX defender_filers_account ON defender_filers (account_id);

CREATE TABLE ingest_batches (
    id BIGINT PRIMARY KEY,
    file_name TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    rows_read BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    lines_ingested BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    corrections BIGINT NOT NULL,
    entries_new BIGINT NOT NULL
);

-- One row per entry: the entry-level fields of the latest batch that had a valid line of it.
CREATE TABLE entries (
    entry_number TEXT PRIMARY KEY,
    entry_type TEXT NOT NULL,
    importer_number TEXT NOT NULL,
    port_code TEXT NOT NULL,
    entry_date DATE NOT NULL,
    release_date DATE,
    mode_of_transport TEXT,
    exam TEXT,
    exam_reason TEXT,
    hold_micro_hours BIGINT NOT NULL,
    batch_id BIGINT NOT NULL,
    first_row BIGINT NOT NULL,
    changed_in_batch BOOLEAN NOT NULL
);
CREATE INDEX entries_date ON entries (entry_date);
CREATE INDEX entries_importer_date ON entries (importer_number, entry_date);

CREATE TABLE entry_lines (
    entry_number TEXT NOT NULL,
    line_number INTEGER NOT NULL,
    country_of_origin TEXT NOT NULL,
    manufacturer_id TEXT,
    hts_number TEXT NOT NULL,
    entered_value_cents BIGINT NOT NULL,
    duty_cents BIGINT NOT NULL,
    recon_flag TEXT,
    batch_id BIGINT NOT NULL,
    PRIMARY KEY (entry_number, line_number)
);
