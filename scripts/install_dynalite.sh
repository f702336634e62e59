#!/usr/bin/env bash
# Install dynalite (a local DynamoDB work-alike on Node.js) for the DynamoDB tests and benchmark.
# Idempotent: does nothing when the pinned major version is already installed.
# Usage: scripts/install_dynalite.sh [PREFIX]   (default: .cache/dynalite in the repo)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${1:-${CLOSE_TOGETHER_DYNALITE_PREFIX:-$root/.cache/dynalite}}"
cli="$prefix/node_modules/dynalite/cli.js"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install_dynalite: node and npm are required (e.g. apt-get install -y nodejs npm)" >&2
    exit 1
fi

if [ -f "$cli" ] && node -e '
    const v = require(process.argv[1]).version;
    process.exit(v.split(".")[0] === "4" ? 0 : 1)
' "$prefix/node_modules/dynalite/package.json"; then
    echo "dynalite already installed: $cli"
    exit 0
fi

mkdir -p "$prefix"
npm install --no-audit --no-fund --no-save --loglevel=error --prefix "$prefix" dynalite@4
test -f "$cli"
echo "dynalite installed: $cli"
