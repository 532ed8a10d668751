#!/usr/bin/env bash
# Runs Aisle on this machine: the sync server on its embedded SQLite database with the demo
# company, and a demo device (the `aisle` CLI; the tablet app comes with issue 4) enrolled with it
# and synced. Stop with Ctrl-C. Data stays in ./aisle-data between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p aisle-server -p aisle-cli
bin=target/release
data=${AISLE_DATA:-aisle-data}
listen=${AISLE_LISTEN:-127.0.0.1:8740}
url="http://$listen"
mkdir -p "$data"
server_db="$data/server.db"
device_db="$data/device.db"

[ -f "$server_db" ] || "$bin/aisle-server" --db "$server_db" demo
"$bin/aisle-server" --db "$server_db" serve --listen "$listen" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null && break
  sleep 0.2
done

if [ ! -f "$device_db" ]; then
  "$bin/aisle" --db "$device_db" init --name DEMO-TABLET
  code=$("$bin/aisle-server" --db "$server_db" device enroll --warehouse WH1 --name DEMO-TABLET --server-url "$url" \
    | awk '/^enrolment code:/ {print $3}')
  "$bin/aisle" --db "$device_db" enroll --server "$url" --code "$code"
fi
"$bin/aisle" --db "$device_db" sync

cat <<TXT

Aisle is running: sync server at $url (health: $url/healthz, API: $url/v1/openapi.json).
A demo device is enrolled in warehouse WH1. In another terminal:
  export AISLE_DB=$device_db AISLE_OPERATOR=ALICE
  $bin/aisle stock item 5012345000015
  $bin/aisle receive --at LOC:WH1:RCV-01 --item ']C10105012345000084<GS>10L42<GS>17270131' --qty 6
  $bin/aisle sync
  $bin/aisle-server --db $server_db export stock | head
Press Ctrl-C to stop the server.
TXT
wait "$server"
