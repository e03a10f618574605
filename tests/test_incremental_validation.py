"""Incremental validation (check/incremental.py): after any edit, the SHACL report
made from cached unit results plus the units validated again equals the report of
a full validation of the same dump.

Two kinds of edits: random edits of the dump itself (deleting a triple, pointing it
at another node, moving it to another graph, retyping an entity, deprecating a
thesis, adding a reviewer with no name), which reach across graphs in ways the
annotation files rarely do; and edits of annotation files followed by the
incremental build, as a researcher makes them."""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from partykg.bench.synth import generate
from partykg.check.incremental import (
    Dump,
    analyse,
    incremental_results,
    reach,
    target_objects_of,
    term_of,
)
from partykg.check.validate import dump_shacl_results, load_shapes, validate
from partykg.core.namespaces import graph_iri
from partykg.core.paths import project
from partykg.rdf.build import build

ROOT = Path(__file__).resolve().parents[1]
PKG = "https://w3id.org/partykg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DEPRECATED = '<http://www.w3.org/2002/07/owl#deprecated> "true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
STANCES = tuple(f"<{PKG}{p}Thesis>" for p in ("supports", "opposes", "qualifies"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A 10k synthetic corpus with faults (so that the report is not empty), built."""
    folder = tmp_path_factory.mktemp("incv") / "corpus"
    generate(folder, 10_000, seed=7, faults=4, root=ROOT)
    proj = project(folder, folder / "out")
    build(proj, jobs=1)
    return proj


def terms(line: str) -> tuple[str, str, str, str]:
    s, p, rest = line.split(" ", 2)
    o, g, _ = rest.rsplit(" ", 2)
    return s, p, o, g


def mutate(lines: list[str], rng: random.Random) -> str:
    """One random edit of the dump's lines (in place); return its kind."""
    body = [i for i, line in enumerate(lines) if not line.startswith("#")]
    parsed = {i: terms(lines[i]) for i in body}
    graphs = sorted({t[3] for t in parsed.values()})
    kind = rng.choice(["delete", "retarget", "regraph", "retype", "deprecate", "accept",
                       "literal", "shared"])
    i = rng.choice(body)
    s, p, o, g = parsed[i]
    if kind == "delete":
        del lines[i]
    elif kind == "retarget":
        i = rng.choice([j for j in body if parsed[j][2][0] in "<_"])
        s, p, o, g = parsed[i]
        other = parsed[rng.choice(body)][0]
        lines[i] = f"{s} {p} {other} {g} .\n"
    elif kind == "shared":   # a triple about a node whose home is another graph
        typed_in = {(t[0], t[3]) for t in parsed.values() if t[1] == RDF_TYPE}
        away = [j for j in body if (parsed[j][0], parsed[j][3]) not in typed_in
                and any(x[0] == parsed[j][0] for x in typed_in)]
        i = rng.choice(away)
        s, p, o, g = parsed[i]
        # A literal where a node is due: a result on that node, in its home unit.
        lines[i] = f'{s} {p} "shared {rng.randrange(1000)}" {g} .\n'
    elif kind == "literal":   # a node becomes a literal
        i = rng.choice([j for j in body if parsed[j][2][0] in "<_"])
        s, p, o, g = parsed[i]
        lines[i] = f'{s} {p} "{rng.choice(["1917", "x y", "z"])}" {g} .\n'
    elif kind == "regraph":
        lines[i] = f"{s} {p} {o} {rng.choice(graphs)} .\n"
    elif kind == "retype":
        typed = [j for j in body if parsed[j][1] == RDF_TYPE]
        classes = sorted({parsed[j][2] for j in typed})
        s, p, o, g = parsed[rng.choice(typed)]
        lines.append(f"{s} {p} {rng.choice(classes)} {g} .\n")
    elif kind == "deprecate":
        theses = sorted({t[2] for t in parsed.values() if t[1] in STANCES})
        thesis = rng.choice(theses)
        home = next(t[3] for t in parsed.values() if t[0] == thesis)
        lines.append(f"{thesis} {DEPRECATED} {home} .\n")
    else:  # a node becomes a reviewer (sh:targetObjectsOf) without a name
        lines.append(f"{s} <{PKG}acceptedBy> {parsed[rng.choice(body)][0]} "
                     f"{rng.choice(graphs)} .\n")
    return kind


def in_graph_order(lines: list[str], by_subject: bool) -> list[str]:
    """The lines with each graph's together, as the build writes them, and in
    subject order within each graph (as the build writes them) or not."""
    head = [line for line in lines if line.startswith("#")]
    return head + sorted((line for line in lines if not line.startswith("#")),
                         key=lambda line: (terms(line)[3], line if by_subject else ""))


def test_the_shapes_read_no_farther_than_the_units_hold():
    """If a shape ever reads two steps away, validation must fall back to whole
    (reach names it); today's shapes do not."""
    import rdflib
    shapes = load_shapes(ROOT / "shapes")
    assert reach(shapes) is None
    deeper = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:node [ sh:property [ sh:path ex:q ; sh:class ex:D ] ] ] .
        """, format="turtle")
    assert "two steps away" in reach(deeper)
    inverse = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .
        """, format="turtle")
    assert "not a predicate" in reach(inverse)


@pytest.mark.slow  # 25 pairs of validations of a 10k dump
def test_random_edits_of_the_dump(corpus, tmp_path):
    shapes = load_shapes(corpus.shapes)
    files = sorted(corpus.shapes.glob("*.ttl"))
    onto = graph_iri(corpus.base, "ontology")
    nq, cache = tmp_path / "partykg.nq", tmp_path / "cache"
    shutil.copy(corpus.nquads, nq)
    stats: dict = {}
    assert incremental_results(nq, shapes, files, cache, stats=stats) == \
        dump_shacl_results(nq, shapes, onto)
    assert stats["mode"] == "whole"   # nothing cached yet
    rng = random.Random(3)
    modes, kinds, sizes, reused = Counter(), Counter(), [], 0
    for step in range(30):
        lines = nq.read_text(encoding="utf-8").splitlines(keepends=True)
        kind = mutate(lines, rng)
        # Odd steps keep each graph in subject order (its subjects are then found
        # by bisection), even steps only keep each graph's lines together.
        nq.write_text("".join(in_graph_order(lines, step % 2 == 1)), encoding="utf-8")
        stats = {}
        # Every other step validates unit by unit however many graphs changed.
        incremental = incremental_results(nq, shapes, files, cache, stats=stats,
                                          whole_share=0.5 if step % 2 else 1.0,
                                          jobs=1 if step % 3 else 2)
        full = dump_shacl_results(nq, shapes, onto)
        assert incremental == full, f"step {step}: {kind}"
        modes[stats["mode"]] += 1
        kinds[kind] += 1
        reused += stats["changed"] - stats["validated"]
        sizes.append(len(full))
    # Most edits were validated unit by unit, with fewer graphs than the whole.
    assert modes["units"] >= 10, modes
    # Some units whose blocks changed were not validated again: what they read
    # of those blocks had not changed (the fine key).
    assert reused > 0
    assert len(set(kinds)) == 8
    # The edits made the report grow and change (the check compares real results).
    assert len(set(sizes)) > 5 and max(sizes) > 10


@pytest.mark.slow  # validates a 10k dump twice
def test_the_native_report_is_read_as_pyshacl_turbo_reads_it(corpus, tmp_path):
    """decode_report (pyoxigraph on the native report) gives the Results that the
    rdflib report graph of pyshacl-turbo's public API gives, on a dump with many
    kinds of results (blank paths, literals, blank focus nodes)."""
    from pyshacl_turbo import compile_shapes
    from pyshacl_turbo.rdf import Input

    from partykg.check.validate import OPTIONS, _results, decode_report, turbo_report
    shapes = load_shapes(corpus.shapes)
    lines = corpus.nquads.read_text(encoding="utf-8").splitlines(keepends=True)
    rng = random.Random(4)
    for _ in range(40):
        mutate(lines, rng)
    text = "".join(lines)
    program = compile_shapes(shapes, advanced=OPTIONS["advanced"])
    ours = decode_report(turbo_report(program, text), shapes)
    _, report, _ = program.validate(Input(text, "nquads", None, {}),
                                    allow_warnings=OPTIONS["allow_warnings"],
                                    abort_on_first=OPTIONS["abort_on_first"])
    assert ours == _results(report, shapes)
    assert len(ours) > 20 and len({r.component for r in ours}) > 4
    assert any(" | " in r.path for r in ours)       # an alternative path, named
    assert any(r.value and ":" not in r.value for r in ours)   # a literal value


def test_a_unit_holds_its_nodes_and_what_the_shapes_read_of_their_values(built):
    """The unit of a source graph holds the triples of the nodes whose home it is,
    the types of the registry entities they name, and none of their other
    triples."""
    from partykg.check.incremental import Units, split_blocks, summarise
    shapes = load_shapes(built.shapes)
    why, far = analyse(shapes)
    assert why is None and far == {RDF_TYPE, "<http://www.w3.org/2002/07/owl#deprecated>"}
    too = target_objects_of(shapes)
    data = built.nquads.read_bytes()
    blocks = split_blocks(data)
    assert [b.graph for b in blocks] == sorted({terms(line)[3] for line in
                                                 data.decode().splitlines(keepends=True)
                                                 if not line.startswith("#")})
    units = Units(blocks, {b.graph: summarise(data[b.start:b.end].decode(), too, far)
                           for b in blocks})
    dump = Dump(data.decode().splitlines(keepends=True), too, far)
    source = f"<{graph_iri(built.base, 'source/crn-2003')}>"
    own = next(data[b.start:b.end].decode() for b in blocks if b.graph == source)
    text = set(dump.unit_text(units.n0[source]).splitlines(keepends=True))
    at_home = {line for line in own.splitlines(keepends=True)
               if units.owner(terms(line)[0]) == source}
    assert at_home <= text
    # The links from other sources' claims stated in this graph belong to the
    # units of those claims' sources, their home.
    away = set(own.splitlines(keepends=True)) - at_home
    assert away and all("/id/claim/" in terms(line)[0] for line in away)
    assert not away & text
    lenin = term_of(f"{built.base}id/person/vladimir-lenin")
    assert lenin in own and units.owner(lenin) == f"<{graph_iri(built.base, 'registry')}>"
    assert any(line.startswith(f"{lenin} {RDF_TYPE} ") for line in text)
    assert not any(line.startswith(lenin) and RDF_TYPE not in line for line in text)


def test_a_subjects_lines_are_found_by_bisection(built):
    from partykg.check.incremental import split_blocks, subject_lines
    data = built.nquads.read_bytes()
    for b in split_blocks(data):
        grouped: dict[str, str] = {}
        for line in data[b.start:b.end].decode().splitlines(keepends=True):
            subject = line.split(" ", 1)[0]
            grouped[subject] = grouped.get(subject, "") + line
        for subject in sorted(grouped)[::3] + ["<https://example.org/absent>", "_:absent"]:
            assert subject_lines(data, b.start, b.end, subject).decode() == \
                grouped.get(subject, "")


KEYS = """
import sys
from pathlib import Path
from partykg.check.incremental import Units, analyse, split_blocks, summarise, target_objects_of
from partykg.check.validate import load_shapes
shapes = load_shapes(Path(sys.argv[1]))
why, far = analyse(shapes)
too = target_objects_of(shapes)
data = Path(sys.argv[2]).read_bytes()
blocks = split_blocks(data)
units = Units(blocks, {b.graph: summarise(data[b.start:b.end].decode(), too, far)
                       for b in blocks})
for g in units.order:
    print(g, units.coarse_key("c", g), units.fine_key("c", g))
"""


@pytest.mark.slow  # three Python processes
def test_the_keys_do_not_depend_on_the_process(built):
    """A cache entry written by one process is found by the next: no key may
    depend on the order of a set (string hashing is salted per process)."""
    import os
    import subprocess
    import sys
    runs = [subprocess.run([sys.executable, "-c", KEYS, str(built.shapes), str(built.nquads)],
                           capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")]
    assert runs[0].count("\n") == 7 and runs[0] == runs[1] == runs[2]


PARAPHRASE = re.compile(r"^(    paraphrase: )(.*)$", re.MULTILINE)


@pytest.mark.slow  # four builds and eight validations of a 10k corpus
def test_annotation_edits_then_validate(corpus, tmp_path):
    """A researcher's loop: edit an annotation file, build, validate. The report
    (SHACL and violation queries) equals a full validation's."""
    folder = tmp_path / "corpus"
    shutil.copytree(corpus.root, folder, ignore=shutil.ignore_patterns("out"))
    proj = project(folder, folder / "out")
    build(proj, jobs=1)
    validate(proj, jobs=1)
    rng = random.Random(9)
    files = sorted((folder / "data/annotations").glob("*.yaml"))
    for step in range(3):
        path = files[rng.randrange(len(files))]
        text = path.read_text(encoding="utf-8")
        found = list(PARAPHRASE.finditer(text))
        m = found[rng.randrange(len(found))]
        path.write_text(text[:m.start(2)] + f"Edited in step {step}" + text[m.end(2):],
                        encoding="utf-8")
        build(proj, jobs=1)
        incremental = validate(proj, jobs=1)
        assert incremental.results == validate(proj, jobs=1, full=True).results
        assert incremental.results   # the faults are reported


@pytest.mark.slow  # validates a 10k dump three times
def test_a_literal_focus_node_makes_the_validation_whole(corpus, tmp_path):
    """A literal as the object of a sh:targetObjectsOf predicate is a focus node no
    unit holds: the incremental validation declines, the whole dump is validated."""
    from partykg.check.validate import shacl_step
    folder = tmp_path / "p"
    shutil.copytree(corpus.root, folder, ignore=shutil.ignore_patterns("out"))
    proj = project(folder, folder / "out")
    (folder / "out/build").mkdir(parents=True)
    shutil.copy(corpus.nquads, proj.nquads)
    shapes = load_shapes(proj.shapes)
    files = sorted(proj.shapes.glob("*.ttl"))
    assert incremental_results(proj.nquads, shapes, files, tmp_path / "c") is not None
    lines = proj.nquads.read_text(encoding="utf-8").splitlines(keepends=True)
    s, _, _, g = terms(lines[-1])
    lines.append(f'{s} <{PKG}acceptedBy> "a reviewer named nowhere" {g} .\n')
    proj.nquads.write_text("".join(in_graph_order(lines, True)), encoding="utf-8")
    assert incremental_results(proj.nquads, shapes, files, tmp_path / "c") is None
    results = shacl_step(proj, shapes, "turbo", full=False)
    assert results == dump_shacl_results(proj.nquads, shapes, graph_iri(proj.base, "ontology"))
    assert any(r.focus == "a reviewer named nowhere" for r in results)


def test_the_shapes_cache_follows_the_shape_files(tmp_path):
    """The pickled shapes are those of the files as they are now."""
    from partykg.check.validate import cached_shapes
    shutil.copytree(ROOT / "shapes", tmp_path / "shapes")
    proj = project(tmp_path, tmp_path / "out")
    first = cached_shapes(proj)
    assert len(first) == len(load_shapes(proj.shapes)) > 1000
    assert len(list((tmp_path / "out/cache/shapes").glob("*.pickle"))) == 1
    again = cached_shapes(proj)
    assert len(again) == len(first)
    with (tmp_path / "shapes/partykg-shapes.ttl").open("a", encoding="utf-8") as f:
        f.write('\n<urn:x:Extra> a <http://www.w3.org/ns/shacl#NodeShape> .\n')
    edited = cached_shapes(proj)
    assert len(edited) == len(first) + 1
    assert len(list((tmp_path / "out/cache/shapes").glob("*.pickle"))) == 1


def _edit_one_paraphrase(folder: Path, step: int) -> None:
    path = sorted((folder / "data/annotations").glob("*.yaml"))[step % 3]
    text = path.read_text(encoding="utf-8")
    m = PARAPHRASE.search(text)
    path.write_text(text[:m.start(2)] + f"Edited in step {step}" + text[m.end(2):],
                    encoding="utf-8")


def test_the_violation_queries_start_on_the_dump_while_the_build_goes_on(corpus, tmp_path):
    """`partykg validate` forks the violation queries' process before building and
    starts it on the N-Quads dump as soon as the build has written it (in its
    temporary folder): the report equals a validation of the finished build in one
    process. The edit makes a claim about the entity no source referred to, so the
    queries' rows change with it."""
    import json

    from partykg.check.validate import Violations
    folder = tmp_path / "corpus"
    shutil.copytree(corpus.root, folder, ignore=shutil.ignore_patterns("out"))
    proj = project(folder, folder / "out")
    build(proj, jobs=1)
    fault, = (f for f in json.loads((folder / "faults.json").read_text())["faults"]
              if f["kind"] == "entity-never-referenced")
    unreferenced = proj.base + fault["focus"]
    assert unreferenced in {r.focus for r in validate(proj, jobs=1).results}
    path = min((folder / "data/annotations").glob("*.yaml"))
    text = path.read_text(encoding="utf-8")
    about = re.search(r"^    about: \[(.*)\]$", text, re.MULTILINE)
    path.write_text(text[:about.end(1)] + ", " + fault["key"] + text[about.end(1):],
                    encoding="utf-8")
    queries = Violations(proj)
    given = []

    def started(path: Path) -> None:
        given.append((path, path.read_bytes()))
        queries.start(path)

    build(proj, jobs=1, on_nquads=started)
    assert queries.started
    (path, text), = given
    assert path.name == "partykg.nq" and path.parent != proj.build_dir   # not yet in place
    assert text == proj.nquads.read_bytes()   # the whole dump, as it was put in place
    report = validate(proj, jobs=2, violations=queries)
    alone = validate(proj, jobs=1, full=True)
    assert report.results == alone.results
    assert unreferenced not in {r.focus for r in report.results}
    assert "90-event-ends-before-it-begins-violation.rq" in {r.component for r in report.results}


def test_the_violation_queries_find_the_dump_once_it_is_in_place(corpus, tmp_path):
    """When the build has moved its folder before the queries' process opened the
    dump, it reads the same file at its final path."""
    from partykg.check.validate import _violations_of_file, query_violations
    from partykg.sparql.store import load_store
    gone = tmp_path / ".build-gone" / "partykg.nq"
    assert _violations_of_file(corpus, str(gone)) == query_violations(corpus,
                                                                      load_store(corpus))


@pytest.mark.slow  # the command line, in a process of its own
def test_the_command_line_validates_with_the_queries_started_during_the_build(corpus,
                                                                            tmp_path):
    """The same through `partykg validate` after an edit (build included), two jobs."""
    import json
    import subprocess
    import sys
    folder = tmp_path / "corpus"
    shutil.copytree(corpus.root, folder, ignore=shutil.ignore_patterns("out"))
    proj = project(folder, folder / "out")
    build(proj, jobs=1)
    _edit_one_paraphrase(folder, 1)
    run = subprocess.run([sys.executable, "-m", "partykg.cli", "--root", str(folder), "--out",
                          str(folder / "out"), "validate", "--jobs", "2", "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 1, run.stderr   # the corpus's faults
    shown = sorted((r["focus"], r["component"], r["message"])
                   for r in json.loads(run.stdout)["results"])
    alone = validate(proj, jobs=1, full=True)
    assert shown == sorted((r.focus, r.component, r.message) for r in alone.results)
    assert any(c.endswith("-violation.rq") for _, c, _ in shown)


def _quads(store) -> tuple[int, list[str]]:
    """What a store holds, for comparing two loads: how many quads, and those
    without a blank node (blank node labels differ from one load to the next)."""
    from pyoxigraph import BlankNode
    plain = sorted(str(q) for q in store
                   if not any(isinstance(t, BlankNode) for t in (q.subject, q.object)))
    return len(store), plain


def _rows(results) -> list:
    """Violation query rows with blank nodes' labels (new at each load) blanked."""
    def blank(text: str) -> str:
        return re.sub(r"\b[0-9a-f]{32}\b", "_:b", text)
    return sorted((blank(r.focus), r.component, blank(r.message)) for r in results)


def test_the_queries_store_is_brought_up_to_the_new_dump_graph_by_graph(corpus):
    """check/dumpstore.py: the store of the previous dump with the graphs that
    changed replaced holds the quads of a fresh load of the new dump, and the
    violation queries give the same rows, after random edits of the dump. First
    on the dump without its blank nodes (the ontology's and the registry's), where
    every edit replaces graphs, then on the dump itself, where an edit of those two
    graphs loads the new dump whole."""
    from partykg.check.dumpstore import Loaded, update
    from partykg.check.validate import query_violations
    dump = corpus.nquads.read_text(encoding="utf-8").splitlines(keepends=True)
    rng = random.Random(5)
    replaced, rows, kinds = Counter(), set(), Counter()
    for blanks, lines, steps in ((False, [line for line in dump if "_:" not in line], 12),
                                 (True, dump, 8)):
        for step in range(steps):
            old = "".join(lines).encode()
            kinds[mutate(lines, rng)] += 1
            lines = in_graph_order(lines, step % 2 == 1)
            new = "".join(lines).encode()
            stats: dict = {}
            store = update(Loaded(old), new, stats=stats)
            fresh = Loaded(new).store
            assert _quads(store) == _quads(fresh), f"step {step}"
            found = _rows(query_violations(corpus, store))
            assert found == _rows(query_violations(corpus, fresh)), f"step {step}"
            replaced[(blanks, stats["graphs_replaced"])] += 1
            rows.add(len(found))
    # Without blank nodes every edit replaced one graph or two (a triple moved to
    # another graph); with them, the edits of the ontology or registry loaded whole.
    assert sum(n for (b, r), n in replaced.items() if not b and r in (1, 2)) == 12, replaced
    assert replaced[(True, None)] >= 1, replaced
    assert len(kinds) >= 6
    assert len(rows) > 1   # the edits changed what the queries find


def test_a_blank_node_shared_by_two_graphs_makes_the_queries_store_load_whole():
    """A changed graph whose new lines hold a blank node could share it with
    another graph: the new dump is then loaded whole. One that loses its blank
    node is replaced."""
    from pyoxigraph import BlankNode

    from partykg.check.dumpstore import Loaded, update
    a = b'_:x <urn:p> "1" <urn:g:a> .\n'
    c = b'<urn:s> <urn:q> "3" <urn:g:c> .\n'
    for old, new, replaced, blanks in (
            (a + b'_:x <urn:q> "2" <urn:g:b> .\n' + c,
             a + b'_:x <urn:q> "2" <urn:g:b> .\n' + c.replace(b'"3"', b'"4"'), 1, 1),
            (a + b'<urn:t> <urn:q> "2" <urn:g:b> .\n' + c,   # graph b gains the node
             a + b'_:x <urn:q> "2" <urn:g:b> .\n' + c, None, 1),
            (a + b'_:x <urn:q> "2" <urn:g:b> .\n' + c,       # graph b: another value
             a + b'_:x <urn:q> "5" <urn:g:b> .\n' + c, None, 1),
            (a + b'_:x <urn:q> "2" <urn:g:b> .\n' + c,       # graph b loses it
             a + b'<urn:t> <urn:q> "2" <urn:g:b> .\n' + c, 1, 1)):
        stats: dict = {}
        store = update(Loaded(old), new, stats=stats)
        assert stats["graphs_replaced"] == replaced
        # One blank node, as one parse of the new dump gives.
        assert len({q.subject for q in store if isinstance(q.subject, BlankNode)}) == blanks
        assert _quads(store) == _quads(Loaded(new).store)


def test_the_queries_store_of_an_unchanged_dump_is_the_one_loaded():
    from partykg.check.dumpstore import Loaded, update
    data = b'<urn:s> <urn:p> "1" <urn:g:a> .\n'
    loaded = Loaded(data)
    stats: dict = {}
    assert update(loaded, bytes(data), stats=stats) is loaded.store
    assert stats["graphs_replaced"] == 0
