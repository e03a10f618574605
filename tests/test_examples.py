"""data/examples/: the format's examples, run through the real loader.

valid/ is a complete little data folder: it must load, build and validate
without a problem. Each invalid/<mistake>.yaml is one file of valid/ with one
mistake (its first line names the file it replaces); put in its place, the
loader must stop with exactly the message of invalid/<mistake>.expected. The
same files will serve a JSON Schema of the format. After a deliberate change:
scripts/update_examples.py, then read `git diff data/examples`."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT
from support.examples import EXAMPLES, MISTAKES, VALID, data_folder, invalid_text, replaced

from partykg.check.validate import validate
from partykg.core.errors import InputError
from partykg.core.paths import project
from partykg.model.inputs import load_inputs
from partykg.rdf.build import build

pytestmark = pytest.mark.slow   # loads and builds each of the 60 examples: in CI, not in the fast loop

INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))


def test_example_lists_are_not_empty_and_complete():
    """Guards against an empty or half-written folder: every invalid example names a
    file of valid/ and has its expected message, and no message lacks its example."""
    assert len(INVALID) >= 20
    for example in INVALID:
        assert (VALID / replaced(example)).is_file(), example.name
        assert example.with_suffix(".expected").is_file(), example.name
    expected = {p.stem for p in (EXAMPLES / "invalid").glob("*.expected")}
    assert expected == {p.stem for p in INVALID}
    kinds = {replaced(e).split("/")[0] for e in INVALID}
    assert {"annotations", "registry", "theses.yaml"} <= kinds


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_each_invalid_example_is_a_valid_file_with_one_mistake(mistake):
    """So that a message names exactly the mistake (and valid/ stays the reference
    the invalid files are read against)."""
    path = EXAMPLES / "invalid" / f"{mistake.name}.yaml"
    assert path.read_text(encoding="utf-8") == invalid_text(mistake)
    assert {m.name for m in MISTAKES} == {p.stem for p in INVALID}


def test_valid_example_loads_builds_and_conforms(tmp_path):
    """The valid folder uses every section of an annotation file and every kind of
    the registry, and the SHACL shapes and violation queries find nothing in it."""
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    proj = project(data_folder(tmp_path), tmp_path / "out")
    registry, [source] = load_inputs(proj)
    assert {e.kind for e in registry.entities.values()} == {
        "person", "organization", "group", "event", "place", "work"}
    assert source.id == "study-circle-notes"
    assert [len(x) for x in (source.claims, source.quotations, source.citations,
                             source.links, source.mentions)] == [2, 1, 1, 1, 2]
    build(proj)
    report = validate(proj)
    assert report.conforms and report.results == []


@pytest.mark.parametrize("example", INVALID, ids=lambda p: p.stem)
def test_invalid_example_gives_its_expected_message(example, tmp_path):
    proj = project(data_folder(tmp_path, example), tmp_path / "out")
    with pytest.raises(InputError) as exc:
        load_inputs(proj)
    assert str(exc.value) + "\n" == example.with_suffix(".expected").read_text(encoding="utf-8")


def test_the_build_does_not_read_the_examples(built):
    """The examples document the format; editing one must not make the build stale
    (its inputs digest, in manifest.json, covers data/ without data/examples/)."""
    inputs = [p.relative_to(ROOT).parts[:2] for p in built.inputs()]
    assert ("data", "registry") in inputs and ("data", "examples") not in inputs
