"""partykg.model.review: the Wikidata review file; an accepted link needs who,
when and the evidence, and becomes the entity's QID with that provenance."""

from __future__ import annotations

from partykg.core.errors import Collector
from partykg.core.paths import project
from partykg.model.registry import Entity, Registry
from partykg.model.review import apply_review
from unit import write

REVIEW = """\
endpoint: https://query.wikidata.org/sparql
entities:
  rosa-luxemburg:
    kind: person
    candidates:
      - qid: Q7231
        label: Rosa Luxemburg
        score: "0.95"
    review:
      decision: accept
      qid: Q7231
      by: Jane Doe
      date: "2025-06-01"
      evidence: label, dates and description checked on the item
  karl-kautsky:
    review:
      decision: pending
"""


def registry() -> Registry:
    def person(key, name, qid=None):
        return Entity(key=key, kind="person", cls="Person", name=name, file="persons.yaml",
                      line=1, qid=qid)
    return Registry({e.key: e for e in (person("rosa-luxemburg", "Rosa Luxemburg"),
                                        person("karl-kautsky", "Karl Kautsky"),
                                        person("vladimir-lenin", "Vladimir Lenin", "Q1394"))}, {})


def review(tmp_path, text: str):
    write(tmp_path, {"data/wikidata/review.yaml": text})
    reg, errors = registry(), Collector()
    n = apply_review(project(tmp_path, tmp_path / "out"), reg, errors)
    return n, reg, [(p.line, p.message) for p in errors.problems]


def test_an_accepted_link_with_its_provenance(tmp_path):
    n, reg, problems = review(tmp_path, REVIEW)
    assert (n, problems) == (1, [])
    rosa = reg.entities["rosa-luxemburg"]
    assert (rosa.qid, rosa.qid_by, rosa.qid_on, rosa.qid_evidence, rosa.qid_where) == (
        "Q7231", "Jane Doe", "2025-06-01", "label, dates and description checked on the item",
        ("data/wikidata/review.yaml", 11))
    assert reg.entities["karl-kautsky"].qid is None


def test_acceptance_without_who_or_with_a_month(tmp_path):
    _, _, problems = review(tmp_path, REVIEW.replace("      by: Jane Doe\n", ""))
    assert problems == [(9, "'rosa-luxemburg' is accepted without by")]
    _, _, problems = review(tmp_path, REVIEW.replace('"2025-06-01"', '"2025-06"'))
    assert problems == [(13, "'date' of 'rosa-luxemburg' must be a day, not '2025-06'")]


def test_an_item_already_linked_elsewhere_and_unknown_entries(tmp_path):
    text = REVIEW.replace("qid: Q7231\n      by", "qid: Q1394\n      by") + \
        "  nobody-at-all:\n    review:\n      decision: maybe\n"
    _, _, problems = review(tmp_path, text)
    assert problems == [
        (18, "'nobody-at-all' is not a registry entity"),
        (20, "unknown decision 'maybe' for 'nobody-at-all'"),
        (11, "Q1394 is accepted for 'rosa-luxemburg' but is already the item of "
             "'vladimir-lenin' (persons.yaml:1)")]


def test_no_review_file_changes_nothing(tmp_path):
    reg, errors = registry(), Collector()
    assert apply_review(project(tmp_path, tmp_path / "out"), reg, errors) == 0
    assert errors.problems == [] and reg.entities["rosa-luxemburg"].qid is None
