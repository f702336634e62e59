#!/usr/bin/env bash
# Install Amazon's apl-suggester (the APL document validator) for the screen tests.
# Usage: scripts/install_apl_suggester.sh [PREFIX]   (default: .cache/apl-suggester in the repo)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$root/scripts/install_npm.sh" apl-suggester 2024 "${1:-${CLOSE_TOGETHER_APL_PREFIX:-$root/.cache/apl-suggester}}"
