"""Mutation test: the validation catches corruptions of the real build.

The issue behind it (20) corrupted the real build in 15 ways and found none
caught by SHACL or the violation queries. Here each corruption is applied to a
copy of the real build's N-Quads dump (nothing else changes: the annotation
index and the shapes and queries of the repository), the copy is validated with
`partykg.check.validate.validate` exactly as `partykg validate` does (SHACL with
pyshacl-turbo, then every *-violation.rq in the embedded store), and the test
asserts that a result that the unbroken build does not give names the corrupted
record as its focus, comes from the expected shape or query, with the expected
message and severity.

Every shape and query added for issue 20 has its corruption here, as have the
kinds of corruption the issue lists. The targets (which claim, which link) are
chosen from the real build by SPARQL, the first in IRI order, so that the test
follows the data. The table of corruptions, what caught them and the message is
printed (pytest -s) and kept in MUTATION_TABLE.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Callable

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse, serialize

from partykg.check.validate import Result, validate
from partykg.core.paths import Project, project

PKG = "https://w3id.org/partykg/ontology#"
ID = "https://w3id.org/partykg/id/"
GRAPH = "https://w3id.org/partykg/graph/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "http://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
OA = "http://www.w3.org/ns/oa#"
PREFIXES = {"pkg": PKG, "owl": OWL, "schema": SCHEMA, "skos": SKOS, "org": ORG, "oa": OA,
            "cito": "http://purl.org/spar/cito/", "xsd": XSD,
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
SPARQL_PREFIXES = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())

MUTATION_TABLE: list[tuple[str, str, str]] = []


def N(curie: str) -> NamedNode:
    prefix, _, local = curie.partition(":")
    return NamedNode(PREFIXES[prefix] + local) if prefix in PREFIXES else NamedNode(curie)


class Dump:
    """The quads of a copy of the build, with the helpers the corruptions use."""

    def __init__(self, quads: list[Quad], store):
        self.quads = list(quads)
        self.store = store

    def one(self, query: str) -> list:
        """The first row (in the query's ORDER BY) of a SELECT on the unbroken build."""
        rows = list(self.store.query(SPARQL_PREFIXES + query, use_default_graph_as_union=True))
        assert rows, f"no target in the real build for:\n{query}"
        return list(rows[0])

    def graph_of(self, subject: NamedNode) -> NamedNode:
        for q in self.quads:
            if q.subject == subject:
                return q.graph_name
        raise AssertionError(f"{subject} is not a subject of the build")

    def add(self, s, p, o, graph: NamedNode | None = None) -> None:
        graph = graph or (self.graph_of(s) if isinstance(s, NamedNode) else
                          NamedNode(GRAPH + "registry"))
        self.quads.append(Quad(s, p if isinstance(p, NamedNode) else N(p), o, graph))

    def remove(self, s=None, p=None, o=None) -> int:
        p = N(p) if isinstance(p, str) else p
        keep = [q for q in self.quads if not ((s is None or q.subject == s) and
                                              (p is None or q.predicate == p) and
                                              (o is None or q.object == o))]
        removed = len(self.quads) - len(keep)
        assert removed, f"nothing to remove for {s} {p} {o}"
        self.quads = keep
        return removed

    def replace(self, s, p, old, new) -> None:
        self.remove(s, p, old)
        self.add(s, p, new)


@dataclass(frozen=True)
class Mutation:
    name: str
    corrupt: Callable[[Dump], str]   # changes the dump; returns the IRI of the expected focus
    caught_by: str                   # shape local name or query file name
    message: str                     # the start of the expected message
    component: str | None = None     # SHACL constraint component, for shapes
    severity: str = "Violation"


# --- the corruptions ------------------------------------------------------------

def stated_in_another_source(d: Dump) -> str:
    claim, = d.one(f"SELECT ?c WHERE {{ ?c a pkg:Claim ; pkg:statedIn <{ID}source/mandel-1970> }}"
                   " ORDER BY ?c")
    d.replace(claim, "pkg:statedIn", NamedNode(ID + "source/mandel-1970"),
              NamedNode(ID + "source/ratcliffe-2012"))
    return claim.value


def evidence_from_another_source(d: Dump) -> str:
    claim, = d.one("SELECT ?c WHERE { ?c pkg:statedIn <%ssource/mandel-1970> } ORDER BY ?c" % ID)
    quotation, = d.one("SELECT ?q WHERE { ?q pkg:quotedIn <%ssource/ratcliffe-2012> } ORDER BY ?q"
                       % ID)
    d.add(claim, "pkg:hasEvidence", quotation)
    return claim.value


def agrees_and_contradicts(d: Dump) -> str:
    a, b = d.one("SELECT ?a ?b WHERE { ?a pkg:agreesWith ?b } ORDER BY ?a ?b")
    d.add(a, "pkg:contradicts", b)
    return a.value


def supports_and_opposes(d: Dump) -> str:
    claim, thesis = d.one("SELECT ?c ?t WHERE { ?c pkg:supportsThesis ?t } ORDER BY ?c ?t")
    d.add(claim, "pkg:opposesThesis", thesis)
    return claim.value


def supports_and_qualifies(d: Dump) -> str:
    claim, thesis = d.one("SELECT ?c ?t WHERE { ?c pkg:supportsThesis ?t } ORDER BY ?c ?t")
    d.add(claim, "pkg:qualifiesThesis", thesis)
    return claim.value


def stance_on_deprecated_thesis(d: Dump) -> str:
    claim, = d.one("SELECT ?c WHERE { ?c pkg:supportsThesis ?t } ORDER BY ?c")
    old, = d.one("SELECT ?t WHERE { ?t owl:deprecated true } ORDER BY ?t")
    d.add(claim, "pkg:supportsThesis", old)
    return claim.value


def stance_and_no_stance_reason(d: Dump) -> str:
    claim, = d.one("SELECT ?c WHERE { ?c pkg:supportsThesis ?t } ORDER BY ?c")
    d.add(claim, "pkg:noStanceReason", Literal("narrative", language="en"))
    return claim.value


def stance_review_pending(d: Dump) -> str:
    claim, = d.one("SELECT ?c WHERE { ?c pkg:noStanceReason ?r } ORDER BY ?c")
    d.remove(claim, "pkg:noStanceReason")
    return claim.value


def misspelt_claim_predicate(d: Dump) -> str:
    claim, date = d.one("SELECT ?c ?d WHERE { ?c pkg:viewDateText ?d } ORDER BY ?c")
    d.remove(claim, "pkg:viewDateText")
    d.add(claim, NamedNode(PKG + "viewdateText"), date)
    return claim.value


def misspelt_quotation_predicate(d: Dump) -> str:
    quotation, work = d.one("SELECT ?q ?w WHERE { ?q pkg:quotedVia ?w } ORDER BY ?q")
    d.remove(quotation, "pkg:quotedVia")
    d.add(quotation, NamedNode(SCHEMA + "citation"), work)
    return quotation.value


def claim_without_mode(d: Dump) -> str:
    claim, = d.one("SELECT ?c WHERE { ?c a pkg:Claim } ORDER BY ?c")
    d.remove(claim, "pkg:attributionMode")
    return claim.value


def link_typed_both_ways(d: Dump) -> str:
    link, = d.one("SELECT ?l WHERE { ?l a pkg:Agreement } ORDER BY ?l")
    d.add(link, RDF_TYPE, N("pkg:Contradiction"))
    return link.value


def person_also_organization(d: Dump) -> str:
    person = NamedNode(ID + "person/vladimir-lenin")
    d.add(person, RDF_TYPE, N("pkg:PoliticalParty"))
    return person.value


def organization_also_group(d: Dump) -> str:
    org, = d.one("SELECT ?o WHERE { ?o a pkg:Faction } ORDER BY ?o")
    d.add(org, RDF_TYPE, N("pkg:Group"))
    return org.value


def split_without_result(d: Dump) -> str:
    split, = d.one("SELECT ?s WHERE { ?s a pkg:Split } ORDER BY ?s")
    d.remove(split, "org:resultingOrganization")
    return split.value


def split_original_also_result(d: Dump) -> str:
    split, original = d.one("SELECT ?s ?o WHERE { ?s a pkg:Split ; org:originalOrganization ?o }"
                            " ORDER BY ?s")
    d.add(split, "org:resultingOrganization", original)
    return split.value


def broader_cycle(d: Dump) -> str:
    question, thesis = d.one("SELECT ?q ?t WHERE { ?t skos:broader ?q } ORDER BY ?t")
    d.add(question, "skos:broader", thesis)
    return question.value


def sub_organization_cycle(d: Dump) -> str:
    child, parent = d.one("SELECT ?c ?p WHERE { ?c org:subOrganizationOf ?p } ORDER BY ?c")
    d.add(parent, "org:subOrganizationOf", child)
    return parent.value


def death_before_birth(d: Dump) -> str:
    person = NamedNode(ID + "person/vladimir-lenin")
    d.add(person, "schema:birthDate", Literal("1870-04-22", datatype=N("xsd:date")))
    d.add(person, "schema:deathDate", Literal("1869", datatype=N("xsd:gYear")))
    return person.value


def view_after_claimant_death(d: Dump) -> str:
    claim, person = d.one("SELECT ?c ?p WHERE { ?c pkg:claimant ?p ; pkg:viewDate ?d . "
                          "?p a pkg:Person } ORDER BY ?c")
    d.add(person, "schema:deathDate", Literal("1900", datatype=N("xsd:gYear")))
    return claim.value


def membership_ends_before_start(d: Dump) -> str:
    membership, start = d.one("SELECT ?m ?s WHERE { ?m a pkg:Membership ; schema:startDate ?s }"
                              " ORDER BY ?m")
    for q in [q for q in d.quads if q.subject == membership and q.predicate == N("schema:endDate")]:
        d.remove(membership, "schema:endDate", q.object)
    d.add(membership, "schema:endDate",
          Literal(str(int(start.value[:4]) - 1), datatype=N("xsd:gYear")))
    return membership.value


def span_length_mismatch(d: Dump) -> str:
    claim, = d.one("SELECT ?c WHERE { ?c a pkg:Claim } ORDER BY ?c")
    sel = NamedNode(claim.value + "#position-selector")
    # The literal as published (the store would read xsd:nonNegativeInteger as xsd:integer).
    end = next(q.object for q in d.quads if q.subject == sel and q.predicate == N("oa:end"))
    d.replace(sel, "oa:end", end, Literal(str(int(end.value) + 3), datatype=end.datatype))
    return claim.value


def _count(d: Dump, prop: str, n: int) -> str:
    """Add n to a value of the first mention count (in IRI order) whose entity the
    source mentions once (so that, changed, it can be neither right nor rounded)."""
    tally, = d.one("SELECT ?t WHERE { ?t pkg:mentionCount 1 } ORDER BY ?t")
    value = next(q.object for q in d.quads if q.subject == tally and q.predicate == N(prop))
    d.replace(tally, prop, value, Literal(str(int(value.value) + n), datatype=value.datatype))
    return tally.value


def mention_count_too_high(d: Dump) -> str:
    return _count(d, "pkg:mentionCount", 1)


def explicit_count_above_count(d: Dump) -> str:
    return _count(d, "pkg:explicitMentionCount", 2)


def mentions_without_count(d: Dump) -> str:
    tally, doc = d.one("SELECT ?t ?d WHERE { ?t pkg:countedIn ?d } ORDER BY ?t")
    d.remove(tally)
    return doc.value


def count_without_mentions(d: Dump) -> str:
    """The only mention of an entity in a source removed, its count left."""
    tally, mention = d.one("SELECT ?t ?m WHERE { ?t pkg:mentionCount 1 ; pkg:countedIn ?d ; "
                           "pkg:countedEntity ?e . ?m a pkg:Mention ; oa:hasBody ?e ; "
                           "oa:hasTarget/oa:hasSource ?d } ORDER BY ?t")
    d.remove(mention)
    return tally.value


def fact_without_basis(d: Dump) -> str:
    person = NamedNode(ID + "person/rosa-luxemburg")
    d.add(person, "schema:birthDate", Literal("1871-03-05", datatype=N("xsd:date")))
    return person.value


def membership_without_basis(d: Dump) -> str:
    membership = NamedNode(ID + "membership/bolsheviks-99")
    graph = NamedNode(GRAPH + "registry")
    d.add(membership, RDF_TYPE, N("pkg:Membership"), graph)
    d.add(membership, "rdfs:label", Literal("Leon Trotsky in Bolsheviks", language="en"), graph)
    d.add(membership, "org:member", NamedNode(ID + "person/leon-trotsky"), graph)
    d.add(membership, "org:organization", NamedNode(ID + "organization/bolsheviks"), graph)
    return membership.value


def fact_basis_not_a_basis(d: Dump) -> str:
    person = NamedNode(ID + "person/vladimir-lenin")
    description, = d.one(f"SELECT ?d WHERE {{ <{person.value}> schema:description ?d }}")
    ax = BlankNode("mutation-fact")
    graph = NamedNode(GRAPH + "registry")
    for p, o in (("rdf:type", N("owl:Axiom")), ("owl:annotatedSource", person),
                 ("owl:annotatedProperty", N("schema:description")),
                 ("owl:annotatedTarget", description),
                 ("pkg:factBasis", NamedNode(ID + "work/what-is-to-be-done"))):
        d.add(ax, RDF_TYPE if p == "rdf:type" else p, o, graph)
    return person.value


def provenance_of_absent_fact(d: Dump) -> str:
    entity, item = d.one("SELECT ?e ?i WHERE { ?e owl:sameAs ?i } ORDER BY ?e")
    d.remove(entity, "owl:sameAs", item)
    return entity.value


def link_without_evidence(d: Dump) -> str:
    record, = d.one("SELECT ?r WHERE { ?a pkg:linkRecord ?r } ORDER BY ?r")
    axiom = next(q.subject for q in d.quads if q.predicate == N("pkg:linkRecord")
                 and q.object == record)
    d.remove(axiom, "pkg:linkEvidence")
    return record.value


def close_match_without_reason(d: Dump) -> str:
    record, entity, item = d.one("SELECT ?r ?e ?i WHERE { ?a pkg:linkRecord ?r ; "
                                 "owl:annotatedSource ?e ; owl:annotatedTarget ?i } ORDER BY ?r")
    axiom = next(q.subject for q in d.quads if q.predicate == N("pkg:linkRecord")
                 and q.object == record)
    d.remove(entity, "owl:sameAs", item)
    d.add(entity, "skos:closeMatch", item)
    d.replace(axiom, "owl:annotatedProperty", N("owl:sameAs"), N("skos:closeMatch"))
    return record.value


def quantity_in_another_source(d: Dump) -> str:
    quantity, source = d.one("SELECT ?x ?s WHERE { ?x pkg:givenIn ?s } ORDER BY ?x")
    d.replace(quantity, "pkg:givenIn", source, NamedNode(ID + "source/crn-2003"))
    return quantity.value


def scheme_top_concept_not_question(d: Dump) -> str:
    scheme = NamedNode(ID + "thesis/scheme")
    thesis, = d.one("SELECT ?t WHERE { ?t skos:broader ?q } ORDER BY ?t")
    d.add(scheme, "skos:hasTopConcept", thesis)
    return scheme.value


def deprecated_thesis_without_replacement(d: Dump) -> str:
    old, = d.one("SELECT ?t WHERE { ?t owl:deprecated true } ORDER BY ?t")
    d.remove(old, "http://purl.org/dc/terms/isReplacedBy")
    return old.value


def thesis_also_question(d: Dump) -> str:
    thesis, = d.one("SELECT ?t WHERE { ?t skos:broader ?q } ORDER BY ?t")
    d.add(thesis, RDF_TYPE, N("pkg:Question"))
    return thesis.value


def discrepancy_without_claim(d: Dump) -> str:
    discrepancy, = d.one("SELECT ?x WHERE { ?x a pkg:Discrepancy } ORDER BY ?x")
    d.remove(discrepancy, "pkg:textClaim")
    return discrepancy.value


def sameas_not_wikidata(d: Dump) -> str:
    entity, item = d.one("SELECT ?e ?i WHERE { ?e owl:sameAs ?i } ORDER BY ?e")
    d.replace(entity, "owl:sameAs", item,
              NamedNode(item.value.replace("/entity/", "/wiki/").replace("http:", "https:")))
    return entity.value


MUTATIONS = [
    Mutation("claim stated in another source than its passage", stated_in_another_source,
             "95-passage-in-another-source-violation.rq",
             "Annotations whose passage lies in another source"),
    Mutation("evidence taken from another source's quotation", evidence_from_another_source,
             "97-evidence-from-another-source-violation.rq",
             "Claims whose evidence is a claim, quotation or citation of another source"),
    Mutation("claim agrees with and contradicts the same claim", agrees_and_contradicts,
             "ClaimShape", "A claim both agrees with and contradicts the same claim",
             "DisjointConstraintComponent"),
    Mutation("claim supports and opposes the same thesis", supports_and_opposes,
             "ClaimShape", "A claim both supports and opposes the same thesis",
             "DisjointConstraintComponent"),
    Mutation("claim supports and qualifies the same thesis", supports_and_qualifies,
             "ClaimShape", "A claim both supports and qualifies the same thesis",
             "DisjointConstraintComponent"),
    Mutation("stance on a deprecated thesis", stance_on_deprecated_thesis,
             "ClaimShape", "A claim takes a stance on a deprecated thesis",
             "NotConstraintComponent"),
    Mutation("stance and a no-stance reason on one claim", stance_and_no_stance_reason,
             "ClaimStanceOrReasonShape", "A claim takes a stance on a thesis and also says",
             "NotConstraintComponent"),
    Mutation("claim without stance or reason (pending review)", stance_review_pending,
             "ClaimReviewShape", "A claim takes no stance on any thesis and is not yet reviewed",
             "OrConstraintComponent", "Info"),
    Mutation("misspelt predicate on a claim", misspelt_claim_predicate,
             "ClaimClosedShape", "A claim has a property the model does not know",
             "ClosedConstraintComponent"),
    Mutation("unknown predicate on a quotation", misspelt_quotation_predicate,
             "QuotationClosedShape", "A quotation has a property the model does not know",
             "ClosedConstraintComponent"),
    Mutation("claim without its attribution mode", claim_without_mode,
             "ClaimShape", "A claim needs exactly one mode", "MinCountConstraintComponent"),
    Mutation("link typed both Agreement and Contradiction", link_typed_both_ways,
             "AgreementShape", "A claim link is typed both as an agreement and as a contradiction",
             "NotConstraintComponent"),
    Mutation("person also typed as an organization", person_also_organization,
             "PersonKindShape", "An entity is typed both as a person and as an organization",
             "NotConstraintComponent"),
    Mutation("organization also typed as a group", organization_also_group,
             "OrganizationKindShape", "An entity is typed both as an organization and as a group",
             "NotConstraintComponent"),
    Mutation("split with no resulting organization", split_without_result,
             "ChangeEventShape", "A split or reorganization needs the organization(s) it resulted",
             "MinCountConstraintComponent"),
    Mutation("split whose original is also a result", split_original_also_result,
             "ChangeEventShape", "An organization is both the original and a result",
             "DisjointConstraintComponent"),
    Mutation("cycle in skos:broader", broader_cycle,
             "98-hierarchy-cycle-violation.rq", "Cycles in a hierarchy"),
    Mutation("cycle in org:subOrganizationOf", sub_organization_cycle,
             "98-hierarchy-cycle-violation.rq", "Cycles in a hierarchy"),
    Mutation("death before birth", death_before_birth,
             "94-dates-out-of-order-violation.rq",
             "Dates out of order within a record or across records (problem=dies before being born"),
    Mutation("claimant's view dated after the claimant's death", view_after_claimant_death,
             "94-dates-out-of-order-violation.rq",
             "Dates out of order within a record or across records (problem=dates the claimant's "
             "view after"),
    Mutation("membership ends before it starts", membership_ends_before_start,
             "90-event-ends-before-it-begins-violation.rq",
             "Events or memberships that end before they begin"),
    Mutation("passage offsets that do not match the quote", span_length_mismatch,
             "91-span-length-mismatch-violation.rq",
             "Text spans whose quoted text does not have the length of their offsets"),
    Mutation("mention count one too high", mention_count_too_high,
             "89-mention-count-mismatch-violation.rq",
             "Mention counts that do not match the mentions they count"),
    Mutation("mentions of an entity without their count", mentions_without_count,
             "89-mention-count-mismatch-violation.rq",
             "Mention counts that do not match the mentions they count"),
    Mutation("mention count of an entity no longer mentioned", count_without_mentions,
             "89-mention-count-mismatch-violation.rq",
             "Mention counts that do not match the mentions they count"),
    Mutation("more explicit mentions than mentions", explicit_count_above_count,
             "MentionCountShape", "A mention count holds one whole number of mentions marked",
             "LessThanOrEqualsConstraintComponent"),
    Mutation("registry fact without a basis", fact_without_basis,
             "96-registry-fact-without-basis-violation.rq",
             "Registry facts without a basis (property=http://schema.org/birthDate"),
    Mutation("membership without a basis", membership_without_basis,
             "MembershipBasisShape", "A membership needs its basis", "MinCountConstraintComponent"),
    Mutation("basis of a fact that is not a basis record", fact_basis_not_a_basis,
             "FactAxiomShape", "Each basis of a fact is a passage, a reference",
             "ClassConstraintComponent"),
    Mutation("provenance left on a removed Wikidata link", provenance_of_absent_fact,
             "99-annotation-of-absent-fact-violation.rq",
             "Provenance recorded for a fact or link that is not stated"),
    Mutation("Wikidata link without its evidence", link_without_evidence,
             "LinkAxiomShape", "Every Wikidata link needs its evidence",
             "MinCountConstraintComponent"),
    Mutation("close match without its reason", close_match_without_reason,
             "LinkAxiomShape", "A close match to Wikidata (skos:closeMatch) needs its reason",
             "OrConstraintComponent"),
    Mutation("quantity given in another source than its passage", quantity_in_another_source,
             "95-passage-in-another-source-violation.rq",
             "Annotations whose passage lies in another source"),
    Mutation("a thesis as a top concept of the scheme", scheme_top_concept_not_question,
             "ConceptSchemeShape", "The top concepts of the scheme are the questions",
             "ClassConstraintComponent"),
    Mutation("deprecated thesis without its replacement", deprecated_thesis_without_replacement,
             "DeprecatedThesisShape", "A deprecated thesis needs what replaces it",
             "OrConstraintComponent"),
    Mutation("thesis also typed as a question", thesis_also_question,
             "ThesisKindShape", "An entry of the scheme is both a question and a thesis",
             "NotConstraintComponent"),
    Mutation("discrepancy that names no claim", discrepancy_without_claim,
             "DiscrepancyShape", "A discrepancy names exactly one claim",
             "MinCountConstraintComponent"),
    Mutation("owl:sameAs to a Wikidata web page, not an item", sameas_not_wikidata,
             "SameAsProperty", "A Wikidata link must be one verified item",
             "PatternConstraintComponent"),
]


@pytest.fixture(scope="module")
def unbroken(built, store):
    """The real build's quads and its validation results (the baseline)."""
    quads = list(parse(path=str(built.nquads), format=RdfFormat.N_QUADS))
    return quads, set(validate(built).results)


def _copy(built: Project, folder) -> Project:
    proj = project(built.root, folder / "out")
    proj.build_dir.mkdir(parents=True)
    for name in ("annotation-index.json", "manifest.json"):
        shutil.copyfile(built.build_dir / name, proj.build_dir / name)
    return proj


def caught(result: Result, m: Mutation) -> bool:
    by = result.component if result.component.endswith(".rq") else result.shape
    return (by == m.caught_by or by.endswith("#" + m.caught_by)
            or by.startswith(f"https://w3id.org/partykg/shapes#{m.caught_by} ")) and \
        (m.component is None or result.component == m.component) and \
        result.message.startswith(m.message) and result.severity == m.severity


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name.replace(" ", "-"))
def test_corruption_is_reported(mutation: Mutation, built, store, unbroken, tmp_path):
    """Guards the validation against cross-record errors (issue 20): the corrupted
    record is reported, by the expected shape or query, with its message."""
    quads, baseline = unbroken
    dump = Dump(quads, store)
    focus = mutation.corrupt(dump)
    proj = _copy(built, tmp_path)
    proj.nquads.write_bytes(serialize(dump.quads, format=RdfFormat.N_QUADS))
    report = validate(proj)
    new = sorted(set(report.results) - baseline)
    hits = [r for r in new if r.focus == focus and caught(r, mutation)]
    assert hits, (f"{mutation.name}: not reported on {focus} by {mutation.caught_by}; new results:\n"
                  + "\n".join(f"  {r.severity} {r.focus} {r.component} {r.shape}: {r.message}"
                              for r in new))
    if mutation.severity == "Violation":
        assert not report.conforms
    others = sorted({(r.component if r.component.endswith(".rq") else
                      r.shape.split(" ")[0].split("#")[-1]) for r in new} - {mutation.caught_by})
    MUTATION_TABLE.append((mutation.name, mutation.caught_by + (
        f" (also: {', '.join(others)})" if others else ""), hits[0].message))


def test_every_new_rule_has_its_corruption():
    """Each shape and query of issue 20 is exercised by at least one corruption."""
    rules = {m.caught_by for m in MUTATIONS}
    expected = {
        "94-dates-out-of-order-violation.rq", "95-passage-in-another-source-violation.rq",
        "96-registry-fact-without-basis-violation.rq",
        "97-evidence-from-another-source-violation.rq", "98-hierarchy-cycle-violation.rq",
        "99-annotation-of-absent-fact-violation.rq", "ClaimClosedShape", "QuotationClosedShape",
        "ClaimReviewShape", "ClaimStanceOrReasonShape", "AgreementShape", "PersonKindShape",
        "OrganizationKindShape", "ChangeEventShape", "ConceptSchemeShape",
        "DeprecatedThesisShape", "ThesisKindShape", "MembershipBasisShape", "FactAxiomShape",
        "LinkAxiomShape", "DiscrepancyShape",
        # issue 17: the counts precomputed by the build for the statistics queries
        "89-mention-count-mismatch-violation.rq", "MentionCountShape"}
    assert expected <= rules, sorted(expected - rules)


def test_print_the_table():
    """The table of corruption, caught by, message (run with -s to see it); filled by
    the parametrized test above when it runs first, as pytest orders it."""
    if not MUTATION_TABLE:
        pytest.skip("the corruptions did not run in this session")
    width = max(len(n) for n, _, _ in MUTATION_TABLE)
    print("\n| corruption | caught by | message |\n|---|---|---|")
    for name, by, message in MUTATION_TABLE:
        print(f"| {name:<{width}} | {by} | {message} |")
    assert len(MUTATION_TABLE) == len(MUTATIONS)
