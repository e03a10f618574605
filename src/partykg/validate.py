"""`partykg validate`: SHACL shapes (pyshacl) and *-violation.rq queries.

Results are mapped back to the annotations through the build's index, so a
report names the annotation file and line and quotes the passage behind each
problem, grouped by source.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import rdflib
from pyoxigraph import RdfFormat, Triple, parse, serialize
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from .errors import InputError, Problem
from .namespaces import graph_iri
from .paths import Project


@dataclass(frozen=True, order=True)
class Result:
    """One SHACL validation result or one row of a violation query."""

    focus: str
    path: str
    component: str
    message: str
    severity: str = "Violation"
    value: str = ""
    shape: str = ""


def load_shapes(shapes_dir: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    files = sorted(shapes_dir.glob("*.ttl"))
    if not files:
        raise InputError(Problem(str(shapes_dir), 0, "no SHACL shapes (*.ttl) found",
                                 "restore the shapes/ folder"))
    for f in files:
        try:
            g.parse(f, format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            raise InputError(Problem(str(f), 0, f"the shapes file does not parse: {exc}",
                                     "fix its Turtle syntax")) from exc
    return g


def _short(term) -> str:
    return "" if term is None else str(term)


def shacl_results(data: rdflib.Graph, shapes: rdflib.Graph,
                  ontology: rdflib.Graph | None = None) -> list[Result]:
    """Run pyshacl; return its results, sorted. An empty list means it conforms."""
    conforms, report, _ = pyshacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none",
        advanced=True, allow_warnings=True, abort_on_first=False)
    results = []
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        results.append(Result(
            focus=_short(report.value(r, SH.focusNode)),
            path=_short(report.value(r, SH.resultPath)),
            component=_short(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            message=str(report.value(r, SH.resultMessage) or ""),
            severity=_short(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            value=_short(report.value(r, SH.value)),
            shape=_short(report.value(r, SH.sourceShape)),
        ))
    return sorted(results)


def violation_queries(queries_dir: Path) -> list[Path]:
    return sorted(queries_dir.glob("*-violation.rq"))


def query_violations(proj: Project, store) -> list[Result]:
    """Run every *-violation.rq; each row is a violation (focus = ?focus or first column)."""
    from .query import load_query, substitute
    results = []
    for path in violation_queries(proj.queries):
        rq = load_query(path)
        rows = store.query(substitute(rq, {}, proj.base), use_default_graph_as_union=True)
        variables = [v.value for v in rows.variables]
        for sol in rows:
            focus = sol["focus"] if "focus" in variables else sol[variables[0]]
            detail = "; ".join(f"{v}={sol[v].value}" for v in variables
                               if v != "focus" and sol[v] is not None)
            results.append(Result(focus=focus.value if focus is not None else "", path="",
                                  component=path.name, message=rq.summary + (
                                      f" ({detail})" if detail else "")))
    return sorted(results)


@dataclass
class Report:
    conforms: bool
    results: list[Result]
    where: dict[str, dict] = field(default_factory=dict)

    def grouped(self) -> dict[str, list[tuple[Result, dict]]]:
        groups: dict[str, list] = defaultdict(list)
        for r in self.results:
            w = self.where.get(r.focus) or self.where.get(r.focus.split("#")[0]) or {}
            groups[w.get("source") or ("registry" if w else "other")].append((r, w))
        return dict(sorted(groups.items()))


def validate(proj: Project) -> Report:
    from .store import load_store
    if not proj.nquads.exists():
        raise InputError(Problem(str(proj.nquads), 0, "there is no build to validate",
                                 "run `partykg build` first"))
    # Parse the dump itself: the store would normalise datatypes
    # (xsd:nonNegativeInteger becomes xsd:integer), hiding what was published.
    onto_id = graph_iri(proj.base, "ontology")
    split: dict[bool, list[Triple]] = {True: [], False: []}
    for q in parse(path=str(proj.nquads), format=RdfFormat.N_QUADS):
        split[q.graph_name.value == onto_id].append(Triple(q.subject, q.predicate, q.object))
    data, ontology = rdflib.Graph(), rdflib.Graph()
    for graph, triples in ((ontology, split[True]), (data, split[False])):
        graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    store = load_store(proj)
    results = shacl_results(data, load_shapes(proj.shapes), ontology)
    results += query_violations(proj, store)
    index = json.loads(proj.index.read_text(encoding="utf-8"))["index"]
    return Report(not any(r.severity == "Violation" for r in results), results, index)


def render_report(report: Report, fmt: str, console) -> None:
    if fmt == "json":
        console.print_json(json.dumps({
            "conforms": report.conforms,
            "results": [{**asdict(r), "annotation": w} for g in report.grouped().values()
                        for r, w in g]}, ensure_ascii=False))
        return
    if report.conforms and not report.results:
        console.print("[green]conforms[/]: no SHACL violations, no rows from the violation queries")
        return
    for group, items in report.grouped().items():
        console.print(f"\n[bold]{group}[/]: {len(items)} problem(s)")
        for r, w in items:
            where = f"{w['file']}:{w['line']}" if w.get("line") else w.get("file", "")
            console.print(f"  [red]{r.severity}[/] {where}  {r.message}", markup=True)
            console.print(f"    focus {r.focus}" + (f", path {r.path}" if r.path else "")
                          + f", constraint {r.component}", markup=False)
            if w.get("passage"):
                passage = w["passage"]
                passage = passage if len(passage) < 160 else passage[:157] + "…"
                console.print(f'    passage: "{passage}"', markup=False)
    console.print(f"\n{'conforms (warnings only)' if report.conforms else 'does not conform'}: "
                  f"{len(report.results)} result(s)")
