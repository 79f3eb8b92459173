-- An entry's lines move into the entry's own row: a JSON array (one array per line, see
-- tt_store::trade::packed_lines) beside the line totals the KPIs and Defender read. An entry is
-- then one row to look up and one row to write however many lines it has, which is what makes
-- ingest fast; the lines stay readable by SQL (lines::jsonb). PostgreSQL dialect. The text
-- type, not jsonb, because the store writes and reads the whole array and jsonb would parse it
-- on every write.

ALTER TABLE entries ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE entries ADD COLUMN line_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN entered_value_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN duty_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN recon_flagged_lines BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN countries TEXT NOT NULL DEFAULT '';

UPDATE entries SET
    lines = packed.lines,
    line_count = packed.line_count,
    entered_value_cents = packed.entered_value_cents,
    duty_cents = packed.duty_cents,
    recon_flagged_lines = packed.recon_flagged_lines,
    countries = packed.countries
FROM (
    SELECT entry_number,
           json_agg(json_build_array(line_number, country_of_origin, manufacturer_id, hts_number,
                                     entered_value_cents, duty_cents, recon_flag, batch_id)
                    ORDER BY line_number)::text AS lines,
           COUNT(*) AS line_count,
           SUM(entered_value_cents) AS entered_value_cents,
           SUM(duty_cents) AS duty_cents,
           COUNT(*) FILTER (WHERE recon_flag = 'Y') AS recon_flagged_lines,
           string_agg(DISTINCT country_of_origin, ',' ORDER BY country_of_origin) AS countries
    FROM entry_lines GROUP BY entry_number
) AS packed
WHERE packed.entry_number = entries.entry_number;

DROP TABLE entry_lines;

-- Nothing looks entries up by importer number first (Defender reads a date range and groups in
-- memory), and this index cost a fifth of the ingest time.
DROP INDEX entries_importer_date;
