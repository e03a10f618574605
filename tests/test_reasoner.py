"""HermiT (owlready2) on the ontology together with the built data."""

from __future__ import annotations

import pytest
from pyoxigraph import NamedNode, Quad, Triple

from partykg.check.reason import check_consistency

PKG = "https://w3id.org/partykg/ontology#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL_SAME_AS = NamedNode("http://www.w3.org/2002/07/owl#sameAs")
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SCHEMA_DESCRIPTION = "http://schema.org/description"

pytestmark = [pytest.mark.external("java"), pytest.mark.slow]  # HermiT runs in Java: 5-13 s a test


def test_ontology_and_data_are_consistent(built):
    """The real ontology + data: consistent, no unsatisfiable class, and the
    canary inference present (proof that HermiT really ran)."""
    result = check_consistency(built)
    assert result.consistent, result.message
    assert result.unsatisfiable == []
    assert result.canary_inferred
    assert result.individuals > 300 and result.triples > 2000
    assert result.ok


def test_reasoner_detects_an_inconsistency(built):
    """Guards against a reasoner that returns quietly: a person who is also an
    organization (disjoint classes) must be reported inconsistent."""
    lenin = NamedNode("https://w3id.org/partykg/id/person/vladimir-lenin")
    result = check_consistency(built, [Triple(lenin, RDF_TYPE, NamedNode(PKG + "Organization"))])
    assert not result.consistent
    assert not result.ok


def test_a_sample_is_checked_above_the_limit(built):
    """Above max_individuals HermiT gets a sample with every class in proportion;
    the individuals of the probe are always in it, so the clash is still found."""
    full = check_consistency(built)
    sampled = check_consistency(built, max_individuals=500)
    assert sampled.ok and sampled.individuals == full.individuals
    assert 500 <= sampled.checked < 600 and sampled.triples < full.triples / 2
    assert "a sample of" in sampled.summary()
    lenin = NamedNode("https://w3id.org/partykg/id/person/vladimir-lenin")
    probe = check_consistency(built, [Triple(lenin, RDF_TYPE, NamedNode(PKG + "Organization"))],
                              max_individuals=500)
    assert not probe.consistent


def _merged(quads, graph: str):
    """The quads plus what owl:sameAs semantics attaches to our entities from the
    named graph ``graph``: each of its triples about a Wikidata item that an entity
    is owl:sameAs also stated about the entity (the RDF-based rule eq-rep-s)."""
    same = {q.object: q.subject for q in quads if q.predicate == OWL_SAME_AS}
    return quads + [Quad(same[q.subject], q.predicate, q.object, q.graph_name)
                     for q in quads if q.graph_name.value == graph and q.subject in same]


def test_enrichment_stays_apart_from_the_registry_under_owl_semantics(workdir, tmp_path):
    """Issue 20 simulated Wikidata's facts merged with ours through owl:sameAs (3 SHACL
    violations on Lenin: a second description, labels in other languages). The
    enrichment graph now states them with annotation properties of its own: HermiT
    finds ontology + registry + enrichment consistent, and SHACL finds nothing new
    when the facts about every sameAs item are merged into our entity. The control
    puts the same facts
    on the registry's properties, as before, and the merge is reported on Lenin."""
    from pyoxigraph import RdfFormat, parse, serialize
    from support.enrichment import write_enrichment_cache

    from partykg.check.validate import dump_shacl_results, load_shapes
    from partykg.core.namespaces import graph_iri
    from partykg.core.paths import project
    from partykg.rdf.build import build

    write_enrichment_cache(workdir)
    proj = project(workdir, workdir / "out")
    build(proj)
    enrichment = graph_iri(proj.base, "wikidata-enrichment")
    quads = list(parse(path=str(proj.nquads), format=RdfFormat.N_QUADS))
    assert any(q.graph_name.value == enrichment and q.predicate.value == PKG + "wikidataLabel"
               for q in quads)

    result = check_consistency(proj)
    assert result.ok, result.summary()

    shapes = load_shapes(workdir / "shapes")
    onto = graph_iri(proj.base, "ontology")

    def shacl(qs):
        path = tmp_path / "dump.nq"
        path.write_bytes(serialize(qs, format=RdfFormat.N_QUADS))
        return set(dump_shacl_results(path, shapes, onto))

    before = shacl(quads)
    merged = _merged(quads, enrichment)
    assert len(merged) > len(quads) + 10
    assert shacl(merged) == before

    old_style = {PKG + "wikidataLabel": RDFS_LABEL, PKG + "wikidataDescription": SCHEMA_DESCRIPTION,
                 PKG + "wikidataBirthDate": "http://schema.org/birthDate",
                 PKG + "wikidataDeathDate": "http://schema.org/deathDate"}
    control = [Quad(q.subject, NamedNode(old_style.get(q.predicate.value, q.predicate.value)),
                    q.object, q.graph_name) for q in quads]
    new = shacl(_merged(control, enrichment)) - before
    lenin = "https://w3id.org/partykg/id/person/vladimir-lenin"
    assert {(r.focus, r.path) for r in new} >= {(lenin, RDFS_LABEL), (lenin, SCHEMA_DESCRIPTION)}
