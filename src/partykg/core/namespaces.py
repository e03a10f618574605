"""The one place where namespaces and IRI patterns are defined.

Ontology, shapes and queries use the same prefixes; a test checks that they
agree with this module.
"""

from __future__ import annotations

import os

PKG = "https://w3id.org/partykg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/partykg/ontology"
DEFAULT_BASE = "https://w3id.org/partykg/"

PREFIXES: dict[str, str] = {
    "pkg": PKG,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "oa": "http://www.w3.org/ns/oa#",
    "cito": "http://purl.org/spar/cito/",
    "fabio": "http://purl.org/spar/fabio/",
    "dcterms": "http://purl.org/dc/terms/",
    "spdx": "http://spdx.org/rdf/terms#",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
    "pkgsh": "https://w3id.org/partykg/shapes#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
}

WIKIDATA_ENTITY = PREFIXES["wd"]


def base_iri() -> str:
    """The base of data IRIs: ``PARTYKG_BASE`` or the w3id default."""
    base = os.environ.get("PARTYKG_BASE", DEFAULT_BASE)
    return base if base.endswith("/") else base + "/"


def data_prefixes(base: str) -> dict[str, str]:
    """Prefixes for data IRIs under ``base`` (entity kinds and graphs)."""
    out = {"pkgid": base + "id/", "pkgg": base + "graph/"}
    for kind in ("person", "organization", "group", "event", "place", "work",
                 "source", "claim", "quotation", "citation", "thesis"):
        out[kind] = f"{base}id/{kind}/"
    return out


def all_prefixes(base: str | None = None) -> dict[str, str]:
    return {**PREFIXES, **data_prefixes(base or base_iri())}


def term(name: str) -> str:
    """Expand a CURIE such as ``schema:about`` to its full IRI."""
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local


def entity_iri(base: str, kind: str, key: str) -> str:
    return f"{base}id/{kind}/{key}"


def graph_iri(base: str, name: str) -> str:
    return f"{base}graph/{name}"


# --- every IRI partykg mints is spelled here --------------------------------

def source_iri(base: str, source_id: str) -> str:
    """A source document of the corpus."""
    return entity_iri(base, "source", source_id)


def record_iri(base: str, kind: str, global_id: str) -> str:
    """A claim, quotation or citation, numbered within its source:
    ``<base>id/claim/mandel-1970-c07``."""
    return entity_iri(base, kind, global_id)


def mention_iri(base: str, source_id: str, n: int) -> str:
    """The n-th mention (1-based, in text order) of a source."""
    return entity_iri(base, "mention", f"{source_id}-m{n:04d}")


def mention_count_iri(base: str, source_id: str, entity_key: str) -> str:
    """The count of a source's mentions of one entity: ``mention-count/<source>--<key>``
    (not a #part of the source, whose description holds its parts)."""
    return entity_iri(base, "mention-count", f"{source_id}--{entity_key}")


def claim_link_iri(base: str, a: str, b: str) -> str:
    """An agreement/contradiction link between two claims (global ids)."""
    return entity_iri(base, "claim-link", f"{a}--{b}")


def membership_iri(base: str, org_key: str, n: int) -> str:
    """The n-th membership (1-based) listed under an organization."""
    return entity_iri(base, "membership", f"{org_key}-{n:02d}")


def wikidata_link_iri(base: str, key: str) -> str:
    """The reified provenance of an entity's accepted Wikidata link."""
    return entity_iri(base, "wikidata-link", key)


# Fragments of an annotated record: its target and selectors, a source's checksum.
TARGET, QUOTE_SELECTOR, POSITION_SELECTOR, CHECKSUM = (
    "target", "quote-selector", "position-selector", "sha256")


def part_iri(iri: str, fragment: str) -> str:
    """A part of a record or document, e.g. ``…/claim/x-c01#quote-selector``."""
    return f"{iri}#{fragment}"


def collection_iri(base: str, source_id: str) -> str:
    """The Web Annotation collection of a source."""
    return f"{base}annotations/{source_id}"


def page_iri(base: str, source_id: str, n: int) -> str:
    """Page n of a source's Web Annotation collection."""
    return f"{collection_iri(base, source_id)}/page/{n}"


def basis_iri(base: str, owner: str, fact: str, n: int) -> str:
    """The n-th basis (1-based) of one fact of a registry entry (or a membership):
    ``<base>id/basis/bolsheviks--part_of-1``."""
    return entity_iri(base, "basis", f"{owner}--{fact.replace('_', '-')}-{n}")


def quantity_iri(base: str, global_id: str) -> str:
    """A number a source states: ``<base>id/quantity/mandel-1970-x01``."""
    return entity_iri(base, "quantity", global_id)


def discrepancy_iri(base: str, key: str, n: int) -> str:
    """The n-th recorded disagreement (1-based) between a text and a registry entry."""
    return entity_iri(base, "discrepancy", f"{key}-{n}")


def id_space(base: str) -> str:
    """The IRI space of every entity and record: ``<base>id/``."""
    return f"{base}id/"


def dataset_iri(base: str, version: str | None = None) -> str:
    """The dataset (the series, or one version of it)."""
    return f"{base}dataset" + (f"/{version}" if version else "")


def endpoint_iri(base: str) -> str:
    """The public SPARQL endpoint."""
    return f"{base}sparql"
