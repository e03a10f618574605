"""W3C Web Annotation export and import (`partykg export-annotations`,
`partykg import-annotations`) on the repository's real data.

The export is expanded with pyld against the official Web Annotation context
(src/partykg/webanno/contexts/anno.jsonld, served by a local document loader: nothing is
downloaded), and parsed by rdflib. The round trip exports every source and
imports it again, and the loaded annotation records must equal the originals.
The Hypothesis and Recogito samples (tests/fixtures/README.md) import with
every anchor resolved or reported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml

from partykg.core.errors import Collector, InputError
from partykg.core.namespaces import PREFIXES
from partykg.core.paths import project
from partykg.model.annotations import load_source
from partykg.model.inputs import load_inputs
from partykg.webanno.export import ANNO_CONTEXT, export
from partykg.webanno.importer import _plain, import_annotations, locate, yaml_context

pytestmark = pytest.mark.slow   # exports and imports all five sources: in CI, not in the fast loop

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CONTEXT_FILE = ROOT / "src/partykg/webanno/contexts/anno.jsonld"
OA = PREFIXES["oa"]
AS = "http://www.w3.org/ns/activitystreams#"
RDF_TYPE = "@type"
SOURCES = ("crn-2003", "fightback-2021", "mandel-1970", "new-socialist-nd", "ratcliffe-2012")


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    return project(ROOT, tmp_path_factory.mktemp("wa-out"))


@pytest.fixture(scope="module")
def inputs(proj):
    return load_inputs(proj)


@pytest.fixture(scope="module")
def exported(proj, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("wa-export")
    counts = export(proj, output=dest, page_size=40)
    assert sorted(counts) == list(SOURCES)
    return dest


def _pages(folder: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("page-*.jsonld"))]


def _items(folder: Path) -> list[dict]:
    return [a for page in _pages(folder) for a in page["items"]]


# --- export ------------------------------------------------------------------------------

def test_export_counts_match_the_build(exported, built):
    """Every claim, quotation, citation, link and mention of the build is one annotation."""
    manifest = json.loads(built.manifest.read_text())
    for sid in SOURCES:
        items = _items(exported / sid)
        coll = json.loads((exported / sid / "collection.jsonld").read_text())
        s = manifest["sources"][sid]
        assert coll["total"] == len(items) == sum(
            s[k] for k in ("claims", "quotations", "citations", "links", "mentions", "quantities"))
        kinds = [t for a in items for t in a["type"] if t.startswith("pkg:")]
        assert kinds.count("pkg:Claim") == s["claims"]
        assert kinds.count("pkg:Mention") == s["mentions"]
        assert kinds.count("pkg:Quantity") == s["quantities"]
        assert kinds.count("pkg:Agreement") + kinds.count("pkg:Contradiction") == s["links"]


def test_export_is_paged_and_linked(exported):
    folder = exported / "ratcliffe-2012"
    coll = json.loads((folder / "collection.jsonld").read_text())
    pages = _pages(folder)
    assert len(pages) == -(-coll["total"] // 40) > 2
    assert coll["first"] == pages[0]["id"] and coll["last"] == pages[-1]["id"]
    for i, page in enumerate(pages):
        assert page["partOf"] == coll["id"] and page["startIndex"] == 40 * i
        assert page.get("prev") == (pages[i - 1]["id"] if i else None)
        assert page.get("next") == (pages[i + 1]["id"] if i + 1 < len(pages) else None)
    assert all(len(p["items"]) == 40 for p in pages[:-1])


def test_export_is_deterministic(proj, exported, tmp_path):
    export(proj, only=("mandel-1970",), output=tmp_path, page_size=40)
    for f in sorted((exported / "mandel-1970").iterdir()):
        assert (tmp_path / "mandel-1970" / f.name).read_bytes() == f.read_bytes()


def test_export_targets_and_bodies(exported, inputs):
    """Selectors give the exact passage at the offsets; bodies name our entity and
    the Wikidata item of entities with a verified QID."""
    registry, sources = inputs
    src = next(s for s in sources if s.id == "mandel-1970")
    items = _items(exported / "mandel-1970")
    for a in items:
        if isinstance(a["target"], str):
            continue
        quote, pos = a["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and pos["type"] == "TextPositionSelector"
        assert src.text[pos["start"]:pos["end"]] == quote["exact"]
        assert src.text[:pos["start"]].endswith(quote["prefix"])
        assert src.text[pos["end"]:].startswith(quote["suffix"])
    lenin = [a for a in items if "pkg:Mention" in a["type"]
             and a["body"][0]["source"].endswith("/person/vladimir-lenin")]
    assert lenin and all(a["motivation"] == "identifying" for a in lenin)
    assert {b["source"] for b in lenin[0]["body"]} == {
        "https://w3id.org/partykg/id/person/vladimir-lenin",
        PREFIXES["wd"] + registry.entities["vladimir-lenin"].qid}
    c01 = next(a for a in items if a["id"].endswith("/claim/mandel-1970-c01"))
    assert c01["motivation"] == "describing"
    describing = [b for b in c01["body"] if b["purpose"] == "describing"]
    assert describing[0]["value"] == src.claims[0].paraphrase
    q = next(a for a in items if "pkg:Quotation" in a["type"] and a["body"])
    work = q["body"][0]
    assert q["motivation"] == "linking" and work["purpose"] == "linking"
    assert work["source"].startswith("https://w3id.org/partykg/id/work/")
    assert work["pkg:page"] == "xix"  # Trotsky, History of the Russian Revolution, p. xix
    motivations = {a["motivation"] for a in items}
    assert {"identifying", "describing", "linking"} <= motivations
    tags = [b for a in items for b in a.get("body", []) if b.get("purpose") == "tagging"]
    assert any("pkg:stance" in b for b in tags)


def _loader():
    """A pyld document loader that serves the W3C context from the fixture and
    refuses everything else (no network in tests)."""
    anno = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))

    def load(url, options=None):
        if url.rstrip("/") != ANNO_CONTEXT:
            raise AssertionError(f"the test must not fetch {url}")
        return {"contentType": "application/ld+json", "contextUrl": None,
                "documentUrl": url, "document": anno}
    return load


def test_export_expands_to_web_annotation_terms(exported):
    """pyld expands every page against the official context: every annotation is an
    oa:Annotation with oa: selectors, motivations and purposes."""
    from pyld import jsonld
    pages = _pages(exported / "crn-2003")
    selectors, motivations, purposes, n = set(), set(), set(), 0
    for page in pages:
        expanded = jsonld.expand(page, {"documentLoader": _loader()})
        assert expanded[0][RDF_TYPE] == [AS + "OrderedCollectionPage"]
        annos = expanded[0][AS + "items"][0]["@list"]
        assert len(annos) == len(page["items"])
        n += len(annos)
        for a in annos:
            assert OA + "Annotation" in a[RDF_TYPE]
            motivations |= {m["@id"] for m in a[OA + "motivatedBy"]}
            for t in a[OA + "hasTarget"]:
                for sel in t.get(OA + "hasSelector", []):
                    selectors |= set(sel[RDF_TYPE])
                    assert OA + "exact" in sel or OA + "start" in sel
            for b in a.get(OA + "hasBody", []):
                purposes |= {p["@id"] for p in b.get(OA + "hasPurpose", [])}
    assert n == json.loads((exported / "crn-2003" / "collection.jsonld").read_text())["total"]
    assert selectors == {OA + "TextQuoteSelector", OA + "TextPositionSelector"}
    # quotations that name no cited work only mark the passage: highlighting
    assert motivations == {OA + m for m in ("identifying", "describing", "linking",
                                            "highlighting")}
    assert purposes == {OA + p for p in ("identifying", "describing", "tagging", "linking")}
    coll = jsonld.expand(json.loads((exported / "crn-2003" / "collection.jsonld").read_text()),
                         {"documentLoader": _loader()})
    assert coll[0][RDF_TYPE] == [AS + "OrderedCollection"]
    assert coll[0][AS + "first"][0]["@id"] == pages[0]["id"]


def test_export_loads_as_rdf(exported):
    """rdflib reads the page (context given from the fixture) into oa: triples."""
    import rdflib
    page = _pages(exported / "mandel-1970")[-1]   # mentions are last
    anno = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    page["@context"] = [anno["@context"], page["@context"][1]]
    g = rdflib.Graph().parse(data=json.dumps(page), format="json-ld")
    oa = rdflib.Namespace(OA)
    annos = set(g.subjects(rdflib.RDF.type, oa.Annotation))
    assert len(annos) == len(page["items"])
    assert len(set(g.subjects(rdflib.RDF.type, oa.TextQuoteSelector))) > 0
    assert (None, oa.motivatedBy, oa.identifying) in g
    lenin = rdflib.URIRef("https://w3id.org/partykg/id/person/vladimir-lenin")
    assert (None, oa.hasSource, lenin) in g
    assert (None, rdflib.URIRef(PREFIXES["pkg"] + "detection"), rdflib.Literal("alias")) in g


def test_every_pkg_term_of_the_export_is_declared_in_the_ontology(exported, proj):
    """Expanded with pyld, the exports of all five sources use only pkg: terms
    (properties, classes and values) that ontology/partykg.ttl declares."""
    import rdflib
    from pyld import jsonld
    pkg = PREFIXES["pkg"]
    onto = rdflib.Graph().parse(proj.root / "ontology" / "partykg.ttl")
    declared = {str(s) for s in onto.subjects(rdflib.RDF.type, None) if str(s).startswith(pkg)}
    used: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith(pkg):
                    used.add(key)
                if key in ("@id", "@type"):
                    for v in value if isinstance(value, list) else [value]:
                        if isinstance(v, str) and v.startswith(pkg):
                            used.add(v)
                walk(value)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    for folder in sorted(p for p in exported.iterdir() if p.is_dir()):
        for doc in [json.loads((folder / "collection.jsonld").read_text()), *_pages(folder)]:
            walk(jsonld.expand(doc, {"documentLoader": _loader()}))
    assert {pkg + t for t in ("quotePrefix", "textSha256", "stance", "detection")} <= used
    assert used - declared == set()


# --- round trip --------------------------------------------------------------------------

def _strip(record) -> dict:
    d = asdict(record)
    d.pop("line", None)
    d.pop("lines", None)
    return d


def normal(src) -> dict:
    """A loaded source without line numbers. Explicit mentions keep no order (the
    build sorts them) and no prefix/suffix once loaded, so they are compared as a
    sorted list of (entity, start, end)."""
    return {"meta": _plain(src.meta), "text": src.text_path,
            "claims": [_strip(c) for c in src.claims],
            "quotations": [_strip(q) for q in src.quotations],
            "citations": [_strip(c) for c in src.citations],
            "links": [_strip(x) for x in src.links],
            "quantities": [_strip(x) for x in src.quantities],
            "mentions": sorted((m.entity, m.span.start, m.span.end) for m in src.mentions)}


@pytest.mark.parametrize("sid", SOURCES)
def test_round_trip(proj, inputs, exported, tmp_path, sid):
    registry, sources = inputs
    original = next(s for s in sources if s.id == sid)
    dest, result, foreign = import_annotations(
        proj, exported / sid / "collection.jsonld", sid, tmp_path / f"{sid}.yaml")
    errors = Collector()
    back = load_source(dest, proj.data, proj.root, registry, errors)
    assert errors.problems == []
    assert normal(back) == normal(original)
    assert result.review == [] and foreign == []
    counts = result.counts()
    assert counts["unresolved"] == counts["unknown-body"] == 0
    # every alias-detected mention is "derived", every explicit one imported
    assert counts["derived"] + len(original.mentions) == sum(
        r.record.startswith("mention of") for r in result.rows)


# --- import of other tools' exports ------------------------------------------------------

def _rows(result):
    return {(r.annotation.rsplit("/", 1)[-1], r.record): r for r in result.rows}


def _review_entries(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    block = [line[2:] if line.startswith("# ") else line[1:] for line in
             text[text.index("# review:\n"):].splitlines()]
    return yaml.safe_load("\n".join(block))["review"]


def test_import_hypothesis_sample(proj, inputs, tmp_path):
    registry, sources = inputs
    dest, result, foreign = import_annotations(
        proj, FIXTURES / "hypothesis-sample.json", "mandel-1970", tmp_path / "mandel-1970.yaml")
    rows = _rows(result)
    # stale offsets, unique quote: re-anchored by the quote
    r = rows[("sample-h1", "mention of kautsky-bauer-school")]
    assert (r.anchor, r.result) == ("re-anchored", "imported")
    assert "5660-5691 were stale" in r.detail
    # a quote that occurs twice: prefix/suffix chose the second ("French May. [3]")
    r = rows[("sample-h2", "mention of french-may-1968")]
    assert r.anchor == "disambiguated" and r.result == "derived"
    # a Wikidata IRI of a registry entity with a verified QID
    assert rows[("sample-h3", "mention of moscow")].result == "imported"
    assert registry.entities["moscow"].qid == "Q649"
    # a quote not in the text
    assert rows[("sample-h4", "annotation")].result == "unresolved"
    # unknown bodies: a comment, a tag, an unverified candidate QID
    assert rows[("sample-h5", "commenting")].result == "unknown-body"
    assert rows[("sample-h5", "tagging")].result == "unknown-body"
    # Q11730, once an unverified candidate, is Otto Bauer's verified item since 2026-12
    assert rows[("sample-h6", "mention of otto-bauer")].result == "derived"
    # 14 occurrences of "Lenin", stale offsets: the prefix/suffix decided
    assert rows[("sample-h7", "mention of vladimir-lenin")].anchor == "disambiguated"
    assert {r.annotation.rsplit("/", 1)[-1] for r in result.rows} == {
        f"sample-h{i}" for i in range(1, 8)}
    # the file loads; its mentions are the imported ones; the rest is in the review section
    errors = Collector()
    back = load_source(dest, proj.data, proj.root, registry, errors)
    assert errors.problems == []
    src = next(s for s in sources if s.id == "mandel-1970")
    got = {(m.entity, m.span.exact(src.text)) for m in back.mentions}
    assert got == {("kautsky-bauer-school", "Kautsky-Bauer school of thought"),
                   ("moscow", "Moscow")}
    assert back.claims == [] and back.quotations == []
    review = _review_entries(dest)
    assert {e["annotation"].rsplit("/", 1)[-1] for e in review} == {"sample-h4", "sample-h5"}
    assert any(e.get("quote") == "Lenin never welcomed spontaneous outbursts" for e in review)
    assert foreign == []  # targets name the source's url
    # deterministic: the same input gives the same bytes
    again, _, _ = import_annotations(proj, FIXTURES / "hypothesis-sample.json", "mandel-1970",
                                     tmp_path / "again" / "mandel-1970.yaml")
    assert again.read_bytes() == dest.read_bytes()


def test_import_collection_with_a_missing_page(proj, exported, tmp_path):
    import shutil
    folder = tmp_path / "ratcliffe-2012"
    shutil.copytree(exported / "ratcliffe-2012", folder)
    (folder / "page-0003.jsonld").unlink()
    with pytest.raises(InputError) as exc:
        import_annotations(proj, folder / "collection.jsonld", "ratcliffe-2012",
                           tmp_path / "r.yaml")
    assert "/page/3 of the collection is not in" in str(exc.value)
    assert not (tmp_path / "r.yaml").exists()


def test_import_recogito_sample(proj, inputs, tmp_path):
    registry, sources = inputs
    dest, result, foreign = import_annotations(
        proj, FIXTURES / "recogito-sample.jsonld", "crn-2003", tmp_path / "crn-2003.yaml")
    rows = _rows(result)
    assert rows[("sample-r1", "mention of vladimir-lenin")].anchor == "disambiguated"
    # Q159 is the Russian Federation: since 2026-12 the Russia of 1917 is only a close
    # match of the Russian Empire (Q34266), so the tag names no registry entity
    r = rows[("sample-r2", "entity")]
    assert r.anchor == "re-anchored" and "612-618 match none" in r.detail
    assert r.result == "unknown-body" and "verified Wikidata item Q159" in r.detail
    # Q1297, once a candidate, is Chicago's verified item
    assert rows[("sample-r3", "mention of chicago")].result == "imported"
    assert rows[("sample-r4", "annotation")].result == "unresolved"
    assert rows[("sample-r5", "tagging")].result == "unknown-body"
    assert rows[("sample-r5", "commenting")].result == "unknown-body"
    assert "no IRI" in rows[("sample-r6", "entity")].detail
    assert rows[("sample-r7", "mention of russian-trade-unions")].result == "imported"
    # `id` the Wikidata item, `value` its label (Recogito's form for a linked entity)
    assert rows[("sample-r8", "mention of bolsheviks")].anchor == "disambiguated"
    assert foreign == ["https://recogito.pelagios.org/document/sample0crn/part/1/edit"]
    errors = Collector()
    back = load_source(dest, proj.data, proj.root, registry, errors)
    assert errors.problems == []
    assert [m.entity for m in back.mentions] == ["chicago", "russian-trade-unions"]
    assert len(_review_entries(dest)) == 5
    # every annotation is accounted for: anchored, or reported unresolved
    assert {r.annotation.rsplit("/", 1)[-1] for r in result.rows} == {
        f"sample-r{i}" for i in range(1, 9)}


# --- anchoring ---------------------------------------------------------------------------

def test_locate_quote_first_then_offsets():
    text = "one two one three one"
    tqs = {"exact": "one"}
    assert locate(text, tqs, {"start": 8, "end": 11}).span.start == 8
    assert locate(text, {"exact": "one", "prefix": "three "}, None).span.start == 18
    near = locate(text, tqs, {"start": 10, "end": 13})
    assert (near.status, near.span.start) == ("re-anchored", 8)
    assert locate(text, tqs, None).status == "unresolved"
    stale = locate(text, {"exact": "three"}, {"start": 0, "end": 5})
    assert (stale.status, stale.span.start) == ("re-anchored", 12)
    assert locate(text, None, {"start": 4, "end": 7}).span.exact(text) == "two"
    assert locate(text, {"exact": "four"}, {"start": 4, "end": 7}).status == "unresolved"


def test_yaml_context_is_minimal_and_unique():
    from partykg.model.anchor import Span, anchor
    text = "the party and the class; the party and the state"
    span = Span(text.index("party", 10), text.index("party", 10) + 5)
    prefix, suffix = yaml_context(text, span)
    assert anchor(text, "party", prefix, suffix) == span
    # whole words, and the shorter side: "class; the " (11) rather than " and the state"
    assert (prefix, suffix) == ("class; the ", "")
    first = Span(4, 9)
    assert yaml_context(text, first) == ("", " and the class;")
    assert yaml_context("a unique word", Span(2, 8)) == ("", "")


# --- the command -------------------------------------------------------------------------

def _cli(*args, cwd=ROOT, env_out=None):
    import os
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if env_out:
        env["PARTYKG_OUT"] = str(env_out)
    return subprocess.run([sys.executable, "-c", "from partykg.cli import main; main()", *args],
                          cwd=cwd, env=env, capture_output=True, text=True)


def test_cli_import_bad_json_and_no_overwrite(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[\n {"target": "x",\n  "body": ]\n]\n', encoding="utf-8")
    r = _cli("import-annotations", str(bad), "--source", "crn-2003",
             "--output", str(tmp_path / "crn-2003.yaml"), env_out=tmp_path / "out")
    assert r.returncode == 2
    assert f"{bad}:3: not valid JSON" in r.stderr and "fix:" in r.stderr
    assert not (tmp_path / "crn-2003.yaml").exists()
    out = tmp_path / "crn-2003.yaml"
    args = ("import-annotations", str(FIXTURES / "recogito-sample.jsonld"), "--source",
            "crn-2003", "--output", str(out))
    first = _cli(*args, env_out=tmp_path / "out")
    assert first.returncode == 0, first.stderr
    assert "unknown-body" in first.stderr and "sample-r4" in first.stderr
    again = _cli(*args, env_out=tmp_path / "out")
    assert again.returncode == 2 and "exists" in again.stderr and "--force" in again.stderr
    assert _cli(*args, "--force", env_out=tmp_path / "out").returncode == 0


def test_cli_unknown_source(tmp_path):
    r = _cli("import-annotations", str(FIXTURES / "recogito-sample.jsonld"), "--source",
             "nope", env_out=tmp_path)
    assert r.returncode == 2 and "no source 'nope'" in r.stderr
    with pytest.raises(InputError):
        from partykg.webanno.export import export as ex
        ex(project(ROOT, tmp_path), only=("nope",), output=tmp_path)


# --- hostile input -----------------------------------------------------------------------
# Regression guards for issue 14: a NEL or LINE SEPARATOR in a quote failed the whole
# import pointing at a deleted temp file; deep JSON and 1e999 offsets gave tracebacks;
# one broken .json next to a collection stopped the import of the collection.

def _anno(ident: str, exact: str | None = None, tps: dict | None = None, tag: str = "",
          comment: str = "") -> dict:
    selectors = []
    if exact is not None:
        selectors.append({"type": "TextQuoteSelector", "exact": exact})
    if tps is not None:
        selectors.append({"type": "TextPositionSelector", **tps})
    body = []
    if tag:
        body.append({"type": "TextualBody", "purpose": "tagging", "value": tag})
    if comment:
        body.append({"type": "TextualBody", "purpose": "commenting", "value": comment})
    return {"id": ident, "type": "Annotation", "body": body,
            "target": {"source": "urn:x", "selector": selectors}}


@pytest.mark.parametrize("brk", ["\x85", "\u2028", "\u2029"], ids=["NEL", "LS", "PS"])
def test_yaml_line_breaks_in_quotes_survive_the_import(workdir, tmp_path, brk):
    """PyYAML writes NEL/LS/PS raw, and YAML readers take them for line breaks: a
    quote that holds one (in the text, and in the review section) must come back
    exactly, written as an escape in double quotes."""
    proj_ = project(workdir, workdir / "out")
    ann = workdir / "data/annotations/crn-2003.yaml"
    meta = yaml.safe_load(ann.read_text(encoding="utf-8"))["source"]
    text_file = workdir / "data" / meta["text"]
    # a text cannot hold NEL, a C1 control the build refuses in texts
    # (tests/test_bad_input.py): there the break is tried in the review section only
    in_text = " " if brk == "\x85" else brk
    added = f"Lenin wrote it plainly,{in_text}and the party listened."
    text_file.write_text(text_file.read_text(encoding="utf-8") + "\n" + added + "\n",
                         encoding="utf-8")
    import hashlib
    digest = hashlib.sha256(text_file.read_bytes()).hexdigest()
    ann.write_text(ann.read_text(encoding="utf-8").replace(meta["sha256"], digest),
                   encoding="utf-8")
    src_file = tmp_path / "in.json"
    src_file.write_text(json.dumps([
        _anno("a1", added, tag="vladimir-lenin"),
        _anno("a2", f"not in{brk}the text", comment=f"a note{brk}on two lines")]),
        encoding="utf-8")
    dest, result, _ = import_annotations(proj_, src_file, "crn-2003",
                                         tmp_path / "imported" / "crn-2003.yaml")
    registry, _ = load_inputs(proj_)
    errors = Collector()
    back = load_source(dest, proj_.data, proj_.root, registry, errors)
    assert errors.problems == []
    assert [(m.entity, m.span.exact(back.text)) for m in back.mentions] == [
        ("vladimir-lenin", added)]
    review = _review_entries(dest)
    assert [(e["annotation"], e.get("quote")) for e in review] == [("a2", f"not in{brk}the text")]
    assert review[0]["bodies"] == [
        f"purpose=commenting, type=TextualBody, value=a note{brk}on two lines"]
    assert brk not in dest.read_text(encoding="utf-8")      # escaped, never raw


def test_offsets_that_are_not_offsets_are_reported_per_annotation(proj, tmp_path):
    """JSON allows 1e999 (infinite), negative, fractional and string offsets: each such
    annotation is unresolved with the reason; the others are imported."""
    src = tmp_path / "offsets.json"
    src.write_text(json.dumps([
        _anno("inf", tps={"start": 10, "end": 20}, tag="vladimir-lenin"),
        _anno("neg", tps={"start": -1, "end": 5}, tag="vladimir-lenin"),
        _anno("str", tps={"start": "a", "end": "b"}, tag="vladimir-lenin"),
        _anno("frac", tps={"start": 1.5, "end": 5}, tag="vladimir-lenin"),
        _anno("far", tps={"start": 3, "end": 10**12}, tag="vladimir-lenin"),
        _anno("ok", tps={"start": 0, "end": 12}, tag="vladimir-lenin"),
    ]).replace('"start": 10,', '"start": 1e999,'), encoding="utf-8")
    dest, result, _ = import_annotations(proj, src, "crn-2003", tmp_path / "o.yaml")
    detail = {r.annotation: (r.anchor, r.detail) for r in result.rows}
    assert detail["inf"] == ("unresolved", "the target has no TextQuoteSelector and no usable "
                             "TextPositionSelector: TextPositionSelector start is inf, not a "
                             "whole number from 0")
    assert "start is -1, not a whole number" in detail["neg"][1]
    assert 'start is "a", not a whole number' in detail["str"][1]
    assert "start is 1.5, not a whole number" in detail["frac"][1]
    assert "the offsets 3-1000000000000 are not a passage of the text" in detail["far"][1]
    assert detail["ok"][0] == "resolved"
    assert {e["annotation"] for e in _review_entries(dest)} == {"inf", "neg", "str", "frac", "far"}


def test_values_of_the_wrong_json_type_fail_one_annotation_only(proj, tmp_path):
    base = "https://w3id.org/partykg/id/"
    claim = {"id": base + "claim/crn-2003-c98", "type": ["Annotation", "pkg:Claim"],
             "pkg:claimant": base + "organization/chicago-revolutionary-network",
             "body": [{"type": "TextualBody", "purpose": "describing",
                       "value": {"not": "text"}}],
             "target": {"source": "urn:x", "selector": {
                 "type": "TextQuoteSelector",
                 "exact": "we think that spontaneous revolutionary acts"}}}
    src = tmp_path / "typed.json"
    src.write_text(json.dumps([claim, {"id": {"an": "object"}, "target": 5, "body": 7},
                               _anno("fine", "Lenin", tag="vladimir-lenin")]), encoding="utf-8")
    dest, result, _ = import_annotations(proj, src, "crn-2003", tmp_path / "t.yaml")
    rows = {r.annotation: r for r in result.rows}
    # JSON-LD drops the object's undefined key "not": the claim has no paraphrase
    bad = rows[base + "claim/crn-2003-c98"]
    assert bad.result == "unknown-body" and "a describing TextualBody" in bad.detail
    # pyld refuses an object as an id: that annotation alone is unreadable
    assert rows["#2"].detail.startswith("cannot be read: not JSON-LD")
    assert "fine" in rows
    assert any(e["annotation"] == base + "claim/crn-2003-c98" for e in _review_entries(dest))


def test_deeply_nested_json_is_refused_clearly(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    nested = tmp_path / "nested.json"
    nested.write_text('[{"target": ' + "[" * 150 + "]" * 150 + "}]", encoding="utf-8")
    for f in (deep, nested):
        r = _cli("import-annotations", str(f), "--source", "crn-2003", "--output",
                 str(tmp_path / "x.yaml"), env_out=tmp_path / "out")
        assert r.returncode == 2, r.stderr
        assert f"{f}: the JSON is nested more than 100 levels deep" in r.stderr
        assert "fix:" in r.stderr and "Traceback" not in r.stderr
        assert not (tmp_path / "x.yaml").exists()


def test_a_special_file_is_refused(tmp_path):
    """A named pipe (or /dev/zero) would block or never end: only regular files are read."""
    import os
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    r = _cli("import-annotations", str(fifo), "--source", "crn-2003", "--output",
             str(tmp_path / "x.yaml"), env_out=tmp_path / "out")
    assert r.returncode == 2 and f"{fifo}: the path is not a regular file" in r.stderr


def test_a_broken_file_next_to_a_collection_is_skipped(proj, exported, tmp_path):
    import shutil
    folder = tmp_path / "crn-2003"
    shutil.copytree(exported / "crn-2003", folder)
    (folder / "notes.json").write_text('{"unrelated": [1, 2,,]}', encoding="utf-8")
    (folder / "page-9999.jsonld").write_bytes(b"\xff\xfe not even UTF-8")
    r = _cli("import-annotations", str(folder / "collection.jsonld"), "--source", "crn-2003",
             "--output", str(tmp_path / "crn.yaml"), env_out=tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert f"warning: skipped {folder / 'notes.json'}:1: not valid JSON" in r.stderr
    assert f"warning: skipped {folder / 'page-9999.jsonld'}:1: the file is not UTF-8" in r.stderr
    dest, result, _ = import_annotations(proj, folder / "collection.jsonld", "crn-2003",
                                         tmp_path / "again.yaml")
    assert result.counts()["unresolved"] == 0 and len(result.warnings) == 2
    # a page that is needed and unreadable: the error names the unreadable file
    (folder / "page-0001.jsonld").write_text("{", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_annotations(proj, folder / "collection.jsonld", "crn-2003", tmp_path / "x.yaml")
    assert "of the collection is not in" in str(exc.value)
    assert "unreadable files there:" in str(exc.value) and "page-0001.jsonld:1" in str(exc.value)
    assert not (tmp_path / "x.yaml").exists()
