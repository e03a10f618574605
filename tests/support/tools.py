"""The tools outside Python that the external tests need: how each is found, the
Debian package that brings it (the table: src/partykg/core/tools.py, which
`partykg doctor` reads too), and the tests that ask for it.

Two readers: tests/conftest.py (the `external` marker skips a test
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
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
# The table itself is the package's (partykg doctor reads it too); src/ on the
# path so that this runs before the package is installed.
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))
from partykg.core.tools import APT, CHECKS, TOOLS, Tool, missing

__all__ = ["APT", "CHECKS", "TOOLS", "Tool", "missing", "report", "users"]


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
