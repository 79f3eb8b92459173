#!/usr/bin/env bash
# Dashboard latency at program scale: simulates ACCOUNTS member accounts (default 12,000) with
# LINES entry lines (default 10,000,000) over 2025, imports them (with the simulator's Defender
# filer authorizations) and ingests them into a fresh SQLite
# database, adds USERS member users (default 50,000; rows written straight into the users table,
# invitation-pending, because creating them one by one through the CLI would hash a password
# each), starts `serve`, and measures with a program director's and a member officer's tokens:
#   - cold: the first request after the data changed (the projections are computed);
#   - kept: the median of 20 sequential requests after it;
#   - under load: ApacheBench (`ab`, Debian package apache2-utils), REQUESTS requests with
#     CONCURRENCY at a time, its mean and 99th percentile.
#   - after a change: the first request after a recorded change (the earlier figures, marked as
#     being recomputed, unless the new ones are ready within the configured wait), and the
#     seconds until the recomputed figures are served.
# Release build. Usage: bench/dashboards.sh (ACCOUNTS=…, LINES=…, USERS=…, REQUESTS=…,
# CONCURRENCY=… to change them; ONLY=text measures only the requests whose path contains it).
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS="${ACCOUNTS:-12000}"
LINES="${LINES:-10000000}"
USERS="${USERS:-50000}"
REQUESTS="${REQUESTS:-400}"
CONCURRENCY="${CONCURRENCY:-8}"
command -v ab >/dev/null || { echo "needs ab: apt-get install apache2-utils" >&2; exit 2; }
WORK="${BENCH_DIR:-target/bench}/dashboards-$ACCOUNTS-$LINES"
mkdir -p "$WORK"
cargo build --release -p tt-cli >/dev/null 2>&1
BIN="$PWD/target/release/trusted-trader"
[ -f "$WORK/data/entries.csv" ] || "$BIN" simulate --out "$WORK/data" --lines "$LINES" --seed 42 \
  --accounts "$ACCOUNTS" --from 2025-01-01 --days 365 >/dev/null
URL="sqlite://$WORK/bench.db"
# The database is built once per size (delete $WORK/ready to build it again).
if [ ! -f "$WORK/ready" ]; then
rm -f "$WORK/bench.db"*
"$BIN" --database-url "$URL" import accounts "$WORK/data/accounts.csv" >/dev/null
"$BIN" --database-url "$URL" import status-events "$WORK/data/status-events.csv" >/dev/null
"$BIN" --database-url "$URL" import defender-filers "$WORK/data/defender-filers.csv" >/dev/null
"$BIN" --database-url "$URL" ingest entries "$WORK/data/entries.csv" >/dev/null
"$BIN" --database-url "$URL" admin create-user --email bench@example.gov --name Bench --role program_director \
  --password-stdin <<<"Quiet-harbor-lantern-2025" >/dev/null 2>&1
MEMBER=$(python3 - "$WORK/bench.db" "$USERS" <<'PY'
import sqlite3, sys, uuid, datetime
database, users = sys.argv[1], int(sys.argv[2])
connection = sqlite3.connect(database)
accounts = [row for row in connection.execute("SELECT id, number FROM accounts ORDER BY number")]
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
rows = [(uuid.uuid4().bytes, f"user{index}@member{index % len(accounts)}.example", f"User {index}",
         "employee", accounts[index % len(accounts)][0], now) for index in range(users)]
connection.executemany("INSERT INTO users (id, email, name, role, account_id, active, created_at) "
                       "VALUES (?, ?, ?, ?, ?, 1, ?)", rows)
connection.commit()
print(accounts[0][1])
PY
)
"$BIN" --database-url "$URL" admin create-user --email officer@bench.example --name Officer --role company_officer \
  --account "$MEMBER" --password-stdin <<<"Quiet-harbor-lantern-2025" >/dev/null 2>&1
echo "$MEMBER" >"$WORK/ready"
fi
TOKEN=$("$BIN" --database-url "$URL" admin create-token --email bench@example.gov --scope read)
MEMBER_TOKEN=$("$BIN" --database-url "$URL" admin create-token --email officer@bench.example --scope read)
PORT=18090
"$BIN" --database-url "$URL" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
python3 - "$PORT" "$TOKEN" "$MEMBER_TOKEN" "$ACCOUNTS" "$LINES" "$USERS" "$REQUESTS" "$CONCURRENCY" "$BIN" "$URL" <<'PY'
import json, re, statistics, subprocess, sys, time, urllib.request
port, token, member_token, accounts, lines, users, requests, concurrency, binary, database = sys.argv[1:11]
base = f"http://127.0.0.1:{port}"
for _ in range(200):
    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
        break
    except OSError:
        time.sleep(0.1)
def fetch(path, bearer):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {bearer}"})
    started = time.perf_counter()
    body = urllib.request.urlopen(request, timeout=600).read()
    assert body.startswith(b"{"), body[:200]
    return (time.perf_counter() - started) * 1000, body
def ask(path, bearer):
    return fetch(path, bearer)[0]
def behind(body):
    return any(line.startswith("Being recomputed") for line in json.loads(body).get("lineage", []))
def load(path, bearer):
    output = subprocess.run(["ab", "-q", "-n", requests, "-c", concurrency, "-H", f"Authorization: Bearer {bearer}",
                             base + path], capture_output=True, text=True, check=True).stdout
    failed = int(re.search(r"Failed requests:\s+(\d+)", output).group(1))
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
    assert failed == 0 and non_2xx is None, output
    mean = float(re.search(r"Time per request:\s+([\d.]+) \[ms\] \(mean\)", output).group(1))
    p99 = float(re.search(r"\n\s+99%\s+(\d+)", output).group(1))
    per_second = float(re.search(r"Requests per second:\s+([\d.]+)", output).group(1))
    return mean, p99, per_second
print(f"{accounts} accounts, {users} member users, {lines} entry lines; load: {requests} requests, {concurrency} at a time")
print(f"{'request':<52} {'cold ms':>9} {'kept ms':>8} {'load mean':>10} {'load p99':>9} {'req/s':>7}")
import os
only = os.environ.get("ONLY", "")
for path, bearer in [("/api/v1/dashboards/program?on=2025-12-31", token), ("/api/v1/dashboards/program", token),
                     ("/api/v1/request-kpis?from=2025-01-01&to=2025-12-31", token),
                     ("/api/v1/defender-kpis?from=2025-01-01&to=2025-12-31", token),
                     ("/api/v1/reports/annual?fiscal_year=2025", token),
                     ("/api/v1/dashboards/member?from=2025-01-01&to=2025-12-31", member_token)]:
    if only not in path:
        continue
    cold = ask(path, bearer)
    kept = statistics.median(ask(path, bearer) for _ in range(20))
    mean, p99, per_second = load(path, bearer)
    print(f"{path:<52} {cold:>9.1f} {kept:>8.1f} {mean:>10.1f} {p99:>9.0f} {per_second:>7.1f}")
# After a change of data (a user created through the command line, which any recorded change
# does alike) every projection is out of date: the first request answers the earlier figures
# marked as being recomputed unless the new ones are ready within app.dashboard_wait_milliseconds;
# then how long until the recomputed figures are served.
paths = [(path, bearer) for path, bearer in [("/api/v1/dashboards/program", token),
         ("/api/v1/defender-kpis?from=2025-01-01&to=2025-12-31", token),
         ("/api/v1/reports/annual?fiscal_year=2025", token),
         ("/api/v1/dashboards/member?from=2025-01-01&to=2025-12-31", member_token)] if only in path]
if paths:
    print(f"\n{'after a change: request':<52} {'first ms':>9} {'earlier?':>8} {'new after s':>11}")
for number, (path, bearer) in enumerate(paths):
    subprocess.run([binary, "--database-url", database, "admin", "create-user", "--email",
                    f"change{time.time_ns()}@bench.example", "--name", "Change", "--role", "program_director",
                    "--password-stdin"], input="Quiet-harbor-lantern-2025", capture_output=True, text=True, check=True)
    changed = time.perf_counter()
    first, body = fetch(path, bearer)
    earlier = behind(body)
    while behind(body):
        time.sleep(0.5)
        body = fetch(path, bearer)[1]
    print(f"{path:<52} {first:>9.1f} {'yes' if earlier else 'no':>8} {time.perf_counter() - changed:>11.1f}")
PY
