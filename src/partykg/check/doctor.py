"""`partykg doctor`: what is installed here, what each part enables, and the
command that would install what is missing.

The main job (build, validate, query, serve) needs the Python dependencies and
the project's data; everything else is optional and named with what it
enables: Java for `partykg reason` (HermiT), the tools of the tests marked
`external` (the table in core/tools.py), and network access to Wikidata for
`link`, `enrich` and the federated queries (a HEAD request with a short
deadline: reported, never a failure).
"""

from __future__ import annotations

import importlib.metadata as md
import re
from dataclasses import dataclass
from pathlib import Path

from partykg.core.paths import Project
from partykg.core.tools import TOOLS, which

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
PIP = ".venv/bin/pip install -e ."


@dataclass(frozen=True)
class Row:
    component: str
    ok: bool
    detail: str          # what was found (a version, a path), or what is missing
    enables: str
    install: str = ""    # the command that installs it; "" when present
    main: bool = False   # needed by the main job: missing means exit 1


def _requirements() -> list[str]:
    """The distributions partykg depends on (its metadata, i.e. pyproject.toml)."""
    try:
        reqs = md.requires("partykg") or []
    except md.PackageNotFoundError:
        return []
    return [re.split(r"[ ;<>=!~\[]", r, maxsplit=1)[0] for r in reqs if "extra ==" not in r]


def python_row() -> Row:
    names = _requirements()
    if not names:
        return Row("Python packages", False, "partykg is not installed in this Python",
                   "everything", f"bash scripts/setup.sh (or {PIP})", True)
    absent = []
    for name in names:
        try:
            md.version(name)
        except md.PackageNotFoundError:
            absent.append(name)
    if absent:
        return Row("Python packages", False, f"missing: {', '.join(absent)}",
                   "build, validate, query, serve", PIP, True)
    return Row("Python packages", True, f"{len(names)} dependencies installed",
               "build, validate, query, serve", main=True)


def data_row(proj: Project) -> Row:
    needed = {"data/registry": proj.root / "data" / "registry",
              "data/annotations": proj.root / "data" / "annotations",
              "ontology": proj.root / "ontology", "shapes": proj.root / "shapes",
              "queries": proj.queries}
    absent = [name for name, path in needed.items() if not path.is_dir()]
    if absent:
        return Row("project data", False, f"{proj.root}: no {', '.join(absent)}",
                   "build, validate, query, serve",
                   "run partykg in the project folder, or give --root", True)
    n = len(list((proj.root / "data" / "annotations").glob("*.yaml")))
    return Row("project data", True, f"{proj.root}: {n} annotation file(s)",
               "build, validate, query, serve", main=True)


def java_row() -> Row:
    java = which("java")
    jar = None
    try:
        import owlready2
        jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    except ImportError:
        pass
    tool = TOOLS["java"]
    if java and jar is not None and jar.is_file():
        return Row("Java + HermiT", True, f"{java}; {jar.name} (owlready2)", tool.enables)
    what = "no java on PATH" if not java else "owlready2's HermiT.jar not found"
    return Row("Java + HermiT", False, what, tool.enables,
               tool.install if not java else PIP)


def tool_rows() -> list[Row]:
    """The test tools of core/tools.py (Java has its own row)."""
    rows = []
    for name, tool in TOOLS.items():
        if name == "java":
            continue
        ok = tool.present()
        rows.append(Row(name, ok, ("found: " if ok else "not found: ") + tool.what,
                        tool.enables, "" if ok else tool.install))
    return rows


def network_row(endpoint: str, timeout: float) -> Row:
    from partykg.core.http import Client, HttpError
    enables = "`partykg link`, `enrich`, the federated queries (30-32)"
    try:
        with Client(timeout, 1_000_000) as client:
            resp = client.request("HEAD", endpoint)
    except HttpError as exc:
        return Row(f"network: {endpoint}", False, f"unreachable ({exc.detail})", enables,
                   "internet access, or --wikidata-endpoint URL of a mirror")
    return Row(f"network: {endpoint}", True, f"answers (HTTP {resp.status})", enables)


def diagnose(proj: Project, endpoint: str = WIKIDATA_SPARQL, timeout: float = 3.0,
             network: bool = True) -> list[Row]:
    rows = [python_row(), data_row(proj), java_row(), *tool_rows()]
    if network:
        rows.append(network_row(endpoint, timeout))
    return rows


def main_job_ok(rows: list[Row]) -> bool:
    return all(r.ok for r in rows if r.main)
