#!/usr/bin/env bash
# Shared set-up for serve.sh and test.sh: Debian packages (when root), a virtual
# environment in .venv, and the project installed into it with the given extras.
#   usage: scripts/bootstrap.sh "<pip extras>" [debian packages...]
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
shift || true

missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        echo "==> installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "close-together: these Debian packages are needed: ${missing[*]}" >&2
        echo "  install them with: sudo apt-get install ${missing[*]}" >&2
        echo "  (or run this script as root and it will install them)" >&2
        exit 1
    fi
fi

python=""
for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    echo "close-together: Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $python"
    "$python" -m venv .venv
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
echo "==> installing close-together${extras:+ [$extras]} into .venv"
# Every time, not only into a new .venv: pip always reinstalls an editable project, and that
# is what registers its entry points (the close-together command, and the subcommands it
# reads from the close_together.commands group), so new ones work after a pull.
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
