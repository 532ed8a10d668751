#!/usr/bin/env bash
# Runs every test of the project: unit, property and end-to-end tests of all crates.
# This is the README's test command; .ci/run calls it after the format and lint checks.
set -euo pipefail
cd "$(dirname "$0")/.."
# The end-to-end tests in tests/ start the real binaries (aisle-server, aisle) as processes.
cargo build --workspace --bins --locked
cargo test --workspace --locked
