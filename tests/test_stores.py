"""The release in real triple stores: Oxigraph server (PyPI `oxigraph`) and
OpenLink Virtuoso (Debian `virtuoso-opensource`), each started on 127.0.0.1
with a throwaway database, loaded with `partykg load` over the Graph Store
Protocol (partykg's HTTP client, digest authentication for Virtuoso, basic
through nginx), queried with partykg's client and, independently, with
SPARQLWrapper, and stopped at the end.

Every query must give the same CSV, byte for byte, on the embedded store, on
Oxigraph server and on Virtuoso: the same rows in the same order, and the same
order inside each GROUP_CONCAT list (SPARQL leaves that order open; partykg's
runner sorts the items, query.sort_concatenated). No other normalisation is
applied: the three stores print the same lexical forms for every number the
queries return."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.expected import to_csv
from support.stores import isql, oxigraph_server, virtuoso_server

from partykg.publish.gsp import read_graphs
from partykg.sparql.query import list_queries, plain, run_query
from partykg.sparql.remote import comparable, run_remote

pytestmark = [pytest.mark.external("oxigraph", "virtuoso", "nginx", "java", "jena"),
              pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
QUERIES = list_queries(ROOT / "queries")
WIKIDATA = "https://query.wikidata.org/sparql"


def partykg(*args: str, cwd: Path = ROOT, password: str | None = None
            ) -> subprocess.CompletedProcess:
    """Run the command; a password goes in PARTYKG_PASSWORD, as users are told to."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTYKG_")}
    if password is not None:
        env["PARTYKG_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "partykg.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)


def load(store, dump: Path, *extra: str) -> subprocess.CompletedProcess:
    args = ["load", str(dump), "--store", store.gsp, *extra]
    if store.user:
        return partykg(*args, "--user", store.user, password=store.password)
    return partykg(*args)


@pytest.fixture(scope="module")
def dump(released) -> Path:
    return released / "partykg.nq"


@pytest.fixture(scope="module")
def graphs(dump) -> dict[str, int]:
    return {g: len(ts) for g, ts in read_graphs(dump).items()}


@pytest.fixture(scope="module")
def oxigraph(dump):
    with oxigraph_server() as store:
        res = load(store, dump)
        assert res.returncode == 0, res.stderr
        yield store


@pytest.fixture(scope="module")
def virtuoso(dump):
    with virtuoso_server() as store:
        res = load(store, dump)
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
    res = load(store, dump)
    assert res.returncode == 0, res.stderr
    ratcliffe = next(n for g, n in graphs.items() if g.endswith("/source/ratcliffe-2012"))
    assert f"{ratcliffe:,}" in res.stdout     # the Ratcliffe graph, counted in the store
    for graph, n in graphs.items():
        assert count(store, graph) == n, graph


def csv_bytes(result) -> str:
    """The rows as `partykg query --format csv` prints them, in the store's order."""
    return to_csv(result.variables, [[plain(t) for t in row] for row in result.rows])


@pytest.mark.parametrize("rq", QUERIES, ids=[q.name for q in QUERIES])
def test_query_gives_the_same_csv_on_every_store(rq, built, store, oxigraph, virtuoso,
                                                 graphs, wikidata_endpoint):
    services = {WIKIDATA: wikidata_endpoint}
    result = run_query(built, rq, {}, store, services)
    embedded = csv_bytes(result)
    assert result.rows or rq.name.endswith("-violation"), "a ready-made query must give rows"
    for remote in (oxigraph, virtuoso):
        other = run_remote(remote.query, rq, {}, built.base, sorted(graphs), services)
        if csv_bytes(other) == embedded:
            continue
        # Say how they differ: other rows, or the same rows in another order.
        missing = comparable(result) - comparable(other)
        extra = comparable(other) - comparable(result)
        first = next((a, b) for a, b in zip(embedded.splitlines(), csv_bytes(other).splitlines())
                     if a != b) if not missing and not extra else None
        pytest.fail(f"{remote.name} differs on {rq.name}: "
                    f"{sum(missing.values())} rows only in the embedded store "
                    f"(first: {next(iter(missing), None)}), {sum(extra.values())} only in "
                    f"{remote.name} (first: {next(iter(extra), None)}); "
                    f"first line in another order or list order: {first}")


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
                    password="not-the-password")
    assert wrong.returncode == 2 and "HTTP 401" in wrong.stderr and "--user" in wrong.stderr


def test_basic_authentication_through_a_proxy(oxigraph, dump, graphs):
    """nginx asks for HTTP basic authentication in front of Oxigraph server."""
    from support.stores import basic_auth_proxy
    with basic_auth_proxy(oxigraph, "historian", "s3cret") as proxy:
        bad = partykg("load", str(dump), "--store", proxy.gsp, "--user", "historian",
                      password="wrong")
        assert bad.returncode == 2 and "HTTP 401" in bad.stderr
        for auth in ("auto", "basic"):
            ok = partykg("load", str(dump), "--store", proxy.gsp, "--user", "historian",
                         "--auth", auth, password="s3cret")
            assert ok.returncode == 0, ok.stderr
    for graph, n in graphs.items():
        assert count(oxigraph, graph) == n


def test_counting_with_sparql_instead_of_gsp(oxigraph, dump, graphs):
    res = load(oxigraph, dump, "--sparql", oxigraph.query)
    assert res.returncode == 0, res.stderr
    total = f"{sum(graphs.values()):,}"
    totals = [line for line in res.stdout.splitlines() if "total" in line]
    assert totals and total in totals[-1], res.stdout


def graph_counts(text: str) -> dict[str, int]:
    """`graph,count` or `graph   count` lines of a recipe's output."""
    import re
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r"(https://w3id\.org/partykg/graph/\S+?)[\s,]+(\d+)\s*$", text, re.M)}


@pytest.mark.parametrize("recipe", ["oxigraph", "tdb2", "virtuoso"])
def test_bulk_load_recipes(recipe, released, graphs, tmp_path):
    """The README's bulk-loading recipes (scripts/bulk-load.sh) load every graph."""
    dump = released / "partykg.nq"
    script = [str(ROOT / "scripts/bulk-load.sh"), recipe]
    if recipe == "virtuoso":
        with virtuoso_server(tmp_path / "vt", load_dir=released) as store:
            res = subprocess.run([*script, str(store.sql_port), str(dump)], capture_output=True,
                                 text=True, timeout=600)
            # A file that does not parse is caught although isql-vt exits 0.
            bad = tmp_path / "vt" / "bad.nq"
            bad.write_text("<urn:a> <urn:b> .\n")
            failed = subprocess.run([*script, str(store.sql_port), str(bad)],
                                    capture_output=True, text=True, timeout=600)
            assert failed.returncode == 1 and "did not load" in failed.stderr, failed.stderr
    else:
        res = subprocess.run([*script, str(tmp_path / "db"), str(dump)], capture_output=True,
                             text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert graph_counts(res.stdout) == graphs


def test_store_killed_in_the_middle_of_a_load(released, tmp_path):
    """Oxigraph server is killed (SIGKILL) while `partykg load` runs: exit 2 with a clear
    message, every graph is then either fully old or fully new, and a rerun completes."""
    import threading
    import time

    from pyoxigraph import NamedNode, Quad, RdfFormat, parse, serialize
    from support.stores import start_oxigraph
    quads = [q for q in parse(path=str(released / "partykg.nq"), format=RdfFormat.N_QUADS)
             if q.graph_name.value.endswith("/ratcliffe-2012")]
    names = [f"urn:partykg-test:graph-{i:02d}" for i in range(6)]
    new = [Quad(q.subject, q.predicate, q.object, NamedNode(g)) for g in names for q in quads]
    old = [q for i, q in enumerate(new) if i % 7]          # an older state of the same graphs
    (tmp_path / "new.nq").write_bytes(serialize(new, format=RdfFormat.N_QUADS))
    (tmp_path / "old.nq").write_bytes(serialize(old, format=RdfFormat.N_QUADS))
    n_new = {g: len(quads) for g in names}
    n_old = {g: sum(1 for q in old if q.graph_name.value == g) for g in names}
    location = tmp_path / "db"
    store = start_oxigraph(location)
    try:
        assert partykg("load", str(tmp_path / "old.nq"), "--store", store.gsp).returncode == 0
        def kill_once_the_first_graph_is_new():
            while count(store, names[0]) != n_new[names[0]]:
                time.sleep(0.2)
            store.crash()
        killer = threading.Thread(target=kill_once_the_first_graph_is_new)
        killer.start()
        res = partykg("load", str(tmp_path / "new.nq"), "--store", store.gsp)
        killer.join()
        assert res.returncode == 2, res.stdout
        assert ("cannot reach the store" in res.stderr
                or "lost the connection to the store" in res.stderr), res.stderr
        assert "fix:" in res.stderr and "Traceback" not in res.stderr
        assert "run the same command again" in res.stderr
        store = start_oxigraph(location, port=int(store.gsp.split(":")[2].split("/")[0]))
        counts = {g: count(store, g) for g in names}
        assert all(counts[g] in (n_old[g], n_new[g]) for g in names), counts
        assert any(counts[g] == n_new[g] for g in names)     # some graphs were replaced ...
        assert any(counts[g] == n_old[g] for g in names)     # ... and some were not yet
        again = partykg("load", str(tmp_path / "new.nq"), "--store", store.gsp)
        assert again.returncode == 0, again.stderr
        assert {g: count(store, g) for g in names} == n_new
    finally:
        store.stop()


def test_query_verb_on_an_endpoint(built, oxigraph, virtuoso):
    """`partykg query --endpoint` prints the same table from either store."""
    outputs = []
    for store in (oxigraph, virtuoso):
        res = partykg("--out", str(built.out), "query", "08", "--format", "csv",
                      "--endpoint", store.query)
        assert res.returncode == 0, res.stderr
        outputs.append(sorted(res.stdout.splitlines()))
    assert outputs[0] == outputs[1] and len(outputs[0]) > 10
    # Virtuoso's authenticated endpoint: digest authentication for a query too
    auth = partykg("--out", str(built.out), "query", "08", "--format", "csv", "--endpoint",
                   virtuoso.query + "-auth", "--user", "dba", password="dba")
    assert auth.returncode == 0, auth.stderr
    assert sorted(auth.stdout.splitlines()) == outputs[1]
    refused = partykg("--out", str(built.out), "query", "08", "--endpoint",
                      virtuoso.query + "-auth", "--user", "dba", password="wrong")
    assert refused.returncode == 2 and "HTTP 401" in refused.stderr, refused.stderr
    down = partykg("--out", str(built.out), "query", "08", "--endpoint",
                   "http://127.0.0.1:9/sparql")
    assert down.returncode == 2 and "http://127.0.0.1:9/sparql failed" in down.stderr
