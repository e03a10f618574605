#!/usr/bin/env bash
# Set up the main job (build, validate, query, serve, release): Python only.
# A virtual environment in .venv with partykg and its runtime dependencies from
# PyPI. Never calls apt and needs no root. Fails (non-zero, with the fix) only
# when the main job cannot run: no python3 >= 3.11, no venv module, pip fails.
# Java is needed by `partykg reason` alone: a note when it is absent, no failure.
# The tests need more: scripts/setup-test.sh. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "setup: $*" >&2; exit 1; }

command -v python3 >/dev/null 2>&1 ||
  fail "python3 not found: partykg needs Python >= 3.11 with venv (Debian: apt-get install python3 python3-venv)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  fail "partykg needs Python >= 3.11; python3 -V says: $(python3 -V 2>&1)"

# A .venv left broken by a failed `python3 -m venv` (Debian without python3-venv
# creates the folder, then stops at ensurepip) is made again.
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
  if ! python3 -m venv .venv; then
    rm -rf .venv
    fail "python3 -m venv failed: install the venv module (Debian: apt-get install python3-venv)"
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e . ||
  fail "pip could not install partykg and its dependencies (pip's message is above)"

command -v java >/dev/null 2>&1 ||
  echo "setup: note: no java; only \`partykg reason\` (the HermiT reasoner) needs it" \
       "(Debian: apt-get install --no-install-recommends default-jre-headless)"
echo "setup: ready (.venv/bin/partykg)"
