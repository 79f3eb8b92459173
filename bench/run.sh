#!/usr/bin/env bash
# Benchmarks of the trade-data engine against DuckDB on the same generated files.
#
#   bench/run.sh                      # sizes 1,000,000 and 10,000,000 lines
#   BENCH_SIZES="1000000" bench/run.sh
#
# For each size it generates files with `trusted-trader simulate` (seeded), then measures:
# ingest lines/second into SQLite and into PostgreSQL (peak RSS from /usr/bin/time); the KPI
# table for a year by month and group, both as a whole command and as the query latency a
# portal user sees (median of 20 requests to GET /api/v1/kpis on a running `serve`), and a
# member's KPI page (bench/member_kpi_latency.py); screening
# entries/second; and DuckDB (the PyPI package) loading and normalizing the same CSV and
# computing the same KPI table by SQL.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${BENCH_SIZES:-1000000 10000000}"
POSTGRES_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export PGOPTIONS="--client-min-messages=warning"
WORK="${BENCH_DIR:-target/bench}"
mkdir -p "$WORK"

cargo build --release -p tt-cli >/dev/null 2>&1
BIN="$PWD/target/release/trusted-trader"
if ! python3 -c "import duckdb" 2>/dev/null; then
  python3 -m venv "$WORK/venv" >/dev/null
  "$WORK/venv/bin/pip" install -q duckdb
  PYTHON="$WORK/venv/bin/python"
else
  PYTHON=python3
fi

seconds() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
# Runs a command, printing "<wall seconds> <peak RSS MB>".
measure() {
  local log="$WORK/time.log"
  /usr/bin/time -f "%e %M" -o "$log" "$@" >/dev/null 2>"$WORK/stderr.log" || { cat "$WORK/stderr.log" >&2; true; }
  awk '{printf "%s %.0f\n", $1, $2/1024}' "$log"
}

# Starts `serve` on the database and prints two medians in milliseconds: GET /api/v1/kpis
# (program KPIs by month and group, with a staff token) and a member's KPI page (their own
# figures beside the non-member baseline), 20 requests each after one that warms the caches.
portal_latency() {
  local url="$1" port=18089 token
  "$BIN" --database-url "$url" admin create-user --email bench@example.gov --name Bench --role program_director \
    --password-stdin <<<"Quiet-harbor-lantern-2025" >/dev/null 2>&1 || true
  "$BIN" --database-url "$url" admin create-user --email officer@sim.example --name Officer --role company_officer \
    --account SIM-000000 --password-stdin <<<"Quiet-harbor-lantern-2025" >/dev/null 2>&1 || true
  token=$("$BIN" --database-url "$url" admin create-token --email bench@example.gov --scope read 2>/dev/null)
  TT_WEB__SECURE_COOKIES=false "$BIN" --database-url "$url" serve --listen "127.0.0.1:$port" >"$WORK/serve.log" 2>&1 &
  local server=$!
  "$PYTHON" - "$port" "$token" <<'PY'
import statistics, sys, time, urllib.request
port, token = sys.argv[1], sys.argv[2]
url = f"http://127.0.0.1:{port}/api/v1/kpis?from=2025-01-01&to=2025-12-31&by=month,group"
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
        break
    except OSError:
        time.sleep(0.1)
def ask():
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    body = urllib.request.urlopen(request, timeout=30).read()
    assert body.startswith(b"["), body[:200]
    return (time.perf_counter() - started) * 1000
ask()
print(f"{statistics.median(ask() for _ in range(20)):.1f}", end=" ")
PY
  "$PYTHON" bench/member_kpi_latency.py "$port" officer@sim.example Quiet-harbor-lantern-2025 2025-01-01 2025-12-31
  kill "$server"; wait "$server" 2>/dev/null || true
}

printf '%-10s %-34s %14s %10s\n' "lines" "measure" "value" "unit"
for size in $SIZES; do
  data="$WORK/data-$size"
  [ -f "$data/entries.csv" ] || "$BIN" simulate --out "$data" --lines "$size" --seed 42 --accounts 2000 --from 2025-01-01 --days 365 >/dev/null 2>&1

  for backend in sqlite postgres; do
    if [ "$backend" = sqlite ]; then
      rm -f "$WORK/bench-$size.db"*
      url="sqlite://$WORK/bench-$size.db"
    else
      name="tt_bench_$size"
      psql "$POSTGRES_SERVER" -qc "DROP DATABASE IF EXISTS $name" && psql "$POSTGRES_SERVER" -qc "CREATE DATABASE $name"
      url="${POSTGRES_SERVER%/*}/$name"
    fi
    for file in accounts status-events defender-filers; do "$BIN" --database-url "$url" import "$file" "$data/$file.csv" >/dev/null; done
    read -r wall rss < <(measure "$BIN" --database-url "$url" ingest entries "$data/entries.csv")
    rate=$(python3 -c "print(round($size / $wall))")
    printf '%-10s %-34s %14s %10s\n' "$size" "ingest into $backend" "$rate" "lines/s"
    printf '%-10s %-34s %14s %10s\n' "$size" "ingest peak RSS ($backend)" "$rss" "MB"
    eval "ingest_$backend=$rate"
    read -r wall _ < <(measure "$BIN" --database-url "$url" kpi --from 2025-01-01 --to 2025-12-31 --by month,group --format json)
    printf '%-10s %-34s %14s %10s\n' "$size" "KPI command ($backend)" "$(seconds "$wall")" "s"
    read -r latency member_latency < <(portal_latency "$url")
    printf '%-10s %-34s %14s %10s\n' "$size" "KPI query latency ($backend)" "$latency" "ms"
    printf '%-10s %-34s %14s %10s\n' "$size" "member KPI page ($backend)" "$member_latency" "ms"
    eval "kpi_$backend=$latency"
  done
  entries=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM entries').fetchone()[0])" "$WORK/bench-$size.db")
  read -r wall _ < <(measure "$BIN" --database-url "sqlite://$WORK/bench-$size.db" screen "$data/entries.csv" --rate 0.05 --seed bench --format csv)
  printf '%-10s %-34s %14s %10s\n' "$size" "screening (sqlite, $entries entries)" "$(python3 -c "print(round($entries / $wall))")" "entries/s"

  read -r load query < <("$PYTHON" bench/duckdb_reference.py "$data")
  duck_rate=$(python3 -c "print(round($size / $load))")
  printf '%-10s %-34s %14s %10s\n' "$size" "DuckDB load + normalize" "$duck_rate" "lines/s"
  printf '%-10s %-34s %14s %10s\n' "$size" "DuckDB KPI month,group" "$(seconds "$query")" "s"
  printf '%-10s %-34s %14s %10s\n' "$size" "ratio ingest sqlite / DuckDB" "$(python3 -c "print(f'{$ingest_sqlite / $duck_rate:.2f}')")" "x"
  printf '%-10s %-34s %14s %10s\n' "$size" "ratio ingest postgres / DuckDB" "$(python3 -c "print(f'{$ingest_postgres / $duck_rate:.2f}')")" "x"
  printf '%-10s %-34s %14s %10s\n' "$size" "ratio KPI sqlite / DuckDB" "$(python3 -c "print(f'{$kpi_sqlite / 1000 / $query:.4f}')")" "x"
done
