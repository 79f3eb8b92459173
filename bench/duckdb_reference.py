"""The reference measurement: DuckDB loads and normalizes the same entry CSV and computes the
same month x group KPI table by SQL. Prints "<load seconds> <query seconds>"."""
import sys
import time

import duckdb

folder = sys.argv[1]
con = duckdb.connect()
started = time.perf_counter()
con.execute(f"""
CREATE TABLE lines AS
SELECT upper(replace(replace(trim(entry_number), '-', ''), ' ', '')) AS entry_number,
       CAST(trim(line_number) AS INTEGER) AS line_number,
       upper(replace(replace(trim(importer_number), '-', ''), ' ', '')) AS importer_number,
       trim(port_code) AS port_code,
       CAST(trim(entry_date) AS DATE) AS entry_date,
       TRY_CAST(nullif(trim(release_date), '') AS DATE) AS release_date,
       nullif(upper(trim(exam)), '') AS exam,
       nullif(upper(trim(exam_reason)), '') AS exam_reason,
       COALESCE(TRY_CAST(nullif(trim(hold_hours), '') AS DECIMAL(18, 6)), 0) AS hold_hours,
       upper(trim(country_of_origin)) AS country_of_origin,
       replace(trim(hts_number), '.', '') AS hts_number,
       CAST(trim(entered_value_usd) AS DECIMAL(18, 2)) AS entered_value_usd,
       COALESCE(TRY_CAST(nullif(trim(duty_usd), '') AS DECIMAL(18, 2)), 0) AS duty_usd,
       upper(trim(recon_flag)) AS recon_flag
FROM read_csv('{folder}/entries.csv', header = true, all_varchar = true)
""")
con.execute(f"""
CREATE TABLE owners AS
SELECT upper(trim(account_number)) AS account, upper(replace(trim(ior), '-', '')) AS importer_number
FROM (SELECT account_number, unnest(string_split(ior_numbers, ';')) AS ior
      FROM read_csv('{folder}/accounts.csv', header = true, all_varchar = true))
""")
con.execute(f"""
CREATE TABLE events AS
SELECT upper(trim(account_number)) AS account, CAST(effective_date AS DATE) AS effective_date,
       lower(kind) AS kind, upper(value) AS value, row_number() OVER () AS sequence
FROM read_csv('{folder}/status-events.csv', header = true, all_varchar = true)
""")
loaded = time.perf_counter()
con.execute("""
WITH entries AS (
    SELECT entry_number, any_value(importer_number) AS importer_number, any_value(entry_date) AS entry_date,
           any_value(release_date) AS release_date, any_value(exam) AS exam, any_value(exam_reason) AS exam_reason,
           any_value(hold_hours) AS hold_hours, count(*) AS lines, sum(entered_value_usd) AS value,
           sum(duty_usd) AS duty, sum(CASE WHEN recon_flag = 'Y' THEN 1 ELSE 0 END) AS recon
    FROM lines GROUP BY entry_number),
owned AS (
    SELECT e.*, o.account FROM entries e LEFT JOIN owners o USING (importer_number)),
tiers AS (
    SELECT owned.*, (SELECT value FROM events v WHERE v.account = owned.account AND v.kind = 'ctpat'
                     AND v.effective_date <= owned.entry_date ORDER BY v.effective_date DESC, v.sequence DESC LIMIT 1) AS ctpat,
                    (SELECT value FROM events v WHERE v.account = owned.account AND v.kind = 'tc'
                     AND v.effective_date <= owned.entry_date ORDER BY v.effective_date DESC, v.sequence DESC LIMIT 1) AS tc
    FROM owned),
grouped AS (
    SELECT *, CASE WHEN ctpat IN ('T1', 'T2', 'T3') THEN ctpat ELSE 'NM' END AS tier,
           (tc = 'ON' AND ctpat IN ('T2', 'T3')) AS trade_compliance,
           date_diff('day', entry_date, release_date) AS release_days
    FROM tiers)
SELECT strftime(entry_date, '%Y-%m') AS month, tier, coalesce(trade_compliance, false) AS tc,
       count(*) AS entries, sum(lines) AS lines, sum(value) AS entered_value_usd, sum(duty) AS duty_usd,
       count(exam) AS examined_entries, count(exam) / count(*) AS exam_rate,
       count(*) FILTER (WHERE exam_reason = 'RANDOM') AS random_exams,
       count(*) FILTER (WHERE exam_reason = 'TARGETED') AS targeted_exams,
       avg(hold_hours) FILTER (WHERE exam IS NOT NULL) AS mean_hold_hours,
       count(release_date) AS released_entries,
       quantile_disc(release_days, 0.5) AS median_release_days,
       quantile_disc(release_days, 0.9) AS p90_release_days, sum(recon) AS recon_flagged_lines
FROM grouped WHERE entry_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
GROUP BY ALL ORDER BY ALL
""").fetchall()
finished = time.perf_counter()
print(f"{loaded - started:.3f} {finished - loaded:.3f}")
