"""`partykg link`, `link --verify` and `enrich` against a real local SPARQL endpoint.

An Oxigraph server on 127.0.0.1 serves tests/fixtures/wikidata.ttl and
tests/fixtures/wikidata-link.ttl (stand-ins for Wikidata); the commands talk
to it over HTTP through partykg's HTTP client (partykg.core.http), on a
private copy of the project (`workdir`). Nothing is mocked; the real data/ is
never written. Misbehaving endpoints are in tests/test_clients.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import rdflib
import yaml
from conftest import ROOT
from pyoxigraph import NamedNode
from partykg.core.net import free_port
from support.localserver import sparql_server

from partykg.core.paths import project
from partykg.sparql.store import load_store

pytestmark = [pytest.mark.external("oxigraph"), pytest.mark.slow]

FIXTURES = ROOT / "tests" / "fixtures"
WD = "http://www.wikidata.org/entity/"


def stand_in_items() -> set[str]:
    """The QIDs the stand-in endpoint describes (with a class, P31: `link --verify`
    needs it to check the kind)."""
    g = rdflib.Graph()
    for f in ("wikidata.ttl", "wikidata-link.ttl"):
        g.parse(FIXTURES / f)
    p31 = rdflib.URIRef("http://www.wikidata.org/prop/direct/P31")
    return {str(s).rsplit("/", 1)[1] for s in g.subjects(p31, None)}


@pytest.fixture()
def workdir(workdir):
    """The project copy, its registry's Wikidata links reduced to the items the
    stand-in endpoint holds (the fixtures were written for the links of 0.1.0;
    later links are verified against public evidence, not against the stand-in):
    the other links and the bases that rest on them are taken out of the copy."""
    known = stand_in_items()
    for path in (workdir / "data/registry").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        for m in reversed(list(re.finditer(r"^  wikidata:\n    qid: (Q\d+)\n(?:    .*\n)*",
                                           text, flags=re.M))):
            if m.group(1) not in known:
                text = text[:m.start()] + text[m.end():]
                text = text.replace(f"{{wikidata: {m.group(1)}}}",
                                    "{editorial: 'the link is not in this test copy'}")
        path.write_text(text, encoding="utf-8")
    return workdir


def published(workdir) -> int:
    """The Wikidata links of the copy's registry (owl:sameAs; close matches apart)."""
    text = "".join(p.read_text(encoding="utf-8") for p in (workdir / "data/registry").glob("*.yaml"))
    return len(re.findall(r"^  wikidata:\n    qid: Q\d+\n", text, flags=re.M)) - len(
        re.findall(r"^    match: close$", text, flags=re.M))


@pytest.fixture(scope="module")
def endpoint():
    with sparql_server(FIXTURES / "wikidata.ttl", FIXTURES / "wikidata-link.ttl") as url:
        yield url


def partykg(root, *args):
    return subprocess.run([sys.executable, "-m", "partykg.cli", "--root", str(root),
                           "--out", str(root / "out"), *args],
                          capture_output=True, text=True, cwd=root,
                          env={**os.environ, "COLUMNS": "300"})


def review_of(root) -> dict:
    return yaml.safe_load((root / "data/wikidata/review.yaml").read_text(encoding="utf-8"))


def accept(root, key: str, qid: str, by="Jane Doe", date="2025-06-01",
           evidence="description and class checked on the item") -> None:
    path = root / "data/wikidata/review.yaml"
    doc = review_of(root)
    doc["entities"][key]["review"] = {"decision": "accept", "qid": qid, "by": by, "date": date,
                                      "evidence": evidence}
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_link_finds_scores_and_ranks_candidates(workdir, endpoint):
    """Candidates come from labels and aliases; the kind and the dates move the score:
    the decoy (right label, a work instead of a human) ranks below the human, a
    disagreeing start date costs points, and entities with nothing found are listed."""
    r = partykg(workdir, "link", "--endpoint", endpoint)
    assert r.returncode == 0, r.stderr
    doc = review_of(workdir)
    assert doc["endpoint"] == endpoint
    ents = doc["entities"]
    # Germany and Russia: their close matches are not in the stand-in, so the copy
    # has them unlinked, and the stand-in's modern states are found as candidates
    assert sorted(ents) == ["ernest-mandel", "germany", "october-revolution", "otto-bauer",
                            "petrograd-soviet", "pravda", "russia", "yakov-blumkin"]
    mandel = ents["ernest-mandel"]["candidates"]
    assert [(c["qid"], c["score"]) for c in mandel] == [("Q990000001", 6), ("Q990000002", 0)]
    assert mandel[0]["types"] == ["Q5"] and mandel[1]["types"] == ["Q7725634"]
    assert any("not of kind person" in w for w in mandel[1]["why"])
    assert ents["ernest-mandel"]["review"]["decision"] == "pending"
    october = ents["october-revolution"]["candidates"][0]
    assert october["dates"] == {"P580": ["1917-11-07"]} and october["score"] == 3
    assert "start 1917-10 disagrees with P580 1917-11-07 (-3)" in october["why"]
    soviet = ents["petrograd-soviet"]["candidates"][0]
    assert soviet["score"] == 8 and soviet["dates"] == {"P571": ["1917"]}
    blumkin = ents["yakov-blumkin"]["candidates"][0]
    assert blumkin["label"] == "Yakov Grigoryevich Blumkin" and blumkin["dates"] == {"P570": ["1929"]}
    assert "English alias equals the name (+2)" in blumkin["why"]
    # a periodical reaches the organization kind through its own root class
    assert ents["pravda"]["candidates"][0]["qid"] == "Q990000006"
    assert "ernest-mandel" not in doc["no_candidates"] and "lev-kamenev" in doc["no_candidates"]


def test_link_keeps_decisions_and_is_deterministic(workdir, endpoint, monkeypatch):
    """A rerun keeps the reviews humans made and writes the same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert partykg(workdir, "link", "--endpoint", endpoint).returncode == 0
    accept(workdir, "ernest-mandel", "Q990000001")
    assert partykg(workdir, "link", "--endpoint", endpoint).returncode == 0
    first = (workdir / "data/wikidata/review.yaml").read_bytes()
    assert partykg(workdir, "link", "--endpoint", endpoint).returncode == 0
    assert (workdir / "data/wikidata/review.yaml").read_bytes() == first
    doc = review_of(workdir)
    assert doc["fetched"] == "2023-11-14"
    assert doc["entities"]["ernest-mandel"]["review"] == {
        "decision": "accept", "qid": "Q990000001", "by": "Jane Doe", "date": "2025-06-01",
        "evidence": "description and class checked on the item"}
    # a partial run (--only) leaves the other entries alone
    assert partykg(workdir, "link", "--endpoint", endpoint, "--only", "pravda").returncode == 0
    assert review_of(workdir)["entities"].keys() == doc["entities"].keys()


def test_accepted_link_is_published_with_provenance(workdir, endpoint):
    """An accepted candidate becomes owl:sameAs with a reified statement saying who
    accepted it, when and why; it validates, and the VoID linkset counts it."""
    assert partykg(workdir, "link", "--endpoint", endpoint).returncode == 0
    accept(workdir, "ernest-mandel", "Q990000001")
    shutil.copy(ROOT / "CHANGELOG.md", workdir / "CHANGELOG.md")
    r = partykg(workdir, "release")
    assert r.returncode == 0, r.stdout + r.stderr
    proj = project(workdir, workdir / "out")
    store = load_store(proj)
    rows = list(store.query("""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX pkg: <https://w3id.org/partykg/ontology#>
        SELECT ?item ?who ?when ?evidence WHERE {
          <https://w3id.org/partykg/id/person/ernest-mandel> owl:sameAs ?item .
          ?ax a owl:Axiom ; owl:annotatedSource <https://w3id.org/partykg/id/person/ernest-mandel> ;
              owl:annotatedProperty owl:sameAs ; owl:annotatedTarget ?item ;
              pkg:linkEvidence ?evidence ; pkg:acceptedBy/foaf:name ?who ;
              dcterms:dateAccepted ?when }""",
                            use_default_graph_as_union=True))
    assert [(r["item"].value, r["who"].value, r["when"].value, r["evidence"].value) for r in rows] == [
        (WD + "Q990000001", "Jane Doe", "2025-06-01", "description and class checked on the item")]
    # the verified links carry their evidence, and no invented reviewer or date
    lenin = list(store.query("""
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX pkg: <https://w3id.org/partykg/ontology#>
        SELECT ?evidence (EXISTS { ?ax pkg:acceptedBy ?x } AS ?who) WHERE {
          ?ax owl:annotatedSource <https://w3id.org/partykg/id/person/vladimir-lenin> ;
              pkg:linkEvidence ?evidence }""", use_default_graph_as_union=True))
    assert len(lenin) == 1 and "has_id_wikidata: Q1394" in lenin[0]["evidence"].value
    assert lenin[0]["who"].value == "false"
    (release,) = (workdir / "out/release").iterdir()
    void = rdflib.Graph().parse(release / "void.ttl")
    linkset = next(s for s in void.subjects() if str(s).endswith("#wikidata-linkset"))
    n = published(workdir)   # the accepted link is in the review file, not counted here
    assert int(void.value(linkset, rdflib.URIRef("http://rdfs.org/ns/void#triples"))) == n + 1
    description = str(void.value(linkset, rdflib.URIRef("http://purl.org/dc/terms/description")))
    assert f"registry's `verified` evidence): {n}." in description
    assert "(dcterms:dateAccepted): 1." in description


@pytest.mark.parametrize("review, message", [
    ({"decision": "accept", "qid": "Q990000001", "by": "J", "date": "2025-06-01"},
     "'ernest-mandel' is accepted without evidence"),
    ({"decision": "accept", "qid": "990000001", "by": "J", "date": "2025-06-01", "evidence": "x"},
     "'990000001' is not a Wikidata QID"),
    ({"decision": "accept", "qid": "Q1394", "by": "J", "date": "2025-06-01", "evidence": "x"},
     "Q1394 is accepted for 'ernest-mandel' but is already the item of 'vladimir-lenin'"),
    ({"decision": "accept", "qid": "Q990000001", "by": "J", "date": "June", "evidence": "x"},
     "'June' is not a valid date"),
    ({"decision": "maybe"}, "unknown decision 'maybe' for 'ernest-mandel'"),
    ({"decision": "pending", "approved_by": "J"}, "unknown key 'approved_by' in review of"),
])
def test_bad_review_file_is_rejected_with_its_line(workdir, endpoint, review, message):
    """The build refuses a bad review file with file:line, what is wrong and a fix (exit 2)."""
    assert partykg(workdir, "link", "--endpoint", endpoint).returncode == 0
    path = workdir / "data/wikidata/review.yaml"
    doc = review_of(workdir)
    doc["entities"]["ernest-mandel"]["review"] = review
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    r = partykg(workdir, "build")
    assert r.returncode == 2
    text = " ".join(r.stderr.split())
    assert message in text
    assert "data/wikidata/review.yaml:" in text and "fix:" in text
    assert not (workdir / "out/build").exists()


def test_review_entry_for_unknown_entity_is_rejected(workdir, endpoint):
    assert partykg(workdir, "link", "--endpoint", endpoint).returncode == 0
    path = workdir / "data/wikidata/review.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  ernest-mandel:", "  ernest-mandle:"),
                    encoding="utf-8")
    r = partykg(workdir, "build")
    assert r.returncode == 2 and "'ernest-mandle' is not a registry entity" in r.stderr


def test_verify_passes_on_consistent_links_and_names_a_wrong_one(workdir, endpoint):
    """Every published QID matches the stand-in endpoint (exit 0); giving Lenin
    Trotsky's QID is reported by entity and QID (exit 1)."""
    r = partykg(workdir, "link", "--verify", "--endpoint", endpoint)
    assert r.returncode == 0, r.stdout + r.stderr
    n = published(workdir) + len(re.findall(r"^    match: close$", "".join(
        p.read_text(encoding="utf-8") for p in (workdir / "data/registry").glob("*.yaml")),
        flags=re.M))
    assert f"all {n} published Wikidata links match their items" in r.stdout
    persons = workdir / "data/registry/persons.yaml"
    text = persons.read_text(encoding="utf-8")
    # drop Trotsky's own link (one item, one entity) and give his QID to Lenin
    start = text.index("leon-trotsky:")
    block_start = text.index("  wikidata:", start)
    block_end = text.index("  aliases:", block_start)
    text = text[:block_start] + text[block_end:]
    text = text.replace("qid: Q1394", "qid: Q33391")
    persons.write_text(text, encoding="utf-8")
    r = partykg(workdir, "link", "--verify", "--endpoint", endpoint)
    assert r.returncode == 1, r.stdout + r.stderr
    out = " ".join(r.stdout.split())
    assert f"1 mismatch(es) in {n - 1} published links" in out  # Trotsky's own link removed
    assert "vladimir-lenin" in out and "Q33391" in out and "Leon Trotsky" in out


def test_verify_reports_a_missing_item_and_a_wrong_kind(workdir, endpoint):
    """An accepted QID whose item has no label is 'missing'; one of another kind is named."""
    assert partykg(workdir, "link", "--endpoint", endpoint).returncode == 0
    accept(workdir, "ernest-mandel", "Q990000002")      # the decoy: a work, not a human
    accept(workdir, "pravda", "Q999999999")             # no such item in the endpoint
    r = partykg(workdir, "link", "--verify", "--endpoint", endpoint)
    assert r.returncode == 1
    out = " ".join(r.stdout.split())
    assert "ernest-mandel" in out and "is not a person" in out
    assert "pravda" in out and "missing" in out


def test_endpoint_down_is_exit_2(workdir):
    """Nothing listens on the port: a clear message, exit 2, nothing written."""
    url = f"http://127.0.0.1:{free_port()}/query"
    for args in (["link"], ["link", "--verify"], ["enrich"]):
        r = partykg(workdir, *args, "--endpoint", url)
        assert r.returncode == 2, args
        assert "the SPARQL endpoint failed" in r.stderr and "Connection refused" in r.stderr
    assert not (workdir / "data/wikidata").exists()


def test_enrich_caches_facts_and_the_build_publishes_them(workdir, endpoint, monkeypatch):
    """enrich writes a deterministic cache; the build puts Lenin's dates (day precision)
    and Kautsky's birth year (year precision, not a fake 1 January) in the enrichment
    graph, with the graph's provenance; a deprecated statement is ignored."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    r = partykg(workdir, "enrich", "--endpoint", endpoint, "--lang", "fr,de")
    assert r.returncode == 0, r.stderr
    cache_path = workdir / "data/wikidata/enrichment.yaml"
    cache = yaml.safe_load(cache_path.read_text(encoding="utf-8"))
    first = cache_path.read_bytes()
    assert partykg(workdir, "enrich", "--endpoint", endpoint, "--lang", "de,fr").returncode == 0
    assert cache_path.read_bytes() == first
    assert cache["endpoint"] == endpoint and cache["fetched"] == "2023-11-14T22:13:20Z"
    assert cache["languages"] == ["de", "fr"]
    assert cache["entities"]["vladimir-lenin"] == {
        "qid": "Q1394", "description": "stand-in description: Russian revolutionary",
        "born": ["1870-04-22"], "died": ["1924-01-21"],
        "labels": {"de": "Wladimir Iljitsch Lenin", "fr": "Lénine"}}
    assert cache["entities"]["karl-kautsky"] == {"qid": "Q76586", "born": ["1854"]}
    assert partykg(workdir, "build", "-q").returncode == 0
    store = load_store(project(workdir, workdir / "out"))
    g = "https://w3id.org/partykg/graph/wikidata-enrichment"
    facts = {(q.subject.value, q.predicate.value.rsplit("/", 1)[-1], str(q.object))
             for q in store.quads_for_pattern(None, None, None, NamedNode(g))}
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert (WD + "Q1394", "ontology#wikidataBirthDate", f'"1870-04-22"^^<{xsd}date>') in facts
    assert (WD + "Q1394", "ontology#wikidataDeathDate", f'"1924-01-21"^^<{xsd}date>') in facts
    assert (WD + "Q76586", "ontology#wikidataBirthDate", f'"1854"^^<{xsd}gYear>') in facts
    assert (WD + "Q1394", "ontology#wikidataLabel", '"Lénine"@fr') in facts
    assert (g, "prov#generatedAtTime", f'"2023-11-14T22:13:20Z"^^<{xsd}dateTime>') in facts
    assert (g, "prov#wasDerivedFrom", f"<{WD}Q1394>") in facts
    assert not any("1924-01-22" in o for _, _, o in facts)
    # the enriched build still conforms
    r = partykg(workdir, "validate", "--no-build")
    assert r.returncode == 0, r.stdout


def test_stale_enrichment_cache_is_rejected(workdir, endpoint):
    assert partykg(workdir, "enrich", "--endpoint", endpoint).returncode == 0
    path = workdir / "data/wikidata/enrichment.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("qid: Q1394", "qid: Q1395"),
                    encoding="utf-8")
    r = partykg(workdir, "build")
    assert r.returncode == 2
    assert "the cache has Q1395 for 'vladimir-lenin', the registry links Q1394" in r.stderr


def test_no_review_or_cache_in_the_repository():
    """The real data holds neither file: they come from a live Wikidata, not the fixture."""
    assert not (ROOT / "data/wikidata/review.yaml").exists()
    assert not (ROOT / "data/wikidata/enrichment.yaml").exists()


def test_enrich_keeps_a_good_cache_against_an_endpoint_without_data(workdir, endpoint,
                                                                   tmp_path_factory):
    """An endpoint that knows none of the linked items (here a real Oxigraph server
    holding one unrelated triple) would replace a good cache with an empty one:
    refused (exit 2, the cache byte for byte as it was) unless --force."""
    assert partykg(workdir, "enrich", "--endpoint", endpoint).returncode == 0
    cache = workdir / "data/wikidata/enrichment.yaml"
    good = cache.read_bytes()
    assert sorted(yaml.safe_load(good)["entities"]) == ["karl-kautsky", "vladimir-lenin"]
    text = "".join(p.read_text(encoding="utf-8") for p in (workdir / "data/registry").glob("*.yaml"))
    linked = len(re.findall(r"^  wikidata:\n    qid: Q\d+\n", text, flags=re.M))
    unrelated = tmp_path_factory.mktemp("empty") / "unrelated.nt"
    unrelated.write_text("<urn:partykg-test:a> <urn:partykg-test:b> <urn:partykg-test:c> .\n")
    with sparql_server(unrelated) as empty:
        r = partykg(workdir, "enrich", "--endpoint", empty)
        assert r.returncode == 2, r.stdout + r.stderr
        text = " ".join(r.stderr.split())
        assert (f"data/wikidata/enrichment.yaml: {empty} gave no facts (description, dates, "
                f"labels) for any of the {linked} linked items") in text
        assert "--force" in text and "Traceback" not in text
        assert cache.read_bytes() == good
        forced = partykg(workdir, "enrich", "--endpoint", empty, "--force")
        assert forced.returncode == 0, forced.stderr
    assert yaml.safe_load(cache.read_text(encoding="utf-8"))["entities"] == {}
    assert yaml.safe_load(cache.read_text(encoding="utf-8"))["endpoint"] == empty


def test_a_password_in_the_endpoint_url_is_not_written(workdir, endpoint):
    """The endpoint is recorded in the files `link` and `enrich` write: without the
    user and password a URL may carry (which go to that host only)."""
    with_password = endpoint.replace("//", "//historian:s3cret-Pa55@")
    assert partykg(workdir, "link", "--endpoint", with_password).returncode == 0
    assert partykg(workdir, "enrich", "--endpoint", with_password).returncode == 0
    for name in ("review.yaml", "enrichment.yaml"):
        text = (workdir / "data/wikidata" / name).read_text(encoding="utf-8")
        assert "s3cret" not in text and "historian" not in text
        assert yaml.safe_load(text)["endpoint"] == endpoint
