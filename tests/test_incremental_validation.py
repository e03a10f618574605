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
                       "literal"])
    i = rng.choice(body)
    s, p, o, g = parsed[i]
    if kind == "delete":
        del lines[i]
    elif kind == "retarget":
        i = rng.choice([j for j in body if parsed[j][2][0] in "<_"])
        s, p, o, g = parsed[i]
        other = parsed[rng.choice(body)][0]
        lines[i] = f"{s} {p} {other} {g} .\n"
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
    modes, kinds, sizes = Counter(), Counter(), []
    for step in range(25):
        lines = nq.read_text(encoding="utf-8").splitlines(keepends=True)
        kind = mutate(lines, rng)
        nq.write_text("".join(lines), encoding="utf-8")
        stats = {}
        # Every other step validates unit by unit however many graphs changed.
        incremental = incremental_results(nq, shapes, files, cache, stats=stats,
                                          whole_share=0.5 if step % 2 else 1.0)
        full = dump_shacl_results(nq, shapes, onto)
        assert incremental == full, f"step {step}: {kind}"
        modes[stats["mode"]] += 1
        kinds[kind] += 1
        sizes.append(len(full))
    # Most edits were validated unit by unit, with fewer graphs than the whole.
    assert modes["units"] >= 15, modes
    assert len(set(kinds)) == 7
    # The edits made the report grow and change (the check compares real results).
    assert len(set(sizes)) > 5 and max(sizes) > sizes[0] > 0


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


def test_a_unit_holds_its_graph_and_the_nodes_it_points_to(built):
    """The unit of a source graph holds all its triples, the types of the registry
    entities it names, and not the registry's other triples."""
    shapes = load_shapes(built.shapes)
    why, far = analyse(shapes)
    assert why is None and far == {RDF_TYPE, "<http://www.w3.org/2002/07/owl#deprecated>"}
    with built.nquads.open(encoding="utf-8") as f:
        dump = Dump(f, target_objects_of(shapes), far)
    source = f"<{graph_iri(built.base, 'source/crn-2003')}>"
    text = dump.unit_text(source)
    assert set(dump.graphs[source]) <= set(text.splitlines(keepends=True))
    lenin = term_of(f"{built.base}id/person/vladimir-lenin")
    assert any(lenin in line for line in dump.graphs[source])
    assert f"{lenin} {RDF_TYPE} " in text
    assert not any(line.startswith(lenin) and RDF_TYPE not in line
                   for line in text.splitlines())
    registry = f"<{graph_iri(built.base, 'registry')}>"
    assert 0 < sum(line.endswith(f"{registry} .\n") for line in text.splitlines(keepends=True)) \
        < len(dump.graphs[registry]) / 2


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
