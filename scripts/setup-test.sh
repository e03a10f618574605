#!/usr/bin/env bash
# Set up everything the tests need: the Debian tools of the external tests
# (Java for HermiT and Jena, Apache Jena for the independent check of the dumps,
# Chromium and its driver for the browser tests, OpenLink Virtuoso and nginx for
# the triple-store tests, which start their own instances on 127.0.0.1), then
# the main job's setup (scripts/setup.sh) and the test tools from PyPI (the
# `test` extra, with the Oxigraph server). The tools, how each is found and which
# tests need it: tests/support/tools.py.
#
# Installing Debian packages needs root and apt-get. When a tool is missing and
# cannot be installed (not root, no apt-get, apt-get fails), this stops before
# anything else, naming each missing tool and the tests that need it, and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "setup-test: $*" >&2; exit 1; }

command -v python3 >/dev/null 2>&1 ||
  fail "python3 not found: partykg needs Python >= 3.11 with venv (Debian: apt-get install python3 python3-venv)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  fail "partykg needs Python >= 3.11; python3 -V says: $(python3 -V 2>&1)"
tools() { python3 tests/support/tools.py "$@"; }

wanted=$(tools packages) || fail "tests/support/tools.py failed (its message is above)"
read -r -a packages <<<"$wanted"
if [ ${#packages[@]} -gt 0 ]; then
  why=""
  if [ "$(id -u)" != 0 ]; then
    why="not root"
  elif ! command -v apt-get >/dev/null 2>&1; then
    why="no apt-get"
  else
    echo "setup-test: installing ${packages[*]}"
    # policy-rc.d keeps Debian from starting Virtuoso's (and nginx's) system
    # service on install: the tests start their own instances.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
      trap 'rm -f "$policy"' EXIT
    fi
    if ! { apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
             "${packages[@]}" >/dev/null; }; then
      why="apt-get failed, see above"
    fi
  fi
  # After an install, only what is still missing is named.
  tools check --debian --reason "$why" || exit 1
fi

bash scripts/setup.sh
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' ||
  fail "pip could not install the test extra (pip's message is above)"
.venv/bin/python tests/support/tools.py check || exit 1
echo "setup-test: ready (.venv/bin/python -m pytest)"
