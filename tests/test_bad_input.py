"""Bad input: one clear message naming file, line and fix; exit code 2; the
previous output left untouched. One case per kind of mistake."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ANN = "data/annotations/mandel-1970.yaml"


def run(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PARTYKG_ROOT": str(workdir), "PARTYKG_OUT": str(workdir / "out"),
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "partykg.cli", *args], env=env,
                          capture_output=True, text=True)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = {
    # name: (file, old, new, line-anchor (text on the reported line), message fragment, hint fragment)
    "quote-not-in-text": (ANN, "It would be a great injustice to Lenin",
                          "It would be a grave injustice to Lenin", "a grave injustice",
                          "claim c01: the quote is not in the text", "then the text has"),
    "unknown-entity-key": (ANN, "claimant: rosa-luxemburg", "claimant: rosa-luxembourg",
                           "rosa-luxembourg", "unknown entity 'rosa-luxembourg'",
                           "did you mean 'rosa-luxemburg'"),
    "misspelt-field": (ANN, "    paraphrase: Lenin did not", "    paraphrse: Lenin did not",
                       "paraphrse:", "unknown key 'paraphrse'", "did you mean 'paraphrase'"),
    "wrong-kind-in-role": (ANN, "claimant: rosa-luxemburg",
                           "claimant: history-of-the-russian-revolution",
                           "claimant: history-of-the-russian-revolution",
                           "'history-of-the-russian-revolution' is a work",
                           "use the key of a person or organization or group"),
    "ambiguous-quote": (ANN, "quote: 'the powerful steam evaporated for lack of a piston that would have compressed it at the decisive moment'",
                        "quote: 'spontaneous'", "quote: 'spontaneous'",
                        "occurs", "add a `prefix:`"),
    "impossible-date": ("data/registry/events.yaml", 'start: "1968-05"', 'start: "1968-13"',
                        '"1968-13"', "'1968-13' is not a valid date", "YYYY-MM"),
    "malformed-qid": ("data/registry/persons.yaml", "qid: Q1394", "qid: 1394", "qid: 1394",
                      "'1394' is not a Wikidata QID", "Q followed by digits"),
    "yaml-syntax-error": (ANN, "  - id: c03\n", "  - id: c03\n   oops: [\n", "oops: [",
                          "YAML syntax error", "indentation"),
    "duplicate-qid": ("data/registry/persons.yaml", "qid: Q76586", "qid: Q1394", "karl-kautsky:",
                      "Q1394 is the Wikidata item of both 'vladimir-lenin'", "merge the two entries"),
    "duplicate-id": (ANN, "  - id: c03\n", "  - id: c02\n", "  - id: c02", "duplicate id 'c02'",
                     "new number"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_place_and_hint(workdir, case):
    """Each mistake names file and line, says what is wrong and how to fix it,
    exits 2 and leaves the previous build exactly as it was."""
    file, old, new, anchor, message, hint = CASES[case]
    first = run(workdir, "build", "-q")
    assert first.returncode == 0, first.stderr
    before = snapshot(workdir / "out")
    path = workdir / file
    if case == "duplicate-id":  # the second c02 stands where c03 stood
        line = line_of(path, old.strip())
        replace(path, old, new)
    else:
        replace(path, old, new)
        line = line_of(path, anchor)
    if case == "yaml-syntax-error":
        line += 1  # PyYAML reports the line after the broken flow sequence opens
    result = run(workdir, "build", "-q")
    assert result.returncode == 2, result.stderr
    assert f"{file}:" in result.stderr
    assert message in result.stderr, result.stderr
    assert hint in result.stderr, result.stderr
    if case not in ("yaml-syntax-error",):
        assert f"{file}:{line}:" in result.stderr, result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(workdir / "out") == before


def test_changed_text_is_refused(workdir):
    """A source text edited after annotation must not be published with stale offsets."""
    text = workdir / "data/sources/000_773fbfcb8c76a8a9.txt"
    replace(text, "great injustice", "grave injustice")
    result = run(workdir, "build", "-q")
    assert result.returncode == 2
    assert f"{ANN}:{line_of(workdir / ANN, 'sha256:')}:" in result.stderr
    assert "has changed since it was annotated" in result.stderr
    assert "record `sha256:" in result.stderr


def test_all_problems_reported_at_once(workdir):
    """Two independent mistakes are both reported in one run, so the annotator fixes both."""
    path = workdir / ANN
    replace(path, "claimant: rosa-luxemburg", "claimant: rosa-luxembourg")
    replace(path, "paraphrase: Lenin did not", "paraphrse: Lenin did not")
    result = run(workdir, "build")
    assert result.returncode == 2
    assert "2 problems in the input" in result.stderr


def test_missing_build_for_query_builds_first(workdir):
    """`partykg query` on a fresh checkout builds first instead of failing."""
    result = run(workdir, "query", "05", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert "The History of the Russian Revolution" in result.stdout
