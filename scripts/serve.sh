#!/usr/bin/env bash
# Set up and start Close Together on its embedded SQLite store.
# Extra arguments go to `close-together serve` (e.g. --port 8080 --workers 2).
set -euo pipefail
cd "$(dirname "$0")/.."
# lame encodes the breathing and massage tracks Alexa's AudioPlayer streams (GET /audio/...).
scripts/bootstrap.sh "" lame
if [ -z "${CLOSE_TOGETHER_SKILL_ID:-}" ] && [ "${CLOSE_TOGETHER_VERIFY:-1}" != "0" ]; then
    echo "==> CLOSE_TOGETHER_SKILL_ID is not set: starting WITHOUT Alexa request verification,"
    echo "    for trying it locally with curl. Set it before pointing a real skill here."
    set -- --no-verify "$@"
fi
exec .venv/bin/close-together serve "$@"
