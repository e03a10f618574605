"""partykg.model.enrichcache: the Wikidata enrichment cache read offline and
checked against the registry's links; a stale cache is refused."""

from __future__ import annotations

from partykg.core.errors import Collector
from partykg.core.paths import project
from partykg.model.enrichcache import load_enrichment
from partykg.model.registry import Entity, Registry
from unit import write

LENIN = Entity(key="vladimir-lenin", kind="person", cls="Person", name="Vladimir Lenin",
               file="persons.yaml", line=1, qid="Q1394")
REGISTRY = Registry({"vladimir-lenin": LENIN}, {})
CACHE = """\
endpoint: https://query.wikidata.org/sparql
fetched: 2025-06-01T12:00:00Z
languages: [de]
entities:
  vladimir-lenin:
    qid: Q1394
    born: ["1870-04-22"]
    labels: {de: Lenin}
"""


def load(tmp_path, text: str | None):
    if text is not None:
        write(tmp_path, {"data/wikidata/enrichment.yaml": text})
    errors = Collector()
    cache = load_enrichment(project(tmp_path, tmp_path / "out"), REGISTRY, errors)
    return cache, [(p.line, p.message) for p in errors.problems]


def test_a_cache_that_matches_the_links(tmp_path):
    cache, problems = load(tmp_path, CACHE)
    assert problems == []
    entry = cache["entities"]["vladimir-lenin"]
    assert (cache["fetched"], entry["qid"], entry["born"], dict(entry["labels"])) == (
        "2025-06-01T12:00:00Z", "Q1394", ["1870-04-22"], {"de": "Lenin"})


def test_no_cache_is_none(tmp_path):
    assert load(tmp_path, None) == (None, [])


def test_a_stale_cache_is_refused(tmp_path):
    _, problems = load(tmp_path, CACHE.replace("qid: Q1394", "qid: Q1"))
    assert problems == [(6, "the cache has Q1 for 'vladimir-lenin', the registry links Q1394")]


def test_entries_of_unlinked_entities_bad_dates_labels_and_times(tmp_path):
    text = (CACHE.replace("2025-06-01T12:00:00Z", "yesterday")
                 .replace('"1870-04-22"', '"1870-04-31"').replace("{de: Lenin}", "{Deutsch: Lenin}")
            + "  rosa-luxemburg:\n    qid: Q7231\n")
    _, problems = load(tmp_path, text)
    assert problems == [(2, "'fetched' is not a UTC time: yesterday"),
                        (7, "'1870-04-31' is not a date"),
                        (8, "bad label 'Deutsch: Lenin' for 'vladimir-lenin'"),
                        (9, "'rosa-luxemburg' is not a linked registry entity")]
