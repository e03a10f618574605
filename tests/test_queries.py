"""Every ready-made query: a valid grlc header, and its expected rows on the real build."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT
from support.expected import read_csv, result_rows

from partykg.core.errors import InputError
from partykg.sparql.query import (
    WIKIDATA_SPARQL,
    list_queries,
    load_query,
    parse_header,
    run_query,
    substitute,
)

QUERIES = sorted((ROOT / "queries").glob("*.rq"))
READY = [q for q in QUERIES if not q.stem.endswith("-violation")]
CHECKS = [q for q in QUERIES if q.stem.endswith("-violation")]


def test_query_lists_are_not_empty():
    """An empty folder would make every parametrised test below pass vacuously."""
    assert len(READY) >= 30 and len(CHECKS) >= 3


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_header_is_valid_grlc(path):
    """Numbered kebab-case name; summary, description and tags in a YAML header."""
    import re
    assert re.match(r"^\d{2}-[a-z0-9]+(-[a-z0-9]+)*\.rq$", path.name)
    rq = load_query(path)
    assert rq.summary and rq.header["description"]
    assert isinstance(rq.header["tags"], list) and rq.header["tags"]
    for name in rq.params:
        assert name in rq.defaults, f"parameter {name} has no default"


def federated(path) -> bool:
    return "SERVICE" in path.read_text()


@pytest.mark.parametrize("path", [
    pytest.param(q, marks=pytest.mark.external("oxigraph")) if federated(q) else q for q in READY],
    ids=lambda p: p.stem)
def test_query_gives_expected_rows(path, built, store, request):
    """The query's rows on the real build equal tests/expected/<name>.csv. Federated
    queries send their SERVICE calls to a local server standing in for Wikidata
    (started only for them: the others run without the Oxigraph server)."""
    rq = load_query(path)
    expected_file = ROOT / "tests" / "expected" / f"{rq.name}.csv"
    variables, rows = read_csv(expected_file)
    assert rows, "an expected result must not be empty"
    services = {WIKIDATA_SPARQL: request.getfixturevalue("wikidata_endpoint")} if federated(path) else {}
    result = run_query(built, rq, {}, store, services)
    assert result.variables == variables
    assert result_rows(result) == rows


@pytest.mark.parametrize("path", CHECKS, ids=lambda p: p.stem)
def test_violation_query_returns_no_rows(path, built, store):
    """Data-quality checks must find nothing on the real data."""
    result = run_query(built, load_query(path), {}, store)
    assert result.rows == []


def test_malformed_headers_are_rejected():
    """A broken header must be an error, not a silently empty summary."""
    bad = {
        "#+ summary: [unclosed\nSELECT * {}": "not valid YAML",
        "#+ description: no summary\nSELECT * {}": "lacks `summary`",
        "#+ summary: s\n#+ description: d\n#+ tagz: [x]\nSELECT * {}": "unknown header key",
        "SELECT * {}": "no grlc header",
        "#+ summary: s\n#+ description: d\n#+ defaults: x\nSELECT * {}": "`defaults` must be",
    }
    for text, message in bad.items():
        with pytest.raises(InputError) as exc:
            parse_header(text, "q.rq")
        assert message in str(exc.value)


def test_parameters_are_substituted(built, store):
    """BASIL parameters: a given IRI replaces the default; an unknown name is refused."""
    rq = load_query(ROOT / "queries" / "02-claims-about-entity.rq")
    luxemburg = "https://w3id.org/partykg/id/person/rosa-luxemburg"
    text = substitute(rq, {"entity": luxemburg}, built.base)
    assert f"<{luxemburg}>" in text and "?_entity_iri" not in text
    result = run_query(built, rq, {"entity": luxemburg}, store)
    claims = {row[0].value.rsplit("/", 1)[-1] for row in result.rows}
    assert {"mandel-1970-c04", "mandel-1970-c05", "mandel-1970-c06"} <= claims
    with pytest.raises(InputError):
        substitute(rq, {"person": luxemburg}, built.base)


def test_list_shows_every_query_with_summary(built):
    """`partykg query --list` is generated from the headers: every file, every summary."""
    env = {**os.environ, "PARTYKG_ROOT": str(ROOT), "COLUMNS": "250"}
    out = subprocess.run([sys.executable, "-m", "partykg.cli", "query", "--list"], env=env,
                         capture_output=True, text=True, check=True).stdout
    for rq in list_queries(ROOT / "queries"):
        assert rq.name in out
        assert rq.summary[:40] in out


def test_cli_formats(built):
    """CSV, TSV and JSON output of the same query carry the same rows."""
    import csv
    import io
    import json
    env = {**os.environ, "PARTYKG_ROOT": str(ROOT), "PARTYKG_OUT": str(built.out)}

    def run(fmt):
        return subprocess.run([sys.executable, "-m", "partykg.cli", "query", "04", "--format", fmt],
                              env=env, capture_output=True, text=True, check=True).stdout
    rows_csv = list(csv.reader(io.StringIO(run("csv"))))
    rows_tsv = list(csv.reader(io.StringIO(run("tsv")), delimiter="\t"))
    data = json.loads(run("json"))
    assert rows_csv == rows_tsv and len(rows_csv) > 50
    assert data["head"]["vars"] == rows_csv[0]
    assert len(data["results"]["bindings"]) == len(rows_csv) - 1
    assert any("\t" not in cell and "Trotsky" in cell for row in rows_tsv for cell in row)


FEDERATED = [q for q in READY if federated(q)]


def test_federated_queries_are_marked():
    """Queries that call Wikidata say so: tags `federated` and `needs-internet`."""
    assert len(FEDERATED) >= 2
    for path in FEDERATED:
        rq = load_query(path)
        assert {"federated", "needs-internet"} <= set(rq.header["tags"]), path.name
        assert "https://query.wikidata.org/sparql" in rq.text


@pytest.mark.external("oxigraph")
def test_federated_query_over_http_from_the_cli(built, wikidata_endpoint):
    """`partykg query --wikidata-endpoint URL` sends the SERVICE call over real HTTP to
    the given endpoint (here the local stand-in) and joins its answer to our data."""
    env = {**os.environ, "PARTYKG_ROOT": str(ROOT), "PARTYKG_OUT": str(built.out)}
    out = subprocess.run([sys.executable, "-m", "partykg.cli", "query", "30", "--format", "csv",
                          "--wikidata-endpoint", wikidata_endpoint,
                          "-p", "item=http://www.wikidata.org/entity/Q1394"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert "Vladimir Lenin" in out and "1870-04-22T00:00:00Z" in out and "1924-01-21" in out


def test_service_redirect_only_touches_service_clauses():
    """Only SERVICE <…> is redirected; the same IRI elsewhere in the query stays."""
    from partykg.sparql.query import redirect_services
    text = ('SELECT * { BIND(<https://query.wikidata.org/sparql> AS ?x) '
            'SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } '
            'SERVICE SILENT <https://query.wikidata.org/sparql> { ?a ?b ?c } }')
    out = redirect_services(text, {WIKIDATA_SPARQL: "http://127.0.0.1:1/query"})
    assert out.count("<http://127.0.0.1:1/query>") == 2
    assert "BIND(<https://query.wikidata.org/sparql> AS ?x)" in out


CONCATENATING = [q for q in READY if "GROUP_CONCAT" in q.read_text()]


def test_group_concat_lists_are_sorted(built, store):
    """Every GROUP_CONCAT list of a ready-made query comes sorted from the runner (SPARQL
    leaves the order open), so the CSV is the same on every store (tests/test_stores.py)."""
    from partykg.sparql.query import concat_separators
    assert len(CONCATENATING) >= 3
    longer = 0
    for path in CONCATENATING:
        rq = load_query(path)
        separators = concat_separators(rq.text)
        assert separators, f"{rq.name}: every GROUP_CONCAT names its separator"
        result = run_query(built, rq, {}, store)
        for row in result.rows:
            for var, t in zip(result.variables, row):
                if var in separators and t is not None:
                    parts = t.value.split(separators[var])
                    assert parts == sorted(parts), (rq.name, var, t.value)
                    longer += len(parts) > 1
    assert longer > 10, "too few lists of two or more items to check the order"
