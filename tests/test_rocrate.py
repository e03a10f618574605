"""The release folder is an RO-Crate: read back with the `rocrate` library (ro-crate-py)
and checked against the files themselves, the build and the project's records; and
validated with roc-validator (PyPI `roc-validator`) against the RO-Crate 1.1 profile.

roc-validator fetches the RO-Crate JSON-LD context from w3id.org and has no copy of
its own; with `--offline` it answers from its HTTP cache only, so the test seeds a
cache in its temporary folder with the context from tests/fixtures/ro-crate-1.1/
(nothing goes to the network)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import rdflib
from conftest import ROOT, select
from rocrate.rocrate import ROCrate

from partykg import __version__
from partykg.publish.rocrate import METADATA

pytestmark = pytest.mark.slow  # all on the session's real release
CONTEXT_11 = ROOT / "tests/fixtures/ro-crate-1.1/context.jsonld"
CONTEXT_URL = "https://w3id.org/ro/crate/1.1/context"


@pytest.fixture(scope="module")
def crate(released):
    return ROCrate(released)


def test_root_dataset(crate, released):
    """Name, description, version, licence, authors as the project records them, and
    the issued date of the DCAT description."""
    root = crate.root_dataset
    assert crate.metadata.properties()["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"}
    assert root["version"] == __version__ and __version__ in crate.name
    assert len(crate.description) > 50
    assert crate.license.id == "https://creativecommons.org/licenses/by/4.0/"
    recorded = {a["name"] for a in tomllib.loads((ROOT / "pyproject.toml").read_text())
                ["project"]["authors"]}
    authors = root["author"] if isinstance(root["author"], list) else [root["author"]]
    assert authors and {a["name"] for a in authors} <= recorded
    dcat = rdflib.Graph().parse(released / "dcat.ttl")
    issued = {str(o) for o in dcat.objects(None, rdflib.DCTERMS.issued)}
    assert crate.root_dataset.get("datePublished")[:10] in issued and len(issued) == 1


def test_every_file_is_a_data_entity_with_size_and_checksum(crate, released):
    files = sorted(str(p.relative_to(released)) for p in released.rglob("*")
                   if p.is_file() and p.name != METADATA)
    for rel in files:
        entity = crate.get(rel)
        assert entity is not None, rel
        data = (released / rel).read_bytes()
        assert int(entity["contentSize"]) == len(data), rel
        assert entity["encodingFormat"], rel
        if rel != "SHA256SUMS":  # it lists the crate: its size is known, its digest is not
            assert entity["sha256"] == hashlib.sha256(data).hexdigest(), rel
    # reachable from the root through hasPart (folders hold their files)
    seen, todo = set(), [crate.root_dataset]
    while todo:
        for part in todo.pop().get("hasPart") or []:
            if part.id not in seen:
                seen.add(part.id)
                todo.append(part)
    assert set(files) <= seen
    for name in ("shapes/partykg-shapes.ttl", "shacl-report.ttl", "ontology/partykg.ttl",
                 "queries/05-cited-works.rq", "partykg.trig"):
        assert name in seen


def test_source_texts_with_their_checksums(crate, store):
    """The five texts, by URL or partykg IRI, with the SHA-256 the build records."""
    rows = select(store, """SELECT ?doc ?sum WHERE { ?doc a <https://w3id.org/partykg/ontology#SourceDocument> ;
        <http://spdx.org/rdf/terms#checksum>/<http://spdx.org/rdf/terms#checksumValue> ?sum }""")
    recorded = {r["doc"]: r["sum"] for r in rows}
    texts = {e["identifier"]: e for e in crate.data_entities
             if str(e.get("identifier", "")).startswith("https://w3id.org/partykg/id/source/")}
    assert len(recorded) == 5 and set(texts) == set(recorded)
    for doc, entity in texts.items():
        assert entity["sha256"] == recorded[doc]
        assert entity["encodingFormat"] == "text/plain" and int(entity["contentSize"]) > 1000


def test_only_ro_crate_terms(released):
    """Every property is a term of the RO-Crate 1.1 context or declared inline; nothing
    would be dropped by a JSON-LD processor."""
    doc = json.loads((released / METADATA).read_text())
    ctx, extra = doc["@context"]
    assert ctx == CONTEXT_URL
    known = set(json.loads(CONTEXT_11.read_text())["@context"]) | set(extra)
    used = {k for e in doc["@graph"] for k in e if not k.startswith("@")}
    assert used <= known, used - known


def seeded_cache(path: Path) -> Path:
    """A requests-cache database (roc-validator's HTTP cache) holding the RO-Crate 1.1
    context as the answer to its URL."""
    import requests
    import urllib3
    from requests_cache import CachedSession
    body = CONTEXT_11.read_bytes()
    session = CachedSession(cache_name=str(path), backend="sqlite", expire_after=-1,
                            allowable_methods=("GET",), allowable_codes=(200, 302, 404))
    request = session.prepare_request(requests.Request(
        "GET", CONTEXT_URL, headers={"Accept": "application/ld+json, application/json"}))
    response = requests.Response()
    response.status_code, response._content, response.url = 200, body, CONTEXT_URL
    response.request, response.encoding = request, "utf-8"
    response.headers["Content-Type"] = "application/ld+json"
    response.raw = urllib3.HTTPResponse(body=io.BytesIO(body), status=200,
                                        headers={"Content-Type": "application/ld+json"},
                                        preload_content=False, request_url=CONTEXT_URL)
    session.cache.save_response(response)
    assert session.cache.contains(request=request)
    return path


def test_roc_validator_accepts_the_crate(released, tmp_path):
    """roc-validator, offline, RO-Crate 1.1 profile: no REQUIRED issue."""
    cache = seeded_cache(tmp_path / "http-cache")
    report = tmp_path / "report.json"
    cli = Path(sys.executable).with_name("rocrate-validator")
    run = subprocess.run([str(cli), "-y", "validate", "--offline", "--cache-path", str(cache),
                          "-p", "ro-crate-1.1", "--no-paging", "-f", "json", "-o", str(report),
                          str(released)], check=False, capture_output=True, text=True,
                         timeout=600)
    result = json.loads(report.read_text())
    assert result["validation_settings"]["offline"] is True
    assert result["issues"] == [] and result["passed"] is True, run.stdout + run.stderr
    assert run.returncode == 0
