"""`partykg enrich`: selected Wikidata facts for linked entities, cached in data/.

The cache (data/wikidata/enrichment.yaml) holds, per linked entity, the
item's English description, birth and death dates at their Wikidata
precision and labels in the selected languages, with the endpoint and the
fetch time at the top. The build reads it offline and emits the named graph
``<base>graph/wikidata-enrichment``: the facts are stated about the Wikidata
items (``wd:Q1394 schema:birthDate "1870-04-22"^^xsd:date``), which the
registry links to with owl:sameAs, so they never mix with what the texts
say; the graph itself carries its provenance (prov:wasDerivedFrom each item,
prov:generatedAtTime the fetch time, dcterms:source the endpoint). No cache,
no graph: the build is then exactly what it was without `enrich`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from pyoxigraph import Literal, NamedNode

from .errors import Collector
from .fields import Field, check_map, date_precision
from .linking import dump_yaml, now, published_registry, rel, write_atomic
from .namespaces import WIKIDATA_ENTITY, graph_iri
from .paths import Project
from .rdfgen import Emitter, date_literal, en, typed
from .registry import Registry
from .wikidata import Endpoint, item_facts
from .yamlload import LMap, load_yaml

GRAPH = "wikidata-enrichment"
LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]+)*$")
HEADER = """\
# Facts fetched from Wikidata for linked entities by `partykg enrich`; the build
# publishes them in the named graph <base>graph/wikidata-enrichment. Generated:
# rerun `partykg enrich` rather than editing.
"""
TOP_SPEC = {"endpoint": Field("url", True), "fetched": Field("str", True),
            "languages": Field("strs"), "entities": Field("map", True)}
ENTRY_SPEC = {"qid": Field("qid", True), "description": Field("str"), "born": Field("strs"),
              "died": Field("strs"), "labels": Field("map")}
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def parse_languages(text: str) -> list[str]:
    langs = sorted({t.strip().lower() for t in text.split(",") if t.strip()})
    bad = [t for t in langs if not LANG_RE.match(t)]
    if bad:
        import click
        raise click.BadParameter(f"not language codes: {', '.join(bad)}", param_hint="--lang")
    return langs


def enrich(proj: Project, ep: Endpoint, languages: list[str],
           progress: Callable[[str], None] = lambda _: None) -> dict:
    """Fetch the facts of every linked entity and write the cache; return it."""
    registry = published_registry(proj)
    linked = {e.key: e for e in registry.entities.values() if e.qid}
    progress(f"{len(linked)} linked items")
    facts = item_facts(ep, {e.qid for e in linked.values()}, languages)
    entities: dict[str, dict] = {}
    for key in sorted(linked):
        ent, f = linked[key], facts[linked[key].qid]
        entry: dict = {"qid": ent.qid}
        if f.description:
            entry["description"] = f.description
        if ent.kind == "person":
            for field, prop in (("born", "P569"), ("died", "P570")):
                if f.dates.get(prop):
                    entry[field] = f.dates[prop]
        labels = {lang: f.labels[lang] for lang in languages if lang in f.labels}
        if labels:
            entry["labels"] = labels
        if len(entry) > 1:  # an item with none of the facts asked for is left out
            entities[key] = entry
    doc = {"endpoint": ep.url, "fetched": now(), "languages": languages, "entities": entities}
    write_atomic(proj.enrichment_file, dump_yaml(HEADER, doc))
    return doc


def load_enrichment(proj: Project, registry: Registry, errors: Collector) -> dict | None:
    """The checked cache, or None when there is none."""
    path: Path = proj.enrichment_file
    if not path.exists():
        return None
    file = rel(path, proj.root)
    doc = load_yaml(path, file)
    top = check_map(doc, TOP_SPEC, file, errors, "the enrichment cache", 1) if doc else None
    if not top or "entities" not in top:
        return None
    if "fetched" in top and not DATETIME_RE.match(top["fetched"]):
        errors.add(file, top["_lines"]["fetched"], f"'fetched' is not a UTC time: {top['fetched']}",
                   "rerun `partykg enrich` (it writes YYYY-MM-DDThh:mm:ssZ)")
    entries = {}
    for key, node in top["entities"].items():
        line = top["entities"].line_of(key)
        v = check_map(node, ENTRY_SPEC, file, errors, f"entry '{key}'", line)
        if v is None:
            continue
        ent = registry.entities.get(key)
        if ent is None or not ent.qid:
            errors.add(file, line, f"'{key}' is not a linked registry entity",
                       "rerun `partykg enrich` after changing the links")
            continue
        if v.get("qid") != ent.qid:
            errors.add(file, v["_lines"].get("qid", line),
                       f"the cache has {v.get('qid')} for '{key}', the registry links {ent.qid}",
                       "the cache is stale: rerun `partykg enrich`")
            continue
        for field in ("born", "died"):
            for d in v.get(field, []):
                if date_precision(d) is None:
                    errors.add(file, v["_lines"][field], f"'{d}' is not a date", "rerun `partykg enrich`")
        labels = v.get("labels", LMap())
        for lang, text in labels.items():
            if not LANG_RE.match(lang) or not isinstance(text, str):
                errors.add(file, labels.line_of(lang), f"bad label '{lang}: {text}' for '{key}'",
                           "rerun `partykg enrich`")
        entries[key] = v
    top["entities"] = entries
    return top


def emit_enrichment(em: Emitter, cache: dict) -> None:
    """The enrichment graph: facts about the Wikidata items, and the graph's provenance."""
    g = NamedNode(graph_iri(em.base, GRAPH))
    em.graph = g
    em.add(g, "rdf:type", "prov:Entity")
    em.add(g, "dcterms:title", en("Facts fetched from Wikidata for the linked entities"))
    em.add(g, "prov:generatedAtTime", typed(cache["fetched"], "xsd:dateTime"))
    em.add(g, "dcterms:source", NamedNode(cache["endpoint"]))
    for key, v in sorted(cache["entities"].items()):
        item = NamedNode(WIKIDATA_ENTITY + v["qid"])
        em.add(g, "prov:wasDerivedFrom", item)
        if "description" in v:
            em.add(item, "schema:description", en(v["description"]))
        for field, prop in (("born", "schema:birthDate"), ("died", "schema:deathDate")):
            for d in v.get(field, []):
                em.add(item, prop, date_literal(d))
        for lang, text in sorted(v.get("labels", {}).items()):
            em.add(item, "rdfs:label", Literal(text, language=lang))
