"""The browser's files, written by `partykg build` beside the dumps:

``search-index.json``: every entity (label, registry aliases, and the surface
forms the texts actually use, misspellings included), every claim (paraphrase,
claimant, essay, mode, stances, date, links), quotation (its words), citation,
quantity and source, with the counts the index pages show; and
``reading.json``: each essay's text with every annotated span (mention, claim,
quotation, citation, quantity) at the offsets of the annotation index.

Both are derived from the build's own quads (so what the site shows is what the
graph says) and its annotation index; sorted and written with sorted keys, so
that the same inputs give the same bytes. serve/browse.py reads them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from partykg.core.files import write_atomic
from partykg.core.namespaces import PKG, PREFIXES, id_space

SEARCH_INDEX = "search-index.json"
READING = "reading.json"
# The kinds with an index page, in the order the site lists them.
ENTITY_KINDS = ("person", "organization", "group", "event", "place", "work", "thesis")
SPAN_KINDS = ("mention", "claim", "quotation", "citation", "quantity")
P = dict(PREFIXES)
STANCES = {PKG + "supportsThesis": "supports", PKG + "opposesThesis": "opposes",
           PKG + "qualifiesThesis": "qualifies"}
RDF_TYPE, LABEL, ALT = P["rdf"] + "type", P["rdfs"] + "label", P["skos"] + "altLabel"
OA, SCHEMA, CITO = P["oa"], P["schema"], P["cito"]
CLASSES = ("Mention", "Claim", "Quotation", "Citation", "Quantity", "SourceDocument", "Agreement")
# The predicates read here: only these quads are indexed (about half of the build).
USED = {RDF_TYPE, LABEL, ALT, *STANCES,
        *(OA + p for p in ("hasBody", "hasTarget", "hasSource", "hasSelector", "exact")),
        *(PKG + p for p in ("paraphrase", "claimant", "statedIn", "attributionMode", "viewDate",
                            "linksClaim", "speaker", "quotedIn", "citedWork", "givenIn",
                            "countOf")),
        SCHEMA + "about", SCHEMA + "dateCreated", CITO + "hasCitingEntity", CITO + "hasCitedEntity"}


def rows(quads: Iterable[Quad]) -> list[tuple[str, str, str]]:
    """The (predicate, subject, object value) of the quads :class:`Triples` reads: the
    predicates in USED, rdf:type only for the classes read. The build takes them
    from each named graph's quads as it emits the graph, and caches them with it."""
    # Predicates compared as terms and rdf:type kept only for the classes read:
    # creating the string of every term of every quad was most of the cost.
    nodes = {NamedNode(p): p for p in USED}
    rdf_type = NamedNode(RDF_TYPE)
    wanted = {NamedNode(PKG + c) for c in CLASSES}
    out = []
    for q in quads:
        predicate = q.predicate
        p = nodes.get(predicate)
        if p is None or (predicate == rdf_type and q.object not in wanted):
            continue
        out.append((p, q.subject.value, q.object.value))
    return out


class Triples:
    """The build's quads as predicate -> subject -> object values (the union of the
    graphs, each triple once), from the :func:`rows` of every graph. Plumbing rather
    than SPARQL on a pyoxigraph store: loading the store alone took 2 s of the 5.3 s
    this step needed on a 313k-quad synthetic build; these dictionaries bring the
    step to 2.6 s there and 0.24 s on the real build (loaded machine), with the same
    output bytes."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]):
        self.p: dict[str, dict[str, set[str]]] = {p: {} for p in USED}
        self.types: dict[str, set[str]] = {PKG + c: set() for c in CLASSES}
        for p, s, o in rows:
            if p == RDF_TYPE:
                self.types[o].add(s)
            else:
                self.p[p].setdefault(s, set()).add(o)
        self.links_of: dict[str, list[str]] = {}   # claim -> the link nodes naming it
        for link, claims in sorted(self.p[PKG + "linksClaim"].items()):
            for c in claims:
                self.links_of.setdefault(c, []).append(link)

    def all(self, s: str, p: str) -> list[str]:
        return sorted(self.p[p].get(s, ()))

    def one(self, s: str, p: str) -> str | None:
        values = self.p[p].get(s)
        return min(values) if values else None

    def of_type(self, cls: str) -> list[str]:
        return sorted(self.types[PKG + cls])

    def is_a(self, s: str, cls: str) -> bool:
        return s in self.types[PKG + cls]

    def exact(self, s: str) -> str | None:
        """The passage of an annotation: oa:hasTarget/oa:hasSelector/oa:exact."""
        for target in self.all(s, OA + "hasTarget"):
            for selector in self.all(target, OA + "hasSelector"):
                if self.one(selector, OA + "exact") is not None:
                    return self.one(selector, OA + "exact")
        return None

    def mentions(self) -> list[dict[str, str]]:
        """Every mention: m (its IRI), e (the entity), doc (the source), x (its words)."""
        out = []
        for m in self.of_type("Mention"):
            target = self.one(m, OA + "hasTarget")
            out.append({"m": m, "e": self.one(m, OA + "hasBody"),
                        "doc": self.one(target, OA + "hasSource"), "x": self.exact(m)})
        return out


def kind_of(iri: str, ids: str) -> str | None:
    """``person`` for ``<base>id/person/x``; None outside the id space."""
    if not iri.startswith(ids):
        return None
    kind, sep, _ = iri[len(ids):].partition("/")
    return kind if sep else None


def key_of(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


# The predicates the queries above use: only these quads are loaded (a quarter of
# the build), which keeps this step well under a second.
USED = {P["rdf"] + "type", P["rdfs"] + "label", P["skos"] + "altLabel", *STANCES,
        *(P["oa"] + p for p in ("hasBody", "hasTarget", "hasSource", "hasSelector", "exact")),
        *(PKG + p for p in ("paraphrase", "claimant", "statedIn", "attributionMode", "viewDate",
                            "linksClaim", "speaker", "quotedIn", "citedWork", "givenIn",
                            "countOf")),
        P["schema"] + "about", P["schema"] + "dateCreated", P["cito"] + "hasCitingEntity",
        P["cito"] + "hasCitedEntity"}


def search_index(t: Triples, base: str, mentions: list[dict]) -> dict:
    ids = id_space(base)
    labels = {subject: min(values) for subject, values in t.p[LABEL].items()}
    entities: dict[str, dict] = {}
    for iri, label in labels.items():
        kind = kind_of(iri, ids)
        if kind in ENTITY_KINDS:
            entities[iri] = {"iri": iri, "kind": kind, "key": key_of(iri), "label": label,
                             "aliases": set(t.all(iri, ALT)), "forms": set(), "essays": set(),
                             "mentions": 0, "claims_made": 0, "claims_about": 0}
    for r in mentions:
        e = entities.get(r["e"])
        if e is not None:
            e["mentions"] += 1
            e["essays"].add(key_of(r["doc"]))
            e["forms"].add(r["x"])

    claims = []
    for c in t.of_type("Claim"):
        who, doc, para = t.one(c, PKG + "claimant"), t.one(c, PKG + "statedIn"), \
            t.one(c, PKG + "paraphrase")
        if who is None or doc is None or para is None:
            continue
        essay = key_of(doc)
        stances = sorted([STANCES[p], th] for p in STANCES for th in t.all(c, p))
        about = t.all(c, SCHEMA + "about")
        links = sorted(["agrees" if t.is_a(link, "Agreement") else "contradicts", o]
                       for link in t.links_of.get(c, ()) for o in t.all(link, PKG + "linksClaim")
                       if o != c)
        claims.append({"iri": c, "key": key_of(c), "paraphrase": para, "claimant": who,
                       "essay": essay, "mode": key_of(t.one(c, PKG + "attributionMode")).split("#")[-1],
                       "date": t.one(c, PKG + "viewDate"), "stances": stances,
                       "about": list(about), "links": links})
        if who in entities:
            entities[who]["claims_made"] += 1
            entities[who]["essays"].add(essay)
        for target in set(about) | {th for _, th in stances}:
            if target in entities:
                entities[target]["claims_about"] += 1
                entities[target]["essays"].add(essay)
    quotations = []
    for q in t.of_type("Quotation"):
        who, doc, words = t.one(q, PKG + "speaker"), t.one(q, PKG + "quotedIn"), t.exact(q)
        if who is None or doc is None or words is None:
            continue
        quotations.append({"iri": q, "key": key_of(q), "quote": words, "speaker": who,
                           "essay": key_of(doc), "work": t.one(q, PKG + "citedWork")})
        if who in entities:
            entities[who]["essays"].add(key_of(doc))
    citations = [{"iri": c, "key": key_of(c), "essay": key_of(t.one(c, CITO + "hasCitingEntity")),
                  "work": t.one(c, CITO + "hasCitedEntity")}
                 for c in t.of_type("Citation") if t.one(c, CITO + "hasCitingEntity")]
    quantities = [{"iri": x, "key": key_of(x), "essay": key_of(t.one(x, PKG + "givenIn")),
                   "label": t.one(x, LABEL), "of": t.one(x, PKG + "countOf")}
                  for x in t.of_type("Quantity") if t.one(x, PKG + "givenIn")]
    per_essay: dict[str, list[int]] = {}
    for r in mentions:
        per_essay.setdefault(key_of(r["doc"]), [0, 0, 0])[0] += 1
    for c in claims:
        per_essay.setdefault(c["essay"], [0, 0, 0])[1] += 1
    for q in quotations:
        per_essay.setdefault(q["essay"], [0, 0, 0])[2] += 1
    sources = []
    for doc in t.of_type("SourceDocument"):
        key = key_of(doc)
        n = per_essay.get(key, [0, 0, 0])
        sources.append({"iri": doc, "key": key, "title": labels.get(doc, key),
                        "date": t.one(doc, SCHEMA + "dateCreated"),
                        "mentions": n[0], "claims": n[1], "quotations": n[2]})

    out_entities = []
    for e in entities.values():
        names = {e["label"], *e["aliases"]}
        out_entities.append({**e, "aliases": sorted(e["aliases"]),
                             "forms": sorted(e["forms"] - names), "essays": sorted(e["essays"])})
    by_key = lambda d: (d["kind"], d["key"]) if "kind" in d else d["key"]
    return {"entities": sorted(out_entities, key=by_key), "claims": sorted(claims, key=by_key),
            "quotations": sorted(quotations, key=by_key), "citations": sorted(citations, key=by_key),
            "quantities": sorted(quantities, key=by_key), "sources": sorted(sources, key=by_key)}


def reading(texts: dict[str, str], index: dict[str, dict], base: str,
            bodies: dict[str, str]) -> dict:
    """Per source: its text and every span of the annotation index that lies in it
    (a mention with the entity it names, ``body``)."""
    ids = id_space(base)
    out = {key: {"text": text, "spans": []} for key, text in texts.items()}
    for iri, where in index.items():
        kind = kind_of(iri, ids)
        if kind in SPAN_KINDS and where.get("start") is not None and where.get("source") in out:
            span = {"iri": iri, "kind": kind, "start": where["start"], "end": where["end"]}
            if iri in bodies:
                span["body"] = bodies[iri]
            out[where["source"]]["spans"].append(span)
    for doc in out.values():
        doc["spans"].sort(key=lambda s: (s["start"], -s["end"], s["kind"], s["iri"]))
    return dict(sorted(out.items()))


def json_at(value, level: int) -> str:
    """``value`` as json.dumps (indent=1, sorted keys, UTF-8) writes it inside a
    document at nesting ``level``: the JSON files of the build are assembled from
    such pieces of each named graph, cached with it, instead of encoded whole (the
    indenting encoder is pure Python). A JSON text has no raw line feed inside a
    string, so every line feed is one of the layout's."""
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True).replace(
        "\n", "\n" + " " * level)


def json_object(pieces: dict[str, str], level: int) -> str:
    """A JSON object at nesting ``level`` from its members' values already encoded
    for level + 1 (:func:`json_at`), in the layout of json.dumps(indent=1, sort_keys=True)."""
    if not pieces:
        return "{}"
    pad = "\n" + " " * (level + 1)
    return "{" + pad + ("," + pad).join(
        json.dumps(k, ensure_ascii=False) + ": " + pieces[k] for k in sorted(pieces)) + \
        "\n" + " " * level + "}"


def json_array(pieces: list[str], level: int) -> str:
    """A JSON array at nesting ``level`` from its items encoded for level + 1."""
    if not pieces:
        return "[]"
    pad = "\n" + " " * (level + 1)
    return "[" + pad + ("," + pad).join(pieces) + "\n" + " " * level + "]"


class JsonMemo:
    """The indented JSON of values met before, by the SHA-256 of their compact JSON
    (the indented text is that text with line feeds and spaces added, so the key
    decides it). The search index and the reading view are a few thousand items
    (entities, claims, each essay's text and spans) of which an edit changes a few;
    encoding all of them again with the indenting encoder, which is pure Python,
    was half of a build after an edit. Kept in OUT/cache beside the graphs: the
    entries of the last build only."""

    def __init__(self, path: Path | None):
        self.path = path
        self.old: dict[str, str] = {}
        self.new: dict[str, str] = {}
        self.encoded = 0   # values not found in the memo
        if path is None:
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("python") == sys.version and \
                isinstance(data.get("entries"), dict):
            self.old = data["entries"]

    def at(self, value, level: int) -> str:
        compact = json.dumps(value, ensure_ascii=False, sort_keys=True)
        key = f"{level} {hashlib.sha256(compact.encode()).hexdigest()}"
        text = self.new.get(key) or self.old.get(key)
        if text is None:
            text = json_at(value, level)
            self.encoded += 1
        self.new[key] = text
        return text

    def save(self) -> None:
        if self.path is None or (not self.encoded and self.new.keys() == self.old.keys()):
            return   # nothing new and nothing dropped: the file holds these entries
        try:
            write_atomic(self.path, json.dumps({"python": sys.version, "entries": self.new},
                                               ensure_ascii=False))
        except OSError:
            pass   # a read-only output folder: the next build encodes everything again


def encode(value, memo: JsonMemo, level: int = 0) -> str:
    """json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True): the top two
    levels of objects and arrays laid out here, everything below from ``memo``."""
    if level < 2 and isinstance(value, dict):
        return json_object({k: encode(v, memo, level + 1) for k, v in value.items()}, level)
    if level < 2 and isinstance(value, list):
        return json_array([encode(v, memo, level + 1) for v in value], level)
    return memo.at(value, level)


def dumps(data: dict, memo: JsonMemo | None = None) -> str:
    return encode(data, memo or JsonMemo(None)) + "\n"


def write_browse_files(target: Path, graph_rows: Iterable[Iterable[tuple[str, str, str]]],
                       texts: dict[str, str], index: dict[str, dict], base: str,
                       generated: str, memo: JsonMemo | None = None) -> None:
    """Write search-index.json and reading.json into ``target`` (the build's
    temporary folder, swapped in whole with the dumps: never half-written), from
    the :func:`rows` of each named graph."""
    triples = Triples(r for rs in graph_rows for r in rs)
    mentions = triples.mentions()
    (target / SEARCH_INDEX).write_text(
        dumps({"generated": generated, "base": base, **search_index(triples, base, mentions)},
              memo), encoding="utf-8")
    (target / READING).write_text(
        dumps({"generated": generated,
               "sources": reading(texts, index, base, {r["m"]: r["e"] for r in mentions})},
              memo), encoding="utf-8")
