-- Entries are rebuilt for ingest speed:
-- * an entry's lines move into the entry's own row, as a JSON array (one array per line, see
--   tt_store::trade::packed_lines) beside the line totals the KPIs and Defender read, so an
--   entry is one row to look up and one row to write however many lines it has; the lines stay
--   readable by SQL through json_each(lines);
-- * the key is the entry number as an integer (tt_domain::trade::entry_key: filer code in base
--   36, then the eight digits; it sorts as the text does), the table's own rowid, so the table
--   is one B-tree with integer comparisons instead of a table plus a text index;
-- * the importer-number index goes: nothing looks entries up by importer first (Defender reads
--   a date range and groups in memory), and it cost a fifth of the ingest time.
-- SQLite dialect.

CREATE TABLE entries_packed (
    entry_key INTEGER PRIMARY KEY NOT NULL,
    entry_number TEXT NOT NULL,
    entry_type TEXT NOT NULL,
    importer_number TEXT NOT NULL,
    port_code TEXT NOT NULL,
    entry_date TEXT NOT NULL,
    release_date TEXT,
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
SELECT ((instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(e.entry_number, 1, 1)) - 1) * 1296
        + (instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(e.entry_number, 2, 1)) - 1) * 36
        + (instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(e.entry_number, 3, 1)) - 1)) * 100000000
        + CAST(substr(e.entry_number, 4) AS INTEGER),
    e.entry_number, e.entry_type, e.importer_number, e.port_code, e.entry_date, e.release_date,
    e.mode_of_transport, e.exam, e.exam_reason, e.hold_micro_hours, e.batch_id, e.first_row,
    e.changed_in_batch,
    (SELECT COUNT(*) FROM entry_lines l WHERE l.entry_number = e.entry_number),
    (SELECT COALESCE(SUM(entered_value_cents), 0) FROM entry_lines l WHERE l.entry_number = e.entry_number),
    (SELECT COALESCE(SUM(duty_cents), 0) FROM entry_lines l WHERE l.entry_number = e.entry_number),
    (SELECT COUNT(*) FROM entry_lines l WHERE l.entry_number = e.entry_number AND l.recon_flag = 'Y'),
    COALESCE((SELECT group_concat(country_of_origin, ',')
              FROM (SELECT DISTINCT country_of_origin FROM entry_lines l
                    WHERE l.entry_number = e.entry_number ORDER BY country_of_origin)), ''),
    COALESCE((SELECT json_group_array(json_array(line_number, country_of_origin, manufacturer_id, hts_number,
                                                 entered_value_cents, duty_cents, recon_flag, batch_id))
              FROM (SELECT * FROM entry_lines l WHERE l.entry_number = e.entry_number ORDER BY line_number)), '[]')
FROM entries e;

DROP TABLE entries;
DROP TABLE entry_lines;
ALTER TABLE entries_packed RENAME TO entries;
CREATE INDEX entries_date ON entries (entry_date);
