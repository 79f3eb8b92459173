#!/usr/bin/env bash
# Dashboard latency at program scale: simulates ACCOUNTS member accounts (default 12,000) with
# LINES entry lines (default 1,000,000) over 2025, imports and ingests them into a fresh SQLite
# database, starts `serve`, and prints the median of 20 requests (after one warm-up) to the
# program dashboard, the benefits trends and the annual report APIs with a program director's
# token. Release build. Usage: bench/dashboards.sh (ACCOUNTS=…, LINES=… to change the size).
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS="${ACCOUNTS:-12000}"
LINES="${LINES:-1000000}"
WORK="${BENCH_DIR:-target/bench}/dashboards-$ACCOUNTS-$LINES"
mkdir -p "$WORK"
cargo build --release -p tt-cli >/dev/null 2>&1
BIN="$PWD/target/release/trusted-trader"
[ -f "$WORK/data/entries.csv" ] || "$BIN" simulate --out "$WORK/data" --lines "$LINES" --seed 42 \
  --accounts "$ACCOUNTS" --from 2025-01-01 --days 365 >/dev/null
rm -f "$WORK/bench.db"*
URL="sqlite://$WORK/bench.db"
"$BIN" --database-url "$URL" import accounts "$WORK/data/accounts.csv" >/dev/null
"$BIN" --database-url "$URL" import status-events "$WORK/data/status-events.csv" >/dev/null
"$BIN" --database-url "$URL" ingest entries "$WORK/data/entries.csv" >/dev/null
"$BIN" --database-url "$URL" admin create-user --email bench@example.gov --name Bench --role program_director \
  --password-stdin <<<"Quiet-harbor-lantern-2025" >/dev/null 2>&1
TOKEN=$("$BIN" --database-url "$URL" admin create-token --email bench@example.gov --scope read)
PORT=18090
"$BIN" --database-url "$URL" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
python3 - "$PORT" "$TOKEN" "$ACCOUNTS" "$LINES" <<'PY'
import statistics, sys, time, urllib.request
port, token, accounts, lines = sys.argv[1:5]
base = f"http://127.0.0.1:{port}"
for _ in range(200):
    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
        break
    except OSError:
        time.sleep(0.1)
def ask(path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    body = urllib.request.urlopen(request, timeout=300).read()
    assert body.startswith(b"{"), body[:200]
    return (time.perf_counter() - started) * 1000
print(f"{'accounts':>8} {'lines':>9} {'request':<44} {'median ms':>10}")
for path in ["/api/v1/dashboards/program?on=2025-12-31", "/api/v1/dashboards/program",
             "/api/v1/request-kpis?from=2025-01-01&to=2025-12-31",
             "/api/v1/reports/annual?fiscal_year=2025"]:
    ask(path)
    print(f"{accounts:>8} {lines:>9} {path:<44} {statistics.median(ask(path) for _ in range(20)):>10.1f}")
PY
