#!/usr/bin/env bash
# Install one pinned npm package for the tests into .cache/<package> in the repo.
# Idempotent: does nothing when the pinned major version is already installed.
# Usage: scripts/install_npm.sh PACKAGE MAJOR [PREFIX]
set -euo pipefail

package_name="$1"
major="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${3:-$root/.cache/$package_name}"
package="$prefix/node_modules/$package_name/package.json"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install_npm: node and npm are required (e.g. apt-get install -y nodejs npm)" >&2
    exit 1
fi

if [ -f "$package" ] && node -e '
    const v = require(process.argv[1]).version;
    process.exit(v.split(".")[0] === process.argv[2] ? 0 : 1)
' "$package" "$major"; then
    echo "$package_name already installed: $prefix"
    exit 0
fi

mkdir -p "$prefix"
npm install --no-audit --no-fund --no-save --loglevel=error --prefix "$prefix" "$package_name@$major"
test -f "$package"
echo "$package_name installed: $prefix"
