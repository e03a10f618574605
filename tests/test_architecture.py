"""The house plan (docs/ARCHITECTURE.md): stage packages under src/partykg/, data
flowing one way. A module may import from its own package and from packages
below it, never from a package above it or beside it on the same floor.

Regression guard: before the packages, the offline build imported the Wikidata
client through the linking code, and library modules drew terminal tables."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "partykg"

# Floors, lowest first. Packages on one floor do not import each other.
FLOORS = [
    {"core"},
    {"model"},
    {"rdf"},
    {"sparql"},
    {"check"},
    {"publish", "wikidata", "webanno", "bench"},
    {"serve"},  # serves the ontology documentation that publish renders
    {"render"},
    {"cli"},
]
FLOOR = {name: i for i, names in enumerate(FLOORS) for name in names}


def unit(module: str) -> str:
    """The package (or top-level module) a dotted module name belongs to."""
    parts = module.split(".")
    assert parts[0] == "partykg", module
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import; write it absolute"
            if node.module and node.module.split(".")[0] == "partykg":
                if node.module == "partykg":
                    found += [(node.lineno, f"partykg.{a.name}") for a in node.names
                              if a.name != "__version__"]
                else:
                    found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("partykg.")]
    return found


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def test_every_module_lives_on_a_floor():
    units = {unit("partykg." + ".".join(p.relative_to(SRC).with_suffix("").parts))
             for p in modules()}
    assert units - {"__init__"} <= set(FLOOR), units - set(FLOOR)
    assert len(modules()) > 40


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_one_way(path):
    here = unit("partykg." + ".".join(path.relative_to(SRC).with_suffix("").parts))
    if here == "__init__":
        return
    bad = []
    for line, target in imports(path):
        there = unit(target)
        if there == here or there == "__init__":
            continue
        if FLOOR[there] >= FLOOR[here]:
            bad.append(f"{path.relative_to(SRC)}:{line} imports {target} "
                       f"(floor {FLOOR[there]} from floor {FLOOR[here]})")
    assert not bad, "\n".join(bad)


def test_no_test_support_in_the_library():
    """Test tooling (real stores, Jena, local servers, expected CSVs) lives in tests/support."""
    for name in ("stores", "jena", "localserver", "expected"):
        assert not list(SRC.rglob(f"{name}.py")), name
    for path in modules():
        for line, target in imports(path):
            assert not target.startswith("support"), f"{path}:{line}"


def test_only_the_command_line_draws():
    """Tables and reports are drawn in render.py and printed by cli.py only."""
    for path in modules():
        if path.name in ("render.py", "cli.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "rich" not in {n.split(".")[0] for n in _imported_names(text)}, path
        assert "click" not in {n.split(".")[0] for n in _imported_names(text)}, path


def _imported_names(text: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out
