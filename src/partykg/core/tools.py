"""The tools outside Python that parts of partykg use: how each is found, the
Debian package that brings it, the command that installs it, and what it enables.

One table for three readers: `partykg doctor` (check/doctor.py), the `external`
marker of the tests (tests/conftest.py: a test whose tool is absent is skipped,
or fails under PARTYKG_REQUIRE_EXTERNAL=1) and scripts/setup-test.sh (through
tests/support/tools.py, which installs the missing packages or names each
missing tool). Standard library only, so that setup-test.sh can read it with the
system's python3 before any virtual environment exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

APT = "apt-get install --no-install-recommends"


def which(name: str, extra: str = "") -> str | None:
    """Where ``name`` is on PATH (plus ``extra`` folders), or None."""
    path = os.environ.get("PATH", os.defpath) + (os.pathsep + extra if extra else "")
    return shutil.which(name, path=path)


def _debian_installed(package: str) -> bool:
    if not which("dpkg-query"):
        return False
    res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                         capture_output=True, text=True, check=False)
    return res.returncode == 0 and "install ok installed" in res.stdout


def _oxigraph() -> bool:
    # Where tests/support/localserver.py looks: beside this Python (the venv), then PATH.
    return (shutil.which("oxigraph", path=str(Path(sys.executable).parent)) is not None
            or which("oxigraph") is not None)


@dataclass(frozen=True)
class Tool:
    name: str
    what: str               # what it is, and what the tests use it for
    package: str | None     # the Debian package; None: a Python package of the test extra
    install: str            # the command that installs it
    enables: str = ""       # what partykg or its tests can do with it

    def present(self) -> bool:
        return CHECKS[self.name]()


CHECKS = {
    "java": lambda: which("java") is not None,
    "jena": lambda: _debian_installed("libapache-jena-java"),
    "chromium": lambda: which("chromium") is not None,
    "chromedriver": lambda: which("chromedriver") is not None,
    "virtuoso": lambda: which("virtuoso-t") is not None and which("isql-vt") is not None,
    # Debian puts nginx in /usr/sbin, which is not on a normal user's PATH;
    # tests/support/stores.py looks there too.
    "nginx": lambda: which("nginx", "/usr/sbin") is not None,
    "oxigraph": _oxigraph,
    "javac": lambda: which("javac") is not None,
}

TOOLS = {t.name: t for t in (
    Tool("java", "Java, for the HermiT reasoner and Apache Jena", "default-jre-headless",
         f"{APT} default-jre-headless", "`partykg reason` (HermiT); Jena"),
    Tool("jena", "Apache Jena (riot, tdb2), the independent check of the dumps",
         "libapache-jena-java", f"{APT} libapache-jena-java",
         "the independent check of the dumps (tests); scripts/bulk-load.sh tdb2"),
    Tool("chromium", "Chromium, the browser of the browser tests", "chromium",
         f"{APT} chromium", "the browser tests of the query page and entity pages"),
    Tool("chromedriver", "chromedriver, Selenium's driver for Chromium", "chromium-driver",
         f"{APT} chromium-driver", "the browser tests (with Chromium)"),
    Tool("virtuoso", "OpenLink Virtuoso (virtuoso-t, isql-vt), a triple store",
         "virtuoso-opensource", f"{APT} virtuoso-opensource",
         "the store tests on Virtuoso; `partykg load` into it"),
    Tool("nginx", "nginx, a password-protected proxy in front of a test store", "nginx",
         f"{APT} nginx", "the store tests behind an authenticating proxy"),
    Tool("oxigraph", "the Oxigraph server binary (PyPI oxigraph, in the test extra)", None,
         ".venv/bin/pip install -e '.[test]'",
         "the store tests on Oxigraph server; the federated query tests"),
    Tool("javac", "the Java compiler, for the OWL API profile checker "
         "(tests/support/OwlProfileCheck.java)", "default-jdk-headless",
         f"{APT} default-jdk-headless", "the OWL 2 profile test of the ontology"),
)}
assert set(TOOLS) == set(CHECKS)


def missing(debian_only: bool = False) -> list[Tool]:
    return [t for t in TOOLS.values() if (t.package or not debian_only) and not t.present()]
