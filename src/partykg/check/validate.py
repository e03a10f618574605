"""`partykg validate`: SHACL shapes and *-violation.rq queries.

Two SHACL engines give the same results on our shapes (tests/test_shacl_engines.py):
pyshacl-turbo (Rust, the default: it reads the build's N-Quads itself, so the
dump never goes through rdflib) and pyshacl (pure Python, kept as the reference).

Results are mapped back to the annotations through the build's index, so a
report names the annotation file and line and quotes the passage behind each
problem, grouped by source.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, RdfFormat, Triple, parse, serialize
from rdflib.namespace import OWL, SH

from partykg.core.errors import InputError, Problem
from partykg.core.namespaces import graph_iri
from partykg.core.paths import Project


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


def cached_shapes(proj: Project) -> rdflib.Graph:
    """The shapes as :func:`load_shapes` parses them, kept pickled in
    OUT/cache/shapes under a hash of the shape files and the rdflib version:
    parsing the Turtle costs more than validating one edited graph. Reports never
    show the shapes' blank-node labels, so one parse is as good as another."""
    import hashlib
    import pickle
    from importlib.metadata import version

    from partykg.core.files import write_atomic
    files = sorted(proj.shapes.glob("*.ttl"))
    h = hashlib.sha256(version("rdflib").encode())
    for f in files:
        h.update(b"\0" + f.name.encode() + b"\0" + f.read_bytes())
    folder = proj.out / "cache" / "shapes"
    path = folder / f"{h.hexdigest()}.pickle"
    try:
        graph = pickle.loads(path.read_bytes())
        if isinstance(graph, rdflib.Graph):
            return graph
    except (OSError, EOFError, ValueError, TypeError, AttributeError, pickle.UnpicklingError):
        pass
    graph = load_shapes(proj.shapes)
    if folder.is_dir():
        for old in folder.glob("*.pickle"):
            old.unlink(missing_ok=True)
    write_atomic(path, pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL))
    return graph


def _short(term) -> str:
    return "" if term is None else str(term)


ENGINES = ("turbo", "pyshacl")
DEFAULT_ENGINE = "turbo"
# The options both engines are called with; `inference="none"` because the
# ontology's rdfs:subClassOf triples are mixed into the data (ont_graph, or the
# ontology's named graph in the dump), which is all sh:class and sh:targetClass need.
OPTIONS = dict(inference="none", advanced=True, allow_warnings=True, abort_on_first=False)


RDF_FIRST, RDF_REST, RDF_NIL = (str(rdflib.RDF.first), str(rdflib.RDF.rest),
                                str(rdflib.RDF.nil))
_PATH_FORMS = ((str(SH.alternativePath), " | ", "({})"), (str(SH.inversePath), "", "^{}"),
               (str(SH.zeroOrMorePath), "", "({})*"), (str(SH.oneOrMorePath), "", "({})+"),
               (str(SH.zeroOrOnePath), "", "({})?"))


def path_text(node: str, is_blank: bool, value: Callable[[str, str], tuple[str, bool] | None]
              ) -> str:
    """A SHACL path in SPARQL property path syntax with full IRIs (``a | b``, ``^a``,
    ``a / b``), read through ``value(node, predicate) -> (term, is_blank)``. A
    predicate path is its IRI. Blank nodes never show: their labels change from one
    parse of the shapes to the next, and cached results must not depend on them."""
    if not is_blank:
        return node
    for predicate, sep, form in _PATH_FORMS:
        found = value(node, predicate)
        if found is not None:
            inner = found
            if sep:   # a list of paths
                return form.format(sep.join(_list_paths(inner, value)))
            return form.format(path_text(*inner, value))
    if value(node, RDF_FIRST) is not None:   # a sequence path
        return " / ".join(_list_paths((node, True), value))
    return "[]"


def _list_paths(head: tuple[str, bool], value) -> list[str]:
    out = []
    while head[0] != RDF_NIL and value(head[0], RDF_FIRST) is not None:
        out.append(path_text(*value(head[0], RDF_FIRST), value))
        head = value(head[0], RDF_REST) or (RDF_NIL, False)
    return out


def _rdflib_value(graph: rdflib.Graph) -> Callable[[str, str], tuple[str, bool] | None]:
    def value(node: str, predicate: str):
        subject = rdflib.BNode(node)
        found = graph.value(subject, rdflib.URIRef(predicate))
        return None if found is None else (str(found), isinstance(found, rdflib.BNode))
    return value


def _path_of(node, graph: rdflib.Graph) -> str:
    if node is None:
        return ""
    return path_text(str(node), isinstance(node, rdflib.BNode), _rdflib_value(graph))


def _shape_name(shape, shapes: rdflib.Graph) -> str:
    """A source shape's IRI; for a blank-node property shape, its node shape and
    path, so that reports do not depend on the blank-node labels of one parse."""
    if not isinstance(shape, rdflib.BNode):
        return _short(shape)
    owners = sorted(str(o) for o in shapes.subjects(SH.property, shape))
    return f"{' '.join(owners) or '[]'} property {_path_of(shapes.value(shape, SH.path), shapes)}"


def _results(report: rdflib.Graph, shapes: rdflib.Graph) -> list[Result]:
    """The results of a SHACL validation report graph, sorted."""
    results = []
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        results.append(Result(
            focus=_short(report.value(r, SH.focusNode)),
            path=_path_of(report.value(r, SH.resultPath), report),
            component=_short(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            message=str(report.value(r, SH.resultMessage) or ""),
            severity=_short(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            value=_short(report.value(r, SH.value)),
            shape=_shape_name(report.value(r, SH.sourceShape), shapes),
        ))
    return sorted(results)


_RESULT = {str(SH[n]): n for n in ("focusNode", "resultPath", "sourceConstraintComponent",
                                   "resultMessage", "resultSeverity", "value", "sourceShape")}


def decode_report(report: str, shapes: rdflib.Graph,
                  foci: set[str] | None = None) -> list[Result]:
    """The results of pyshacl-turbo's report as its native code writes it (N-Triples),
    read with pyoxigraph: the same Results as :func:`_results` gives for the rdflib
    graph pyshacl-turbo makes of it (tests/test_incremental_validation.py), without
    building that graph, which costs far more than the validation when a report
    is long. With ``foci`` (N-Quads terms), only the results on those focus nodes."""
    from pyoxigraph import BlankNode, RdfFormat, parse
    values: dict[str, dict[str, tuple[str, bool]]] = defaultdict(dict)
    results = []
    for t in parse(report, format=RdfFormat.N_TRIPLES):
        if isinstance(t.subject, BlankNode):
            values[t.subject.value].setdefault(
                t.predicate.value, (t.object.value, isinstance(t.object, BlankNode)))
            if t.predicate.value == RDF_TYPE and t.object.value == VALIDATION_RESULT:
                results.append(t.subject.value)

    def value(node: str, predicate: str):
        return values.get(node, {}).get(predicate)

    out = []
    for r in results:
        got = {name: values[r].get(p) for p, name in _RESULT.items()}
        if foci is not None and (got["focusNode"] is None or (
                f"_:{got['focusNode'][0]}" if got["focusNode"][1]
                else f"<{got['focusNode'][0]}>") not in foci):
            continue
        shape = got["sourceShape"]
        out.append(Result(
            focus=got["focusNode"][0] if got["focusNode"] else "",
            path=path_text(*got["resultPath"], value) if got["resultPath"] else "",
            component=(got["sourceConstraintComponent"] or ("", False))[0].rsplit("#", 1)[-1],
            message=(got["resultMessage"] or ("", False))[0],
            severity=(got["resultSeverity"] or ("", False))[0].rsplit("#", 1)[-1],
            value=(got["value"] or ("", False))[0],
            shape="" if shape is None else _shape_name(
                rdflib.BNode(shape[0]) if shape[1] else rdflib.URIRef(shape[0]), shapes),
        ))
    return sorted(out)


RDF_TYPE, VALIDATION_RESULT = str(rdflib.RDF.type), str(SH.ValidationResult)


def turbo_report(program, text: str) -> str:
    """Validate N-Quads text with compiled pyshacl-turbo shapes; return the report as
    the native code writes it. This is the body of ``CompiledShapes.validate``
    without its last step (decoding the report into an rdflib graph): pyshacl-turbo's
    private API, hence the pinned minor version in pyproject.toml; the test above
    :func:`decode_report` fails if an upgrade changes it."""
    from pyshacl_turbo import _emit_recursion_warnings, _expand_names
    from pyshacl_turbo.rdf import Input
    from pyshacl_turbo.rdf import input_graph as _input
    data = _input(Input(text, "nquads", None, {}), None, direct=True)
    _, report, _, _, warnings = program._native.validate(
        data.source, data.format, data.base, False, 100, 15, False, False,
        OPTIONS["allow_warnings"], OPTIONS["abort_on_first"],
        _expand_names(data.namespaces or dict(program.graph.namespaces()), None),
        _expand_names(program.graph, None),
        [(p, str(ns)) for p, ns in data.namespaces.items()])
    _emit_recursion_warnings(warnings)
    return report


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}: use one of {', '.join(ENGINES)}")


def shacl_results(data: rdflib.Graph, shapes: rdflib.Graph,
                  ontology: rdflib.Graph | None = None,
                  engine: str = DEFAULT_ENGINE, inference: str = "none") -> list[Result]:
    """Validate an rdflib graph, the ontology mixed in; return the results, sorted.
    An empty list means it conforms. ``inference="rdfs"`` (pyshacl only) expands
    the data with RDFS entailment first: the shapes must give the same results."""
    _check_engine(engine)
    options = {**OPTIONS, "inference": inference}
    if engine == "pyshacl":
        from pyshacl import validate as run
    else:
        from pyshacl_turbo import validate as run
    _, report, text = run(data, shacl_graph=shapes, ont_graph=ontology, **options)
    if not isinstance(report, rdflib.Graph):  # pyshacl-turbo returns its failure
        raise RuntimeError(f"SHACL validation failed ({engine}): {text}")
    results = _results(report, shapes)
    return name_blank_foci(results, _blank_names_in_graph(data, results))


def _rdflib_graphs(nquads: Path, onto_id: str) -> tuple[rdflib.Graph, rdflib.Graph]:
    """The dump as two rdflib graphs, data (every other named graph) and ontology.
    Parsed from the dump itself: the store would normalise datatypes
    (xsd:nonNegativeInteger becomes xsd:integer), hiding what was published.
    Blank nodes keep their labels (``bnode_context``), as pyshacl-turbo keeps them,
    so that both engines name a blank focus node alike."""
    split: dict[bool, list[Triple]] = {True: [], False: []}
    labels: dict[str, rdflib.BNode] = {}
    for q in parse(path=str(nquads), format=RdfFormat.N_QUADS):
        split[q.graph_name.value == onto_id].append(Triple(q.subject, q.predicate, q.object))
        for term in (q.subject, q.object):
            if isinstance(term, BlankNode):
                labels.setdefault(term.value, rdflib.BNode(term.value))
    data, ontology = rdflib.Graph(), rdflib.Graph()
    for graph, triples in ((ontology, split[True]), (data, split[False])):
        graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt",
                    bnode_context=labels)
    return data, ontology


PKG_LINK_RECORD = "https://w3id.org/partykg/ontology#linkRecord"
ANNOTATED_SOURCE = str(OWL.annotatedSource)


def _is_blank(focus: str) -> bool:
    return bool(focus) and ":" not in focus


def name_blank_foci(results: list[Result], names: dict[str, str]) -> list[Result]:
    """Results on blank nodes (the owl:Axiom annotations that carry the basis of a
    registry fact or the evidence of a Wikidata link) renamed to an IRI a reader can
    find: the link's record (…/id/wikidata-link/KEY) or the annotated entity. The
    blank node's label is kept in the message."""
    out = []
    for r in results:
        name = names.get(r.focus) if _is_blank(r.focus) else None
        out.append(r if name is None else Result(
            focus=name, path=r.path, component=r.component,
            message=f"{r.message} (on the annotation _:{r.focus} of {name})",
            severity=r.severity, value=r.value, shape=r.shape))
    return sorted(out)


def _blank_names_in_graph(data: rdflib.Graph, results: list[Result]) -> dict[str, str]:
    names = {}
    for r in results:
        if _is_blank(r.focus):
            node = rdflib.BNode(r.focus)
            name = (data.value(node, rdflib.URIRef(PKG_LINK_RECORD))
                    or data.value(node, OWL.annotatedSource))
            if name is not None:
                names[r.focus] = str(name)
    return names


def _blank_names_in_dump(nquads: Path, results: list[Result]) -> dict[str, str]:
    wanted = {r.focus for r in results if _is_blank(r.focus)}
    if not wanted:
        return {}
    found: dict[str, dict[str, str]] = {}
    for q in parse(path=str(nquads), format=RdfFormat.N_QUADS):
        if isinstance(q.subject, BlankNode) and q.subject.value in wanted and \
                q.predicate.value in (PKG_LINK_RECORD, ANNOTATED_SOURCE):
            found.setdefault(q.subject.value, {})[q.predicate.value] = q.object.value
    return {label: p.get(PKG_LINK_RECORD) or p[ANNOTATED_SOURCE]
            for label, p in found.items() if p.get(PKG_LINK_RECORD) or p.get(ANNOTATED_SOURCE)}


def dump_shacl_results(nquads: Path, shapes: rdflib.Graph, onto_id: str,
                       engine: str = DEFAULT_ENGINE, inference: str = "none") -> list[Result]:
    """Validate the build's N-Quads dump, whose ontology graph (onto_id) is mixed
    into the data as with shacl_results; return the results, sorted. Inference
    (``"rdfs"``) needs the pyshacl engine."""
    _check_engine(engine)
    if inference != "none" and engine != "pyshacl":
        raise ValueError("RDFS inference is checked with the pyshacl engine")
    if engine == "pyshacl":
        data, ontology = _rdflib_graphs(nquads, onto_id)
        return shacl_results(data, shapes, ontology, "pyshacl", inference)
    from pyshacl_turbo import compile_shapes
    # The dump's text goes straight to the Rust parser: no rdflib graph, no
    # store (both would normalise literals). Core SHACL sees the union of the
    # named graphs, ontology included, which is what ont_graph does above.
    program = compile_shapes(shapes, advanced=OPTIONS["advanced"])
    results = decode_report(turbo_report(program, nquads.read_text(encoding="utf-8")), shapes)
    return name_blank_foci(results, _blank_names_in_dump(nquads, results))


def violation_queries(queries_dir: Path) -> list[Path]:
    return sorted(queries_dir.glob("*-violation.rq"))


def query_violations(proj: Project, store) -> list[Result]:
    """Run every *-violation.rq; each row is a result (focus = ?focus or first column)
    with the query's severity (`#+ severity:`, Violation when absent)."""
    from partykg.sparql.query import load_query, substitute
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
                                      f" ({detail})" if detail else ""),
                                  severity=rq.severity))
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


_PRELOADED = None   # the queries' process: check.dumpstore.Loaded of the previous dump


def _preload(nquads: str) -> None:
    global _PRELOADED
    from partykg.check.dumpstore import preload
    _PRELOADED = preload(nquads)


def _violations_of_file(proj: Project, nquads: str) -> list[Result]:
    global _PRELOADED
    from partykg.check.dumpstore import update
    try:
        data = Path(nquads).read_bytes()
    except FileNotFoundError:
        # The build's folder was put in place before this process opened the dump:
        # the same file, now at its final path.
        data = proj.nquads.read_bytes()
    loaded, _PRELOADED = _PRELOADED, None
    store = update(loaded, data)
    del loaded, data
    return query_violations(proj, store)


class Violations:
    """The violation queries, run in a process of their own. ``Violations(proj)``
    forks that process at once, so `partykg validate` forks it before building,
    while the parent is small (a fork of the parent after the build copied its
    pages as both went on: more system time and memory than it saved). With
    ``preload`` the process loads the dump there is now (the build's previous one)
    into its store at once; ``start`` gives it the N-Quads dump to query (the
    build's new one, as soon as it is written, while the build writes its other
    files and SHACL runs), and the graphs that differ are replaced in the store
    (check/dumpstore.py); ``get`` waits for the results; ``close`` stops the
    process (whoever made it closes it). multiprocessing's Pool
    rather than a ProcessPoolExecutor: its terminate() stops the work when the
    build fails after it started."""

    def __init__(self, proj: Project, preload: bool = False):
        self._proj = proj
        self._pool = mp.get_context("fork").Pool(1)
        self._result = None
        if preload:   # the one worker runs its tasks in order: this one first
            self._pool.apply_async(_preload, (str(proj.nquads),))

    @property
    def started(self) -> bool:
        return self._result is not None

    def start(self, nquads: Path) -> None:
        self._result = self._pool.apply_async(_violations_of_file, (self._proj, str(nquads)))

    def get(self) -> list[Result]:
        return self._result.get()

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()


def background_violations_possible(jobs: int | None) -> bool:
    """Whether the violation queries can run in a process of their own."""
    return (jobs or os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods()


def shacl_step(proj: Project, shapes: rdflib.Graph, engine: str, full: bool,
               progress: Callable[[str], None] = lambda _: None,
               jobs: int = 1) -> list[Result]:
    """The SHACL results of the build: incremental (check/incremental.py: the
    results of unchanged parts reused from OUT/cache/validation) unless ``full``,
    the engine is pyshacl, or the shapes read too far for it; the results are the
    same either way."""
    if not full:
        from partykg.check.incremental import incremental_results
        results = incremental_results(proj.nquads, shapes, sorted(proj.shapes.glob("*.ttl")),
                                      proj.out / "cache" / "validation", engine, progress,
                                      jobs=jobs)
        if results is not None:
            return results
    return dump_shacl_results(proj.nquads, shapes, graph_iri(proj.base, "ontology"), engine)


def validate(proj: Project, engine: str = DEFAULT_ENGINE, jobs: int | None = None,
             progress: Callable[[str], None] = lambda _: None, full: bool = False,
             violations: Violations | None = None) -> Report:
    """SHACL (with the given engine) and the violation queries on the build. With more
    than one job (default: one per core) the queries (store load included) run in a
    forked process while SHACL runs here; the report is the same either way.
    ``full`` validates every graph again instead of reusing the cached results of
    unchanged ones (the report is the same). ``violations``: the violation queries'
    process, forked before the build and perhaps started on the dump while the
    build wrote its other files (`partykg validate`); it is closed here.
    ``progress`` is told each step as it starts (the command line's bar)."""
    _check_engine(engine)
    if not proj.nquads.exists():
        raise InputError(Problem(str(proj.nquads), 0, "there is no build to validate",
                                 "run `partykg build` first"))
    shapes = load_shapes(proj.shapes) if full else cached_shapes(proj)
    jobs = jobs or os.cpu_count() or 1
    if violations is None and background_violations_possible(jobs):
        violations = Violations(proj)
    if violations is not None:
        if not violations.started:
            violations.start(proj.nquads)
        progress("SHACL shapes (the violation queries beside it, in a second process)")
        try:
            results = shacl_step(proj, shapes, engine, full, jobs=jobs)
            progress("violation queries")
            results += violations.get()
        finally:
            violations.close()
    else:
        progress("SHACL shapes")
        results = shacl_step(proj, shapes, engine, full)
        progress("loading the store")
        from partykg.sparql.store import load_store
        store = load_store(proj)
        progress("violation queries")
        results += query_violations(proj, store)
    index = json.loads(proj.index.read_text(encoding="utf-8"))["index"]
    return Report(not any(r.severity == "Violation" for r in results), results, index)
