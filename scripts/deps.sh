#!/usr/bin/env bash
# Installs the system packages the build needs when they are missing (Debian/Ubuntu):
# WebKitGTK and friends for the Tauri app. Node.js 20+ with npm must be present for the UI.
set -euo pipefail
packages=(pkg-config libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev)
if ! pkg-config --exists webkit2gtk-4.1 2>/dev/null || ! pkg-config --exists librsvg-2.0 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi
command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer" >&2; exit 1; }
