#!/usr/bin/env bash
# Runs every test of the project: the UI's unit tests, then the unit, property and end-to-end
# tests of all Rust crates. This is the README's test command; .ci/run calls it after the format
# and lint checks.
set -euo pipefail
cd "$(dirname "$0")/.."
# UI: installs exactly what ui/package-lock.json pins, then Vitest.
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm test)
# The end-to-end tests in tests/ start the real binaries (aisle-server, aisle) as processes.
cargo build --workspace --bins --locked
cargo test --workspace --locked
