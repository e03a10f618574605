"""partykg.rdf.emit: a tiny registry and source give exactly these quads (written
out below in TriG), and an index entry pointing back to the YAML for each
annotation IRI."""

from __future__ import annotations

from pyoxigraph import RdfFormat, parse

from partykg.model.anchor import anchor
from partykg.model.annotations import Claim, Source
from partykg.model.mentions import find_mentions
from partykg.model.registry import Entity, Registry, Thesis
from partykg.rdf.emit import Emitter, Where, date_literal, emit_registry, emit_source, slug

BASE = "https://example.org/"
TEXT = "Lenin said: the party leads."


def emitted() -> Emitter:
    lenin = Entity(key="vladimir-lenin", kind="person", cls="Person", name="Vladimir Lenin",
                   file="persons.yaml", line=1, aliases=["Lenin"], values={"born": "1870-04"})
    thesis = Thesis("party-leads", "The party leads", "The party leads the masses.", None,
                    "theses.yaml", 2)
    registry = Registry({"vladimir-lenin": lenin}, {"party-leads": thesis})
    source = Source("notes", "notes.yaml", 1, "sources/notes.txt", TEXT, "ab" * 32,
                    {"title": "Notes", "language": "en", "authors": ["vladimir-lenin"]})
    source.claims.append(Claim(
        "c01", 8, anchor(TEXT, "Lenin said: the party leads"), claimant="vladimir-lenin",
        paraphrase="The party leads.",
        stance={"supports": ["party-leads"], "opposes": [], "qualifies": []}))
    em = Emitter(BASE)
    emit_registry(em, registry)
    emit_source(em, registry, source, find_mentions(source, registry))
    return em


EXPECTED = """\
@base <https://example.org/> .
@prefix pkg: <https://w3id.org/partykg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<graph/registry> {
  <id/person/vladimir-lenin> a pkg:Person ; rdfs:label "Vladimir Lenin"@en ;
      skos:altLabel "Lenin"@en ; schema:birthDate "1870-04"^^xsd:gYearMonth .
  <id/thesis/scheme> a skos:ConceptScheme ;
      skos:prefLabel "Questions and theses of the debate on party and spontaneity"@en ;
      skos:hasTopConcept <id/thesis/party-leads> .
  <id/thesis/party-leads> a pkg:Thesis ; skos:prefLabel "The party leads"@en ;
      rdfs:label "The party leads"@en ; skos:definition "The party leads the masses."@en ;
      skos:inScheme <id/thesis/scheme> ; skos:topConceptOf <id/thesis/scheme> .
}

<graph/source/notes> {
  <id/source/notes> a pkg:SourceDocument ; dcterms:title "Notes"@en ; rdfs:label "Notes"@en ;
      schema:author <id/person/vladimir-lenin> ; schema:inLanguage "en" ;
      spdx:checksum <id/source/notes#sha256> ; pkg:textLength "28"^^xsd:integer .
  <id/source/notes#sha256> a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha256 ;
      spdx:checksumValue "abababababababababababababababababababababababababababababababab"^^xsd:hexBinary .

  <id/claim/notes-c01> a pkg:Claim ; rdfs:label "Claim notes-c01"@en ;
      pkg:claimant <id/person/vladimir-lenin> ; pkg:statedIn <id/source/notes> ;
      pkg:attributionMode pkg:OwnView ; pkg:assertedBy <id/person/vladimir-lenin> ;
      pkg:paraphrase "The party leads."@en ; pkg:supportsThesis <id/thesis/party-leads> ;
      pkg:positionInSource "0"^^xsd:integer ; oa:hasTarget <id/claim/notes-c01#target> ;
      schema:mentions <id/person/vladimir-lenin> .
  <id/claim/notes-c01#target> a oa:SpecificResource ; oa:hasSource <id/source/notes> ;
      oa:hasSelector <id/claim/notes-c01#quote-selector>, <id/claim/notes-c01#position-selector> .
  <id/claim/notes-c01#quote-selector> a oa:TextQuoteSelector ;
      oa:exact "Lenin said: the party leads" ; oa:prefix "" ; oa:suffix "." .
  <id/claim/notes-c01#position-selector> a oa:TextPositionSelector ;
      oa:start "0"^^xsd:nonNegativeInteger ; oa:end "27"^^xsd:nonNegativeInteger .

  <id/mention/notes-m0001> a pkg:Mention ; oa:motivatedBy oa:identifying ;
      oa:hasBody <id/person/vladimir-lenin> ; pkg:detection "alias" ;
      oa:hasTarget <id/mention/notes-m0001#target> .
  <id/mention/notes-m0001#target> a oa:SpecificResource ; oa:hasSource <id/source/notes> ;
      oa:hasSelector <id/mention/notes-m0001#quote-selector>, <id/mention/notes-m0001#position-selector> .
  <id/mention/notes-m0001#quote-selector> a oa:TextQuoteSelector ;
      oa:exact "Lenin" ; oa:prefix "" ; oa:suffix " said: the party leads." .
  <id/mention/notes-m0001#position-selector> a oa:TextPositionSelector ;
      oa:start "0"^^xsd:nonNegativeInteger ; oa:end "5"^^xsd:nonNegativeInteger .

  # how often the source mentions the entity, for queries 15 and 28 (checked by query 89)
  <id/mention-count/notes--vladimir-lenin> pkg:countedIn <id/source/notes> ;
      pkg:countedEntity <id/person/vladimir-lenin> ;
      pkg:mentionCount "1"^^xsd:nonNegativeInteger ;
      pkg:explicitMentionCount "0"^^xsd:nonNegativeInteger .
}
"""


def all_quads(em: Emitter) -> list:
    """The emitter's terms and its directly written N-Quads lines (the passages and
    mentions), read back as quads: together the graph."""
    return list(parse("".join(line + "\n" for line in em.nquad_lines()),
                      format=RdfFormat.N_QUADS))


def test_a_tiny_source_gives_exactly_these_quads():
    em = emitted()
    quads = all_quads(em)
    expected = set(parse(EXPECTED, format=RdfFormat.TRIG))
    assert len(quads) == len(set(quads)) == len(expected) == 65
    assert set(quads) - expected == set() and expected - set(quads) == set()


def test_the_index_points_each_iri_back_to_its_yaml():
    # spans also carry their offsets: the position selectors' oa:start and oa:end above
    assert emitted().index == {
        BASE + "id/person/vladimir-lenin": Where("persons.yaml", 1),
        BASE + "id/thesis/party-leads": Where("theses.yaml", 2),
        BASE + "id/source/notes": Where("notes.yaml", 1, "notes"),
        BASE + "id/claim/notes-c01": Where("notes.yaml", 8, "notes", "Lenin said: the party leads",
                                                  0, 27),
        BASE + "id/mention/notes-m0001": Where("notes.yaml", 0, "notes", "Lenin", 0, 5),
    }


def test_dates_keep_their_precision_and_reviewer_slugs():
    assert [date_literal(d).datatype.value.rsplit("#")[1] for d in ("1917", "1917-07", "1917-07-23")] \
        == ["gYear", "gYearMonth", "date"]
    assert slug("Zoë O'Brien-Smith") == "zoe-o-brien-smith" and slug("!!") == "anonymous"
