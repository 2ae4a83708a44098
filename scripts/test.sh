#!/usr/bin/env bash
# Install the project and its test tools into a fresh virtual environment, then run the test suite.
# This is the README's test command, and what CI runs (.ci/run). Extra pytest arguments pass through.
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser test drives Debian's Chromium (no browser download). Install it when missing and we can.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: installing Debian's chromium for the browser test" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "scripts/test.sh: chromium is not installed; the browser test will skip (CI=true makes it fail)" >&2
  fi
fi

venv="${VENV:-.venv}"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e '.[test]'
"$venv/bin/python" -m pytest -q "$@"
