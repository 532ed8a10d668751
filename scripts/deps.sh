#!/usr/bin/env bash
# Installs what the build and the tests need when it is missing (Debian/Ubuntu): WebKitGTK and
# friends for the Tauri app; Xvfb, WebKitWebDriver and tauri-driver for the app's WebDriver
# tests; Chromium and chromedriver for the supervisor pages' browser test; Python 3 with venv for
# the API fuzz; PostgreSQL's server binaries for the tests that run on both backends (the tests
# start their own throwaway cluster: nothing is started here). Node.js 20+ with npm must be
# present for the UI.
set -euo pipefail
packages=(pkg-config libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev xvfb webkit2gtk-driver chromium chromium-driver postgresql)
missing=0
pkg-config --exists webkit2gtk-4.1 2>/dev/null || missing=1
pkg-config --exists librsvg-2.0 2>/dev/null || missing=1
command -v Xvfb >/dev/null || missing=1
command -v WebKitWebDriver >/dev/null || missing=1
command -v chromium >/dev/null || missing=1
command -v chromedriver >/dev/null || missing=1
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing=1
if [ "$missing" = 1 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi
if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  cargo install tauri-driver --locked --version 2.1.0
fi
command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer" >&2; exit 1; }
# Python 3 with venv for the API fuzz (scripts/api-fuzz.sh installs schemathesis from PyPI).
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3 python3-venv
fi
