"""`partykg import-annotations` on W3C-valid forms other than our export's, on
tag-typed Hypothesis highlights, and `partykg accept`.

Every variant is made from the real export of one source (crn-2003) and must
give the same records as importing the canonical export. The variants are
written with pyld (the test's own loader serves the vendored W3C context), so
they are what any JSON-LD processor may produce from the same graph.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pyld import jsonld

from partykg.core.namespaces import PKG, PREFIXES
from partykg.core.paths import project
from partykg.webanno.export import ANNO_CONTEXT, export
from partykg.webanno.importer import import_annotations

pytestmark = pytest.mark.slow   # exports and imports a whole source several times

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CONTEXT_FILE = ROOT / "src/partykg/webanno/contexts/anno.jsonld"
SID = "crn-2003"


def _loader(url, options=None):
    if url.rstrip("/") != ANNO_CONTEXT:
        raise AssertionError(f"the test must not fetch {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    return project(ROOT, tmp_path_factory.mktemp("wai-out"))


@pytest.fixture(scope="module")
def exported(proj, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("wai-export")
    export(proj, only=(SID,), output=dest, page_size=25)
    return dest / SID


@pytest.fixture(scope="module")
def canonical(proj, exported, tmp_path_factory):
    out = tmp_path_factory.mktemp("wai-canonical") / f"{SID}.yaml"
    _, result, _ = import_annotations(proj, exported / "collection.jsonld", SID, out)
    assert result.review == [] and sum(len(v) for v in result.records.values()) > 20
    return result.records


def _docs(folder: Path) -> tuple[dict, list[dict]]:
    coll = json.loads((folder / "collection.jsonld").read_text(encoding="utf-8"))
    pages = [json.loads(p.read_text(encoding="utf-8"))
             for p in sorted(folder.glob("page-*.jsonld"))]
    return coll, pages


def _items(pages: list[dict]) -> list[dict]:
    return [a for p in pages for a in p["items"]]


def _write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _import(proj, path: Path, tmp_path: Path):
    return import_annotations(proj, path, SID, tmp_path / "out" / f"{SID}.yaml", force=True)


# --- W3C-valid variants ------------------------------------------------------------------

def test_embedded_first_page(proj, exported, canonical, tmp_path):
    """An AnnotationCollection whose `first` page is embedded (an object with
    `items`, no id), as the Annotation Protocol allows (issue 18)."""
    coll, pages = _docs(exported)
    items = _items(pages)
    doc = {"@context": coll["@context"], "id": coll["id"], "type": "AnnotationCollection",
           "total": len(items), "first": {"type": "AnnotationPage", "items": items}}
    _, result, _ = _import(proj, _write(tmp_path / "embedded.jsonld", doc), tmp_path)
    assert result.records == canonical and result.review == []


def test_linked_pages_under_other_names_and_a_broken_sibling(proj, exported, canonical,
                                                             tmp_path):
    """Pages linked by `first`/`next` IRIs are found in the files next to the
    collection whatever the files are called; an unreadable sibling is skipped
    and reported (file: what is wrong), and the import goes on."""
    coll, pages = _docs(exported)
    assert len(pages) > 2
    folder = tmp_path / "linked"
    folder.mkdir()
    _write(folder / "index.json", coll)
    for n, page in enumerate(reversed(pages)):
        _write(folder / f"part-{n}.json", page)
    (folder / "broken.json").write_text('{"items": [1, 2,,]}', encoding="utf-8")
    _, result, _ = _import(proj, folder / "index.json", tmp_path)
    assert result.records == canonical
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"skipped {folder / 'broken.json'}:1: not valid JSON")


def test_graph_form(proj, exported, canonical, tmp_path):
    coll, pages = _docs(exported)
    doc = {"@context": coll["@context"], "@graph": _items(pages)}
    _, result, _ = _import(proj, _write(tmp_path / "graph.jsonld", doc), tmp_path)
    assert result.records == canonical


def _recompact(doc, context, **options):
    expanded = jsonld.expand(doc, {"documentLoader": _loader})
    return jsonld.compact(expanded, {"@context": context},
                          {"documentLoader": _loader, **options})


def test_other_prefixes_and_arrays_everywhere(proj, exported, canonical, tmp_path):
    """The same graph compacted with other prefix names for our terms and the
    Web Annotation vocabulary (and no term definitions of ours), with every value
    an array: the keys the importer sees differ, the records must not."""
    coll, pages = _docs(exported)
    items = _items(pages)
    ctx = [ANNO_CONTEXT, {"party": PKG, "citing": PREFIXES["cito"],
                          "wa": "http://www.w3.org/ns/oa#"}]
    doc = _recompact({"@context": coll["@context"], "@graph": items}, ctx,
                     compactArrays=False)
    text = json.dumps(doc)
    assert '"party:claimant"' in text and '"pkg:' not in text
    assert '"target": [' in text
    _, result, _ = _import(proj, _write(tmp_path / "prefixes.jsonld", doc), tmp_path)
    assert result.records == canonical


def test_fully_expanded_form(proj, exported, canonical, tmp_path):
    """Expanded JSON-LD: no context, every key a full IRI (oa:hasTarget …)."""
    coll, pages = _docs(exported)
    doc = jsonld.expand({"@context": coll["@context"], "@graph": _items(pages)},
                        {"documentLoader": _loader})
    assert "http://www.w3.org/ns/oa#hasTarget" in doc[0]
    _, result, _ = _import(proj, _write(tmp_path / "expanded.jsonld", doc), tmp_path)
    assert result.records == canonical


def test_a_remote_context_is_refused_offline(proj, tmp_path):
    from partykg.core.errors import InputError
    doc = {"@context": "https://example.org/other-context.jsonld", "id": "x",
           "type": "Annotation", "target": "y"}
    with pytest.raises(InputError) as exc:
        _import(proj, _write(tmp_path / "remote.jsonld", doc), tmp_path)
    assert "the JSON-LD context https://example.org/other-context.jsonld is not available " \
           "offline" in str(exc.value)
    assert not (tmp_path / "out" / f"{SID}.yaml").exists()


@pytest.mark.parametrize("doc, message", [
    ("just a string", "the JSON is a string, not a Web Annotation"),
    ([1, 2], "item 1 is not an annotation (a JSON number)"),
    ([{"foo": 1}], "item 1 is not an annotation (no Web Annotation term in it)"),
    ({"foo": 1}, "not an annotation export (no Web Annotation term in it)"),
])
def test_json_that_is_no_annotation_is_refused(proj, tmp_path, doc, message):
    """JSON-LD drops what it has no term for: a file (or an item) left with
    nothing is refused, not imported as nothing."""
    from partykg.core.errors import InputError
    with pytest.raises(InputError) as exc:
        _import(proj, _write(tmp_path / "odd.json", doc), tmp_path)
    assert message in str(exc.value)
    assert not (tmp_path / "out" / f"{SID}.yaml").exists()


# --- tag-typed Hypothesis highlights -----------------------------------------------------

def test_tag_typed_hypothesis_highlights(proj, tmp_path):
    """Issue 18's example: highlights of registry names on the Chicago essay,
    tagged with a kind (tests/fixtures/README.md, hypothesis-tagged.json)."""
    from partykg.model.inputs import load_inputs
    registry, sources = load_inputs(proj)
    src = next(s for s in sources if s.id == SID)
    dest, result, foreign = _import(proj, FIXTURES / "hypothesis-tagged.json", tmp_path)
    rows = {r.annotation.rsplit("/", 1)[-1]: r for r in result.rows}
    got = {k: (r.result, r.record) for k, r in rows.items()}
    # names the build finds anyway: derived, not written twice
    for t, key in (("t1", "red-and-black-notes"), ("t2", "october-revolution"),
                   ("t3", "soviets"), ("t4", "vladimir-lenin")):
        assert got[f"tagtyped-{t}"] == ("derived", f"mention of {key}"), rows[f"tagtyped-{t}"]
    # a name the build does not look for (detect: false): an explicit mention
    assert registry.entities["all-power-to-the-soviets"].detect is False
    assert got["tagtyped-t5"] == ("imported", "mention of all-power-to-the-soviets")
    assert result.records["mentions"] == [
        {"entity": "all-power-to-the-soviets", "quote": "All Power to the Soviets"}]
    assert "All Power to the Soviets" in src.text
    # kind-incompatible and ambiguous: to review, with the candidates
    review = {e["annotation"].rsplit("/", 1)[-1]: e for e in result.review}
    assert sorted(review) == ["tagtyped-t6", "tagtyped-t7", "tagtyped-t8"]
    assert review["tagtyped-t6"]["problem"].startswith("kind-incompatible")
    assert review["tagtyped-t6"]["candidates"] == ["soviets (organization, council)"]
    assert review["tagtyped-t7"]["problem"].startswith("ambiguous")
    assert review["tagtyped-t7"]["candidates"] == ["bolsheviks (organization, faction)",
                                                   "soviets (organization, council)"]
    assert review["tagtyped-t8"]["candidates"] == ["bolsheviks (organization, faction)"]
    assert foreign == []
    assert "unknown bod" not in dest.read_text(encoding="utf-8")


# --- partykg accept ----------------------------------------------------------------------

def _cli(*args, cwd):
    import os
    import subprocess
    import sys
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PARTYKG_OUT": str(cwd / "out")}
    return subprocess.run([sys.executable, "-c", "from partykg.cli import main; main()", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _copy(dest: Path) -> Path:
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


def _emptied(ann: Path, sections: tuple[str, ...]) -> None:
    """The annotation file with the records of ``sections`` removed (`key: []`)."""
    from partykg.model.yamlload import load_yaml
    lines = ann.read_text(encoding="utf-8").split("\n")
    doc = load_yaml(ann)
    drop: set[int] = set()
    for section in sections:
        head = doc.line_of(section)
        end = next((k for k in range(head + 1, len(lines) + 1) if lines[k - 1]
                    and not lines[k - 1][0].isspace() and not lines[k - 1].startswith("#")),
                   len(lines))
        drop |= set(range(head + 1, end))
        lines[head - 1] = f"{section}: []"
    ann.write_text("\n".join(ln for k, ln in enumerate(lines, 1) if k not in drop) + "\n",
                   encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_round_trip_export_import_accept(proj, exported, tmp_path):
    """Remove crn-2003's links and explicit mentions from a copy of the data,
    import the export of the real data onto it, accept: the records are back.
    Accepting again, or accepting a fresh import of the same export, changes
    nothing; then the copy builds and validates."""
    from test_webanno import normal

    from partykg.model.inputs import load_inputs
    from partykg.webanno.accept import accept
    _, sources = load_inputs(proj)
    original = next(s for s in sources if s.id == SID)
    assert original.links and original.mentions
    work = _copy(tmp_path / "w")
    ann = work / "data/annotations" / f"{SID}.yaml"
    _emptied(ann, ("links", "mentions"))
    copy = project(work, work / "out")
    before = next(s for s in load_inputs(copy)[1] if s.id == SID)
    assert before.links == [] and before.mentions == []
    kept_head = ann.read_text(encoding="utf-8")
    dest, _, _ = import_annotations(copy, exported / "collection.jsonld", SID,
                                    work / "import" / f"{SID}.yaml")
    result = accept(copy, dest)
    assert result.added["links"] == len(original.links)
    assert result.added["mentions"] == len(original.mentions)
    assert result.already["claims"] == len(original.claims)     # same records: skipped
    merged = ann.read_text(encoding="utf-8")
    # what was there stays byte for byte; the records come after it
    assert merged.startswith(kept_head.split("links: []")[0])
    back = next(s for s in load_inputs(copy)[1] if s.id == SID)
    assert normal(back) == normal(original)
    # the import file keeps its header and source, without the accepted records
    left = dest.read_text(encoding="utf-8")
    assert left.startswith("# Imported by") and "\nsource:\n" in left
    assert "\nclaims:" not in left and "\nmentions:" not in left
    # idempotent: again, and with a fresh import of the same export
    assert accept(copy, dest).added == {k: 0 for k in result.added}
    again, _, _ = import_annotations(copy, exported / "collection.jsonld", SID,
                                     work / "import2" / f"{SID}.yaml")
    second = accept(copy, again)
    assert sum(second.added.values()) == 0 and second.already["mentions"] == len(
        original.mentions)
    assert ann.read_text(encoding="utf-8") == merged
    # the build's own checks pass on the result
    for verb in ("build", "validate"):
        r = _cli(verb, cwd=work)
        assert r.returncode == 0, r.stderr[-2000:]


def test_accept_refuses_conflicts_with_file_and_line(proj, tmp_path):
    """An overlap with a name the build finds, a duplicate claim span and an
    unknown entity: exit 2, each at its line of the import file, nothing written."""
    from partykg.model.inputs import load_inputs
    _, sources = load_inputs(proj)
    src = next(s for s in sources if s.id == SID)
    c01 = src.claims[0]
    work = _copy(tmp_path / "w")
    ann = work / "data/annotations" / f"{SID}.yaml"
    meta = json.dumps({"id": SID, "text": src.meta["text"], "sha256": src.meta["sha256"],
                       "title": src.meta["title"]})
    text = "\n".join([
        "# Imported by hand for the test.", "", f"source: {meta}", "claims:",
        "- id: c99", f"  claimant: {c01.claimant}",
        f"  quote: {json.dumps(c01.span.exact(src.text))}",
        "  paraphrase: The same passage again.", "mentions:",
        "- entity: soviets", "  quote: Soviets", "  suffix: ' - councils'",
        "- entity: no-such-entity", "  quote: Red & Black Notes", ""])
    imp = tmp_path / "crn.yaml"
    imp.write_text(text, encoding="utf-8")
    ann_before, imp_before = ann.read_bytes(), imp.read_bytes()
    r = _cli("accept", str(imp), cwd=work)
    assert r.returncode == 2, r.stderr
    assert f"{imp}:{_line_of(text, '- id: c99')}: claim c99 is on the passage of claim " \
           f"{c01.id}" in r.stderr
    assert "duplicate claim span" in r.stderr
    assert f"{imp}:{_line_of(text, '- entity: soviets')}: the mention of soviets" in r.stderr
    assert "which the build already finds by name" in r.stderr
    assert ann.read_bytes() == ann_before and imp.read_bytes() == imp_before
    # with those two gone, the unknown entity is refused at its line by the loader
    rest = text.replace(text[text.index("claims:"):text.index("- entity: no-such")],
                        "mentions:\n")
    imp.write_text(rest, encoding="utf-8")
    r = _cli("accept", str(imp), cwd=work)
    assert r.returncode == 2, r.stderr
    assert f"{imp}:{_line_of(rest, '- entity: no-such-entity')}:" in r.stderr
    assert "no-such-entity" in r.stderr
    assert ann.read_bytes() == ann_before
