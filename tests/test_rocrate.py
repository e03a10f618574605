"""The release folder is an RO-Crate: read back with the `rocrate` library (ro-crate-py)
and checked against the files themselves, the build and the project's records.

roc-validator (PyPI `roc-validator`) is not used: every profile's first checks fetch
the RO-Crate JSON-LD context from w3id.org, and with `--offline` it reports
"Unable to retrieve the JSON-LD context" (no offline copy ships with it)."""

from __future__ import annotations

import hashlib
import json
import tomllib

import pytest
import rdflib
from conftest import ROOT, select
from rocrate.rocrate import ROCrate
from rocrate.vocabs import RO_CRATE

from partykg import __version__
from partykg.publish.rocrate import METADATA

pytestmark = pytest.mark.slow  # all on the session's real release


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
    authors = root["author"]
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
    """Every property is a term of the RO-Crate context (ro-crate-py's copy) or declared
    inline; nothing would be dropped by a JSON-LD processor."""
    doc = json.loads((released / METADATA).read_text())
    ctx, extra = doc["@context"]
    assert ctx == "https://w3id.org/ro/crate/1.1/context"
    known = set(RO_CRATE["@context"]) | set(extra)
    used = {k for e in doc["@graph"] for k in e if not k.startswith("@")}
    assert used <= known, used - known
