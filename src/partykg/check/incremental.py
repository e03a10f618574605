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
import marshal
import multiprocessing as mp
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from partykg.check.validate import Result
from partykg.core.files import write_atomic

FORMAT = 1   # bump when the cache entry layout changes
SUBCLASS = f"<{RDFS.subClassOf}>"
TYPE = f"<{RDF.type}>"

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
    """Lines of the dump indexed by subject and by object of the
    ``sh:targetObjectsOf`` predicates; ``far`` are the predicates the shapes read
    on value nodes (:func:`analyse`). With ``subjects``, only the lines of those
    subjects (and the targetObjectsOf and subclass lines) are indexed."""

    def __init__(self, lines: Iterable[str], too: frozenset[str], far: frozenset[str],
                 subjects: set[str] | None = None):
        self.by_subject: dict[str, list[str]] = defaultdict(list)
        self.far_lines = self.by_subject if ALL in far else defaultdict(list)
        self.nodes_of: dict[str, set[str]] = defaultdict(set)     # subject -> node objects
        self.too_lines: dict[str, list[str]] = defaultdict(list)  # object -> lines
        self.subclass: list[str] = []
        every = ALL in far
        for line in lines:
            if line[0] == "#" or line == "\n":
                continue
            # One quad as pyoxigraph's serializer writes it: one space between
            # terms, IRIs and blank nodes without spaces; a literal may hold
            # spaces, so the graph is split off the end.
            s, p, rest = line.split(" ", 2)
            if subjects is not None and s not in subjects and p not in too and p != SUBCLASS:
                continue
            o, g, dot = rest.rsplit(" ", 2)
            if dot != ".\n" or g[0] != "<" or g[-1] != ">" or '"' in g:
                raise NotSplittable(line)
            self.by_subject[s].append(line)
            if not every and p in far:
                self.far_lines[s].append(line)
            if o[0] == "<" or o[0] == "_":
                self.nodes_of[s].add(o)
                if p in too:
                    self.too_lines[o].append(line)
            if p == SUBCLASS:
                self.subclass.append(line)

    def unit_text(self, n0: set[str]) -> str:
        """What validating the focus nodes ``n0`` reads, sorted."""
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

    def get(self, key: str) -> tuple[list[Result], str] | None:
        """The results and the fine key stored under ``key``, or None."""
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            if entry["key"] != key:
                return None
            return [Result(**r) for r in entry["results"]], str(entry["fine"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, results: list[Result], fine: str) -> None:
        write_atomic(self.folder / f"{key}.json", json.dumps(
            {"key": key, "fine": fine, "results": [asdict(r) for r in results]},
            ensure_ascii=False, sort_keys=True))

    def prune(self, keep: set[str]) -> None:
        if not self.folder.is_dir():
            return
        for f in self.folder.iterdir():
            if f.is_file() and (f.suffix != ".json" or f.stem not in keep):
                try:
                    os.unlink(f)
                except OSError:
                    pass


# --- the dump's graphs as blocks, and what each holds ---------------------------

@dataclass(frozen=True)
class Block:
    """One named graph's lines in the dump: bytes ``start`` to ``end``."""

    graph: str
    start: int
    end: int
    digest: str


def _graph_of_line(data: bytes, at: int) -> tuple[str, int, int]:
    """The graph term of the line holding byte ``at``, and the line's bounds."""
    start = data.rfind(b"\n", 0, at) + 1
    end = data.find(b"\n", at)
    end = len(data) if end < 0 else end + 1
    parts = data[start:end].rsplit(b" ", 2)
    return (parts[-2].decode("utf-8") if len(parts) == 3 else ""), start, end


def split_blocks(data: bytes, digests: bool = True) -> list[Block] | None:
    """The dump cut into one block per named graph, found by bisection on the
    byte offsets (the build writes each graph's lines together). None when the
    lines of a graph are not all together, or a line is not in a named graph.
    Without ``digests`` the blocks' digests are left empty."""
    pos = 0
    while data.startswith(b"#", pos):   # the header comment
        pos = data.index(b"\n", pos) + 1
    blocks, seen = [], set()
    while pos < len(data):
        graph, _, first_end = _graph_of_line(data, pos)
        if not graph.startswith("<") or graph in seen:
            return None
        seen.add(graph)
        lo, hi = first_end, len(data)   # the block ends in [lo, hi]
        while lo < hi:
            g, start, end = _graph_of_line(data, (lo + hi) // 2)
            if g == graph:
                lo = end
            else:
                hi = start
        marker = f" {graph} .\n".encode()
        if data.count(b"\n", pos, lo) != data.count(marker, pos, lo):
            return None
        blocks.append(Block(graph, pos, lo, hashlib.sha256(memoryview(data)[pos:lo]).hexdigest()
                            if digests else ""))
        pos = lo
    return sorted(blocks, key=lambda b: b.graph)


def _digest(lines: list[str]) -> str:
    return hashlib.blake2b("".join(sorted(lines)).encode(), digest_size=16).hexdigest()


def summarise(text: str, too: frozenset[str], far: frozenset[str]) -> dict:
    """What one block holds, for the dependencies between units and their keys, in
    plain types (the cache stores it with ``marshal``): for each subject, the IRIs
    and blank nodes it points to, a digest of its lines and one of its lines whose
    predicate the shapes read on value nodes; for each object of a
    ``sh:targetObjectsOf`` triple, a digest of those lines; a digest of the
    ``rdfs:subClassOf`` lines; whether its lines are in subject order (as the
    build writes them), so that a subject's lines can be found by bisection."""
    groups: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    too_lines: dict[str, list[str]] = defaultdict(list)
    subclass = []
    every = ALL in far
    in_order, previous, literal_targets = True, "", False
    for line in text.splitlines(keepends=True):
        s, p, rest = line.split(" ", 2)
        o = rest.rsplit(" ", 2)[0]
        groups[s].append((p, o, line))
        in_order = in_order and s >= previous
        previous = s
        if p in too:
            if o[0] == "<" or o[0] == "_":
                too_lines[o].append(line)
            else:   # a literal focus node: no unit holds it
                literal_targets = True
        if p == SUBCLASS:
            subclass.append(line)
    full, far_digests, objects = {}, {}, {}
    typed = tuple(sorted(s for s, items in groups.items() if any(p == TYPE for p, _, _ in items)))
    for s, items in groups.items():
        full[s] = _digest([line for _, _, line in items])
        objects[s] = tuple(sorted({o for _, o, _ in items if o[0] == "<" or o[0] == "_"}))
        far_lines = [line for p, _, line in items if every or p in far]
        if far_lines:
            far_digests[s] = _digest(far_lines)
    return {"full": full, "far": far_digests, "objects": objects,
            "all_objects": frozenset(o for nodes in objects.values() for o in nodes),
            "too": {o: _digest(v) for o, v in too_lines.items()},
            "subclass": _digest(subclass) if subclass else "", "typed": typed,
            "sorted": in_order, "literal_targets": literal_targets}


class SummaryCache:
    """Block summaries under the block's digest (and the shapes' targetObjectsOf and
    value-node predicates), written with ``marshal``, the fastest reader of plain
    types in the standard library: a local cache the validation writes itself."""

    def __init__(self, folder: Path, too: frozenset[str], far: frozenset[str]):
        self.folder = folder
        self.salt = hashlib.sha256(("\0".join(sorted(too)) + "\1" + "\0".join(sorted(far))
                                    + f"\1{FORMAT}").encode()).hexdigest()[:16]

    def get(self, digest: str) -> dict | None:
        try:
            found = marshal.loads((self.folder / f"{digest}-{self.salt}.summary").read_bytes())
        except (OSError, EOFError, ValueError, TypeError):   # absent, damaged: a miss
            return None
        return found if isinstance(found, dict) and len(found) == 9 else None

    def put(self, digest: str, summary: dict) -> None:
        write_atomic(self.folder / f"{digest}-{self.salt}.summary", marshal.dumps(summary))

    def prune(self, keep: set[str]) -> None:
        if self.folder.is_dir():
            for f in self.folder.iterdir():
                if f.is_file() and f.name.split("-")[0] not in keep:
                    try:
                        os.unlink(f)
                    except OSError:
                        pass


class Units:
    """The units and their keys, from the block summaries alone.

    Every focus node belongs to one unit, that of its *home* graph: the first
    graph (in IRI order) that gives it a type, or, for a node no graph types, the
    first whose N0 holds it. (A claim linked from another source is a subject in
    that source's graph too, but its home is its own source.) A unit's text is
    made of lines of the blocks in ``depends[G]`` only, so a hash of their digests
    (the *coarse* key) changes whenever the text may have; the *fine* key hashes
    the digests of exactly the lines the text holds, so it changes only when the
    text does. (Maps are merged with dict and set operations, which run in C: a
    million-quad dump has some 200,000 subjects.)"""

    def __init__(self, blocks: list[Block], summaries: dict[str, dict]):
        self.order = [b.graph for b in blocks]
        self.digest = {b.graph: b.digest for b in blocks}
        rank = {g: i for i, g in enumerate(self.order)}
        self.s = summaries
        first: dict[str, str] = {}                      # node -> first block it is a subject in
        multi: dict[str, list[str]] = {}                # node -> blocks, when more than one
        typed: dict[str, list[str]] = defaultdict(list)
        self.far_map: dict[str, str] = {}
        too_refs: dict[str, list[str]] = defaultdict(list)
        for g in self.order:
            subjects = summaries[g]["full"].keys()
            for node in first.keys() & subjects:
                multi.setdefault(node, [first[node]]).append(g)
            added = dict.fromkeys(subjects, g)
            added.update((node, first[node]) for node in multi.keys() & subjects)
            first.update(added)
            self.far_map.update(summaries[g]["far"])
            for node in summaries[g]["too"]:
                too_refs[node].append(g)
        typed_sets = {g: set(summaries[g]["typed"]) for g in self.order}
        self.first, self.multi = first, multi
        for node in multi.keys() | too_refs.keys():
            typed[node] = [g for g in self.owners(node) if node in typed_sets[g]]
        self.first, self.multi, self.too_refs = first, multi, dict(too_refs)
        self.subclass = [g for g in self.order if summaries[g]["subclass"]]
        # The home of most nodes is the one block they are a subject in.
        self.home = dict(first)
        for node in multi.keys() | too_refs.keys():
            candidates = typed.get(node) or [*self.owners(node), *too_refs.get(node, ())]
            self.home[node] = min(candidates, key=rank.__getitem__)
        self.n0: dict[str, set[str]] = {}
        self.exceptions = exceptions = multi.keys() | too_refs.keys()
        moved: dict[str, set[str]] = defaultdict(set)
        for node in exceptions:
            moved[self.home[node]].add(node)
        for g in self.order:
            n0 = set(summaries[g]["full"]) - exceptions
            self.n0[g] = n0 | moved.get(g, set())
        self.depends = {g: self._depends(g) for g in self.order}

    def owners(self, node: str) -> list[str]:
        """The blocks in which ``node`` is a subject."""
        found = self.multi.get(node)
        if found is not None:
            return found
        g = self.first.get(node)
        return [] if g is None else [g]

    def owner(self, node: str) -> str | None:
        """The unit a focus node's results are taken from (its home)."""
        return self.home.get(node)

    def n1(self, g: str) -> set[str]:
        """The nodes the home nodes of G point to, in any block, and the other nodes
        G's own lines point to (a superset is safe: it can only add to the
        dependencies and to what the fine key covers)."""
        out = set(self.s[g]["all_objects"])
        for node in self.n0[g] & self.exceptions:
            for h in self.owners(node):
                if h != g:
                    out.update(self.s[h]["objects"][node])
        return out

    def _depends(self, g: str) -> set[str]:
        n0 = self.n0[g]
        nodes = n0 | self.n1(g)
        deps = {g, *self.subclass}
        deps.update(map(self.first.get, nodes))
        deps.discard(None)
        for node in nodes & self.multi.keys():
            deps.update(self.multi[node])
        for node in n0 & self.too_refs.keys():
            deps.update(self.too_refs[node])
        return deps

    def coarse_key(self, context: str, g: str) -> str:
        return _key(context, "coarse", g, *(f"{h} {self.digest[h]}"
                                            for h in sorted(self.depends[g])))

    def fine_key(self, context: str, g: str) -> str:
        n0, full = self.n0[g], self.s[g]["full"]
        # Most home nodes are subjects in G's block only: their digests in one go.
        plain = sorted((n0 & full.keys()) - self.exceptions)
        parts = [_key("\n".join(plain)), _key(*map(full.__getitem__, plain))]
        for node in sorted(n0 - set(plain)):
            parts += [f"{node} {h} {self.s[h]['full'][node]}" for h in self.owners(node)]
        for node in sorted(n0 & self.too_refs.keys()):
            parts += [f"{node} {h} too {self.s[h]['too'][node]}" for h in self.too_refs[node]]
        far = sorted(self.n1(g) - n0)
        parts.append(_key("\n".join(far)))
        parts += map(str, map(self.far_map.get, far))
        for node in sorted(self.multi.keys() & set(far)):
            parts += [f"{node} {h} far {self.s[h]['far'].get(node)}" for h in self.multi[node]]
        parts += [f"subclass {h} {self.s[h]['subclass']}" for h in self.subclass]
        return _key(context, "fine", g, *parts)


def subject_lines(data: bytes, start: int, end: int, subject: str) -> bytes:
    """The lines of ``subject`` in ``data[start:end]``, whose lines are in subject
    order, found by bisection on the byte offsets."""
    key = subject.encode("utf-8") + b" "
    lo, hi = start, end
    while lo < hi:
        mid = (lo + hi) // 2
        line = data.rfind(b"\n", lo, mid)
        line = lo if line < 0 else line + 1
        if data[line:line + len(key)] < key:
            lo = data.index(b"\n", line) + 1
        else:
            hi = line
    stop = lo
    while stop < end and data.startswith(key, stop):
        stop = data.index(b"\n", stop) + 1
    return data[lo:stop]


# --- validation -------------------------------------------------------------------

def _raw_turbo(text: str, program, shapes: rdflib.Graph,
               foci: set[str] | None = None) -> list[Result]:
    from partykg.check.validate import decode_report, turbo_report
    return decode_report(turbo_report(program, text), shapes, foci)


_UNIT_SHAPES: rdflib.Graph | None = None   # set before the unit pool forks


def _unit_results(work: tuple[str, set[str]]) -> list[Result]:
    """One unit's results, in a forked worker."""
    from pyshacl_turbo import compile_shapes

    from partykg.check.validate import OPTIONS
    text, n0 = work
    program = compile_shapes(_UNIT_SHAPES, advanced=OPTIONS["advanced"])
    return _raw_turbo(text, program, _UNIT_SHAPES, n0)


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def incremental_results(nquads: Path, shapes: rdflib.Graph, shapes_files: list[Path],
                        cache_folder: Path, engine: str = "turbo",
                        progress: Callable[[str], None] = lambda _: None,
                        stats: dict | None = None, whole_share: float = 0.5,
                        jobs: int = 1) -> list[Result] | None:
    """The SHACL results of the dump, sorted, blank focus nodes named as
    :func:`partykg.check.validate.name_blank_foci` names them; the units whose
    results are cached are not validated again. None when the shapes or the dump
    do not allow it (then validate whole). When the changed graphs hold more than
    ``whole_share`` of the quads, the whole dump is validated in one call (cheaper
    than many units) and its results are cut into the units' entries. With
    ``jobs`` > 1, several units are validated in that many processes.

    Two keys per unit: the *coarse* key (the digests of the blocks its text is
    made of: no line is read for a unit whose blocks did not change) and the
    *fine* key (the hash of its text: an edit that changes a block without
    changing what the unit reads of it does not validate the unit again)."""
    from pyshacl_turbo import compile_shapes

    from partykg.check.validate import OPTIONS, _is_blank, name_blank_foci
    why, far = analyse(shapes)
    if engine != "turbo" or why is not None:
        return None
    data = nquads.read_bytes()
    blocks = split_blocks(data)
    if blocks is None:
        return None
    too = target_objects_of(shapes)
    summary_cache = SummaryCache(cache_folder / "blocks", too, far)
    summaries: dict[str, dict] = {}
    by_graph = {b.graph: b for b in blocks}
    try:
        for b in blocks:
            summary = summary_cache.get(b.digest)
            if summary is None:
                summary = summarise(data[b.start:b.end].decode("utf-8"), too, far)
                summary_cache.put(b.digest, summary)
            summaries[b.graph] = summary
    except (ValueError, IndexError):   # a line that is not a quad as the build writes it
        return None
    summary_cache.prune({b.digest for b in blocks})
    if any(summary["literal_targets"] for summary in summaries.values()):
        return None   # a literal is a focus node (sh:targetObjectsOf): validate whole
    units = Units(blocks, summaries)
    context = context_digest(shapes_files, engine)
    cache = ResultCache(cache_folder)
    coarse = {g: units.coarse_key(context, g) for g in units.order}
    found: dict[str, list[Result]] = {}
    fine: dict[str, str] = {}
    changed = []   # units whose coarse key is new
    for g in units.order:
        hit = cache.get(coarse[g])
        if hit is None:
            changed.append(g)
            fine[g] = units.fine_key(context, g)
            hit = cache.get(fine[g])
        if hit is not None:
            found[g], fine[g] = hit
    missing = [g for g in units.order if g not in found]
    total = sum(b.end - b.start for b in blocks)
    share = sum(by_graph[g].end - by_graph[g].start for g in missing)
    program = None
    if missing and share > total * whole_share:
        # Most units changed (a first run, a registry or shapes edit): one
        # validation of the whole dump costs less than the units one by one.
        progress(f"SHACL shapes on the whole dump ({len(missing)} of {len(blocks)} "
                 "graphs changed)")
        program = compile_shapes(shapes, advanced=OPTIONS["advanced"])
        whole = _raw_turbo(data.decode("utf-8"), program, shapes)
        if any(units.owner(term_of(r.focus)) is None for r in whole):
            # A focus node no unit holds (a literal, say): nothing is cached.
            everything = Dump(data.decode("utf-8").splitlines(keepends=True), too, far)
            return name_blank_foci(whole, blank_names(everything.by_subject, whole))
        by_focus: dict[str, list[Result]] = defaultdict(list)
        for r in whole:
            by_focus[term_of(r.focus)].append(r)
        for g in missing:
            found[g] = sorted(r for node in units.n0[g] for r in by_focus.get(node, ()))
        mode = "whole"
    elif missing:
        # Index the lines of the blocks the units to validate read, and no others.
        wanted = set().union(*(units.n0[g] | units.n1(g) for g in missing))
        chunks = []
        for h in sorted(set().union(*(units.depends[g] for g in missing))):
            b, summary = by_graph[h], summaries[h]
            mine = wanted & summary["full"].keys()
            if summary["sorted"] and not summary["too"] and not summary["subclass"] \
                    and len(mine) * 4 < len(summary["full"]):
                # A few subjects of a large block: found by bisection, not read.
                chunks += [subject_lines(data, b.start, b.end, node) for node in sorted(mine)]
            else:
                chunks.append(data[b.start:b.end])
        dump = Dump(b"".join(chunks).decode("utf-8").splitlines(keepends=True), too, far,
                    wanted)
        if jobs > 1 and len(missing) > 1 and "fork" in mp.get_all_start_methods():
            # Several units: validated in a pool of forked processes, which inherit
            # the shapes (_UNIT_SHAPES) rather than receive them pickled.
            global _UNIT_SHAPES
            _UNIT_SHAPES = shapes
            progress(f"SHACL shapes on {len(missing)} changed graphs ({jobs} processes)")
            work = [(dump.unit_text(units.n0[g]), units.n0[g]) for g in missing]
            with ProcessPoolExecutor(min(jobs, len(missing)),
                                     mp_context=mp.get_context("fork")) as pool:
                for g, results in zip(missing, pool.map(_unit_results, work)):
                    found[g] = results
        else:
            program = compile_shapes(shapes, advanced=OPTIONS["advanced"])
            for i, g in enumerate(missing):
                progress(f"SHACL shapes on {g} ({i + 1} of {len(missing)} changed graphs)")
                n0 = units.n0[g]
                found[g] = _raw_turbo(dump.unit_text(n0), program, shapes, n0)
        mode = "units"
    else:
        mode = "cached" if not changed else "reused"
    for g in changed:
        cache.put(coarse[g], found[g], fine[g])
    for g in missing:
        cache.put(fine[g], found[g], fine[g])
    cache.prune(set(coarse.values()) | set(fine.values()))
    results = sorted(r for g in units.order for r in found[g]
                     if units.owner(term_of(r.focus)) == g)
    if stats is not None:
        stats.update(graphs=len(blocks), changed=len(changed), validated=len(missing),
                     mode=mode, quads_validated=sum(data.count(b"\n", by_graph[g].start,
                                                               by_graph[g].end)
                                                    for g in missing))
    names = {}
    if any(_is_blank(r.focus) for r in results):
        wanted = {g for r in results if _is_blank(r.focus)
                  for g in units.owners(term_of(r.focus))}
        named = Dump((line for h in sorted(wanted) for line in
                      data[by_graph[h].start:by_graph[h].end].decode("utf-8")
                      .splitlines(keepends=True)), too, far)
        names = blank_names(named.by_subject, results)
    return name_blank_foci(results, names)


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
