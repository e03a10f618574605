"""The release folder as an RO-Crate 1.1 (https://w3id.org/ro/crate/1.1).

``ro-crate-metadata.json`` describes the folder the way research data repositories
ingest it: the root Dataset (name, description, licence, the authors as the project
records them, version, datePublished from the release's clock, the dataset IRI)
and one data entity per file (dumps, ontology, shapes, queries, VoID/DCAT, the
validation report, changelog, readme, checksums) with its encodingFormat,
contentSize and sha256. The five source texts are web-based data entities (their
URL, else their partykg IRI) with the SHA-256 and size of the text partykg
annotated: they belong to their authors and are not in the release.

Written as plain JSON rather than through the ``rocrate`` library: its writer adds
the time of writing and copies files, and the release must stay byte-identical;
the tests read the crate back with ``rocrate`` and check it with roc-validator
(offline, its HTTP cache seeded with the RO-Crate 1.1 context).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from partykg.core.formats import BY_SUFFIX

# sha256 is not a term of the RO-Crate 1.1 context (1.3 has it, as schema:sha256):
# declared inline, as RO-Crate 1.1 allows for ad-hoc terms ("Extending RO-Crate")
CONTEXT = ["https://w3id.org/ro/crate/1.1/context", {"sha256": "http://schema.org/sha256"}]
PROFILE = "https://w3id.org/ro/crate/1.1"
METADATA = "ro-crate-metadata.json"
LICENCE = {"@id": "https://creativecommons.org/licenses/by/4.0/", "@type": "CreativeWork",
           "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
           "identifier": "CC-BY-4.0"}
# media types of the files that are not RDF dumps (those come from core.formats)
OTHER_TYPES = {".json": "application/json", ".jsonld": "application/ld+json",
               ".html": "text/html", ".md": "text/markdown", ".rq": "application/sparql-query",
               ".txt": "text/plain", "": "text/plain"}
# what each file or folder of the release is (by path; a query is described by its name)
WHAT = {
    "partykg.trig": "The dataset in TriG: one named graph per source document, plus the "
                    "registry and ontology graphs.",
    "partykg.nq": "The dataset in N-Quads: one named graph per source document, plus the "
                  "registry and ontology graphs.",
    "partykg.ttl": "All triples of the dataset merged into one graph (Turtle).",
    "partykg.nt": "All triples of the dataset merged into one graph (N-Triples).",
    "partykg.jsonld": "The dataset in JSON-LD, with its @context inline.",
    "context.jsonld": "The JSON-LD @context of partykg.jsonld.",
    "ontology/": "The partykg ontology.",
    "ontology/partykg.ttl": "The ontology (Turtle).",
    "ontology/partykg.owl": "The ontology (RDF/XML).",
    "ontology/index.html": "The ontology's HTML documentation.",
    "shapes/": "The SHACL shapes the data is validated with (and their SPARQL constraints).",
    "queries/": "The ready-made SPARQL queries, with grlc headers.",
    "void.ttl": "VoID description generated from the data: counts, partitions, the "
                "Wikidata linkset.",
    "dcat.ttl": "DCAT description of the dataset and its distributions.",
    "shacl-report.ttl": "The SHACL validation report of this release.",
    "CHANGELOG.md": "The CHANGELOG entry of this version.",
    "README.md": "What the release holds, and how to cite it.",
    "SHA256SUMS": "SHA-256 of every other file (sha256sum -c SHA256SUMS).",
}


@dataclass(frozen=True)
class Text:
    """A source text, as the crate names it."""
    source_iri: str
    title: str
    url: str | None
    path: Path       # the local copy partykg annotated


def media_type(path: Path) -> str:
    if path.suffix in BY_SUFFIX and path.suffix not in (".jsonld", ".json"):
        return BY_SUFFIX[path.suffix].media_type
    if path.suffix == ".owl":
        return "application/rdf+xml"
    return OTHER_TYPES.get(path.suffix, "application/octet-stream")


def _file(folder: Path, rel: str) -> dict:
    data = (folder / rel).read_bytes()
    return {"@id": rel, "@type": "File", "name": Path(rel).name,
            "description": WHAT.get(rel) or WHAT.get(rel.split("/", 1)[0] + "/", ""),
            "encodingFormat": media_type(Path(rel)), "contentSize": str(len(data)),
            "sha256": hashlib.sha256(data).hexdigest()}


def sums_size(names: list[str]) -> int:
    """The size of SHA256SUMS as release() writes it (64 hex digits, two spaces, the
    path, a newline per file), known before the digests are."""
    return sum(64 + 2 + len(n.encode("utf-8")) + 1 for n in names)


def crate(folder: Path, *, name: str, description: str, version: str, published: str,
          dataset_iri: str, authors: list[dict], texts: list[Text], keywords: list[str]) -> bytes:
    """The bytes of ro-crate-metadata.json for the release ``folder`` (written before
    SHA256SUMS, which it describes by its predictable size)."""
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if p.is_file() and p.name != METADATA)
    folders = sorted({f.split("/", 1)[0] + "/" for f in files if "/" in f})
    entities = [_file(folder, f) for f in files]
    for f in folders:
        inside = [e for e in entities if e["@id"].startswith(f)]
        entities.append({"@id": f, "@type": "Dataset", "name": f.rstrip("/"),
                         "description": WHAT.get(f, ""),
                         "hasPart": [{"@id": e["@id"]} for e in inside]})
    listed = files + [METADATA]
    entities.append({"@id": "SHA256SUMS", "@type": "File", "name": "SHA256SUMS",
                     "description": WHAT["SHA256SUMS"], "encodingFormat": "text/plain",
                     "contentSize": str(sums_size(sorted(listed)))})
    for t in texts:
        data = t.path.read_bytes()
        entities.append({
            "@id": t.url or t.source_iri, "@type": "File", "name": t.title,
            "identifier": t.source_iri,
            "description": "A source text of the corpus, as annotated (not included in the "
                           "release: it belongs to its authors and publishers). contentSize "
                           "and sha256 are those of the text partykg annotated.",
            "encodingFormat": "text/plain", "contentSize": str(len(data)),
            "sha256": hashlib.sha256(data).hexdigest()})
    top = [e for e in entities if "/" not in e["@id"].rstrip("/") or e["@type"] == "Dataset"
           or e["@id"].startswith("http")]
    root = {"@id": "./", "@type": "Dataset", "name": name, "description": description,
            "identifier": dataset_iri, "version": version, "datePublished": published,
            "license": {"@id": LICENCE["@id"]},
            # a single value is not wrapped in an array (RO-Crate 1.1's JSON-LD advice)
            "author": refs if len(refs := [{"@id": a["@id"]} for a in authors]) != 1 else refs[0],
            "publisher": refs if len(refs) != 1 else refs[0],
            "keywords": keywords,
            "hasPart": [{"@id": e["@id"]} for e in
                        sorted(top, key=lambda e: e["@id"]) if e["@id"] != "./"]}
    meta = {"@id": METADATA, "@type": "CreativeWork", "conformsTo": {"@id": PROFILE},
            "about": {"@id": "./"}}
    graph = [meta, root, *sorted(entities, key=lambda e: e["@id"]), LICENCE, *authors]
    doc = {"@context": CONTEXT, "@graph": graph}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
