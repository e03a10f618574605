"""`partykg release`: the versioned folder, its reproducibility, and an independent
check of every dump with Apache Jena's riot."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tomllib

import pytest
import rdflib
from conftest import ROOT
from support.jena import riot

from partykg import __version__
from partykg.core.paths import project
from partykg.publish.release import release

RDF_FILES = ("partykg.trig", "partykg.nq", "partykg.ttl", "partykg.nt", "partykg.jsonld",
             "ontology/partykg.ttl", "ontology/partykg.owl", "void.ttl", "dcat.ttl",
             "shacl-report.ttl")


@pytest.mark.slow  # a whole release
def test_release_folder_holds_every_artefact(released):
    """Dumps, ontology in three forms, VoID, DCAT, report, queries, changelog, checksums."""
    assert released.name == f"partykg-{__version__}"
    for name in (*RDF_FILES, "context.jsonld", "ontology/index.html", "CHANGELOG.md",
                 "README.md", "SHA256SUMS"):
        assert (released / name).stat().st_size > 0, name
    assert len(list((released / "queries").glob("*.rq"))) == len(list((ROOT / "queries").glob("*.rq")))
    assert (released / "CHANGELOG.md").read_text().startswith(f"## [{__version__}] - ")


@pytest.mark.slow  # a whole release
def test_checksums_cover_every_file(released):
    """SHA256SUMS lists every other file of the release with its real digest."""
    lines = (released / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {str(p.relative_to(released)) for p in released.rglob("*") if p.is_file()}
    assert set(listed) == files - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((released / name).read_bytes()).hexdigest() == digest


@pytest.mark.slow  # a second release in a fresh process
def test_rebuild_is_byte_identical(released, tmp_path):
    """A second release from the same commit, in a fresh process with another hash seed,
    has the same checksums for every file."""
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "7", "PARTYKG_ROOT": str(ROOT), "PARTYKG_OUT": str(out)}
    env.pop("SOURCE_DATE_EPOCH", None)
    subprocess.run([sys.executable, "-m", "partykg.cli", "release"], env=env, check=True,
                   capture_output=True)
    again = out / "release" / released.name
    assert (again / "SHA256SUMS").read_bytes() == (released / "SHA256SUMS").read_bytes()


@pytest.mark.external("java", "jena")
@pytest.mark.slow  # Java on every dump of a release
@pytest.mark.parametrize("name", RDF_FILES)
def test_riot_accepts_every_dump(released, name):
    """Apache Jena (riot --validate), an independent toolkit, accepts each RDF file.
    JSON-LD is checked with Jena's JSON-LD 1.0 reader: the 1.1 reader of Debian's
    Jena 4.5 packaging cannot load any document, and our file is plain JSON-LD 1.0."""
    syntax = ["--syntax=jsonld10"] if name.endswith(".jsonld") else []
    result = riot(*syntax, "--validate", str(released / name))
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr and "WARN" not in result.stderr


@pytest.mark.external("java", "jena")
@pytest.mark.slow  # Java on every dump of a release
def test_riot_counts_the_same_quads_in_every_dataset_dump(released):
    """TriG, N-Quads and JSON-LD hold the same number of quads, as Jena counts them."""
    counts = {}
    for name in ("partykg.trig", "partykg.nq", "partykg.jsonld"):
        syntax = ["--syntax=jsonld10"] if name.endswith(".jsonld") else []
        out = riot(*syntax, "--count", str(released / name))
        counts[name] = int(re.search(r"(?:Quads|Triples) = ([\d,]+)", out.stdout + out.stderr)
                           .group(1).replace(",", ""))
    assert len(set(counts.values())) == 1 and counts["partykg.nq"] > 30000, counts


@pytest.mark.slow  # rdflib parses the whole dataset twice
def test_jsonld_is_the_same_dataset(released):
    """The compacted JSON-LD, read by rdflib with its inline @context, equals the N-Quads."""
    a = rdflib.Dataset()
    a.parse(released / "partykg.nq", format="nquads")
    b = rdflib.Dataset()
    b.parse(released / "partykg.jsonld", format="json-ld")
    def ground(ds):  # blank nodes get new labels on parsing: compare the rest exactly
        return {q for q in ds.quads() if not any(isinstance(t, rdflib.BNode) for t in q[:3])}
    assert ground(a) == ground(b) and len(ground(a)) > 30000
    assert len(list(a.quads())) == len(list(b.quads()))


@pytest.mark.slow  # a whole release
def test_void_and_dcat_describe_the_data(released):
    """VoID counts and DCAT checksums are those of the release's own files."""
    g = rdflib.Graph()
    g.parse(released / "void.ttl")
    g.parse(released / "dcat.ttl")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    ds = rdflib.URIRef(f"https://w3id.org/partykg/dataset/{__version__}")
    nq_lines = [l for l in (released / "partykg.nq").read_text().splitlines() if l and not l.startswith("#")]
    assert int(g.value(ds, void.triples)) == len(nq_lines)
    linkset = rdflib.URIRef(f"{ds}#wikidata-linkset")
    sameas = [l for l in nq_lines if "<http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q" in l]
    assert int(g.value(linkset, void.triples)) == len(sameas) > 60
    dists = list(g.objects(ds, dcat.distribution))
    assert len(dists) == 5
    for dist in dists:
        name = str(g.value(dist, rdflib.URIRef("http://purl.org/dc/terms/title")))
        data = (released / name).read_bytes()
        assert int(g.value(dist, dcat.byteSize)) == len(data)
        assert str(g.value(g.value(dist, spdx.checksum), spdx.checksumValue)) == \
            hashlib.sha256(data).hexdigest()
    assert str(g.value(ds, dcat.version)) == __version__
    # the data conforms to the ontology's own version (its version IRI), not the package's
    assert str(g.value(ds, rdflib.DCTERMS.conformsTo)) == "https://w3id.org/partykg/ontology/0.2.0"
    assert "Ontology: <https://w3id.org/partykg/ontology/0.2.0>" in (released / "README.md").read_text()


def test_versions_agree():
    """One version for the package (package, pyproject, CHANGELOG entry); the ontology
    has its own (issue 20): its version IRI ends in its owl:versionInfo, its prior
    version is the one before, and its dates come from the CHANGELOG, not the clock:
    dcterms:issued is the date of the first release, dcterms:modified the date of the
    CHANGELOG line that introduces its version."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert pyproject == __version__
    assert f"## [{__version__}] - " in changelog
    onto = rdflib.Graph().parse(ROOT / "ontology/partykg.ttl")
    owl, dct = rdflib.OWL, rdflib.DCTERMS
    o = rdflib.URIRef("https://w3id.org/partykg/ontology")
    version = str(onto.value(o, owl.versionInfo))
    assert str(onto.value(o, owl.versionIRI)) == f"https://w3id.org/partykg/ontology/{version}"
    assert str(onto.value(o, owl.priorVersion)) == "https://w3id.org/partykg/ontology/0.1.0"
    first = re.findall(r"^## \[[^\]]+\] - (\d{4}-\d{2}-\d{2})", changelog, re.M)[-1]
    assert str(onto.value(o, dct.issued)) == first
    introduced = re.search(rf"^### Ontology {re.escape(version)} \((\d{{4}}-\d{{2}}-\d{{2}})\)",
                           changelog, re.M)
    assert introduced, f"CHANGELOG.md has no line '### Ontology {version} (YYYY-MM-DD)'"
    assert str(onto.value(o, dct.modified)) == introduced.group(1)


@pytest.mark.slow  # a whole release
def test_source_date_epoch_sets_the_issued_date(tmp_path, monkeypatch):
    """SOURCE_DATE_EPOCH, when set, is the issued date of the dataset (not the clock)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    folder = release(project(ROOT, tmp_path))
    assert '"2026-01-01"^^xsd:date' in (folder / "dcat.ttl").read_text()


def test_missing_changelog_entry_is_refused(workdir):
    """A release needs its CHANGELOG entry: exit 2, and no release folder."""
    (workdir / "CHANGELOG.md").write_text("# Changelog\n")
    (workdir / "pyproject.toml").write_text("")
    env = {**os.environ, "PARTYKG_ROOT": str(workdir), "PARTYKG_OUT": str(workdir / "out")}
    result = subprocess.run([sys.executable, "-m", "partykg.cli", "release"], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert f"no entry for version {__version__}" in result.stderr
    assert not (workdir / "out" / "release").exists()
