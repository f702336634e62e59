#!/usr/bin/env bash
# Set up everything the tests need (speech, audio tools, a local DynamoDB) and run them.
# Extra arguments go to pytest (e.g. -k hug).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(espeak-ng libespeak-ng1 sox flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts)
# Node runs dynalite (a local DynamoDB); only install it when the commands are missing.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
scripts/bootstrap.sh "test" "${packages[@]}"
if [ -x scripts/install_dynalite.sh ]; then
    scripts/install_dynalite.sh
fi
exec .venv/bin/python -m pytest "$@"
