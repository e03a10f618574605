#!/usr/bin/env bash
# The whole test suite on a fresh machine (this is what .ci/run calls): set up
# everything the tests need, then run pytest with PARTYKG_REQUIRE_EXTERNAL=1, so a
# test whose tool is missing fails instead of being skipped. Arguments go to pytest.
# The contributor's fast loop: .venv/bin/python -m pytest -m "not external and not slow"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test.sh
status=0
# One pytest worker per core (pytest-xdist), each taking whole modules (--dist
# loadfile): a module's fixtures (a built copy, a server, a store) are made once,
# and the session's (the real build, the server on it) once per worker. Measured on
# the 2-core machine: 1541 passed in 565 s, against 978-1012 s in one process.
# Give -n 0 to run in one process.
PARTYKG_REQUIRE_EXTERNAL=1 .venv/bin/python -m pytest -n auto --dist loadfile "$@" || status=$?
if [ "$status" = 5 ]; then
  # pytest's exit 5: no test was collected. A run that tested nothing is a failure.
  echo "test: pytest collected no tests (exit 5): check the paths, -k and -m given: $*" >&2
fi
exit "$status"
