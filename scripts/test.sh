#!/usr/bin/env bash
# Runs every test of the project: the UI's unit tests, then the unit, property and end-to-end
# tests of all Rust crates (the Tauri app's included, and the chaos test's quick run), then the
# API fuzz (scripts/api-fuzz.sh). This is the README's test command; .ci/run
# calls it after the format and lint checks.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
# UI: installs exactly what ui/package-lock.json pins, runs Vitest, and builds ui/dist, which the
# Tauri app embeds at compile time.
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm test && npm run build)
# The end-to-end tests in tests/ start the real binaries (aisle-server, aisle) as processes.
cargo build --workspace --bins --locked
# The labels' barcodes are read back by an independent decoder (tests/labels/decode.py: zxing-cpp,
# with resvg and PDFium to render), from PyPI into the test command's own virtual environment; the
# same environment draws the camera frames that the app's decoder reads under Node
# (tests/tests/camera_decode.rs).
./scripts/label-venv.sh
export AISLE_LABEL_PYTHON="$PWD/target/labels-venv/bin/python"
# Tests that run one body on SQLite and on PostgreSQL start their own throwaway cluster per test
# process (crates/aisle-testdb); nothing else is needed.
cargo test --workspace --locked
# The HTTP API fuzzed from its OpenAPI document (schemathesis): no 5xx, every answer documented.
./scripts/api-fuzz.sh 45
