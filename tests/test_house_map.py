"""docs/ARCHITECTURE.md stays true: its floors are those of test_architecture.FLOORS,
every module has its line, and every file it sends a change to exists."""

from __future__ import annotations

import re

from conftest import ROOT
from test_architecture import FLOORS, SRC

DOC = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")


def test_the_floors_are_those_the_import_test_enforces():
    floors = [set(m.group(2).split()) for m in
              re.finditer(r"^    floor (\d)  ([a-z. ]+?)\s*(?:\(.*)?$", DOC, re.M)]
    assert [{name.removesuffix(".py") for name in floor} for floor in floors] == FLOORS


def test_every_module_has_its_line():
    modules = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if p.name != "__init__.py"}
    listed = set(re.findall(r"^\| `([a-z/_.]+\.py)` \|", DOC, re.M))
    assert listed == modules


def test_every_file_named_exists():
    named = set(re.findall(r"`((?:src/partykg|tests|shapes|ontology|docs|data|scripts)/[^`*<]+?)`",
                           DOC))
    assert len(named) > 20
    missing = sorted(n for n in named if not (ROOT / n.split()[0].rstrip(":")).exists())
    assert missing == []
