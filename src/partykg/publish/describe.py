"""VoID and DCAT descriptions of a release, generated from the data itself.

VoID: the dataset with its triple, entity, class and property counts, class
and property partitions, one subset per named graph, and the Wikidata
linkset. DCAT: the dataset as a versioned dcat:Dataset with licence,
creators, issued date, sources, and one dcat:Distribution per dump with its
media type, size and SHA-256. Every node has an IRI (no blank nodes), so
the output is deterministic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Store, Triple

from partykg.core.formats import BY_SUFFIX
from partykg.core.namespaces import (
    ONTOLOGY_IRI,
    PREFIXES,
    WIKIDATA_ENTITY,
    dataset_iri,
    endpoint_iri,
    entity_iri,
    id_space,
    source_iri,
)
from partykg.rdf.emit import N, en, typed

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
MEDIA_TYPES = {suffix: f.media_type for suffix, f in BY_SUFFIX.items()}  # of the dumps


@dataclass(frozen=True)
class ReleaseInfo:
    base: str
    version: str
    issued: str  # YYYY-MM-DD
    ontology: str = ""  # the owl:versionIRI of the ontology the data conforms to

    @property
    def dataset(self) -> NamedNode:
        return NamedNode(dataset_iri(self.base, self.version))

    @property
    def download_base(self) -> str:
        return f"{self.base}release/{self.version}/"


def _count(store: Store, query: str) -> list[tuple]:
    return [tuple(sol) for sol in store.query(query, use_default_graph_as_union=True)]


def void_triples(store: Store, info: ReleaseInfo) -> list[Triple]:
    ds = info.dataset
    out: list[Triple] = []

    def add(s, p, o):
        out.append(Triple(s, N(p), N(o) if isinstance(o, str) else o))

    def integer(n) -> Literal:
        return typed(int(n.value if hasattr(n, "value") else n), "xsd:integer")

    add(ds, "rdf:type", "void:Dataset")
    total = sum(1 for _ in store)
    add(ds, "void:triples", integer(total))
    [(subjects,)] = _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    add(ds, "void:distinctSubjects", integer(subjects))
    [(entities,)] = _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }")
    add(ds, "void:entities", integer(entities))
    add(ds, "void:uriSpace", Literal(id_space(info.base)))
    add(ds, "void:sparqlEndpoint", NamedNode(endpoint_iri(info.base)))
    for prefix in ("pkg", "schema", "prov", "org", "oa", "cito", "skos", "foaf", "dcterms",
                   "spdx", "owl", "rdfs"):
        add(ds, "void:vocabulary", NamedNode(PREFIXES[prefix].rstrip("#") if prefix == "pkg"
                                             else PREFIXES[prefix]))
    for name in ("partykg.nq", "partykg.trig"):
        add(ds, "void:dataDump", NamedNode(info.download_base + name))
    # class and property partitions: (name, query, count, partition, key, measure)
    for kind, query, count, partition, key, measure in (
            ("class", "SELECT ?x (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?x } }",
             "void:classes", "void:classPartition", "void:class", "void:entities"),
            ("property", "SELECT ?x (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?x ?o } }",
             "void:properties", "void:propertyPartition", "void:property", "void:triples")):
        rows = _count(store, query + " GROUP BY ?x ORDER BY ?x")
        add(ds, count, integer(len(rows)))
        for term, n in rows:
            part = NamedNode(f"{ds.value}#{kind}-{_slug(term.value)}")
            add(ds, partition, part)
            add(part, key, term)
            add(part, measure, integer(n))
    graphs = _count(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                           "GROUP BY ?g ORDER BY ?g")
    for graph, n in graphs:
        sub = NamedNode(f"{ds.value}#graph-{graph.value.rsplit('/', 1)[-1]}")
        add(ds, "void:subset", sub)
        add(sub, "rdf:type", "void:Dataset")
        add(sub, "rdfs:label", Literal(f"named graph <{graph.value}>"))
        add(sub, "void:inDataset", ds)
        add(sub, "void:triples", integer(n))
    wikidata = NamedNode("http://www.wikidata.org/")
    linkset = NamedNode(f"{ds.value}#wikidata-linkset")
    [(links,)] = _count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{PREFIXES['owl']}sameAs> ?o
        FILTER(STRSTARTS(STR(?o), "{WIKIDATA_ENTITY}")) }} }}""")
    add(ds, "void:subset", linkset)
    add(linkset, "rdf:type", "void:Linkset")
    [(reviewed,)] = _count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{
        ?ax a <{PREFIXES['owl']}Axiom> ; <{PREFIXES['owl']}annotatedProperty> <{PREFIXES['owl']}sameAs> ;
            <{PREFIXES['pkg']}acceptedBy> ?who }} }}""")
    [(close,)] = _count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{
        ?s <{PREFIXES['skos']}closeMatch> ?o FILTER(STRSTARTS(STR(?o), "{WIKIDATA_ENTITY}")) }} }}""")
    add(linkset, "rdfs:label", en("Verified links from partykg entities to Wikidata items"))
    add(linkset, "dcterms:description", en(
        f"Provenance: each owl:sameAs link is annotated as an OWL 2 axiom (owl:Axiom on the "
        f"triple) with its evidence (pkg:linkEvidence) and its record "
        f"<{info.base}id/wikidata-link/KEY> (pkg:linkRecord). "
        f"Links verified against public files pairing the QID with the entity's name (the "
        f"registry's `verified` evidence): {int(links.value) - int(reviewed.value)}. Links found "
        f"by `partykg link` and accepted in a human review, with who accepted them "
        f"(pkg:acceptedBy) and when (dcterms:dateAccepted): {int(reviewed.value)}. "
        f"Not counted here: {int(close.value)} skos:closeMatch links to items that are not the "
        "same entity (a modern state for a historical one), each with its reason "
        "(pkg:matchReason). `partykg link --verify` checks every link against Wikidata."))
    add(linkset, "prov:wasDerivedFrom", wikidata)
    add(linkset, "void:subjectsTarget", ds)
    add(linkset, "void:objectsTarget", wikidata)
    add(linkset, "void:linkPredicate", "owl:sameAs")
    add(linkset, "void:triples", integer(links))
    add(wikidata, "rdf:type", "void:Dataset")
    add(wikidata, "rdfs:label", en("Wikidata"))
    add(wikidata, "void:uriSpace", Literal(WIKIDATA_ENTITY))
    add(wikidata, "void:sparqlEndpoint", NamedNode("https://query.wikidata.org/sparql"))
    return out


def _slug(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            return f"{prefix}-{iri[len(ns):]}"
    return hashlib.sha256(iri.encode()).hexdigest()[:12]


def dcat_triples(store: Store, info: ReleaseInfo, dumps: list[Path],
                 sources: list[tuple[str, str]]) -> list[Triple]:
    ds = info.dataset
    series = NamedNode(dataset_iri(info.base))
    team = NamedNode(entity_iri(info.base, "organization", "partykg-contributors"))
    out: list[Triple] = []

    def add(s, p, o):
        out.append(Triple(s, N(p), N(o) if isinstance(o, str) else o))

    add(series, "rdf:type", "dcat:Dataset")
    add(series, "dcterms:title", en("partykg"))
    add(series, "dcat:hasVersion", ds)
    add(series, "dcat:hasCurrentVersion", ds)
    add(ds, "rdf:type", "dcat:Dataset")
    add(ds, "dcterms:title", en(f"partykg {info.version}: a knowledge graph of the debate on "
                                "the revolutionary party and spontaneous mass action"))
    add(ds, "dcterms:description", en(
        "Who claims what, about whom, in which text, at which passage, citing which work and "
        "page, and taking which side: claims, quotations, citations and mentions annotated in "
        "five essays on the revolutionary party and spontaneous mass action, with a registry "
        "of persons, organizations, events, places and works linked to Wikidata."))
    add(ds, "dcat:isVersionOf", series)
    add(ds, "dcat:version", Literal(info.version))
    add(ds, "owl:versionInfo", Literal(info.version))
    add(ds, "dcterms:issued", typed(info.issued, "xsd:date"))
    add(ds, "dcterms:license", NamedNode(LICENSE))
    add(ds, "dcterms:creator", team)
    add(ds, "dcterms:publisher", team)
    add(team, "rdf:type", "foaf:Organization")
    add(team, "foaf:name", Literal("partykg contributors"))
    add(ds, "dcterms:conformsTo", NamedNode(info.ontology or f"{ONTOLOGY_IRI}/{info.version}"))
    add(ds, "dcterms:language", NamedNode("http://id.loc.gov/vocabulary/iso639-1/en"))
    for kw in ("revolutionary party", "spontaneity", "Leninism", "Russian Revolution",
               "linked data", "claims", "quotations"):
        add(ds, "dcat:keyword", en(kw))
    for sid, title in sources:
        add(ds, "dcterms:source", NamedNode(source_iri(info.base, sid)))
        add(NamedNode(source_iri(info.base, sid)), "dcterms:title", en(title))
    for path in dumps:
        dist = NamedNode(f"{ds.value}#dump-{path.name}")
        data = path.read_bytes()
        checksum = NamedNode(f"{dist.value}-sha256")
        add(ds, "dcat:distribution", dist)
        add(dist, "rdf:type", "dcat:Distribution")
        add(dist, "dcterms:title", Literal(path.name))
        add(dist, "dcat:downloadURL", NamedNode(info.download_base + path.name))
        add(dist, "dcat:mediaType", NamedNode(
            "https://www.iana.org/assignments/media-types/" + MEDIA_TYPES[path.suffix]))
        add(dist, "dcat:byteSize", typed(len(data), "xsd:nonNegativeInteger"))
        add(dist, "dcterms:license", NamedNode(LICENSE))
        add(dist, "spdx:checksum", checksum)
        add(checksum, "rdf:type", "spdx:Checksum")
        add(checksum, "spdx:algorithm", "spdx:checksumAlgorithm_sha256")
        add(checksum, "spdx:checksumValue", typed(hashlib.sha256(data).hexdigest(), "xsd:hexBinary"))
    return out
