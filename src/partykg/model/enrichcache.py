"""The Wikidata enrichment cache (data/wikidata/enrichment.yaml), read and checked
offline for the build. `partykg enrich` (partykg.wikidata.enrich) writes it."""

from __future__ import annotations

import re
from pathlib import Path

from partykg.core.errors import Collector
from partykg.core.files import rel
from partykg.core.paths import Project
from partykg.model.fields import Field, check_map, date_precision, prose
from partykg.model.registry import Registry
from partykg.model.yamlload import LMap, load_yaml

LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]+)*$")
HEADER = """\
# Facts fetched from Wikidata for linked entities by `partykg enrich`; the build
# publishes them in the named graph <base>graph/wikidata-enrichment. Generated:
# rerun `partykg enrich` rather than editing.
"""
TOP_SPEC = {"endpoint": Field("url", True), "fetched": Field("str", True),
            "languages": Field("strs"), "entities": Field("map", True)}
ENTRY_SPEC = {"qid": Field("qid", True), "description": prose(), "born": Field("strs"),
              "died": Field("strs"), "labels": Field("map")}
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


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
