"""`partykg coverage`: every capitalised name in every text is a mention or reviewed."""

from __future__ import annotations

import pytest
from conftest import ROOT

from partykg.check.coverage import candidates, coverage, coverage_report, load_reviewed
from partykg.core.paths import project


def test_every_source_is_fully_covered(built):
    """No unreviewed capitalised name remains in any source: each is a mention of a
    registry entity or recorded as a reviewed non-entity in data/coverage.yaml."""
    report = coverage_report(project(ROOT, built.out))
    assert report, "no source was checked"
    leftovers = {sid: [f.name for f in findings] for sid, findings in report.items() if findings}
    assert leftovers == {}


def test_reviewed_names_are_not_registry_names(built):
    """A name recorded as a non-entity must not also be a detected registry name or
    alias (that would hide a real mention gap). Names of entities with `detect: false`
    may be reviewed: their real occurrences are explicit mentions, the others are not
    the entity (e.g. "Fightback" in an image credit)."""
    from partykg.model.inputs import load_inputs
    registry, _ = load_inputs(project(ROOT, built.out))
    names = {n for e in registry.entities.values() if e.detect for n in e.names}
    common, per = load_reviewed(ROOT / "data", ROOT)
    reviewed = common.union(*per.values())
    assert reviewed and not (reviewed & names)


def test_misspelling_is_reported_with_its_near_match(built):
    """An unknown spelling close to a registry name is reported with that name."""
    from partykg.model.inputs import load_inputs
    registry, sources = load_inputs(project(ROOT, built.out))
    src = next(s for s in sources if s.id == "mandel-1970")
    src.text = src.text + "\n\nAs Trotzky wrote, the Mensheviki hesitated.\n"
    findings = {f.name: f for f in coverage(src, registry, set())}
    assert "Trotsky" in findings["Trotzky"].near
    assert "Mensheviks" in findings["Mensheviki"].near


@pytest.mark.parametrize("text,names", [
    ("The Kautsky-Bauer school of thought", ["The Kautsky-Bauer", "The Kautsky-Bauer school"]),
    ("the Communist Party of Germany was", ["Communist Party of Germany"]),
])
def test_candidates_group_multiword_names(text, names):
    """Runs of capitalised words, with connectors such as 'of', form one candidate."""
    got = [n for _, _, n in candidates(text)]
    assert any(n in got for n in names), got
