#!/usr/bin/env bash
# Install everything partykg needs on a fresh Debian machine with Python >= 3.11:
# a virtual environment in .venv with the package and its test tools, Java for
# the HermiT reasoner and Apache Jena for checking the dumps. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Java for the HermiT reasoner, Apache Jena for the independent
# check of the dumps (riot), Chromium and its driver for the browser tests,
# OpenLink Virtuoso for the load tests (the tests start their own throwaway
# instance on 127.0.0.1; the Debian service is never started), nginx as a
# password-protected proxy in front of a test store (HTTP basic authentication).
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
for pkg in libapache-jena-java chromium chromium-driver virtuoso-opensource nginx; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  # policy-rc.d keeps Debian from starting Virtuoso's system service on install.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
echo "setup: ready (.venv/bin/partykg)"
