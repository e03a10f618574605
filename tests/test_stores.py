"""The release in real triple stores: Oxigraph server (PyPI `oxigraph`) and
OpenLink Virtuoso (Debian `virtuoso-opensource`), each started on 127.0.0.1
with a throwaway database, loaded with `partykg load` over the Graph Store
Protocol, queried with SPARQLWrapper, and stopped at the end.

Every ready-made query must give the same rows on the embedded store, on
Oxigraph server and on Virtuoso (row order ignored; see remote.comparable)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from partykg.load import read_graphs
from partykg.query import list_queries, run_query
from partykg.remote import comparable, run_remote
from partykg.stores import isql, oxigraph_server, virtuoso_server

ROOT = Path(__file__).resolve().parents[1]
QUERIES = list_queries(ROOT / "queries")
WIKIDATA = "https://query.wikidata.org/sparql"


def partykg(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "partykg.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def load_args(store, dump: Path) -> list[str]:
    args = ["load", str(dump), "--store", store.gsp]
    if store.user:
        args += ["--user", store.user, "--password", store.password]
    return args


@pytest.fixture(scope="module")
def dump(released) -> Path:
    return released / "partykg.nq"


@pytest.fixture(scope="module")
def graphs(dump) -> dict[str, int]:
    return {g: len(ts) for g, ts in read_graphs(dump).items()}


@pytest.fixture(scope="module")
def oxigraph(dump):
    with oxigraph_server() as store:
        res = partykg(*load_args(store, dump))
        assert res.returncode == 0, res.stderr
        yield store


@pytest.fixture(scope="module")
def virtuoso(dump):
    with virtuoso_server() as store:
        res = partykg(*load_args(store, dump))
        assert res.returncode == 0, res.stderr
        # Federated queries: Virtuoso lets the anonymous SPARQL account call
        # SERVICE only after these grants (Virtuoso's documented set-up).
        isql(store, 'GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL";')
        isql(store, 'GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL";')
        yield store


def count(store, graph: str) -> int:
    from SPARQLWrapper import JSON, SPARQLWrapper
    sw = SPARQLWrapper(store.query)
    sw.setQuery(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    sw.setReturnFormat(JSON)
    return int(sw.queryAndConvert()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_release_loads_with_every_triple(name, request, graphs):
    """Each named graph of the release is in the store with its exact triple count."""
    store = request.getfixturevalue(name)
    assert len(graphs) == 7 and sum(graphs.values()) > 30_000
    for graph, n in graphs.items():
        assert count(store, graph) == n, graph


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_loading_twice_replaces_rather_than_duplicates(name, request, dump, graphs):
    store = request.getfixturevalue(name)
    res = partykg(*load_args(store, dump))
    assert res.returncode == 0, res.stderr
    assert "13,137" in res.stdout          # the Ratcliffe graph, counted in the store
    for graph, n in graphs.items():
        assert count(store, graph) == n, graph


@pytest.mark.parametrize("rq", QUERIES, ids=[q.name for q in QUERIES])
def test_query_gives_the_same_rows_on_every_store(rq, built, store, oxigraph, virtuoso,
                                                  graphs, wikidata_endpoint):
    services = {WIKIDATA: wikidata_endpoint}
    embedded = comparable(run_query(built, rq, {}, store, services))
    assert embedded or rq.name.endswith("-violation"), "a ready-made query must give rows"
    for remote in (oxigraph, virtuoso):
        rows = comparable(run_remote(remote.query, rq, {}, built.base, sorted(graphs),
                                     services))
        missing, extra = embedded - rows, rows - embedded
        assert not missing and not extra, (
            f"{remote.name} differs on {rq.name}: "
            f"{sum(missing.values())} rows only in the embedded store "
            f"(first: {next(iter(missing), None)}), {sum(extra.values())} only in "
            f"{remote.name} (first: {next(iter(extra), None)})")


def test_loading_into_a_stopped_store_fails_clearly(dump, tmp_path):
    with oxigraph_server(tmp_path / "db") as store:
        gsp = store.gsp
    res = partykg("load", str(dump), "--store", gsp)
    assert res.returncode == 2
    assert f"cannot reach the store at {gsp}" in res.stderr
    assert "Connection refused" in res.stderr and "fix:" in res.stderr
    assert "Traceback" not in res.stderr


def test_anonymous_write_to_virtuoso_is_refused(virtuoso, dump):
    anonymous = virtuoso.gsp.replace("-auth", "")
    res = partykg("load", str(dump), "--store", anonymous)
    assert res.returncode == 2
    assert "HTTP 403" in res.stderr and "Permission denied" in res.stderr
    wrong = partykg("load", str(dump), "--store", virtuoso.gsp, "--user", "dba",
                    "--password", "not-the-password")
    assert wrong.returncode == 2 and "HTTP 401" in wrong.stderr and "--user" in wrong.stderr


def test_basic_authentication_through_a_proxy(oxigraph, dump, graphs):
    """nginx asks for HTTP basic authentication in front of Oxigraph server."""
    from partykg.stores import basic_auth_proxy
    with basic_auth_proxy(oxigraph, "historian", "s3cret") as proxy:
        bad = partykg("load", str(dump), "--store", proxy.gsp, "--user", "historian",
                      "--password", "wrong")
        assert bad.returncode == 2 and "HTTP 401" in bad.stderr
        for auth in ("auto", "basic"):
            ok = partykg("load", str(dump), "--store", proxy.gsp, "--user", "historian",
                         "--password", "s3cret", "--auth", auth)
            assert ok.returncode == 0, ok.stderr
    for graph, n in graphs.items():
        assert count(oxigraph, graph) == n


def test_counting_with_sparql_instead_of_gsp(oxigraph, dump):
    res = partykg(*load_args(oxigraph, dump), "--sparql", oxigraph.query)
    assert res.returncode == 0, res.stderr
    assert "31,513" in res.stdout or "total" in res.stdout
