#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: ruff, mypy, the import-linter layering contracts, then
# pytest over tests/ and the package's docstring examples (--doctest-modules, configured in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export AWS_EC2_METADATA_DISABLED=true
.venv/bin/ruff check least_privilege_constructs sample_app tests benchmarks scripts
.venv/bin/mypy least_privilege_constructs
.venv/bin/lint-imports --no-cache pyproject.toml  # the layers of DESIGN.md (contracts in pyproject.toml)
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
