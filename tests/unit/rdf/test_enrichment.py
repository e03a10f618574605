"""partykg.rdf.enrichment: the Wikidata facts graph states facts about the items,
never about our entities, with annotation properties of its own (so that owl:sameAs
never merges them with the registry's facts), and carries its own provenance."""

from __future__ import annotations

from pyoxigraph import RdfFormat, parse

from partykg.rdf.emit import Emitter
from partykg.rdf.enrichment import emit_enrichment

CACHE = {"endpoint": "https://query.wikidata.org/sparql", "fetched": "2025-06-01T12:00:00Z",
         "entities": {"vladimir-lenin": {"qid": "Q1394", "description": "Russian revolutionary",
                                         "born": ["1870-04-22"], "died": ["1924"],
                                         "labels": {"ru": "Ленин", "de": "Lenin"}}}}

EXPECTED = """\
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix pkg: <https://w3id.org/partykg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix wd: <http://www.wikidata.org/entity/> .

<https://example.org/graph/wikidata-enrichment> {
  <https://example.org/graph/wikidata-enrichment> a prov:Entity ;
      dcterms:title "Facts fetched from Wikidata for the linked entities"@en ;
      prov:generatedAtTime "2025-06-01T12:00:00Z"^^xsd:dateTime ;
      dcterms:source <https://query.wikidata.org/sparql> ;
      prov:wasDerivedFrom wd:Q1394 .
  wd:Q1394 pkg:wikidataDescription "Russian revolutionary"@en ;
      pkg:wikidataBirthDate "1870-04-22"^^xsd:date ; pkg:wikidataDeathDate "1924"^^xsd:gYear ;
      pkg:wikidataLabel "Lenin"@de, "Ленин"@ru .
}
"""


def test_facts_about_the_items_with_provenance():
    em = Emitter("https://example.org/")
    emit_enrichment(em, CACHE)
    assert len(em.quads) == 10 and set(em.quads) == set(parse(EXPECTED, format=RdfFormat.TRIG))
    assert not any("/id/" in q.subject.value for q in em.quads)
