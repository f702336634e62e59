#!/usr/bin/env bash
# Install Amazon's apl-suggester (the APL document validator) for the screen tests.
# Idempotent: does nothing when the pinned major version is already installed.
# Usage: scripts/install_apl_suggester.sh [PREFIX]   (default: .cache/apl-suggester in the repo)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${1:-${CLOSE_TOGETHER_APL_PREFIX:-$root/.cache/apl-suggester}}"
package="$prefix/node_modules/apl-suggester/package.json"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install_apl_suggester: node and npm are required (e.g. apt-get install -y nodejs npm)" >&2
    exit 1
fi

if [ -f "$package" ] && node -e '
    const v = require(process.argv[1]).version;
    process.exit(v.split(".")[0] === "2024" ? 0 : 1)
' "$package"; then
    echo "apl-suggester already installed: $prefix"
    exit 0
fi

mkdir -p "$prefix"
npm install --no-audit --no-fund --no-save --loglevel=error --prefix "$prefix" apl-suggester@2024
test -f "$package"
echo "apl-suggester installed: $prefix"
