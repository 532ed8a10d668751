#!/usr/bin/env bash
# Fuzzes the sync server's HTTP API from its own OpenAPI document with schemathesis (PyPI):
# every generated request, valid or not, must get an answer the document describes (status
# code, content type, body schema) and never a 5xx. Runs a real `aisle-server` on a loopback
# port with the demo company: once as a signed-in supervisor, once as an enrolled device; on an
# SQLite file, then on a throwaway PostgreSQL (`aisle-testdb`, crates/aisle-testdb).
#
# Usage: scripts/api-fuzz.sh [SECONDS per pass, default 60]. Needs target/debug/aisle-server,
# target/debug/aisle and target/debug/aisle-testdb (cargo build --workspace --bins) and python3;
# installs schemathesis into target/schemathesis (a virtualenv) the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
venv=target/schemathesis
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi
work=$(mktemp -d)
server_pid=""
pg_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$pg_pid" ] && kill "$pg_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
bin=target/debug
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

# One backend: the demo company in database $1 (a file or a URL), served, fuzzed in two passes.
fuzz() {
  local db=$1 name=$2
  "$bin/aisle-server" --db "$db" demo --items 20 >/dev/null
  "$bin/aisle-server" --db "$db" serve --listen 127.0.0.1:0 >"$work/serve-$name.log" 2>&1 &
  server_pid=$!
  url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on //p' "$work/serve-$name.log" | head -n 1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "the server did not start:"; cat "$work/serve-$name.log"; exit 1; }

  supervisor=$(python3 - "$url" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/supervisor/session",
    data=json.dumps({"badge": "SUP1", "pin": "4321"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["token"])
PY
)
  "$bin/aisle" --db "$work/d-$name.db" init --name FUZZ >/dev/null
  code=$("$bin/aisle-server" --db "$db" device enroll --warehouse WH1 --name FUZZ | awk '/^enrolment code:/ {print $3}')
  "$bin/aisle" --db "$work/d-$name.db" enroll --server "$url" --code "$code" >/dev/null
  device=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select token from sync_state').fetchone()[0])" "$work/d-$name.db")

  echo "== API fuzz on $name as a supervisor (${seconds}s)"
  # Signing out would end the pass's own session; the session routes are tested in api.rs.
  run "$supervisor" '^/v1/supervisor/(?!session)' 6000/m
  echo "== API fuzz on $name as a device (${seconds}s)"
  # Below the per-device limit (20 a second), so the logic behind it is what gets tested; a 429
  # when it is reached anyway is documented and accepted.
  run "$device" '^/(v1/(pull|push|snapshot|enroll|openapi\.json)|healthz|metrics)$' 900/m
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run() {
  local token=$1 paths=$2 rate=$3
  # Not the coverage phase: schemathesis 4.32.5 fails inside its own generator there on our
  # oneOf bodies (a KeyError in its code, not an answer of ours); fuzzing and stateful runs cover
  # every operation.
  "$venv/bin/st" run "$url/v1/openapi.json" \
    -H "Authorization: Bearer $token" -H "aisle-protocol: 1" \
    --include-path-regex "$paths" --phases examples,fuzzing,stateful --checks "$checks" \
    --rate-limit "$rate" \
    --max-time "$seconds" --workers 2 --seed 1 --no-color
}

fuzz "$work/s.db" SQLite

"$bin/aisle-testdb" >"$work/pg.url" 2>"$work/pg.log" &
pg_pid=$!
for _ in $(seq 1 300); do
  [ -s "$work/pg.url" ] && break
  kill -0 "$pg_pid" 2>/dev/null || { echo "no PostgreSQL:"; cat "$work/pg.log"; exit 1; }
  sleep 0.1
done
[ -s "$work/pg.url" ] || { echo "PostgreSQL did not start:"; cat "$work/pg.log"; exit 1; }
fuzz "$(head -n 1 "$work/pg.url")" PostgreSQL
echo "API fuzz: every generated request got a documented answer, on SQLite and on PostgreSQL"
