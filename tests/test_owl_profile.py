"""The ontology is OWL 2 DL and OWL 2 RL; the published graph is OWL 2 DL (issue 20).

The OWL API's own profile checkers (OWL2DLProfile, OWL2RLProfile, inside the
HermiT.jar owlready2 bundles) run on the ontology alone and on the whole build,
all named graphs merged, also with the Wikidata enrichment graph: the test fails
on any violation and prints the checker's output. A control shows the checker
reports what it must (an undeclared class, an rdf:Statement reification, a union
domain for OWL 2 RL), so that an empty report means something.

Without Java, the declarations are still checked in Python: every class and
property the build uses is declared in the ontology with its OWL type.
"""

from __future__ import annotations

import pytest
from conftest import ROOT
from pyoxigraph import Literal, NamedNode, RdfFormat, parse
from support.enrichment import write_enrichment_cache
from support.owlprofile import check

from partykg.core.namespaces import graph_iri
from partykg.core.paths import project
from partykg.rdf.build import build

OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
# Terms that OWL 2 builds in (no declaration): the RDF/RDFS/OWL vocabulary itself
# and the built-in annotation properties.
BUILT_IN = (OWL, RDF + "type", RDF + "first", RDF + "rest", RDFS)
external = pytest.mark.external("java", "javac")


def _declarations(nquads, onto_graph: str) -> dict[str, set[str]]:
    decl: dict[str, set[str]] = {}
    for q in parse(path=str(nquads), format=RdfFormat.N_QUADS):
        if q.graph_name.value == onto_graph and q.predicate.value == RDF + "type" \
                and q.object.value.startswith(OWL):
            decl.setdefault(q.subject.value, set()).add(q.object.value[len(OWL):])
    return decl


def test_every_term_the_build_uses_is_declared(built):
    """Guards the finding that skos:hasTopConcept and skos:broader were used but not
    declared (which makes the graph OWL 2 Full): every predicate of the build is
    declared as an object, datatype or annotation property, used as such (literal
    values only on datatype and annotation properties), and every class of an
    rdf:type is declared a class; nothing is reified with rdf:Statement."""
    onto = graph_iri(built.base, "ontology")
    decl = _declarations(built.nquads, onto)
    undeclared, misused, classes = set(), set(), set()
    for q in parse(path=str(built.nquads), format=RdfFormat.N_QUADS):
        p = q.predicate.value
        if p == RDF + "type":
            if not q.object.value.startswith((OWL, RDFS)) and \
                    "Class" not in decl.get(q.object.value, set()):
                classes.add(q.object.value)
            assert q.object.value != RDF + "Statement", f"rdf:Statement reification: {q}"
            continue
        if p.startswith(BUILT_IN):
            continue
        kinds = decl.get(p, set()) & {"ObjectProperty", "DatatypeProperty", "AnnotationProperty"}
        if len(kinds) != 1:
            undeclared.add(f"{p} {sorted(kinds)}")
        elif isinstance(q.object, Literal) and kinds == {"ObjectProperty"}:
            misused.add(f"{p}: an object property with a literal value")
        elif isinstance(q.object, NamedNode) and kinds == {"DatatypeProperty"}:
            misused.add(f"{p}: a datatype property with an IRI value")
    assert not undeclared, "properties not declared exactly once:\n  " + "\n  ".join(sorted(undeclared))
    assert not classes, "classes not declared:\n  " + "\n  ".join(sorted(classes))
    assert not misused, "\n".join(sorted(misused))


@external
def test_checker_reports_violations(tmp_path):
    """The control: an undeclared class, a reification with rdf:Statement and a
    union as a property's domain are reported (DL, and RL for the union)."""
    bad = tmp_path / "bad.ttl"
    bad.write_text("""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
<http://example.org/o> a owl:Ontology .
ex:A a owl:Class . ex:B a owl:Class .
ex:p a owl:DatatypeProperty ; rdfs:domain [ a owl:Class ; owl:unionOf ( ex:A ex:B ) ] .
ex:x a ex:Undeclared .
ex:s a rdf:Statement ; rdf:subject ex:x .
""")
    report = check(bad, "DL", "RL")
    dl, rl = "\n".join(report.violations["DL"]), "\n".join(report.violations["RL"])
    assert "Use of undeclared class: <http://example.org/Undeclared>" in dl
    assert "rdf:Statement" in dl
    assert "ObjectUnionOf" in rl or "union" in rl.lower(), report.output


@external
def test_ontology_is_owl2_dl_and_rl():
    """ontology/partykg.ttl against OWL2DLProfile and OWL2RLProfile: no violation
    (a named class, pkg:LocatedReference, is the domain of the locator properties,
    which a union would keep out of OWL 2 RL)."""
    report = check(ROOT / "ontology" / "partykg.ttl", "DL", "RL")
    print(report.output)
    assert report.axioms > 500
    assert report.ok("DL") and report.ok("RL"), report.output


@pytest.mark.slow
@external
def test_whole_build_is_owl2_dl(built):
    """All named graphs of the real build merged: OWL 2 DL (the axiom annotations
    of fact bases and Wikidata links included), no violation."""
    report = check(built.nquads, "DL")
    print(report.output)
    assert report.axioms > 30_000
    assert report.ok("DL"), report.output


@pytest.mark.slow
@external
def test_build_with_wikidata_enrichment_is_owl2_dl(workdir):
    """The Wikidata enrichment graph (its provenance and its facts on annotation
    properties) keeps the merged graph OWL 2 DL."""
    write_enrichment_cache(workdir)
    proj = project(workdir, workdir / "out")
    build(proj)
    report = check(proj.nquads, "DL")
    print(report.output)
    assert report.ok("DL"), report.output
