"""HermiT (owlready2) on the ontology together with the built data."""

from __future__ import annotations

import pytest
from pyoxigraph import NamedNode, Triple

from partykg.check.reason import check_consistency

PKG = "https://w3id.org/partykg/ontology#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

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
