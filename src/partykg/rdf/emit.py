"""From the loaded registry and sources to RDF quads (pyoxigraph terms).

One named graph per source document, one for the registry. Every IRI that
stands for an annotation is recorded in an index (IRI -> file, line,
passage), so that validation reports can point back to the YAML.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from partykg.core.namespaces import (
    CHECKSUM,
    POSITION_SELECTOR,
    PREFIXES,
    QUOTE_SELECTOR,
    TARGET,
    WIKIDATA_ENTITY,
    basis_iri,
    claim_link_iri,
    discrepancy_iri,
    entity_iri,
    graph_iri,
    membership_iri,
    mention_count_iri,
    mention_iri,
    part_iri,
    quantity_iri,
    wikidata_link_iri,
)
from partykg.model.anchor import Span
from partykg.model.annotations import MODES, Anchored, Source, format_locator
from partykg.model.fields import date_precision
from partykg.model.mentions import Mention
from partykg.model.registry import Basis, Entity, Registry

XSD = PREFIXES["xsd"]
DATE_TYPES = {"year": XSD + "gYear", "month": XSD + "gYearMonth", "day": XSD + "date"}
STANCE_PROPS = {"supports": "pkg:supportsThesis", "opposes": "pkg:opposesThesis",
                "qualifies": "pkg:qualifiesThesis"}
LINK_CLASSES = {"agrees": ("pkg:Agreement", "pkg:agreesWith"),
                "contradicts": ("pkg:Contradiction", "pkg:contradicts")}


def N(name: str) -> NamedNode:
    """A NamedNode from a CURIE (``schema:about``) or a full IRI."""
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return NamedNode(PREFIXES[prefix] + local)
    return NamedNode(name)


def en(text: str) -> Literal:
    return Literal(text, language="en")


def typed(value: str | int | bool, dtype: str) -> Literal:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return Literal(str(value), datatype=N(dtype))


def date_literal(value: str) -> Literal:
    return Literal(value, datatype=NamedNode(DATE_TYPES[date_precision(value) or "year"]))


RDF_TYPE = N("rdf:type")


@dataclass
class Where:
    file: str
    line: int
    source: str | None = None
    passage: str | None = None
    start: int | None = None     # the passage's offsets in the text (characters), as the
    end: int | None = None       # position selector has them; the reading view uses them


# --- N-Quads lines written directly ----------------------------------------------
# The bulk of a large build is passages: every claim, quotation, citation, quantity
# and mention has a target, a quote selector and a position selector (11 triples),
# and mentions are most of the annotations. Making a pyoxigraph Quad (and four
# terms) for each of those triples, then printing it, was a third of the build's
# time; these are written as N-Quads lines instead. The subject and the entity IRIs
# still go through NamedNode (which checks the IRI); the parts of the subject add a
# fixed ASCII fragment; literals are escaped by `nt_string`, which is checked
# against pyoxigraph's own serializer for every code point (tests/test_incremental.py).

_NT_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
               0x22: '\\"', 0x5C: "\\\\"}
_NT_ESCAPES |= {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F, 0xFFFE, 0xFFFF]
                if c not in _NT_ESCAPES}


def nt_string(text: str) -> str:
    """A plain literal in canonical N-Triples form, as pyoxigraph prints it."""
    return '"' + text.translate(_NT_ESCAPES) + '"'


def nt_iri(name: str) -> str:
    """A CURIE or IRI of our vocabulary as an N-Triples IRI (constant names only)."""
    return "<" + N(name).value + ">"


A, HAS_TARGET, SPECIFIC_RESOURCE, HAS_SOURCE, HAS_SELECTOR, QUOTE_SEL, EXACT, PREFIX_, \
    SUFFIX, POSITION_SEL, START, END, MENTION, MOTIVATED_BY, IDENTIFYING, HAS_BODY, \
    DETECTION, COUNTED_IN, COUNTED_ENTITY, MENTION_COUNT, EXPLICIT_COUNT = (nt_iri(n) for n in (
        "rdf:type", "oa:hasTarget", "oa:SpecificResource", "oa:hasSource", "oa:hasSelector",
        "oa:TextQuoteSelector", "oa:exact", "oa:prefix", "oa:suffix", "oa:TextPositionSelector",
        "oa:start", "oa:end", "pkg:Mention", "oa:motivatedBy", "oa:identifying", "oa:hasBody",
        "pkg:detection", "pkg:countedIn", "pkg:countedEntity", "pkg:mentionCount",
        "pkg:explicitMentionCount"))
NON_NEGATIVE = nt_iri("xsd:nonNegativeInteger")


@dataclass
class Emitter:
    """Quads (pyoxigraph terms) and, for the bulk, ready N-Quads ``lines`` without
    their final " .": together the triples of the graph being emitted."""
    base: str
    quads: list[Quad] = field(default_factory=list)
    index: dict[str, Where] = field(default_factory=dict)
    graph: NamedNode | None = None
    lines: list[str] = field(default_factory=list)

    def add(self, s: NamedNode | BlankNode, p: str, o) -> None:
        if isinstance(o, str):
            o = N(o)
        self.quads.append(Quad(s, N(p), o, self.graph))

    def nquad_lines(self) -> list[str]:
        """Every quad as its N-Quads line (with the final " ."), in no order."""
        return [f"{q} ." for q in self.quads] + [f"{line} ." for line in self.lines]

    def iri(self, kind: str, key: str) -> NamedNode:
        return NamedNode(entity_iri(self.base, kind, key))


def entity_node(em: Emitter, registry: Registry, key: str) -> NamedNode:
    return em.iri(registry.entities[key].kind, key)


def thesis_node(em: Emitter, key: str) -> NamedNode:
    return em.iri("thesis", key)


def emit_registry(em: Emitter, registry: Registry) -> None:
    em.graph = NamedNode(graph_iri(em.base, "registry"))
    ref = lambda key: entity_node(em, registry, key)  # noqa: E731
    for ent in registry.entities.values():
        s = ref(ent.key)
        em.index[s.value] = Where(ent.file, ent.line)
        facts: dict[str, list[tuple[str, object]]] = {}
        em.add(s, "rdf:type", "pkg:" + ent.cls)
        if "type" in ent.values:
            facts["type"] = [("rdf:type", N("pkg:" + ent.cls))]
        em.add(s, "rdfs:label", en(ent.name))
        for alias in ent.aliases:
            if alias != ent.name:
                em.add(s, "skos:altLabel", en(alias))
        if ent.description:
            em.add(s, "schema:description", en(ent.description))
            facts["description"] = [("schema:description", en(ent.description))]
        if ent.qid:
            emit_link(em, ent, s)
        for qid in ent.candidates:
            em.add(s, "pkg:wikidataCandidate", NamedNode(WIKIDATA_ENTITY + qid))
        for fname, prop in KIND_FIELDS.get(ent.kind, {}).items():
            val = ent.values.get(fname)
            if val is None:
                continue
            for item in val if isinstance(val, list) else [val]:
                obj = date_literal(item) if prop in DATE_PROPS else ref(item)
                em.add(s, prop, obj)
                facts.setdefault(fname, []).append((prop, obj))
        for i, m in enumerate(ent.members, 1):
            ms = NamedNode(membership_iri(em.base, ent.key, i))
            em.index[ms.value] = Where(ent.file, m["_line"])
            em.add(ms, "rdf:type", "pkg:Membership")
            em.add(ms, "org:member", ref(m["member"]))
            em.add(ms, "org:organization", s)
            em.add(ms, "rdfs:label", en(f"{registry.entities[m['member']].name} in {ent.name}"))
            if "role" in m:
                em.add(ms, "pkg:roleLabel", en(m["role"]))
            for fname, prop in (("start", "schema:startDate"), ("end", "schema:endDate")):
                if fname in m:
                    em.add(ms, prop, date_literal(m[fname]))
            for n, b in enumerate(m["_basis"], 1):
                em.add(ms, "pkg:hasBasis", emit_basis(em, registry, b, ms.value.rsplit("/", 1)[1],
                                                      "membership", n))
        for fact, triples in facts.items():
            emit_fact_bases(em, registry, ent, s, fact, triples)
        for n, d in enumerate(ent.disputed, 1):
            emit_discrepancy(em, ent, s, d, facts.get(d["fact"], []), n)
    emit_theses(em, registry)


def emit_theses(em: Emitter, registry: Registry) -> None:
    """The thesis scheme (SKOS): the debate's questions at the top, propositions under
    them; deprecated theses keep resolving, pointing to their replacements."""
    scheme = em.iri("thesis", "scheme")
    em.add(scheme, "rdf:type", "skos:ConceptScheme")
    em.add(scheme, "skos:prefLabel", en("Questions and theses of the debate on party and "
                                         "spontaneity"))
    for t in registry.theses.values():
        s = thesis_node(em, t.key)
        em.index[s.value] = Where(t.file, t.line)
        em.add(s, "rdf:type", "pkg:Question" if t.question else "pkg:Thesis")
        em.add(s, "skos:prefLabel", en(t.label))
        em.add(s, "rdfs:label", en(t.label))
        em.add(s, "skos:definition", en(t.definition))
        em.add(s, "skos:inScheme", scheme)
        if t.broader:
            em.add(s, "skos:broader", thesis_node(em, t.broader))
            em.add(thesis_node(em, t.broader), "skos:narrower", s)
        elif not t.deprecated:
            em.add(s, "skos:topConceptOf", scheme)
            em.add(scheme, "skos:hasTopConcept", s)
        if t.formulated_in:
            em.add(s, "pkg:formulatedIn", entity_node(em, registry, t.formulated_in))
        if t.classic:
            em.add(s, "skos:historyNote", en(t.classic))
        if t.note:
            em.add(s, "skos:editorialNote", en(t.note))
        if t.deprecated:
            em.add(s, "owl:deprecated", typed(True, "xsd:boolean"))
            for r in t.replaced_by:
                em.add(s, "dcterms:isReplacedBy", thesis_node(em, r))


BASIS_CLASSES = {"text": "pkg:TextBasis", "reference": "pkg:ReferenceBasis",
                 "wikidata": "pkg:WikidataBasis", "editorial": "pkg:EditorialBasis"}


def emit_basis(em: Emitter, registry: Registry, b: Basis, owner: str, fact: str,
               n: int) -> NamedNode:
    """One basis of a registry fact, as a resource of its own: the passage that states
    it (anchored like a claim), the work and locator, the Wikidata item, or the
    annotators' justification."""
    s = NamedNode(basis_iri(em.base, owner, fact, n))
    em.index[s.value] = Where(b.file, b.line, b.source)
    em.add(s, "rdf:type", BASIS_CLASSES[b.kind])
    if b.kind == "text":
        doc = em.iri("source", b.source)
        em.add(s, "pkg:basisSource", doc)
        if b.span is not None and b.text is not None:
            emit_span_text(em, s, doc, b.text, b.span)
    elif b.kind == "reference":
        em.add(s, "pkg:basisWork", entity_node(em, registry, b.work))
        if b.locator:
            em.add(s, "pkg:locator", Literal(format_locator(b.locator)))
    elif b.kind == "wikidata":
        em.add(s, "pkg:basisItem", NamedNode(WIKIDATA_ENTITY + b.qid))
    else:
        em.add(s, "pkg:editorialReason", en(b.note))
    return s


def emit_discrepancy(em: Emitter, ent: Entity, s: NamedNode, d: dict,
                     triples: list[tuple[str, object]], n: int) -> None:
    """A text that contradicts a fact of the record: both are kept. The text's
    assertion is a claim of its author; the record keeps the fact with its basis;
    the discrepancy names both (the claim pkg:disputesRecordOf the entity; the
    registry's fact is pkg:correctedFact of the discrepancy)."""
    x = NamedNode(discrepancy_iri(em.base, ent.key, n))
    em.index[x.value] = Where(ent.file, d["_line"])
    claim = em.iri("claim", d["claim"])
    em.add(x, "rdf:type", "pkg:Discrepancy")
    em.add(x, "pkg:recordEntity", s)
    for prop, obj in triples:
        em.add(x, "pkg:recordProperty", prop)
        em.add(x, "pkg:recordValue", obj)
    em.add(x, "pkg:textClaim", claim)
    em.add(x, "pkg:discrepancyNote", en(d["note"]))
    em.add(claim, "pkg:disputesRecordOf", s)


def emit_fact_bases(em: Emitter, registry: Registry, ent: Entity, s: NamedNode, fact: str,
                    triples: list[tuple[str, object]]) -> None:
    """Each triple of a fact annotated with its bases as an OWL 2 axiom annotation
    (owl:Axiom with annotatedSource/Property/Target): the published graph stays
    OWL 2 DL, and one pattern on the axiom finds the basis of any fact."""
    bases = [emit_basis(em, registry, b, ent.key, fact, n)
             for n, b in enumerate(ent.basis.get(fact, []), 1)]
    if not bases:
        return
    for i, (prop, obj) in enumerate(triples, 1):
        ax = BlankNode(f"fact-{ent.key}-{fact.replace('_', '-')}-{i}")
        em.add(ax, "rdf:type", "owl:Axiom")
        em.add(ax, "owl:annotatedSource", s)
        em.add(ax, "owl:annotatedProperty", prop)
        em.add(ax, "owl:annotatedTarget", obj)
        for b in bases:
            em.add(ax, "pkg:factBasis", b)


LINK_PROPS = {"exact": "owl:sameAs", "close": "skos:closeMatch"}


def emit_link(em: Emitter, ent: Entity, s: NamedNode) -> None:
    """The link to the entity's Wikidata item: owl:sameAs when the item is the same
    entity, skos:closeMatch (with the reason) for historical states, periods and near
    matches. Its provenance is an OWL 2 axiom annotation on that triple (the graph
    stays OWL 2 DL): the evidence, and for links accepted in the review file who
    accepted it and when. The axiom carries the IRI <base>id/wikidata-link/KEY
    (pkg:linkRecord), which names the link in reports and in the VoID linkset."""
    item = NamedNode(WIKIDATA_ENTITY + ent.qid)
    prop = LINK_PROPS[ent.match]
    em.add(s, prop, item)
    link = NamedNode(wikidata_link_iri(em.base, ent.key))
    file, line = ent.qid_where or (ent.file, ent.line)
    em.index[link.value] = Where(file, line)
    ax = BlankNode(f"link-{ent.key}")
    em.add(ax, "rdf:type", "owl:Axiom")
    em.add(ax, "owl:annotatedSource", s)
    em.add(ax, "owl:annotatedProperty", prop)
    em.add(ax, "owl:annotatedTarget", item)
    em.add(ax, "pkg:linkRecord", link)
    em.add(ax, "pkg:linkEvidence", Literal(ent.qid_evidence))
    if ent.match_reason:
        em.add(ax, "pkg:matchReason", en(ent.match_reason))
    if ent.qid_by:
        reviewer = em.iri("reviewer", slug(ent.qid_by))
        em.add(ax, "pkg:acceptedBy", reviewer)
        em.add(reviewer, "rdf:type", "prov:Agent")
        em.add(reviewer, "foaf:name", Literal(ent.qid_by))
    if ent.qid_on:
        em.add(ax, "dcterms:dateAccepted", typed(ent.qid_on, "xsd:date"))


def slug(text: str) -> str:
    """ASCII kebab-case of a name, for IRIs of reviewers."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-") or "anonymous"


DATE_PROPS = {"schema:birthDate", "schema:deathDate", "schema:startDate", "schema:endDate",
              "schema:foundingDate", "schema:dissolutionDate", "schema:dateCreated"}
KIND_FIELDS: dict[str, dict[str, str]] = {
    "person": {"born": "schema:birthDate", "died": "schema:deathDate"},
    "organization": {"founded": "schema:foundingDate", "dissolved": "schema:dissolutionDate",
                     "part_of": "org:subOrganizationOf"},
    "event": {"start": "schema:startDate", "end": "schema:endDate", "place": "schema:location",
              "part_of": "schema:superEvent", "participants": "pkg:hasParticipant",
              "original": "org:originalOrganization", "resulting": "org:resultingOrganization"},
    "place": {"part_of": "schema:containedInPlace"},
    "work": {"authors": "schema:author", "date": "schema:dateCreated", "part_of": "schema:isPartOf"},
}


def offsets(span: Span | None) -> tuple[int | None, int | None]:
    return (span.start, span.end) if span is not None else (None, None)


def emit_span(em: Emitter, s: NamedNode, source: Source, span: Span) -> None:
    emit_span_text(em, s, em.iri("source", source.id), source.text, span)


def emit_span_text(em: Emitter, s: NamedNode, doc: NamedNode, text: str, span: Span) -> None:
    """The passage of ``s`` as a Web Annotation target: quote and position selectors
    (as N-Quads lines: see `nt_string`)."""
    iri, g = s.value, f"<{em.graph.value}>"
    subj = f"<{iri}>"
    target = f"<{part_iri(iri, TARGET)}>"
    qsel = f"<{part_iri(iri, QUOTE_SELECTOR)}>"
    psel = f"<{part_iri(iri, POSITION_SELECTOR)}>"
    em.lines += (
        f"{subj} {HAS_TARGET} {target} {g}",
        f"{target} {A} {SPECIFIC_RESOURCE} {g}",
        f"{target} {HAS_SOURCE} <{doc.value}> {g}",
        f"{target} {HAS_SELECTOR} {qsel} {g}",
        f"{target} {HAS_SELECTOR} {psel} {g}",
        f"{qsel} {A} {QUOTE_SEL} {g}",
        f"{qsel} {EXACT} {nt_string(span.exact(text))} {g}",
        f"{qsel} {PREFIX_} {nt_string(span.prefix(text))} {g}",
        f"{qsel} {SUFFIX} {nt_string(span.suffix(text))} {g}",
        f"{psel} {A} {POSITION_SEL} {g}",
        f'{psel} {START} "{int(span.start)}"^^{NON_NEGATIVE} {g}',
        f'{psel} {END} "{int(span.end)}"^^{NON_NEGATIVE} {g}',
    )


def emit_locator(em: Emitter, s: NamedNode, locator: dict[str, str], edition: str | None,
                 note: str | None) -> None:
    if locator:
        em.add(s, "pkg:locator", Literal(format_locator(locator)))
    if "volume" in locator:
        em.add(s, "pkg:volume", Literal(locator["volume"]))
    pages = locator.get("pages") or locator.get("page")
    if pages:
        em.add(s, "pkg:pages", Literal(pages))
    if edition:
        em.add(s, "pkg:edition", Literal(edition))
    if note:
        em.add(s, "pkg:noteMarker", Literal(note))


def emit_source(em: Emitter, registry: Registry, source: Source,
                mentions: list[Mention]) -> None:
    em.graph = NamedNode(graph_iri(em.base, "source/" + source.id))
    ref = lambda key: entity_node(em, registry, key)  # noqa: E731
    doc = em.iri("source", source.id)
    meta = source.meta
    em.index[doc.value] = Where(source.file, source.line, source.id)
    em.add(doc, "rdf:type", "pkg:SourceDocument")
    em.add(doc, "dcterms:title", en(meta["title"]))
    em.add(doc, "rdfs:label", en(meta["title"]))
    for key in meta.get("authors", []):
        em.add(doc, "schema:author", ref(key))
    if "publisher" in meta:
        em.add(doc, "schema:publisher", ref(meta["publisher"]))
    if "part_of" in meta:
        em.add(doc, "schema:isPartOf", ref(meta["part_of"]))
    if "created" in meta:
        em.add(doc, "schema:dateCreated", date_literal(meta["created"]))
    if "published" in meta:
        em.add(doc, "schema:datePublished", date_literal(meta["published"]))
    if "url" in meta:
        em.add(doc, "schema:url", typed(meta["url"], "xsd:anyURI"))
    if "description" in meta:
        em.add(doc, "schema:description", en(meta["description"]))
    em.add(doc, "schema:inLanguage", Literal(meta["language"]))
    for key in meta.get("responds_to", []):
        em.add(doc, "cito:repliesTo", ref(key))
    checksum = NamedNode(part_iri(doc.value, CHECKSUM))
    em.add(doc, "spdx:checksum", checksum)
    em.add(checksum, "rdf:type", "spdx:Checksum")
    em.add(checksum, "spdx:algorithm", "spdx:checksumAlgorithm_sha256")
    em.add(checksum, "spdx:checksumValue", typed(source.sha256, "xsd:hexBinary"))
    em.add(doc, "pkg:textLength", typed(len(source.text), "xsd:integer"))

    local = {c.id: em.iri("claim", source.global_id(c.id)) for c in source.claims}
    local |= {q.id: em.iri("quotation", source.global_id(q.id)) for q in source.quotations}
    local |= {c.id: em.iri("citation", source.global_id(c.id)) for c in source.citations}

    authors = meta.get("authors") or ([meta["publisher"]] if "publisher" in meta else [])
    for c in source.claims:
        s = _annotation(em, local[c.id], source, c, "Claim")
        em.add(s, "pkg:claimant", ref(c.claimant))
        em.add(s, "pkg:attributionMode", "pkg:" + MODES[c.mode])
        for key in c.asserted_by or authors:
            em.add(s, "pkg:assertedBy", ref(key))
        em.add(s, "pkg:statedIn", doc)
        em.add(s, "pkg:paraphrase", en(c.paraphrase))
        if c.date:
            em.add(s, "pkg:viewDate", date_literal(c.date))
            if c.date_span is not None:
                em.add(s, "pkg:viewDateText", Literal(c.date_span.exact(source.text)))
        if c.no_stance:
            em.add(s, "pkg:noStanceReason", en(c.no_stance))
        for key in c.about:
            em.add(s, "schema:about", thesis_node(em, key) if key in registry.theses else ref(key))
        for stance, keys in c.stance.items():
            for key in keys:
                em.add(s, STANCE_PROPS[stance], thesis_node(em, key))
        for key in c.evidence:
            em.add(s, "pkg:hasEvidence", local[key] if key in local else ref(key))
        if c.span is not None:
            em.add(s, "pkg:positionInSource", typed(c.span.start, "xsd:integer"))
            emit_span(em, s, source, c.span)
    for q in source.quotations:
        s = _annotation(em, local[q.id], source, q, "Quotation")
        em.add(s, "pkg:speaker", ref(q.speaker))
        em.add(s, "pkg:quotedIn", doc)
        if q.work:
            em.add(s, "pkg:citedWork", ref(q.work))
        em.add(s, "pkg:isParaphrase", typed(q.is_paraphrase, "xsd:boolean"))
        if q.via:
            em.add(s, "pkg:quotedVia", ref(q.via))
        if q.occasion:
            occ = NamedNode(part_iri(s.value, "occasion"))
            em.add(s, "pkg:originalOccasion", occ)
            em.add(occ, "rdf:type", "pkg:Occasion")
            em.add(occ, "rdfs:label", en(q.occasion))
            if q.occasion_date:
                em.add(occ, "schema:startDate", date_literal(q.occasion_date))
            if q.occasion_event:
                em.add(occ, "schema:superEvent", ref(q.occasion_event))
        emit_locator(em, s, q.locator, q.edition, q.note)
        if q.span is not None:
            emit_span(em, s, source, q.span)
    for c in source.citations:
        s = _annotation(em, local[c.id], source, c, "Citation")
        em.add(s, "cito:hasCitingEntity", doc)
        em.add(s, "cito:hasCitedEntity", ref(c.work))
        em.add(s, "cito:hasCitationCharacterization", "cito:" + c.characterization)
        emit_locator(em, s, c.locator, c.edition, c.note)
        if c.span is not None:
            emit_span(em, s, source, c.span)
    for link in source.links:
        a, b = (em.iri("claim", cid) for cid in link.claims)
        cls, prop = LINK_CLASSES[link.type]
        s = NamedNode(claim_link_iri(em.base, *link.claims))
        em.index[s.value] = Where(source.file, link.line, source.id)
        em.add(s, "rdf:type", cls)
        em.add(s, "pkg:linksClaim", a)
        em.add(s, "pkg:linksClaim", b)
        em.add(s, "pkg:justification", en(link.justification))
        em.add(a, prop, b)
        em.add(b, prop, a)
    for x in source.quantities:
        s = NamedNode(quantity_iri(em.base, source.global_id(x.id)))
        passage = x.span.exact(source.text) if x.span else None
        em.index[s.value] = Where(source.file, x.line, source.id, passage, *offsets(x.span))
        em.add(s, "rdf:type", "pkg:Quantity")
        em.add(s, "rdfs:label", en(f"{x.value} {x.counts}"))
        em.add(s, "schema:value", typed(x.value, "xsd:decimal" if "." in x.value
                                        else "xsd:integer"))
        em.add(s, "schema:unitText", en(x.counts))
        em.add(s, "pkg:isApproximate", typed(x.approximate, "xsd:boolean"))
        em.add(s, "pkg:givenIn", doc)
        if x.of:
            em.add(s, "pkg:countOf", ref(x.of))
        if x.date:
            em.add(s, "pkg:quantityDate", date_literal(x.date))
        if x.place:
            em.add(s, "schema:location", ref(x.place))
        if x.claim:
            em.add(local[x.claim], "pkg:statesQuantity", s)
        if x.span is not None:
            emit_span(em, s, source, x.span)
    emit_claim_mentions(em, registry, source, local, mentions)
    g = f"<{em.graph.value}>"
    bodies: dict[str, str] = {}
    for i, m in enumerate(mentions, 1):
        s = NamedNode(mention_iri(em.base, source.id, i))
        em.index[s.value] = Where(source.file, 0, source.id, m.span.exact(source.text),
                                  *offsets(m.span))
        if m.entity not in bodies:
            bodies[m.entity] = f"<{ref(m.entity).value}>"
        em.lines += (f"<{s.value}> {A} {MENTION} {g}",
                     f"<{s.value}> {MOTIVATED_BY} {IDENTIFYING} {g}",
                     f"<{s.value}> {HAS_BODY} {bodies[m.entity]} {g}",
                     f"<{s.value}> {DETECTION} {nt_string(m.detection)} {g}")
        emit_span_text(em, s, doc, source.text, m.span)
    emit_mention_counts(em, source, doc, mentions, bodies)


def emit_mention_counts(em: Emitter, source: Source, doc: NamedNode,
                        mentions: list[Mention], bodies: dict[str, str]) -> None:
    """One count per entity the source mentions: how many mentions, how many of them
    marked by hand. A pkg:MentionCount by the domain of its properties, with no
    rdf:type (which would add a class to every source graph's statistics, query 08).
    Precomputed because the statistics queries (15, 28) would otherwise read every
    mention of the corpus (25,722 mentions, three joins each, were 250-400 ms at a
    million triples); query 89 checks every count against the mentions it
    summarises. Written as N-Quads lines like the mentions themselves."""
    g = f"<{em.graph.value}>"
    total: dict[str, int] = {}
    explicit: dict[str, int] = {}
    for m in mentions:
        total[m.entity] = total.get(m.entity, 0) + 1
        explicit[m.entity] = explicit.get(m.entity, 0) + (m.detection == "explicit")
    for key, n in total.items():
        s = f"<{NamedNode(mention_count_iri(em.base, source.id, key)).value}>"
        em.lines += (f"{s} {COUNTED_IN} <{doc.value}> {g}",
                     f"{s} {COUNTED_ENTITY} {bodies[key]} {g}",
                     f'{s} {MENTION_COUNT} "{n}"^^{NON_NEGATIVE} {g}',
                     f'{s} {EXPLICIT_COUNT} "{explicit[key]}"^^{NON_NEGATIVE} {g}')


def emit_claim_mentions(em: Emitter, registry: Registry, source: Source,
                        local: dict[str, NamedNode], mentions: list[Mention]) -> None:
    """`<claim> schema:mentions <entity>` for every entity with a mention lying wholly
    inside the claim's passage (start and end within the claim's start..end), once per
    claim and entity. Precomputed here because a store would otherwise have to join
    every claim with every mention of its source on offsets (query 19)."""
    starts = [m.span.start for m in mentions]  # mentions are sorted in reading order
    for c in source.claims:
        if c.span is None:
            continue
        seen: set[str] = set()
        for m in mentions[bisect_left(starts, c.span.start):bisect_right(starts, c.span.end)]:
            if m.span.end <= c.span.end and m.entity not in seen:
                seen.add(m.entity)
                em.add(local[c.id], "schema:mentions", entity_node(em, registry, m.entity))


def _annotation(em: Emitter, s: NamedNode, source: Source, item: Anchored, cls: str) -> NamedNode:
    """Type, label and index entry shared by claims, quotations and citations."""
    passage = item.span.exact(source.text) if item.span else None
    em.index[s.value] = Where(source.file, item.line, source.id, passage, *offsets(item.span))
    em.add(s, "rdf:type", "pkg:" + cls)
    em.add(s, "rdfs:label", en(f"{cls} {source.global_id(item.id)}"))
    return s

