"""`partykg export-annotations`: our annotations as W3C Web Annotations (JSON-LD).

One ``AnnotationCollection`` per source (``collection.jsonld``) with its
``AnnotationPage`` files (``page-0001.jsonld`` …), linked by ``first``/``last``
and ``next``/``prev`` (https://www.w3.org/TR/annotation-model/ and
https://www.w3.org/TR/annotation-protocol/#annotation-containers).

Every mention, claim, quotation, citation and claim link becomes one
``Annotation`` whose ``id`` is the IRI the build gives the same thing, whose
target is the source document with a ``TextQuoteSelector`` and a
``TextPositionSelector``, and whose bodies link to our entity IRIs (and to
Wikidata where the registry has a verified QID). What the Web Annotation
model has no term for (the claimant, the evidence, a locator, the prefix or
suffix written in the annotation file …) is carried by ``pkg:`` terms of our
ontology, declared in a second context entry, so that
`partykg import-annotations` gives back the annotation file's records exactly.
The mapping table is in docs/WEB-ANNOTATIONS.md.

The output is deterministic: keys sorted, annotations in a fixed order, no
timestamps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from partykg.core.namespaces import (
    PKG,
    PREFIXES,
    WIKIDATA_ENTITY,
    claim_link_iri,
    collection_iri,
    entity_iri,
    mention_iri,
    quantity_iri,
    page_iri,
)
from partykg.core.paths import Project
from partykg.model.anchor import Span
from partykg.model.annotations import MODES, Citation, Quotation, Source, format_locator
from partykg.model.mentions import Mention, find_mentions, name_pattern
from partykg.model.registry import Registry
from partykg.rdf.emit import STANCE_PROPS

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CITO = PREFIXES["cito"]
# Our extension terms: IRIs of the partykg ontology, with their value types.
EXTRA_CONTEXT: dict[str, Any] = {
    "pkg": PKG,
    "cito": CITO,
    "pkg:claimant": {"@type": "@id"},
    "pkg:attributionMode": {"@type": "@id"},
    "pkg:assertedBy": {"@type": "@id"},
    "pkg:quotedVia": {"@type": "@id"},
    "pkg:countOf": {"@type": "@id"},
    "pkg:statedInClaim": {"@type": "@id"},
    "schema:location": {"@type": "@id"},
    "schema:superEvent": {"@type": "@id"},
    "pkg:speaker": {"@type": "@id"},
    "pkg:hasEvidence": {"@type": "@id", "@container": "@list"},
    "pkg:stance": {"@type": "@id"},
    "pkg:textSource": {"@type": "@id"},
    "cito:hasCitationCharacterization": {"@type": "@id"},
}
CONTEXT = [ANNO_CONTEXT, EXTRA_CONTEXT]
DEFAULT_PAGE_SIZE = 100
# Our record kind -> the pkg: class added to the annotation's types.
KIND_TYPES = {"mention": "pkg:Mention", "claim": "pkg:Claim", "quotation": "pkg:Quotation",
              "citation": "pkg:Citation", "quantity": "pkg:Quantity",
              "agrees": "pkg:Agreement",
              "contradicts": "pkg:Contradiction"}


def page_file(n: int) -> str:
    return f"page-{n:04d}.jsonld"


class Exporter:
    """Turns one loaded source into Web Annotation dicts."""

    def __init__(self, base: str, registry: Registry, source: Source):
        self.base, self.registry, self.src = base, registry, source
        self.doc = entity_iri(base, "source", source.id)
        self.local = {c.id: entity_iri(base, "claim", source.global_id(c.id))
                      for c in source.claims}
        self.local |= {q.id: entity_iri(base, "quotation", source.global_id(q.id))
                       for q in source.quotations}
        self.local |= {c.id: entity_iri(base, "citation", source.global_id(c.id))
                       for c in source.citations}

    def ref(self, key: str) -> str:
        if key in self.registry.theses:
            return entity_iri(self.base, "thesis", key)
        return entity_iri(self.base, self.registry.entities[key].kind, key)

    def entity_bodies(self, key: str, purpose: str, **extra: Any) -> list[dict[str, Any]]:
        """Our IRI for the entity, and its Wikidata item when the QID is verified."""
        out = [{"type": "SpecificResource", "source": self.ref(key), "purpose": purpose, **extra}]
        ent = self.registry.entities.get(key)
        if ent is not None and ent.qid:
            out.append({"type": "SpecificResource", "source": WIKIDATA_ENTITY + ent.qid,
                        "purpose": purpose, **extra})
        return out

    def target(self, span: Span | None) -> dict[str, Any] | str:
        if span is None:
            return self.doc
        text = self.src.text
        return {"type": "SpecificResource", "source": self.doc, "selector": [
            {"type": "TextQuoteSelector", "exact": span.exact(text),
             "prefix": span.prefix(text), "suffix": span.suffix(text)},
            {"type": "TextPositionSelector", "start": span.start, "end": span.end}]}

    @staticmethod
    def given(item, anno: dict[str, Any]) -> None:
        """The prefix/suffix written in the annotation file (TextQuoteSelector's
        prefix and suffix are the surrounding text, which is another thing)."""
        if item.given_prefix is not None:
            anno["pkg:quotePrefix"] = item.given_prefix
        if item.given_suffix is not None:
            anno["pkg:quoteSuffix"] = item.given_suffix

    def annotation(self, iri: str, kind: str, motivation: str, span: Span | None,
                   bodies: list[dict[str, Any]]) -> dict[str, Any]:
        anno: dict[str, Any] = {"id": iri, "type": ["Annotation", KIND_TYPES[kind]],
                                "motivation": motivation, "target": self.target(span)}
        if bodies:
            anno["body"] = bodies
        return anno

    def mention(self, n: int, m: Mention) -> dict[str, Any]:
        """Mentions as the build numbers them (find_mentions), which carry no written
        prefix/suffix: the import writes the shortest one that makes the quote unique."""
        iri = mention_iri(self.base, self.src.id, n)
        anno = self.annotation(iri, "mention", "identifying", m.span,
                               self.entity_bodies(m.entity, "identifying"))
        anno["pkg:detection"] = m.detection
        return anno

    def claim(self, c) -> dict[str, Any]:
        bodies: list[dict[str, Any]] = [{"type": "TextualBody", "purpose": "describing",
                                         "value": c.paraphrase, "format": "text/plain",
                                         "language": self.src.meta["language"]}]
        for key in c.about:
            bodies.append({"type": "SpecificResource", "source": self.ref(key),
                           "purpose": "tagging"})
        for stance, keys in c.stance.items():
            for key in keys:
                bodies.append({"type": "SpecificResource", "source": self.ref(key),
                               "purpose": "tagging", "pkg:stance": STANCE_PROPS[stance]})
        anno = self.annotation(self.local[c.id], "claim", "describing", c.span, bodies)
        anno["pkg:claimant"] = self.ref(c.claimant)
        anno["pkg:attributionMode"] = "pkg:" + MODES[c.mode]
        if c.asserted_by:
            anno["pkg:assertedBy"] = [self.ref(k) for k in c.asserted_by]
        if c.date:
            anno["pkg:viewDate"] = c.date
            if c.date_span is not None:
                anno["pkg:viewDateText"] = c.date_span.exact(self.src.text)
        if c.no_stance:
            anno["pkg:noStanceReason"] = c.no_stance
        if c.evidence:
            anno["pkg:hasEvidence"] = [self.local.get(k) or self.ref(k) for k in c.evidence]
        self.given(c, anno)
        return anno

    @staticmethod
    def locator(item: Quotation | Citation) -> dict[str, Any]:
        """Where in the cited work (and which edition): on the work's body, or on
        the annotation when no work is named."""
        extra: dict[str, Any] = {}
        if item.locator:
            extra["pkg:locator"] = format_locator(item.locator)
            for k in ("volume", "chapter", "page", "pages"):
                if k in item.locator:
                    extra[f"pkg:{k}"] = item.locator[k]
        if item.edition:
            extra["pkg:edition"] = item.edition
        return extra

    def work_body(self, item: Quotation | Citation) -> list[dict[str, Any]]:
        if not item.work:
            return []
        return self.entity_bodies(item.work, "linking", **self.locator(item))

    def quotation(self, q: Quotation) -> dict[str, Any]:
        bodies = self.work_body(q)
        anno = self.annotation(self.local[q.id], "quotation",
                               "linking" if bodies else "highlighting", q.span, bodies)
        if not q.work:
            anno.update(self.locator(q))
        anno["pkg:speaker"] = self.ref(q.speaker)
        anno["pkg:isParaphrase"] = q.is_paraphrase
        if q.via:
            anno["pkg:quotedVia"] = self.ref(q.via)
        if q.occasion:
            occ = {"type": "pkg:Occasion", "rdfs:label": q.occasion}
            if q.occasion_date:
                occ["schema:startDate"] = q.occasion_date
            if q.occasion_event:
                occ["schema:superEvent"] = self.ref(q.occasion_event)
            anno["pkg:originalOccasion"] = occ
        if q.note:
            anno["pkg:noteMarker"] = q.note
        self.given(q, anno)
        return anno

    def quantity(self, x) -> dict[str, Any]:
        """A number the text states: a describing annotation whose body is the value."""
        body = {"type": "TextualBody", "purpose": "describing", "format": "text/plain",
                "value": f"{x.value} {x.counts}", "language": self.src.meta["language"]}
        anno = self.annotation(quantity_iri(self.base, self.src.global_id(x.id)), "quantity",
                               "describing", x.span, [body])
        anno["schema:value"] = x.value
        anno["schema:unitText"] = x.counts
        anno["pkg:isApproximate"] = x.approximate
        for key, prop in (("of", "pkg:countOf"), ("place", "schema:location")):
            if getattr(x, key):
                anno[prop] = self.ref(getattr(x, key))
        if x.date:
            anno["pkg:quantityDate"] = x.date
        if x.claim:
            anno["pkg:statedInClaim"] = self.local[x.claim]
        self.given(x, anno)
        return anno

    def citation(self, c: Citation) -> dict[str, Any]:
        anno = self.annotation(self.local[c.id], "citation", "linking", c.span,
                               self.work_body(c))
        anno["cito:hasCitationCharacterization"] = "cito:" + c.characterization
        if c.note:
            anno["pkg:noteMarker"] = c.note
        self.given(c, anno)
        return anno

    def link(self, link) -> dict[str, Any]:
        a, b = (entity_iri(self.base, "claim", cid) for cid in link.claims)
        iri = claim_link_iri(self.base, *link.claims)
        return {"id": iri, "type": ["Annotation", KIND_TYPES[link.type]],
                "motivation": "linking", "target": a,
                "body": [{"type": "SpecificResource", "source": b, "purpose": "linking"},
                         {"type": "TextualBody", "purpose": "describing",
                          "value": link.justification, "format": "text/plain",
                          "language": self.src.meta["language"]}]}

    def all(self, mentions: list[Mention]) -> list[dict[str, Any]]:
        """Every annotation of the source, in a fixed order: claims, quotations,
        citations and links as in the annotation file, then mentions in reading order."""
        out = [self.claim(c) for c in self.src.claims]
        out += [self.quotation(q) for q in self.src.quotations]
        out += [self.quantity(x) for x in self.src.quantities]
        out += [self.citation(c) for c in self.src.citations]
        out += [self.link(link) for link in self.src.links]
        out += [self.mention(i, m) for i, m in enumerate(mentions, 1)]
        return out


def collection(base: str, registry: Registry, source: Source, mentions: list[Mention],
               page_size: int = DEFAULT_PAGE_SIZE) -> dict[str, dict[str, Any]]:
    """{file name: JSON-LD document} for one source: the collection and its pages."""
    if page_size < 1:
        raise ValueError("the page size must be at least 1")
    annos = Exporter(base, registry, source).all(mentions)
    coll = collection_iri(base, source.id)
    pages = [annos[i:i + page_size] for i in range(0, len(annos), page_size)] or [[]]
    files: dict[str, dict[str, Any]] = {"collection.jsonld": {
        "@context": CONTEXT, "id": coll, "type": "AnnotationCollection",
        "label": f"Annotations of “{source.meta['title']}” ({source.id})",
        "total": len(annos), "first": page_iri(base, source.id, 1),
        "last": page_iri(base, source.id, len(pages)),
        "pkg:textSource": entity_iri(base, "source", source.id),
        "pkg:textSha256": source.sha256}}
    for n, items in enumerate(pages, 1):
        page: dict[str, Any] = {"@context": CONTEXT, "id": page_iri(base, source.id, n),
                                "type": "AnnotationPage", "partOf": coll,
                                "startIndex": (n - 1) * page_size, "items": items}
        if n > 1:
            page["prev"] = page_iri(base, source.id, n - 1)
        if n < len(pages):
            page["next"] = page_iri(base, source.id, n + 1)
        files[page_file(n)] = page
    return files


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def export(proj: Project, only: tuple[str, ...] = (), output: Path | None = None,
           page_size: int = DEFAULT_PAGE_SIZE) -> dict[str, dict[str, int]]:
    """Write OUTPUT/<source-id>/collection.jsonld and its pages (OUTPUT defaults to
    OUT/annotations); each source's folder is replaced whole. Returns counts."""
    from partykg.core.errors import InputError, Problem
    from partykg.core.files import atomic_dir
    from partykg.model.inputs import load_inputs
    registry, sources = load_inputs(proj)
    known = {s.id for s in sources}
    unknown = [s for s in only if s not in known]
    if unknown:
        raise InputError([Problem("--source", 0, f"no source '{u}'",
                                  f"use one of: {', '.join(sorted(known))}") for u in unknown])
    dest = Path(output) if output else proj.out / "annotations"
    compiled = name_pattern(registry)
    counts: dict[str, dict[str, int]] = {}
    for src in sources:
        if only and src.id not in only:
            continue
        files = collection(proj.base, registry, src, find_mentions(src, registry, compiled),
                           page_size)
        with atomic_dir(dest / src.id, f".{src.id}-") as tmp:
            for name, doc in files.items():
                (tmp / name).write_text(dumps(doc), encoding="utf-8")
        items = [a for name, d in files.items() if name != "collection.jsonld"
                 for a in d["items"]]
        counts[src.id] = {"annotations": len(items), "pages": len(files) - 1,
                          **{k: sum(KIND_TYPES[k] in a["type"] for a in items)
                             for k in ("claim", "quotation", "citation", "mention")},
                          "links": sum(KIND_TYPES["agrees"] in a["type"]
                                       or KIND_TYPES["contradicts"] in a["type"]
                                       for a in items)}
    return counts
