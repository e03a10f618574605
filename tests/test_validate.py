"""`partykg validate` on the real build, and its report on data that breaks a rule."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT

from partykg.check.validate import validate
from partykg.core.paths import project
from partykg.rdf.build import build

PARAPHRASE = "<https://w3id.org/partykg/ontology#paraphrase>"
C07 = "<https://w3id.org/partykg/id/claim/mandel-1970-c07>"


def test_real_build_conforms(built):
    """SHACL and every *-violation.rq: nothing to report on the real data."""
    report = validate(built)
    assert report.conforms and report.results == []


def test_cli_exit_codes(built):
    """Exit 0 when the data conforms."""
    env = {**os.environ, "PARTYKG_ROOT": str(ROOT), "PARTYKG_OUT": str(built.out)}
    result = subprocess.run([sys.executable, "-m", "partykg.cli", "validate"], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout


@pytest.mark.slow  # a second whole build, validated twice (API and CLI)
def test_report_points_to_annotation_line_and_passage(workdir):
    """A claim that lost its paraphrase (as if written by another tool) is reported
    under its source, with the annotation file and line and the claim's passage,
    and validate exits 1."""
    proj = project(workdir, workdir / "out")
    build(proj)
    lines = proj.nquads.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [l for l in lines if not (l.startswith(C07) and f" {PARAPHRASE} " in l)]
    assert len(kept) == len(lines) - 1
    proj.nquads.write_text("".join(kept), encoding="utf-8")

    report = validate(proj)
    assert not report.conforms
    assert [(r.focus, r.component) for r in report.results] == [
        (C07.strip("<>"), "MinCountConstraintComponent")]
    group = report.grouped()
    assert list(group) == ["mandel-1970"]
    result, where = group["mandel-1970"][0]
    ann = (workdir / "data/annotations/mandel-1970.yaml").read_text().splitlines()
    assert where["file"] == "data/annotations/mandel-1970.yaml"
    assert ann[where["line"] - 1].strip() == "- id: c07"
    assert where["passage"].startswith("The difference between the Leninist theory")

    env = {**os.environ, "PARTYKG_ROOT": str(workdir), "PARTYKG_OUT": str(workdir / "out"),
           "COLUMNS": "200"}
    cli = subprocess.run([sys.executable, "-m", "partykg.cli", "validate", "--no-build"],
                         env=env, capture_output=True, text=True)
    assert cli.returncode == 1
    assert f"data/annotations/mandel-1970.yaml:{where['line']}" in cli.stdout
    assert 'passage: "The difference between the Leninist theory' in cli.stdout


@pytest.mark.slow
def test_violation_query_reports_registry_line(workdir):
    """An event ending before it begins parses, so SHACL is silent; the violation
    query catches it, and the report names the registry file and line."""
    events = workdir / "data/registry/events.yaml"
    text = events.read_text()
    at = text.index("first-world-war:")   # its own end date, not another event's
    events.write_text(text[:at] + text[at:].replace('end: "1918"', 'end: "1913"', 1))
    proj = project(workdir, workdir / "out")
    build(proj)
    report = validate(proj)
    assert not report.conforms
    [(result, where)] = report.grouped()["registry"]
    assert result.focus.endswith("/event/first-world-war")
    assert result.component == "90-event-ends-before-it-begins-violation.rq"
    assert where["file"] == "data/registry/events.yaml"
    assert events.read_text().splitlines()[where["line"] - 1] == "first-world-war:"


@pytest.mark.slow
def test_warnings_are_shown_and_still_conform(workdir):
    """Severities (issue 20): a doubtful finding is a warning (here query 93, a cited
    work without an author), shown in the report, and validate still exits 0; a
    violation makes it exit 1."""
    proj = project(workdir, workdir / "out")
    build(proj)
    work = "<https://w3id.org/partykg/id/work/history-of-the-russian-revolution>"
    author_fact = "_:fact-history-of-the-russian-revolution-authors-"
    lines = proj.nquads.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines
            if not (line.startswith(f"{work} <http://schema.org/author> ")
                    or line.startswith(author_fact))]
    assert len(lines) - len(kept) >= 5   # the author and the axiom annotation of its basis
    proj.nquads.write_text("".join(kept), encoding="utf-8")

    report = validate(proj)
    assert report.conforms
    assert [(r.severity, r.focus, r.component) for r in report.results] == [
        ("Warning", work.strip("<>"), "93-cited-work-without-author-violation.rq")]
    env = {**os.environ, "PARTYKG_ROOT": str(workdir), "PARTYKG_OUT": str(workdir / "out"),
           "COLUMNS": "200"}
    cli = subprocess.run([sys.executable, "-m", "partykg.cli", "validate", "--no-build"],
                         env=env, capture_output=True, text=True)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "Warning" in cli.stdout and "Quoted or cited works that have no author" in cli.stdout
    assert "conforms: 0 violations, 1 warning, 0 infos" in cli.stdout

    # the same graph with a violation besides: exit 1
    proj.nquads.write_text("".join(kept) + f"{work} <http://schema.org/dateCreated> "
                           '"1930-13"^^<http://www.w3.org/2001/XMLSchema#gYearMonth> '
                           "<https://w3id.org/partykg/graph/registry> .\n", encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "partykg.cli", "validate", "--no-build"],
                         env=env, capture_output=True, text=True)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "does not conform:" in cli.stdout
