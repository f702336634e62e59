#!/usr/bin/env bash
# Install dynalite (a local DynamoDB work-alike on Node.js) for the DynamoDB tests and benchmark.
# Usage: scripts/install_dynalite.sh [PREFIX]   (default: .cache/dynalite in the repo)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$root/scripts/install_npm.sh" dynalite 4 "${1:-${CLOSE_TOGETHER_DYNALITE_PREFIX:-$root/.cache/dynalite}}"
