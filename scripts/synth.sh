#!/usr/bin/env bash
# Set up (if needed) and synthesize the sample organization with every guardrail on, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export AWS_EC2_METADATA_DISABLED=true
export LEAST_PRIVILEGE_MODE=${LEAST_PRIVILEGE_MODE:-offline}
exec npx --no-install cdk synth --quiet "$@"
