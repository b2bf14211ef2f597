#!/usr/bin/env bash
# HTTP API load benchmark (issue 5): requests/s and latency percentiles for an entity
# fetch (GET /api/v1/entities/{id}) and a report submission (POST /api/v1/reports, every
# request a new report) at 64 concurrent connections, with wrk, against a release
# `mosaic serve` on the embedded store (SQLite) over plain HTTP on 127.0.0.1.
#
# Usage: bench/server.sh            (DURATION=10s CONNECTIONS=64 THREADS=2 WARMUP=2s)
#
# Two more rows put these in context: GET /api/v1/auth/me (the token check alone: one
# store read) and GET /healthz (no authentication, no store: what the HTTP stack and wrk
# manage on this machine).
#
# The data folder is fresh: the demo scenario (`mosaic demo --no-serve`) plus, through
# the API, ENTITY_REPORTS (default 10) reports of the border police that all mention one
# person, the entity fetched. Requests authenticate with an API token of the border
# police (`Authorization: Bearer`), as an agency's system does, and state a purpose
# (`X-Mosaic-Purpose`; entity reads need one); every request is written to the audit trail. Only 127.0.0.1 is used;
# every run is bounded by DURATION. Needs wrk (Debian: apt-get install wrk) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# The embedded store in a fresh folder, whatever this shell's Mosaic settings say.
unset MOSAIC_DATABASE_URL MOSAIC_CONFIG MOSAIC_DATA_DIR MOSAIC_BIND MOSAIC_TLS_CERT MOSAIC_TLS_KEY MOSAIC_LOG

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ENTITY_REPORTS=${ENTITY_REPORTS:-10}

log() { echo "== bench/server: $*" >&2; }

if ! command -v wrk >/dev/null; then
  log "installing wrk (Debian package)"
  if [[ $(id -u) == 0 ]]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else sudo apt-get install -y -qq wrk >/dev/null; fi
fi

if [[ -z "${MOSAIC_BIN:-}" ]]; then
  log "building mosaic (release)"
  cargo build --release --locked -q -p mosaic-cli
  MOSAIC_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/mosaic
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mosaic-bench-server.XXXXXX")
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATA=$WORK/data
"$MOSAIC_BIN" --data-dir "$DATA" demo --no-serve >"$WORK/demo.log" 2>&1 ||
  { cat "$WORK/demo.log" >&2; exit 1; }
# Port 0: the OS picks a free port; the server prints the address it bound. Logs at the
# default level (warnings), as in production.
"$MOSAIC_BIN" --data-dir "$DATA" serve --bind 127.0.0.1:0 >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
BASE=
for _ in $(seq 1 100); do
  BASE=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/serve.log" | head -n1 || true)
  [[ -n "$BASE" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$BASE" ]] || { log "the server did not start"; cat "$WORK/serve.log" >&2; exit 1; }
log "server at $BASE (pid $SERVER_PID)"

# A token for the border police's system, and the entity to fetch (a person mentioned in
# ENTITY_REPORTS reports, under an id the reports give).
python3 - "$BASE" "$ENTITY_REPORTS" "$WORK/env" <<'EOF'
import json, sys, urllib.request

base, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def call(path, body=None, headers=None):
    req = urllib.request.Request(
        base + path, data=None if body is None else json.dumps(body).encode(),
        method="POST" if body is not None else "GET",
        headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r, json.load(r)

r, login = call("/api/v1/auth/login", {"username": "admin", "password": "mosaic-demo-admin"})
admin = {"cookie": r.headers["set-cookie"].split(";", 1)[0], "x-csrf-token": login["csrf_token"]}
_, tok = call("/api/v1/tokens", {"name": "bench", "agency": "fr-paf", "clearance": "restricted",
                                 "actions": ["submit_report", "read_entity"]}, admin)
bearer = {"authorization": "Bearer " + tok["token"], "x-mosaic-purpose": "task:load benchmark"}
centre = login["user"]["id"].split(":", 1)[0]
person = f"{centre}:ent:bench-person"
for i in range(n):
    call("/api/v1/reports", {
        "agency": "fr-paf", "report_type": "interception", "source_ref": f"BENCH-E-{i}",
        "reported_at": f"2025-05-{1 + i % 28:02d}T10:00:00Z", "grading": "B2",
        "handling": "H1", "tlp": "AMBER", "classification": "restricted",
        "narrative": f"Truck intercepted, driver identified ({i}).",
        "place": {"name": "Calais", "country": "fr",
                  "geometry": {"type": "Point", "coordinates": [1.85, 50.95]}},
        "entities": [
            {"key": "d", "id": person, "schema": "Person", "properties": {
                "name": ["Karim Benali"], "birthDate": ["1984-03-02"],
                "phone": [f"+3361234{i:04d}"], "nationality": ["dz"]}},
            {"key": "t", "schema": "Vehicle", "properties": {
                "registrationNumber": [f"AB-{i:03d}-CD"], "operator": ["d"]}},
        ],
        "roles": [{"entity": "d", "role": "driver"}],
    }, bearer)
_, ent = call("/api/v1/entities/" + person, headers=bearer)
with open(out, "w") as f:
    f.write(f"TOKEN='{tok['token']}'\nENTITY='{person}'\nSTATEMENTS={len(ent['statements'])}\n")
EOF
# shellcheck disable=SC1091
source "$WORK/env"
log "entity $ENTITY: $STATEMENTS statements"

# Report submission: each request a new report (a unique source_ref per thread and
# request), about 10 statements each, like a case system pushing its reports.
cat >"$WORK/submit.lua" <<'EOF'
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
local n = 0
local run = tostring(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  n = n + 1
  local body = string.format([[{"agency":"fr-paf","report_type":"interception","source_ref":"BENCH-%s-%d-%d","reported_at":"2025-06-%02dT%02d:00:00Z","grading":"B2","handling":"H1","tlp":"AMBER","classification":"restricted","narrative":"Truck intercepted at parking area %d, %d people inside.","place":{"geometry":{"type":"Point","coordinates":[%f,50.9]}},"entities":[{"key":"d","schema":"Person","properties":{"name":["Driver %d"],"birthDate":["%d"],"nationality":["af"],"phone":["+336%08d"]}},{"key":"t","schema":"Vehicle","properties":{"registrationNumber":["AA-%06d"],"country":["fr"],"operator":["d"]}},{"key":"p","schema":"Phone","properties":{"number":["+336%08d"],"owner":["d"]}}],"roles":[{"entity":"d","role":"driver"}]}]],
    run, tid, n, 1 + n % 28, n % 24, n % 97, n % 30, 1.8 + (n % 100) / 100, n % 50000,
    1960 + n % 40, n, n % 900000, n)
  return wrk.format(nil, nil, nil, body)
end
EOF

# wrk prints "Non-2xx or 3xx responses" when some failed; those runs are errors.
load() { # name url [wrk args...]
  local name=$1 url=$2
  shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 10s -H "Authorization: Bearer $TOKEN" \
    -H "X-Mosaic-Purpose: task:load benchmark" "$@" "$url" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency \
    -H "Authorization: Bearer $TOKEN" -H "X-Mosaic-Purpose: task:load benchmark" "$@" "$url" |
    tee "$WORK/$name.out" >&2
  if grep -q "Non-2xx\|Socket errors" "$WORK/$name.out"; then
    log "$name: some requests failed"
    exit 1
  fi
}

log "baseline (GET /healthz: no authentication, no store): $CONNECTIONS connections, $DURATION"
load health "$BASE/healthz"
log "baseline (GET /auth/me: the token check alone): $CONNECTIONS connections, $DURATION"
load me "$BASE/api/v1/auth/me"
log "entity fetch: $CONNECTIONS connections, $DURATION"
load entity "$BASE/api/v1/entities/$ENTITY"
log "report submission: $CONNECTIONS connections, $DURATION"
load submit "$BASE/api/v1/reports" -s "$WORK/submit.lua"

REPORTS=$(python3 - "$DATA/mosaic.db" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(con.execute("SELECT count(*) FROM reports").fetchone()[0])
EOF
)

python3 - "$WORK" "$CONNECTIONS" "$DURATION" "$REPORTS" "$STATEMENTS" <<'EOF'
import re, sys

work, conns, duration, reports, statements = sys.argv[1:6]

def parse(name):
    text = open(f"{work}/{name}.out").read()
    def ms(v, unit):
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
    pct = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)}
    total = int(re.search(r"(\d+) requests in", text).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return total, rps, pct

print()
print(f"{conns} connections, {duration} per endpoint (wrk), {reports} reports in the store at the end")
print()
print("| endpoint | requests | requests/s | p50 ms | p90 ms | p99 ms |")
print("|---|---:|---:|---:|---:|---:|")
for name, label in [("entity", f"GET /api/v1/entities/{{id}} ({statements} statements)"),
                    ("submit", "POST /api/v1/reports (a new report, ~10 statements)"),
                    ("me", "baseline: GET /api/v1/auth/me (the token check alone)"),
                    ("health", "baseline: GET /healthz (no auth, no store)")]:
    total, rps, pct = parse(name)
    print(f"| {label} | {total:,} | {rps:,.0f} | {pct['50']:.1f} | {pct['90']:.1f} | {pct['99']:.1f} |")
EOF
