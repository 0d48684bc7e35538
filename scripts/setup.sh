#!/usr/bin/env bash
# Idempotent set-up on a fresh machine (Python 3.11+, Node.js 20): a project venv with the package and its
# dev extras, and the Node test harness (the CDK CLI and the independent IAM evaluator used in tests).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
if command -v npm >/dev/null 2>&1; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then
    npm install --no-audit --no-fund --loglevel=error >/dev/null
    touch node_modules
  fi
fi
