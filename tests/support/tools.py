"""The tools outside Python that the external tests need: how each is found, the
Debian package that brings it, and the tests that ask for it.

One table for two readers: tests/conftest.py (the `external` marker skips a test
whose tool is absent, or fails it when PARTYKG_REQUIRE_EXTERNAL=1) and
scripts/setup-test.sh (installs the missing packages, or names each missing tool
and its tests and exits non-zero). Standard library only, so that setup-test.sh
can run it with the system's python3 before any virtual environment exists:

    python3 tests/support/tools.py packages        # Debian packages of the missing tools
    python3 tests/support/tools.py check [--debian] [--reason TEXT]
                                                   # exit 1 naming each missing tool
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
APT = "apt-get install --no-install-recommends"


def _which(name: str, extra: str = "") -> bool:
    path = os.environ.get("PATH", os.defpath) + (os.pathsep + extra if extra else "")
    return shutil.which(name, path=path) is not None


def _debian_installed(package: str) -> bool:
    if not _which("dpkg-query"):
        return False
    res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                         capture_output=True, text=True)
    return res.returncode == 0 and "install ok installed" in res.stdout


def _oxigraph() -> bool:
    # Where tests/support/localserver.py looks: beside this Python (the venv), then PATH.
    return (shutil.which("oxigraph", path=str(Path(sys.executable).parent)) is not None
            or _which("oxigraph"))


@dataclass(frozen=True)
class Tool:
    name: str
    what: str               # what the tests use it for
    package: str | None     # the Debian package; None: a Python package of the test extra
    install: str            # the command that installs it

    def present(self) -> bool:
        return CHECKS[self.name]()


CHECKS = {
    "java": lambda: _which("java"),
    "jena": lambda: _debian_installed("libapache-jena-java"),
    "chromium": lambda: _which("chromium"),
    "chromedriver": lambda: _which("chromedriver"),
    "virtuoso": lambda: _which("virtuoso-t") and _which("isql-vt"),
    # Debian puts nginx in /usr/sbin, which is not on a normal user's PATH;
    # tests/support/stores.py looks there too.
    "nginx": lambda: _which("nginx", "/usr/sbin"),
    "oxigraph": _oxigraph,
    "javac": lambda: _which("javac"),
}

TOOLS = {t.name: t for t in (
    Tool("java", "Java, for the HermiT reasoner and Apache Jena", "default-jre-headless",
         f"{APT} default-jre-headless"),
    Tool("jena", "Apache Jena (riot, tdb2), the independent check of the dumps",
         "libapache-jena-java", f"{APT} libapache-jena-java"),
    Tool("chromium", "Chromium, the browser of the browser tests", "chromium",
         f"{APT} chromium"),
    Tool("chromedriver", "chromedriver, Selenium's driver for Chromium", "chromium-driver",
         f"{APT} chromium-driver"),
    Tool("virtuoso", "OpenLink Virtuoso (virtuoso-t, isql-vt), a triple store",
         "virtuoso-opensource", f"{APT} virtuoso-opensource"),
    Tool("nginx", "nginx, a password-protected proxy in front of a test store", "nginx",
         f"{APT} nginx"),
    Tool("oxigraph", "the Oxigraph server binary (PyPI oxigraph, in the test extra)", None,
         ".venv/bin/pip install -e '.[test]'"),
    Tool("javac", "the Java compiler, for the OWL API profile checker "
         "(tests/support/OwlProfileCheck.java)", "default-jdk-headless",
         f"{APT} default-jdk-headless"),
)}
assert set(TOOLS) == set(CHECKS)

def _dotted(node: ast.expr) -> str:
    return f"{_dotted(node.value)}.{node.attr}" if isinstance(node, ast.Attribute) else \
        getattr(node, "id", "")


def users() -> dict[str, list[str]]:
    """Tool name -> the test files that ask for it (`pytest.mark.external("tool")`),
    read from the source (with ast, so that it works without pytest)."""
    found: dict[str, set[str]] = {name: set() for name in TOOLS}
    for path in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and _dotted(node.func).endswith("mark.external"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and arg.value in found:
                        found[arg.value].add(str(path.relative_to(ROOT)))
    return {name: sorted(files) for name, files in found.items()}


def missing(debian_only: bool = False) -> list[Tool]:
    return [t for t in TOOLS.values() if (t.package or not debian_only) and not t.present()]


def report(tools: list[Tool], reason: str = "") -> str:
    need = users()
    lines = [f"setup-test: {len(tools)} tool(s) the tests need are missing"
             + (f" and cannot be installed here ({reason})" if reason else "") + ":"]
    for t in tools:
        lines.append(f"  {t.name}: {t.what}; install: {t.install}")
        lines.append(f"    needed by: {', '.join(need[t.name]) or '(no test yet)'}")
    packages = [t.package for t in tools if t.package]
    if packages:
        lines.append(f"As root: {APT} {' '.join(packages)}  (or run scripts/setup-test.sh as root)")
    lines.append("The other tests run without them: bash scripts/setup.sh && "
                 ".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest -m 'not external'")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("packages", help="print the Debian packages of the missing tools")
    check = sub.add_parser("check", help="exit 1, naming each missing tool and its tests")
    check.add_argument("--debian", action="store_true", help="only the Debian tools")
    check.add_argument("--reason", default="", help="why they cannot be installed")
    args = parser.parse_args(argv)
    if args.command == "packages":
        print(" ".join(t.package for t in missing(debian_only=True)))
        return 0
    gone = missing(args.debian)
    if gone:
        print(report(gone, args.reason), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
