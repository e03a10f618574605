"""The cache of read and checked inputs (model/inputcache.py): a cached load gives
the same model as reading every file, an entry whose inputs changed is never used,
and bad input gets the same report (exit 2 in the CLI) whether a cache exists or not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from partykg.cli import main
from partykg.core.errors import EXIT_BAD_INPUT, InputError
from partykg.core.paths import project
from partykg.model import inputcache
from partykg.model.inputs import load_inputs

ROOT = Path(__file__).resolve().parents[1]
FILE = "data/annotations/crn-2003.yaml"


def plain(obj, seen=()):
    """The model as nested tuples: every attribute of every object (the lines an LMap
    keeps included), in order; object identity left out."""
    if isinstance(obj, (str, int, float, bool, type(None), Path)):
        return obj
    if id(obj) in seen:
        return ("<cycle>",)
    seen = (*seen, id(obj))
    attrs = tuple((k, plain(v, seen)) for k, v in sorted(vars(obj).items())) \
        if hasattr(obj, "__dict__") else ()
    if isinstance(obj, dict):
        return (type(obj).__name__, tuple((plain(k, seen), plain(v, seen))
                                          for k, v in obj.items()), attrs)
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        return (type(obj).__name__, tuple(plain(v, seen) for v in items), attrs)
    if hasattr(obj, "pattern"):   # a compiled regex
        return ("re", obj.pattern, obj.flags)
    return (type(obj).__name__, attrs)


def cached(proj) -> tuple:
    cache = inputcache.InputCache(inputcache.folder(proj))
    loaded = load_inputs(proj, cache)
    cache.save()
    return loaded, cache


@pytest.fixture
def corpus(tmp_path) -> Path:
    for name in ("data", "ontology"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.mark.slow  # reads the real corpus four times
def test_a_cached_load_is_the_model_of_a_fresh_one(tmp_path):
    proj = project(ROOT, tmp_path / "out")
    fresh = load_inputs(proj)
    first, cache = cached(proj)
    assert cache.hits == 0 and len(list(inputcache.folder(proj).glob("*.pickle"))) == 6
    second, cache = cached(proj)
    assert cache.hits == 6          # the registry and the five annotation files
    # The same objects, field for field, and the text bases anchored again on the
    # cached registry.
    assert plain(second) == plain(fresh) == plain(first)
    assert any(b.span is not None for e in second[0].entities.values()
               for bs in e.basis.values() for b in bs)


@pytest.mark.slow
def test_an_entry_whose_inputs_changed_is_never_used(corpus):
    proj = project(corpus, corpus / "out")
    cached(proj)
    path = corpus / FILE
    path.write_text(path.read_text(encoding="utf-8").replace(
        "paraphrase: ", "paraphrase: Edited, ", 1), encoding="utf-8")
    (registry, sources), cache = cached(proj)
    assert cache.hits == 5          # the registry and four unchanged files
    crn = next(s for s in sources if s.id == "crn-2003")
    assert crn.claims[0].paraphrase.startswith("Edited, ")
    assert plain((registry, sources)) == plain(load_inputs(proj))
    # A registry edit: every key changes.
    events = corpus / "data/registry/events.yaml"
    events.write_text(events.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _, cache = cached(proj)
    assert cache.hits == 0
    # The text of a source changed (its SHA-256 no longer the recorded one): the
    # cached source is not taken, the fixity report stops the load as without cache.
    text = corpus / "data" / crn.meta["text"]
    text.write_text("An added first line.\n" + text.read_text(encoding="utf-8"),
                    encoding="utf-8")
    with pytest.raises(InputError) as without:
        load_inputs(proj)
    with pytest.raises(InputError) as with_cache:
        cached(proj)
    assert str(with_cache.value) == str(without.value) and "sha256" in str(without.value)


@pytest.mark.slow  # three builds of the real corpus through the CLI
def test_bad_input_is_reported_alike_with_and_without_the_cache(corpus, tmp_path):
    def run(*args):
        return CliRunner().invoke(main, ["--root", str(corpus), "--out", str(corpus / "out"),
                                         "-q", "build", *args])
    assert run().exit_code == 0     # fills the caches
    path = corpus / FILE
    text = path.read_text(encoding="utf-8")
    claimant = text.split("claimant: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace(f"claimant: {claimant}", "claimant: nobody-at-all", 1),
                    encoding="utf-8")
    folder = inputcache.folder(project(corpus, corpus / "out"))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert len(before) == 6
    warm = run()
    # The registry and the four good files came from the cache; a build that stops
    # on bad input writes nothing, in the cache neither.
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    shutil.rmtree(corpus / "out" / "cache")
    cold = run("--full")
    for res in (warm, cold):
        assert res.exit_code == EXIT_BAD_INPUT
        assert f"{FILE}:" in res.output and "nobody-at-all" in res.output
    assert warm.output == cold.output
    # Nothing half-written: the build folder is still the good one.
    assert "nobody-at-all" not in (corpus / "out/build/partykg.nq").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_folder_where_an_input_file_belongs_is_no_hit(corpus):
    """The review file is absent from the corpus; a folder in its place is an error
    that a cached registry (of the state without it) must not hide."""
    proj = project(corpus, corpus / "out")
    cached(proj)
    (corpus / "data/wikidata/review.yaml").mkdir(parents=True)
    with pytest.raises(InputError) as without:
        load_inputs(proj)
    with pytest.raises(InputError) as with_cache:
        cached(proj)
    assert str(with_cache.value) == str(without.value) and "review.yaml" in str(without.value)


@pytest.mark.slow
def test_a_text_reached_through_another_file_is_no_hit(corpus):
    """`text:` made a symlink to a copy of the same bytes: the model names the file
    it resolves to, so the cached source (naming the old file) is not taken."""
    proj = project(corpus, corpus / "out")
    (_, sources), _ = cached(proj)
    crn = next(s for s in sources if s.id == "crn-2003")
    text = corpus / "data" / crn.meta["text"]
    copy = text.with_name("copy-of-" + text.name)
    copy.write_bytes(text.read_bytes())
    text.unlink()
    text.symlink_to(copy.name)
    fresh = next(s for s in load_inputs(proj)[1] if s.id == "crn-2003")
    (_, again), cache = cached(proj)
    assert fresh.text_path != crn.text_path and cache.hits == 5
    assert next(s for s in again if s.id == "crn-2003").text_path == fresh.text_path
