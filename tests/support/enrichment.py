"""A Wikidata enrichment cache for tests, written by hand (no endpoint needed).

Stand-in facts in the shape `partykg enrich` writes (data/wikidata/enrichment.yaml),
chosen to clash with the registry if they were merged with it: a second
description, labels in other languages, dates at day precision.
"""

from __future__ import annotations

from pathlib import Path

import yaml

# Registry keys with their verified QIDs in data/registry/ (the build checks that they agree).
ENTITIES = {
    "vladimir-lenin": {"qid": "Q1394", "description": "stand-in: Russian revolutionary",
                       "born": ["1870-04-22"], "died": ["1924-01-21"],
                       "labels": {"de": "Wladimir Iljitsch Lenin", "fr": "Lénine"}},
    "leon-trotsky": {"qid": "Q33391", "description": "stand-in: Russian revolutionary",
                     "born": ["1879-11-07"], "died": ["1940-08-21"],
                     "labels": {"de": "Leo Trotzki"}},
    "rosa-luxemburg": {"qid": "Q7231", "born": ["1871-03-05"], "died": ["1919-01-15"]},
}


def write_enrichment_cache(root: Path) -> Path:
    path = root / "data" / "wikidata" / "enrichment.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({
        "endpoint": "http://127.0.0.1:9/sparql", "fetched": "2026-12-01T00:00:00Z",
        "languages": ["de", "fr"], "entities": ENTITIES}, allow_unicode=True, sort_keys=True),
        encoding="utf-8")
    return path
