"""The browser's files, written by `partykg build` beside the dumps:

``search-index.json``: every entity (label, registry aliases, and the surface
forms the texts actually use, misspellings included), every claim (paraphrase,
claimant, essay, mode, stances, date, links), quotation (its words), citation,
quantity and source, with the counts the index pages show; and
``reading.json``: each essay's text with every annotated span (mention, claim,
quotation, citation, quantity) at the offsets of the annotation index.

Both are derived from the build's own quads (SPARQL on an in-memory pyoxigraph
store, so what the site shows is what the graph says) and its annotation
index; sorted and written with sorted keys, so that the same inputs give the
same bytes. serve/browse.py reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyoxigraph import Quad, Store

from partykg.core.namespaces import PKG, PREFIXES, id_space

SEARCH_INDEX = "search-index.json"
READING = "reading.json"
# The kinds with an index page, in the order the site lists them.
ENTITY_KINDS = ("person", "organization", "group", "event", "place", "work", "thesis")
SPAN_KINDS = ("mention", "claim", "quotation", "citation", "quantity")
P = dict(PREFIXES)
HEAD = "".join(f"PREFIX {k}: <{P[k]}> " for k in ("rdfs", "skos", "oa", "schema", "cito")) + \
    f"PREFIX pkg: <{PKG}> "
STANCES = {PKG + "supportsThesis": "supports", PKG + "opposesThesis": "opposes",
           PKG + "qualifiesThesis": "qualifies"}

LABELS = HEAD + "SELECT ?e ?l WHERE { ?e rdfs:label ?l }"
ALIASES = HEAD + "SELECT ?e ?a WHERE { ?e skos:altLabel ?a }"
MENTIONS = HEAD + """SELECT ?m ?e ?doc ?x WHERE { ?m a pkg:Mention ; oa:hasBody ?e ; oa:hasTarget ?t .
    ?t oa:hasSource ?doc ; oa:hasSelector ?q . ?q oa:exact ?x }"""
CLAIMS = HEAD + """SELECT ?c ?p ?who ?doc ?mode ?date WHERE { ?c a pkg:Claim ; pkg:paraphrase ?p ;
    pkg:claimant ?who ; pkg:statedIn ?doc ; pkg:attributionMode ?mode .
    OPTIONAL { ?c pkg:viewDate ?date } }"""
ABOUT = HEAD + "SELECT ?c ?e WHERE { ?c a pkg:Claim ; schema:about ?e }"
STANCE = HEAD + """SELECT ?c ?sp ?t WHERE {
    VALUES ?sp { pkg:supportsThesis pkg:opposesThesis pkg:qualifiesThesis } ?c ?sp ?t }"""
LINKS = HEAD + """SELECT ?c ?o ?cls WHERE { ?l pkg:linksClaim ?c, ?o ; a ?cls
    FILTER(?c != ?o && ?cls IN (pkg:Agreement, pkg:Contradiction)) }"""
QUOTES = HEAD + """SELECT ?q ?who ?doc ?words ?work WHERE { ?q a pkg:Quotation ; pkg:speaker ?who ;
    pkg:quotedIn ?doc ; oa:hasTarget/oa:hasSelector/oa:exact ?words .
    OPTIONAL { ?q pkg:citedWork ?work } }"""
CITATIONS = HEAD + """SELECT ?c ?doc ?work WHERE { ?c a pkg:Citation ; cito:hasCitingEntity ?doc ;
    cito:hasCitedEntity ?work }"""
QUANTITIES = HEAD + """SELECT ?x ?doc ?l ?of WHERE { ?x a pkg:Quantity ; pkg:givenIn ?doc ; rdfs:label ?l .
    OPTIONAL { ?x pkg:countOf ?of } }"""
SOURCES = HEAD + """SELECT ?doc ?date WHERE { ?doc a pkg:SourceDocument .
    OPTIONAL { ?doc schema:dateCreated ?date } }"""


def _rows(store: Store, query: str) -> list[dict[str, str | None]]:
    res = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in res.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in res]


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


def search_index(store: Store, base: str, mentions: list[dict]) -> dict:
    ids = id_space(base)
    labels = {r["e"]: r["l"] for r in _rows(store, LABELS)}
    entities: dict[str, dict] = {}
    for iri, label in labels.items():
        kind = kind_of(iri, ids)
        if kind in ENTITY_KINDS:
            entities[iri] = {"iri": iri, "kind": kind, "key": key_of(iri), "label": label,
                             "aliases": set(), "forms": set(), "essays": set(),
                             "mentions": 0, "claims_made": 0, "claims_about": 0}
    for r in _rows(store, ALIASES):
        if r["e"] in entities:
            entities[r["e"]]["aliases"].add(r["a"])
    for r in mentions:
        e = entities.get(r["e"])
        if e is not None:
            e["mentions"] += 1
            e["essays"].add(key_of(r["doc"]))
            e["forms"].add(r["x"])

    stances: dict[str, list] = {}
    for r in _rows(store, STANCE):
        stances.setdefault(r["c"], []).append([STANCES[r["sp"]], r["t"]])
    links: dict[str, list] = {}
    for r in _rows(store, LINKS):
        links.setdefault(r["c"], []).append(
            ["agrees" if r["cls"].endswith("Agreement") else "contradicts", r["o"]])
    about: dict[str, list] = {}
    for r in _rows(store, ABOUT):
        about.setdefault(r["c"], []).append(r["e"])

    claims = []
    for r in _rows(store, CLAIMS):
        c, essay = r["c"], key_of(r["doc"])
        claims.append({"iri": c, "key": key_of(c), "paraphrase": r["p"], "claimant": r["who"],
                       "essay": essay, "mode": key_of(r["mode"]).split("#")[-1],
                       "date": r["date"], "stances": sorted(stances.get(c, [])),
                       "about": sorted(about.get(c, [])), "links": sorted(links.get(c, []))})
        if r["who"] in entities:
            entities[r["who"]]["claims_made"] += 1
            entities[r["who"]]["essays"].add(essay)
        targets = set(about.get(c, [])) | {t for _, t in stances.get(c, [])}
        for t in targets:
            if t in entities:
                entities[t]["claims_about"] += 1
                entities[t]["essays"].add(essay)
    quotations = []
    for r in _rows(store, QUOTES):
        quotations.append({"iri": r["q"], "key": key_of(r["q"]), "quote": r["words"],
                           "speaker": r["who"], "essay": key_of(r["doc"]), "work": r["work"]})
        if r["who"] in entities:
            entities[r["who"]]["essays"].add(key_of(r["doc"]))
    citations = [{"iri": r["c"], "key": key_of(r["c"]), "essay": key_of(r["doc"]), "work": r["work"]}
                 for r in _rows(store, CITATIONS)]
    quantities = [{"iri": r["x"], "key": key_of(r["x"]), "essay": key_of(r["doc"]),
                   "label": r["l"], "of": r["of"]} for r in _rows(store, QUANTITIES)]
    sources = []
    for r in _rows(store, SOURCES):
        key = key_of(r["doc"])
        sources.append({"iri": r["doc"], "key": key, "title": labels.get(r["doc"], key),
                        "date": r["date"],
                        "claims": sum(1 for c in claims if c["essay"] == key),
                        "quotations": sum(1 for q in quotations if q["essay"] == key)})
    mention_count: dict[str, int] = {}
    for r in mentions:
        k = key_of(r["doc"])
        mention_count[k] = mention_count.get(k, 0) + 1
    for s in sources:
        s["mentions"] = mention_count.get(s["key"], 0)

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


def dumps(data: dict) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def write_browse_files(target: Path, quads: list[Quad], texts: dict[str, str],
                       index: dict[str, dict], base: str, generated: str) -> None:
    """Write search-index.json and reading.json into ``target`` (the build's
    temporary folder, swapped in whole with the dumps: never half-written)."""
    store = Store()
    store.extend(q for q in quads if q.predicate.value in USED)
    mentions = _rows(store, MENTIONS)
    (target / SEARCH_INDEX).write_text(
        dumps({"generated": generated, "base": base, **search_index(store, base, mentions)}),
        encoding="utf-8")
    (target / READING).write_text(
        dumps({"generated": generated,
               "sources": reading(texts, index, base, {r["m"]: r["e"] for r in mentions})}),
        encoding="utf-8")
