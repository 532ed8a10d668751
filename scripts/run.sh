#!/usr/bin/env bash
# Runs Aisle on this machine: builds the `aisle` device CLI and opens a demo device store
# (two warehouses, 300 items, opening stock) at ./aisle-demo.db, then shows what to try.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p aisle-cli
bin=target/release/aisle
db=${AISLE_DB:-aisle-demo.db}
if [ ! -f "$db" ]; then
  "$bin" --db "$db" demo --name DEMO-1
fi
"$bin" --db "$db" device show
cat <<TXT

The demo device is ready. Try, for example:
  export AISLE_DB=$db AISLE_OPERATOR=ALICE
  $bin stock item 5012345000015
  $bin receive --at LOC:WH1:RCV-01 --item ']C10105012345000084<GS>10L42<GS>17270131' --qty 6
  $bin putaway --what 5012345000084 --from LOC:WH1:RCV-01 --to LOC:WH1:B-01-01-1 --qty 6 --lot L42
  $bin log --unsynced
  $bin --help
TXT
