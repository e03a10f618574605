"""The incremental, parallel build: after an edit, a build that takes the unchanged
named graphs from the cache (OUT/cache/graphs) writes the same bytes as a clean full
build of the edited inputs, on the real corpus and on a synthetic one."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
from pathlib import Path

import pytest

from partykg.bench.synth import generate
from partykg.core.paths import project
from partykg.rdf import graphcache
from partykg.rdf.build import build

ROOT = Path(__file__).resolve().parents[1]
PARAPHRASE = re.compile(r"^(    paraphrase: )(.*)$", re.MULTILINE)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def entries(proj) -> set[str]:
    return {p.name for p in graphcache.folder(proj).glob("*.graph")}


def edit_paraphrase(path: Path, rng: random.Random, word: str) -> str:
    """Rewrite one claim's paraphrase of an annotation file; return the new text."""
    text = path.read_text(encoding="utf-8")
    found = list(PARAPHRASE.finditer(text))
    m = found[rng.randrange(len(found))]
    new = f"Edited {word}, the paraphrase of this claim was changed by a test"
    path.write_text(text[:m.start(2)] + new + text[m.end(2):], encoding="utf-8")
    return new


def clean_build(folder: Path) -> dict[str, str]:
    """A full build of the inputs as they are, into a fresh output folder, on one core."""
    clean = project(folder, folder / "clean-out")
    shutil.rmtree(clean.out, ignore_errors=True)
    build(clean, jobs=1, full=True)
    return digests(clean.build_dir)


@pytest.mark.slow  # three builds of the real corpus
def test_incremental_build_equals_a_full_build_on_the_real_corpus(tmp_path):
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    proj = project(tmp_path, tmp_path / "out")
    build(proj, jobs=2)
    before = entries(proj)
    assert len(before) == 7      # ontology, registry, five sources
    new = edit_paraphrase(tmp_path / "data/annotations/crn-2003.yaml", random.Random(1), "crn")
    build(proj, jobs=2)
    after = entries(proj)
    # One graph emitted again (its old entry pruned), six reused.
    assert len(after - before) == 1 and len(before - after) == 1 and len(after) == 7
    assert new in proj.nquads.read_text(encoding="utf-8")
    assert digests(proj.build_dir) == clean_build(tmp_path)


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("incr") / "corpus"
    generate(folder, 10_000, seed=11, faults=0, root=ROOT)
    return folder


@pytest.mark.slow  # five builds of a 10k corpus
def test_random_edits_on_a_synthetic_corpus(synth):
    """Edits of annotation files and of the registry, each followed by an incremental
    build in two processes; every output equals a clean full build on one core."""
    proj = project(synth, synth / "out")
    build(proj, jobs=2)
    rng = random.Random(5)
    files = sorted((synth / "data/annotations").glob("*.yaml"))
    for step in range(2):
        before = entries(proj)
        edit_paraphrase(files[rng.randrange(len(files))], rng, f"step {step}")
        build(proj, jobs=2)
        assert len(entries(proj) - before) == 1
        assert digests(proj.build_dir) == clean_build(synth)
    # A registry edit changes every graph's key: all are emitted again.
    events = synth / "data/registry/events.yaml"
    events.write_text(events.read_text(encoding="utf-8").replace(
        "synthetic event, a made-up stand-in", "synthetic event, edited", 1), encoding="utf-8")
    before = entries(proj)
    build(proj, jobs=2)
    assert not entries(proj) & before
    assert digests(proj.build_dir) == clean_build(synth)


@pytest.mark.slow  # two builds of a 10k corpus
def test_a_damaged_cache_entry_is_never_used(synth, tmp_path):
    """A truncated entry (an interrupted write that still got its name) or one holding
    another key's content is a miss: the graph is emitted again, the output unchanged."""
    out = tmp_path / "out"
    proj = project(synth, out)
    build(proj, jobs=1)
    reference = digests(proj.build_dir)
    names = sorted(graphcache.folder(proj).glob("*.graph"))
    names[0].write_bytes(names[0].read_bytes()[:1000])
    names[2].write_bytes(names[1].read_bytes())
    build(proj, jobs=1)
    assert digests(proj.build_dir) == reference
    assert {p.name for p in graphcache.folder(proj).glob("*.graph")} == {p.name for p in names}
    cache = graphcache.GraphCache(graphcache.folder(proj))
    assert all(cache.get(p.stem) is not None for p in names)


def test_literals_written_directly_are_escaped_as_pyoxigraph_escapes_them():
    """The passages and mentions are written as N-Quads text (rdf/emit.py, nt_string):
    every Unicode scalar value must come out as pyoxigraph prints it."""
    from pyoxigraph import Literal

    from partykg.rdf.emit import nt_string
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert nt_string(every) == str(Literal(every))
    for c in ("\n", "\r", "\t", '"', "\\", "\x00", "\x7f", "\ufffe", "\uffff"):
        assert nt_string(c) == str(Literal(c))


def canonical(nquads: Path) -> bytes:
    """The dump as pyoxigraph writes the same quads, sorted: the reference."""
    from pyoxigraph import RdfFormat, parse, serialize

    from partykg.rdf.build import sort_key
    quads = sorted(set(parse(path=str(nquads), format=RdfFormat.N_QUADS)), key=sort_key)
    return serialize(quads, format=RdfFormat.N_QUADS)


@pytest.mark.slow  # parses and sorts the real dump again
def test_the_written_lines_are_pyoxigraphs_on_the_real_corpus(built):
    data = built.nquads.read_bytes()
    assert data.split(b"\n", 1)[1] == canonical(built.nquads)


@pytest.mark.slow
def test_the_written_lines_are_pyoxigraphs_on_a_synthetic_corpus(synth, tmp_path):
    proj = project(synth, tmp_path / "out")
    build(proj, jobs=2)
    data = proj.nquads.read_bytes()
    assert data.split(b"\n", 1)[1] == canonical(proj.nquads)


@pytest.mark.slow
def test_bad_input_found_in_a_worker_is_reported_as_in_a_single_process(synth, tmp_path):
    """The ontology is parsed by a worker of the pool: its syntax error is the same
    report (file, line, fix; exit 2 in the CLI) as without a pool, and nothing is written."""
    from partykg.core.errors import InputError
    copy = tmp_path / "corpus"
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(synth / name, copy / name)
    with (copy / "ontology/partykg.ttl").open("a", encoding="utf-8") as f:
        f.write("this is not turtle .\n")
    reports = []
    for jobs in (2, 1):
        proj = project(copy, tmp_path / f"out-{jobs}")
        with pytest.raises(InputError) as err:
            build(proj, jobs=jobs, full=True)
        reports.append(str(err.value))
        assert not proj.build_dir.exists()
    assert reports[0] == reports[1] and "partykg.ttl" in reports[0] and "does not parse" in reports[0]


def assembled_equals_whole(proj, folder: Path) -> None:
    """The files the build assembles from the graphs' cached pieces equal the same
    files made whole the way the build made them before (and still can): Turtle
    serialized by pyoxigraph from all triples sorted, the JSON files encoded by
    json.dumps in one call, the browser's files from the N-Quads dump parsed whole."""
    import json

    from pyoxigraph import RdfFormat, parse

    from partykg.rdf.browse import rows, write_browse_files
    from partykg.rdf.build import GENERATED, assemble_turtle, make_graph, write_dumps
    g = make_graph(proj)
    # Every graph was cut into subject blocks: the assembled path is the one taken.
    assert all(t[1] is not None for t in g.turtle)
    assert assemble_turtle(g.turtle, proj.base) is not None
    folder.mkdir()
    write_dumps(g.nq, g.trig, folder, proj.base, turtle=None)
    assert (folder / "partykg.ttl").read_bytes() == (proj.build_dir / "partykg.ttl").read_bytes()
    index = json.loads(proj.index.read_text(encoding="utf-8"))
    assert json.dumps(index, indent=1, ensure_ascii=False, sort_keys=True) + "\n" == \
        proj.index.read_text(encoding="utf-8")
    assert index["index"] == g.index and index["generated"] == GENERATED
    quads = parse(path=str(proj.nquads), format=RdfFormat.N_QUADS)
    write_browse_files(folder, [rows(quads)], g.essays, dict(sorted(g.index.items())),
                       proj.base, GENERATED)
    for name in ("search-index.json", "reading.json"):
        assert (folder / name).read_bytes() == (proj.build_dir / name).read_bytes()


@pytest.mark.slow
def test_assembled_files_equal_whole_ones_on_the_real_corpus(built, tmp_path):
    assembled_equals_whole(built, tmp_path / "whole")


@pytest.mark.slow
def test_assembled_files_equal_whole_ones_on_a_synthetic_corpus(synth, tmp_path):
    proj = project(synth, tmp_path / "out")
    build(proj, jobs=1)
    assembled_equals_whole(proj, tmp_path / "whole")


def test_the_json_memo_writes_what_json_dumps_writes(built, tmp_path):
    """browse.encode with an empty memo, a memo filled by a first pass and read back
    from its file, and a damaged memo file: each time json.dumps's bytes."""
    import json

    from partykg.rdf.browse import JsonMemo, encode
    data = json.loads((built.build_dir / "search-index.json").read_text(encoding="utf-8"))
    want = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True)
    path = tmp_path / "memo.json"
    first = JsonMemo(path)
    assert encode(data, first) == want
    first.save()
    warm = JsonMemo(path)
    assert len(warm.old) == len(first.new) > 100
    assert encode(data, warm) == want
    path.write_bytes(path.read_bytes()[:5000])
    damaged = JsonMemo(path)
    assert damaged.old == {} and encode(data, damaged) == want
