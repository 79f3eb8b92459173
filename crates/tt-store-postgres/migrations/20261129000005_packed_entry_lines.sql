-- Entries are rebuilt for ingest speed:
-- * an entry's lines move into the entry's own row, as a JSON array (one array per line, see
--   tt_store::trade::packed_lines) beside the line totals the KPIs and Defender read, so an
--   entry is one row to look up and one row to write however many lines it has; the lines stay
--   readable by SQL (lines::jsonb). Text, not jsonb: the store writes and reads the whole array,
--   and jsonb would parse it on every write;
-- * the key is the entry number as an integer (tt_domain::trade::entry_key: filer code in base
--   36, then the eight digits; it sorts as the text does), for integer comparisons;
-- * the importer-number index goes: nothing looks entries up by importer first (Defender reads
--   a date range and groups in memory), and it cost a fifth of the ingest time.
-- PostgreSQL dialect.

CREATE TABLE entries_packed (
    entry_key BIGINT PRIMARY KEY,
    entry_number TEXT NOT NULL,
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
    changed_in_batch BOOLEAN NOT NULL,
    line_count BIGINT NOT NULL,
    entered_value_cents BIGINT NOT NULL,
    duty_cents BIGINT NOT NULL,
    recon_flagged_lines BIGINT NOT NULL,
    countries TEXT NOT NULL,
    lines TEXT NOT NULL
);

INSERT INTO entries_packed
SELECT ((strpos('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(e.entry_number, 1, 1)) - 1) * 1296
        + (strpos('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(e.entry_number, 2, 1)) - 1) * 36
        + (strpos('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(e.entry_number, 3, 1)) - 1))::BIGINT * 100000000
        + CAST(substr(e.entry_number, 4) AS BIGINT),
    e.entry_number, e.entry_type, e.importer_number, e.port_code, e.entry_date, e.release_date,
    e.mode_of_transport, e.exam, e.exam_reason, e.hold_micro_hours, e.batch_id, e.first_row,
    e.changed_in_batch,
    COALESCE(packed.line_count, 0), COALESCE(packed.entered_value_cents, 0), COALESCE(packed.duty_cents, 0),
    COALESCE(packed.recon_flagged_lines, 0), COALESCE(packed.countries, ''), COALESCE(packed.lines, '[]')
FROM entries e
LEFT JOIN (
    SELECT entry_number,
           COUNT(*) AS line_count,
           SUM(entered_value_cents)::BIGINT AS entered_value_cents,
           SUM(duty_cents)::BIGINT AS duty_cents,
           COUNT(*) FILTER (WHERE recon_flag = 'Y') AS recon_flagged_lines,
           string_agg(DISTINCT country_of_origin, ',' ORDER BY country_of_origin) AS countries,
           json_agg(json_build_array(line_number, country_of_origin, manufacturer_id, hts_number,
                                     entered_value_cents, duty_cents, recon_flag, batch_id)
                    ORDER BY line_number)::text AS lines
    FROM entry_lines GROUP BY entry_number
) AS packed ON packed.entry_number = e.entry_number;

DROP TABLE entries;
DROP TABLE entry_lines;
ALTER TABLE entries_packed RENAME TO entries;
ALTER INDEX entries_packed_pkey RENAME TO entries_pkey;
CREATE INDEX entries_date ON entries (entry_date);
