#!/usr/bin/env bash
# Refreshes the README's pictures in docs/screenshots: runs the tablet app's WebDriver test and
# the supervisor pages' browser test with their screenshots sent there. The test command
# (scripts/test.sh) writes screenshots to target/screenshots only.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build)
cargo build --workspace --bins --locked
AISLE_SCREENSHOTS="$PWD/docs/screenshots" cargo test -p aisle-e2e --locked --test app --test supervisor_web
