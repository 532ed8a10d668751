#!/usr/bin/env bash
# Makes target/labels-venv: Python with zxing-cpp (the barcode decoder), resvg (SVG) and PDFium
# (PDF) at pinned versions, for tests/tests/label_decode.rs. Idempotent: a complete environment is
# left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/labels-venv
if ! "$venv/bin/python" -c 'import zxingcpp, resvg_py, pypdfium2, PIL' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'zxing-cpp==3.1.1' 'resvg-py==0.5.0' 'pypdfium2==5.15.2' 'pillow==13.0.0'
fi
