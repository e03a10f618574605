"""Incremental SHACL validation: reuse the results of the parts of the dump that
did not change, and get exactly the report a full validation gives.

The dump is cut into one *unit* per named graph G. A unit holds what the shapes
can read when they validate a focus node of G, and nothing else matters to that
node's results:

- N0(G): every subject of G's triples, and every object of G's triples whose
  predicate is a ``sh:targetObjectsOf`` predicate (those nodes are focus nodes
  because of G);
- N1(G): the IRIs and blank nodes that are objects of a triple (in any graph)
  whose subject is in N0(G): the value nodes of the shapes' paths;
- the unit's triples: every triple (in any graph) whose subject is in N0(G); the
  triples whose subject is in N1(G) and whose predicate is one the shapes read
  on value nodes (``rdf:type`` for ``sh:class``, ``owl:deprecated`` for the
  deprecated-thesis check; :func:`analyse` lists them from the shapes); the
  ``sh:targetObjectsOf`` triples (in any graph) whose object is in N0(G); and
  every ``rdfs:subClassOf`` triple (``sh:class`` and ``sh:targetClass`` follow
  them).

Why that is enough: :func:`analyse` checks, from the shapes themselves, that every
shape reads only the triples of its focus node and, of the nodes one path step
away, the predicates it lists (a ``sh:class`` on a value reads the value's types;
``sh:not [ sh:path owl:deprecated ... ]`` on a value reads that predicate of the
value), that paths are
single predicates or alternatives of predicates, and that there is no SPARQL
constraint, ``sh:targetNode`` or custom target. The targets of a node of N0(G)
are decided by its own triples (types, ``sh:targetSubjectsOf``), the subclass
triples, or the ``sh:targetObjectsOf`` triples that point at it, all in the unit.
So for every focus node in N0(G), validating the unit gives the results
validating the whole dump gives. Shapes that read further make :func:`reach`
return a reason, and validation is then always done whole.

A unit's results (for its N0 nodes only) are cached under the hash of the unit's
sorted text, the shapes, the engine and this code: an edit to one annotation
changes the units of its graph and of the graphs whose nodes point into it, and
only those are validated again. Each focus node's results are taken from one
unit, that of the first graph (in IRI order) whose N0 holds it, so none is
counted twice. tests/test_incremental_validation.py makes random edits to a
synthetic corpus and checks that the incremental report equals the full one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from partykg.check.validate import Result
from partykg.core.files import write_atomic

FORMAT = 1   # bump when the cache entry layout changes
SUBCLASS = f"<{RDFS.subClassOf}>"

# --- what the shapes read ---------------------------------------------------------

# Parameters that read nothing beyond the value nodes already reached (their
# terms, counts or the focus node's own triples).
_TERM_ONLY = {SH[n] for n in (
    "datatype", "nodeKind", "minCount", "maxCount", "minLength", "maxLength", "pattern",
    "flags", "in", "languageIn", "uniqueLang", "hasValue", "minInclusive", "maxInclusive",
    "minExclusive", "maxExclusive", "qualifiedMinCount", "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint")}
# Parameters that compare the value nodes with the focus node's own triples.
_FOCUS_READS = {SH[n] for n in ("disjoint", "equals", "lessThan", "lessThanOrEquals",
                                "closed", "ignoredProperties")}
_NESTED = {SH[n] for n in ("node", "not", "qualifiedValueShape")}
_NESTED_LISTS = {SH[n] for n in ("and", "or", "xone")}
_INERT = {SH[n] for n in ("message", "severity", "name", "description", "order", "group",
                          "defaultValue", "targetClass", "targetSubjectsOf",
                          "targetObjectsOf", "path")} | {RDF.type, RDFS.label, RDFS.comment}
_REFUSED_TARGETS = {SH.targetNode, SH.target}


class Unsupported(Exception):
    """A shape reads beyond its focus node and value nodes."""


ALL = "*"   # a shape reads every predicate of the node (sh:closed)


def _path_predicates(shapes: rdflib.Graph, path) -> list:
    if isinstance(path, rdflib.URIRef):
        return [path]
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        members = list(Collection(shapes, alternatives))
        if all(isinstance(p, rdflib.URIRef) for p in members):
            return members
    raise Unsupported(f"the path {path} is not a predicate or an alternative of predicates")


def _reads(shapes: rdflib.Graph, shape, depth: int, seen: frozenset,
           reads: dict[int, set]) -> None:
    """Record in ``reads`` (distance from the focus node -> predicates) which triples
    ``shape`` reads when the node it validates is ``depth`` path steps away."""
    if shape in seen:
        raise Unsupported(f"the shape {shape} refers to itself")
    seen = seen | {shape}
    path = shapes.value(shape, SH.path)
    at = depth
    if path is not None:
        reads[depth].update(_path_predicates(shapes, path))
        at = depth + 1   # a property shape's constraints apply to the values
    for p, o in shapes.predicate_objects(shape):
        if p in _INERT or p in _TERM_ONLY or p == SH.deactivated:
            continue
        if p == SH["class"]:
            reads[at].add(RDF.type)
        elif p in (SH.closed, SH.ignoredProperties):
            reads[depth].add(ALL)
        elif p in _FOCUS_READS:   # compares with another predicate of the same node
            reads[depth].add(o)
        elif p == SH.property or p in _NESTED:
            _reads(shapes, o, at, seen, reads)
        elif p in _NESTED_LISTS:
            for member in Collection(shapes, o):
                _reads(shapes, member, at, seen, reads)
        elif p in _REFUSED_TARGETS:
            raise Unsupported(f"the shape {shape} has a {p.n3(shapes.namespace_manager)} target")
        elif str(p).startswith(str(SH)):
            raise Unsupported(f"the shape {shape} uses {p.n3(shapes.namespace_manager)}")


def analyse(shapes: rdflib.Graph) -> tuple[str | None, frozenset[str]]:
    """Whether the units can hold what the shapes read: (None, the predicates read
    on the nodes one path step away from a focus node, as N-Quads terms, or
    {ALL}) when every shape reads only its focus node's triples and those
    predicates of its value nodes; (why not, empty) otherwise."""
    reads: dict[int, set] = defaultdict(set)
    try:
        if (None, SH.sparql, None) in shapes:
            raise Unsupported("a shape has a SPARQL constraint")
        for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | \
                set(shapes.subjects(RDF.type, SH.PropertyShape)) | \
                {s for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf,
                             *_REFUSED_TARGETS) for s in shapes.subjects(p, None)}:
            if (shape, SH.deactivated, rdflib.Literal(True)) in shapes:
                continue
            _reads(shapes, shape, 0, frozenset(), reads)
            if any(d > 1 for d, ps in reads.items() if ps):
                raise Unsupported(f"the shape {shape} reads the triples of nodes two "
                                  "steps away")
    except Unsupported as exc:
        return str(exc), frozenset()
    far = reads.get(1, set())
    return None, frozenset(ALL if p == ALL else f"<{p}>" for p in far)


def reach(shapes: rdflib.Graph) -> str | None:
    """None when the units can hold what the shapes read (see :func:`analyse`);
    otherwise why not."""
    return analyse(shapes)[0]


def target_objects_of(shapes: rdflib.Graph) -> frozenset[str]:
    """The ``sh:targetObjectsOf`` predicates, as N-Quads terms."""
    return frozenset(f"<{p}>" for p in shapes.objects(None, SH.targetObjectsOf))


# --- the dump cut into units ------------------------------------------------------

class NotSplittable(Exception):
    """A line of the dump is not a quad in a named graph as the build writes it."""


class Dump:
    """The dump's lines indexed by graph, by subject, and by object of the
    ``sh:targetObjectsOf`` predicates; ``far`` are the predicates the shapes read
    on value nodes (:func:`analyse`)."""

    def __init__(self, lines: Iterable[str], too: frozenset[str], far: frozenset[str]):
        self.graphs: dict[str, list[str]] = defaultdict(list)
        self.by_subject: dict[str, list[str]] = defaultdict(list)
        self.far_lines = self.by_subject if ALL in far else defaultdict(list)
        self.nodes_of: dict[str, set[str]] = defaultdict(set)     # subject -> node objects
        self.too_lines: dict[str, list[str]] = defaultdict(list)  # object -> lines
        self.n0: dict[str, set[str]] = defaultdict(set)
        self.subclass: list[str] = []
        every = ALL in far
        for line in lines:
            if line[0] == "#" or line == "\n":
                continue
            # One quad as pyoxigraph's serializer writes it: one space between
            # terms, IRIs and blank nodes without spaces; a literal may hold
            # spaces, so the graph is split off the end.
            s, p, rest = line.split(" ", 2)
            o, g, dot = rest.rsplit(" ", 2)
            if dot != ".\n" or g[0] != "<" or g[-1] != ">" or '"' in g:
                raise NotSplittable(line)
            self.graphs[g].append(line)
            self.by_subject[s].append(line)
            if not every and p in far:
                self.far_lines[s].append(line)
            n0 = self.n0[g]
            n0.add(s)
            if o[0] == "<" or o[0] == "_":
                self.nodes_of[s].add(o)
                if p in too:
                    self.too_lines[o].append(line)
                    n0.add(o)
            if p == SUBCLASS:
                self.subclass.append(line)
        self.order = sorted(self.graphs)
        self.owner: dict[str, str] = {}
        for g in reversed(self.order):
            for node in self.n0[g]:
                self.owner[node] = g

    def unit_text(self, graph: str) -> str:
        """What validating the focus nodes of ``graph`` reads, sorted."""
        n0 = self.n0[graph]
        lines = set(self.subclass)
        for node in n0:
            lines.update(self.by_subject.get(node, ()))
            lines.update(self.too_lines.get(node, ()))
        for node in n0:
            for value in self.nodes_of.get(node, ()):
                if value not in n0:
                    lines.update(self.far_lines.get(value, ()))
        return "".join(sorted(lines))


def term_of(focus: str) -> str:
    """A result's focus node (an IRI, or a blank node's label) as an N-Quads term."""
    return f"<{focus}>" if ":" in focus else f"_:{focus}"


# --- the cache --------------------------------------------------------------------

@lru_cache(maxsize=1)
def _code_digest() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(f"format {FORMAT}\0".encode())
    for name in ("incremental.py", "validate.py"):
        h.update((here / name).read_bytes() + b"\0")
    return h.hexdigest()


def context_digest(shapes_files: list[Path], engine: str) -> str:
    """What a unit's results depend on besides its text: the shapes, the engine
    and its version, and this code."""
    from importlib.metadata import version
    h = hashlib.sha256(f"{_code_digest()}\0{engine}\0".encode())
    h.update(version("pyshacl-turbo" if engine == "turbo" else "pyshacl").encode() + b"\0")
    for f in shapes_files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


class ResultCache:
    """One JSON file per unit key in ``OUT/cache/validation``."""

    def __init__(self, folder: Path):
        self.folder = folder

    def get(self, key: str) -> list[Result] | None:
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return [Result(**r) for r in entry["results"]] if entry["key"] == key else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, results: list[Result]) -> None:
        write_atomic(self.folder / f"{key}.json", json.dumps(
            {"key": key, "results": [asdict(r) for r in results]}, ensure_ascii=False,
            sort_keys=True))

    def prune(self, keep: set[str]) -> None:
        if not self.folder.is_dir():
            return
        for f in self.folder.iterdir():
            if f.is_file() and (f.suffix != ".json" or f.stem not in keep):
                try:
                    os.unlink(f)
                except OSError:
                    pass


# --- validation -------------------------------------------------------------------

def _raw_turbo(text: str, program, shapes: rdflib.Graph) -> list[Result]:
    from partykg.check.validate import decode_report, turbo_report
    return decode_report(turbo_report(program, text), shapes)


def incremental_results(nquads: Path, shapes: rdflib.Graph, shapes_files: list[Path],
                        cache_folder: Path, engine: str = "turbo",
                        progress: Callable[[str], None] = lambda _: None,
                        stats: dict | None = None, whole_share: float = 0.5
                        ) -> list[Result] | None:
    """The SHACL results of the dump, sorted, blank focus nodes named as
    :func:`partykg.check.validate.name_blank_foci` names them; the units whose
    results are cached are not validated again. None when the shapes or the dump
    do not allow it (then validate whole). When the changed graphs hold more than
    ``whole_share`` of the quads, the whole dump is validated in one call (cheaper
    than many units) and its results are cut into the units' entries."""
    from pyshacl_turbo import compile_shapes

    from partykg.check.validate import OPTIONS, name_blank_foci
    why, far = analyse(shapes)
    if engine != "turbo" or why is not None:
        return None
    try:
        with nquads.open(encoding="utf-8") as f:
            dump = Dump(f, target_objects_of(shapes), far)
    except (NotSplittable, ValueError):
        return None
    context = context_digest(shapes_files, engine)
    cache = ResultCache(cache_folder)
    keys: dict[str, str] = {}
    texts: dict[str, str] = {}
    found: dict[str, list[Result]] = {}
    for g in dump.order:
        text = dump.unit_text(g)
        keys[g] = hashlib.sha256(f"{context}\0{g}\0".encode() + text.encode()).hexdigest()
        cached = cache.get(keys[g])
        if cached is None:
            texts[g] = text
        else:
            found[g] = cached
    total = sum(len(v) for v in dump.graphs.values())
    missing = sum(len(dump.graphs[g]) for g in texts)
    program = compile_shapes(shapes, advanced=OPTIONS["advanced"])
    if texts and missing > total * whole_share:
        # Most units changed (a first run, a registry or shapes edit): one
        # validation of the whole dump costs less than the units one by one.
        progress(f"SHACL shapes on the whole dump ({len(texts)} of {len(keys)} graphs changed)")
        whole = _raw_turbo(nquads.read_text(encoding="utf-8"), program, shapes)
        by_focus: dict[str, list[Result]] = defaultdict(list)
        for r in whole:
            by_focus[term_of(r.focus)].append(r)
        for g in texts:
            found[g] = sorted(r for node in dump.n0[g] for r in by_focus.get(node, ()))
        unplaced = [r for r in whole if term_of(r.focus) not in dump.owner]
        if unplaced:
            # A focus node no unit holds (a literal, say): nothing is cached.
            return name_blank_foci(whole, blank_names(dump.by_subject, whole))
        validated = "whole"
    else:
        for i, (g, text) in enumerate(texts.items()):
            progress(f"SHACL shapes on {g} ({i + 1} of {len(texts)} changed graphs)")
            n0 = dump.n0[g]
            found[g] = [r for r in _raw_turbo(text, program, shapes) if term_of(r.focus) in n0]
        validated = "units"
    for g in texts:
        cache.put(keys[g], found[g])
    cache.prune(set(keys.values()))
    results = sorted(r for g in dump.order for r in found[g]
                     if dump.owner[term_of(r.focus)] == g)
    if stats is not None:
        stats.update(graphs=len(keys), validated=len(texts), mode=validated if texts else
                     "cached", quads=total, quads_validated=missing)
    return name_blank_foci(results, blank_names(dump.by_subject, results))


def blank_names(dump_lines: dict[str, list[str]], results: list[Result]) -> dict[str, str]:
    """Names for blank focus nodes, read from their own triples (see
    validate.name_blank_foci)."""
    from pyoxigraph import RdfFormat, parse

    from partykg.check.validate import ANNOTATED_SOURCE, PKG_LINK_RECORD, _is_blank
    names = {}
    for r in results:
        if not _is_blank(r.focus) or r.focus in names:
            continue
        found = {}
        for q in parse("".join(dump_lines.get(f"_:{r.focus}", ())), format=RdfFormat.N_QUADS):
            if q.predicate.value in (PKG_LINK_RECORD, ANNOTATED_SOURCE):
                found[q.predicate.value] = q.object.value
        name = found.get(PKG_LINK_RECORD) or found.get(ANNOTATED_SOURCE)
        if name:
            names[r.focus] = name
    return names
