#!/usr/bin/env bash
# Runs Aisle on this machine: the sync server on its embedded SQLite database with the demo
# company (items, stock, expected receipts, orders, staff), a tablet device store enrolled with it
# and synced, and the tablet app on that store (when there is a display), syncing in the
# background. Stop with Ctrl-C. Data stays in ./aisle-data between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build)
cargo build --release --locked -p aisle-server -p aisle-cli
# The app in a debug build: a release build of the WebView shell takes several minutes more.
cargo build --locked -p aisle-app
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
Supervisor pages: $url/ (badge SUP1, PIN 4321).
The tablet app (when there is a display) is enrolled in warehouse WH1 and syncs in the background:
sign in with badge ALICE and PIN 1234. The same device store works from the CLI; in another terminal:
  export AISLE_DB=$device_db AISLE_OPERATOR=ALICE
  $bin/aisle stock item 5012345000015
  $bin/aisle receive --at LOC:WH1:RCV-01 --item ']C10105012345000084<GS>10L42<GS>17270131' --qty 6
  $bin/aisle sync
  $bin/aisle-server --db $server_db export stock | head
Press Ctrl-C to stop.
TXT
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  AISLE_DB="$device_db" AISLE_SYNC_INTERVAL=10 target/debug/aisle-app &
  app=$!
  trap 'kill "$server" "$app" 2>/dev/null || true' EXIT INT TERM
else
  echo "(no display: the tablet app is not started; run it with AISLE_DB=$device_db target/debug/aisle-app)"
fi
wait "$server"
