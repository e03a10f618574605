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

from typing import Callable

import yaml

from partykg.core.errors import InputError, Problem
from partykg.core.files import dump_yaml, now, rel, write_atomic
from partykg.core.paths import Project
from partykg.model.enrichcache import HEADER, LANG_RE
from partykg.model.review import published_registry
from partykg.wikidata.client import Endpoint, item_facts


def parse_languages(text: str) -> list[str]:
    langs = sorted({t.strip().lower() for t in text.split(",") if t.strip()})
    bad = [t for t in langs if not LANG_RE.match(t)]
    if bad:
        raise ValueError(f"not language codes: {', '.join(bad)}")
    return langs


def cached_entities(proj: Project) -> int:
    """How many entities the cache on disk holds (0 without a readable cache)."""
    try:
        doc = yaml.safe_load(proj.enrichment_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, yaml.YAMLError):
        return 0
    entities = doc.get("entities") if isinstance(doc, dict) else None
    return len(entities) if isinstance(entities, dict) else 0


def enrich(proj: Project, ep: Endpoint, languages: list[str],
           progress: Callable[[str], None] = lambda _: None, force: bool = False) -> dict:
    """Fetch the facts of every linked entity and write the cache; return it.

    An answer without a fact for any item, while the cache holds some, is
    refused unless ``force``: an endpoint without the data (a wrong URL, an
    empty mirror) would otherwise wipe a good cache."""
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
    old = cached_entities(proj)
    if linked and not entities and old and not force:
        raise InputError(Problem(
            rel(proj.enrichment_file, proj.root), 0,
            f"{ep.url} gave no facts (description, dates, labels) for any of the "
            f"{len(linked)} linked items, and the cache holds {old} entities: it was left "
            "as it was",
            "check --endpoint (is it Wikidata, or a mirror with its data?); give --force to "
            "write the empty cache anyway"))
    doc = {"endpoint": ep.url, "fetched": now(), "languages": languages, "entities": entities}
    write_atomic(proj.enrichment_file, dump_yaml(HEADER, doc))
    return doc
