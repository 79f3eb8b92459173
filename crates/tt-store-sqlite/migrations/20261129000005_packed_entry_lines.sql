-- An entry's lines move into the entry's own row: a JSON array (one array per line, see
-- tt_store::trade::packed_lines) beside the line totals the KPIs and Defender read. An entry is
-- then one row to look up and one row to write however many lines it has, which is what makes
-- ingest fast; the lines stay readable by SQL through json_each. SQLite dialect.

ALTER TABLE entries ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE entries ADD COLUMN line_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN entered_value_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN duty_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN recon_flagged_lines BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN countries TEXT NOT NULL DEFAULT '';

UPDATE entries SET
    lines = COALESCE((
        SELECT json_group_array(json_array(line_number, country_of_origin, manufacturer_id, hts_number,
                                           entered_value_cents, duty_cents, recon_flag, batch_id))
        FROM (SELECT * FROM entry_lines l WHERE l.entry_number = entries.entry_number ORDER BY line_number)
    ), '[]'),
    line_count = (SELECT COUNT(*) FROM entry_lines l WHERE l.entry_number = entries.entry_number),
    entered_value_cents = (SELECT COALESCE(SUM(entered_value_cents), 0) FROM entry_lines l
                           WHERE l.entry_number = entries.entry_number),
    duty_cents = (SELECT COALESCE(SUM(duty_cents), 0) FROM entry_lines l WHERE l.entry_number = entries.entry_number),
    recon_flagged_lines = (SELECT COUNT(*) FROM entry_lines l
                           WHERE l.entry_number = entries.entry_number AND l.recon_flag = 'Y'),
    countries = COALESCE((
        SELECT group_concat(country_of_origin, ',')
        FROM (SELECT DISTINCT country_of_origin FROM entry_lines l
              WHERE l.entry_number = entries.entry_number ORDER BY country_of_origin)
    ), '');

DROP TABLE entry_lines;

-- Nothing looks entries up by importer number first (Defender reads a date range and groups in
-- memory), and this index cost a fifth of the ingest time.
DROP INDEX entries_importer_date;
