"""The named graph of facts fetched from Wikidata (``graph/wikidata-enrichment``),
emitted from the checked enrichment cache. The facts are stated about the
Wikidata items, never about our entities, and with annotation properties of
their own (pkg:wikidataLabel, pkg:wikidataDescription, pkg:wikidataBirthDate,
pkg:wikidataDeathDate), not with the registry's rdfs:label, schema:description
or schema:birthDate: the registry's owl:sameAs makes our entity and the item
one individual, and a reasoner would otherwise merge Wikidata's facts with the
texts' (a second description, labels in other languages, a second birth date).
Annotations carry no meaning under OWL 2 semantics, and no registry fact or
shape uses these properties (docs/MODEL.md). The graph carries its own
provenance."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from partykg.core.namespaces import WIKIDATA_ENTITY, graph_iri
from partykg.rdf.emit import Emitter, date_literal, en, typed

GRAPH = "wikidata-enrichment"


def emit_enrichment(em: Emitter, cache: dict) -> None:
    """The enrichment graph: facts about the Wikidata items, and the graph's provenance."""
    g = NamedNode(graph_iri(em.base, GRAPH))
    em.graph = g
    em.add(g, "rdf:type", "prov:Entity")
    em.add(g, "dcterms:title", en("Facts fetched from Wikidata for the linked entities"))
    em.add(g, "prov:generatedAtTime", typed(cache["fetched"], "xsd:dateTime"))
    em.add(g, "dcterms:source", NamedNode(cache["endpoint"]))
    for key, v in sorted(cache["entities"].items()):
        item = NamedNode(WIKIDATA_ENTITY + v["qid"])
        em.add(g, "prov:wasDerivedFrom", item)
        if "description" in v:
            em.add(item, "pkg:wikidataDescription", en(v["description"]))
        for field, prop in (("born", "pkg:wikidataBirthDate"), ("died", "pkg:wikidataDeathDate")):
            for d in v.get(field, []):
                em.add(item, prop, date_literal(d))
        for lang, text in sorted(v.get("labels", {}).items()):
            em.add(item, "pkg:wikidataLabel", Literal(text, language=lang))
