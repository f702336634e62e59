#!/usr/bin/env bash
# Set up everything the tests need (speech, audio tools, a local DynamoDB) and run them.
# Extra arguments go to pytest (e.g. -k hug).
set -euo pipefail
cd "$(dirname "$0")/.."
# lame encodes the AudioPlayer tracks; mpg123 decodes them again to measure their timing.
# flite and festival voices speak the held-out recognition set (not espeak-ng's own voice).
# sphinxtrain, sphinxbase-utils and pocketsphinx's tools learn a couple's voices (enrol).
packages=(espeak-ng libespeak-ng1 sox lame mpg123 flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
    sphinxtrain sphinxbase-utils pocketsphinx)
# Node runs dynalite (a local DynamoDB); only install it when the commands are missing.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
scripts/bootstrap.sh "test" "${packages[@]}"
# dynalite for the DynamoDB tests; Amazon's APL validator for the screens (test_screens.py).
scripts/install_dynalite.sh
scripts/install_apl_suggester.sh
exec .venv/bin/python -m pytest "$@"
