#!/usr/bin/env bash
# Idempotent set-up on a fresh machine (Python 3.11+, Node.js 20): a project venv with the package and its
# dev extras, the Node tools (the CDK CLI, and the independent IAM evaluator used only by tests), and, where the
# machine lets us (root with apt-get), Debian's Chromium for the HTML report's browser test (it skips without one).
# Re-runs are near-instant: each step is skipped while its stamp is newer than its inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() { if ! "$@" >"$log" 2>&1; then cat "$log" >&2; echo "set-up failed: $*" >&2; exit 1; fi; }

if [ ! -x .venv/bin/python ]; then
  run "$PY" -m venv .venv
fi
if [ ! -f .venv/.lpc-installed ] || [ pyproject.toml -nt .venv/.lpc-installed ]; then
  echo "set-up: installing the package and its dev extras into .venv" >&2
  run .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip
  run .venv/bin/python -m pip install --disable-pip-version-check -e '.[dev]'
  touch .venv/.lpc-installed
fi
if [ ! -f node_modules/.lpc-installed ] || [ package.json -nt node_modules/.lpc-installed ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "set-up: npm (Node.js 20) is required for the CDK CLI and the differential tests" >&2
    exit 1
  fi
  echo "set-up: installing the Node tools (npm ci)" >&2
  if [ -f package-lock.json ]; then run npm ci --no-audit --no-fund; else run npm install --no-audit --no-fund; fi
  touch node_modules/.lpc-installed
fi
if [ ! -x /usr/bin/chromium ] && [ "${LPC_SKIP_BROWSER_SETUP:-}" != 1 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "set-up: installing Debian's chromium (headless browser test of the HTML report)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends chromium >"$log" 2>&1; then
      run apt-get update
      run apt-get install -y --no-install-recommends chromium
    fi
  else
    echo "set-up: no /usr/bin/chromium (install Debian's chromium package): the HTML report's browser test will skip" >&2
  fi
fi
