"""`partykg load`: push a release into a triple store over the SPARQL 1.1 Graph
Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

One named graph per request, with PUT, so a rerun replaces each graph instead
of adding a second copy. Each graph is sent as N-Triples under the media type
``text/turtle`` (N-Triples is a subset of Turtle, and every store reads
Turtle). After each PUT the graph is counted in the store, by default with a
GSP GET of the graph and otherwise with a SPARQL COUNT on ``--sparql``, and a
count that differs from the dump's is an error.

A PUT replaces a graph in one transaction in the stores we test (Oxigraph,
Virtuoso), so a load that stops half way leaves every graph either fully old or
fully new; the error says which graphs were loaded, and a rerun completes.

Every request goes through partykg's one HTTP client (partykg.core.http):
credentials go to the origins of --store and --sparql only, never to a host a
redirect names; --timeout is a deadline for the whole request; answers are
capped in size; a store that answers garbage is a clean error (exit 2). The
authentication scheme is learnt from the store's challenge to a request
without a body, then sent with every PUT (Virtuoso closes the connection on
a PUT without credentials before the client could read its challenge).
"""

from __future__ import annotations

import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pyoxigraph import DefaultGraph, Literal, RdfFormat, parse, serialize

from partykg.core.formats import BY_NAME
from partykg.core.http import (
    DEFAULT_MAX_BYTES,
    Client,
    Credentials,
    HttpError,
    Response,
    printable,
)
from partykg.sparql.remote import RESULTS_XML, read_results, read_triples, sparql_request

STORE_HINT = ("is the store running and is --store the URL of its Graph Store Protocol "
              "endpoint? (Oxigraph: http://HOST:PORT/store, Virtuoso: "
              "http://HOST:PORT/sparql-graph-crud-auth)")


class LoadError(Exception):
    """The store could not be reached, refused, or ended up with other counts."""

    def __init__(self, message: str, hint: str = "", loaded: list[str] | None = None,
                 connection_lost: bool = False):
        self.message, self.hint, self.loaded = message, hint, loaded or []
        self.connection_lost = connection_lost
        super().__init__(message)


@dataclass
class Target:
    """Where to load: the store's GSP URL, how to name the graph, the SPARQL
    endpoint that counts (if not GSP), the credentials (see
    Credentials.for_urls: give them for --store and --sparql), the deadline of
    one request and the largest answer read."""

    gsp: str
    graph_param: str = "graph"
    sparql: str | None = None
    credentials: Credentials | None = field(default=None, repr=False)
    timeout: float = 300.0
    max_bytes: int = DEFAULT_MAX_BYTES

    def graph_url(self, graph: str) -> str:
        sep = "&" if "?" in self.gsp else "?"
        return f"{self.gsp}{sep}{urllib.parse.urlencode({self.graph_param: graph})}"

    def client(self) -> Client:
        return Client(self.timeout, self.max_bytes, self.credentials)


@dataclass
class GraphReport:
    graph: str
    triples: int
    in_store: int
    status: int


@dataclass
class LoadReport:
    source: str
    graphs: list[GraphReport] = field(default_factory=list)


def read_graphs(dump: Path) -> dict[str, list]:
    """The named graphs of an N-Quads or TriG dump, in the file's order of graphs
    sorted by name. Triples in the default graph are refused: the release has
    none, and a GSP PUT to the default graph would replace the store's own."""
    fmt = RdfFormat.TRIG if dump.suffix == BY_NAME["trig"].suffix else RdfFormat.N_QUADS
    graphs: dict[str, list] = defaultdict(list)
    for quad in parse(path=str(dump), format=fmt):
        if isinstance(quad.graph_name, DefaultGraph):
            raise LoadError(f"{dump}: a triple in the default graph ({quad.triple}); "
                            "partykg loads named graphs only",
                            "load a partykg release dump (partykg.nq or partykg.trig)")
        graphs[quad.graph_name.value].append(quad.triple)
    if not graphs:
        raise LoadError(f"{dump}: no named graphs in the dump", "run `partykg release` first")
    return dict(sorted(graphs.items()))


def _failed(exc: HttpError) -> LoadError:
    """A network failure in the words of `partykg load`."""
    if exc.kind == "connect":
        return LoadError(f"cannot reach the store at {exc.url}: {exc.detail}", STORE_HINT,
                         connection_lost=True)
    if exc.kind == "lost":
        return LoadError(f"lost the connection to the store at {exc.url}: {exc.detail}",
                         "is the store still running? see its log", connection_lost=True)
    if exc.kind == "timeout":
        return LoadError(f"no complete answer from the store at {exc.url} within the "
                         f"deadline: {exc.detail}", "the store is stalled or slow: see its "
                         "log, or raise --timeout", connection_lost=True)
    return LoadError(str(exc), exc.hint)


def _request(client: Client, url: str, method: str, data: bytes | None = None,
             headers: dict[str, str] | None = None) -> Response:
    try:
        try:
            resp = client.request(method, url, content=data, headers=headers)
        except HttpError as exc:
            if data is None or exc.kind != "lost":
                raise
            # The store closed the connection while the body was being sent: ask
            # again without a body to learn why (often a 401 for bad credentials).
            probe = client.request("HEAD", url)
            if probe.status < 400:
                raise exc from None
            resp = probe
    except HttpError as exc:
        raise _failed(exc) from None
    if resp.status >= 400:
        raise _refused(method, url, resp.status, resp.excerpt())
    return resp


def _refused(method: str, url: str, code: int, text: str) -> LoadError:
    what = f"the store refused {method} {url}: HTTP {code}" + (f": {text}" if text else "")
    if code == 401:
        hint = ("give --user and the password (PARTYKG_PASSWORD; Virtuoso wants digest "
                "authentication at /sparql-graph-crud-auth; --auth digest|basic forces one "
                "scheme)")
    elif code == 403:
        hint = ("the account may not write: use an account with write rights (Virtuoso: "
                "dba, or GRANT SPARQL_UPDATE) or the store's authenticated endpoint")
    elif code == 404:
        hint = "check --store: it must be the Graph Store Protocol endpoint of the store"
    elif code in (400, 415):
        hint = "the store did not accept the graph; check --graph-param and the store's log"
    else:
        hint = "see the store's log"
    return LoadError(what, hint)


COUNT_HINT = "is --sparql the store's SPARQL query endpoint?"


def count_in_store(target: Target, graph: str, client: Client) -> int:
    if target.sparql:
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        try:
            resp = sparql_request(client, target.sparql, q, RESULTS_XML, method="GET",
                                  hint=COUNT_HINT)
            _, rows = read_results(resp, hint=COUNT_HINT)
        except HttpError as exc:
            raise _failed(exc) from None
        value = rows[0][0] if isinstance(rows, list) and rows and rows[0] else None
        if not isinstance(value, Literal) or not (value.value.isascii()
                                                  and value.value.isdigit()):
            shown = printable(str(value), 80) if value is not None else "no row"
            raise LoadError(f"{target.sparql} answered the count of {graph} with {shown}, "
                            "not a number", COUNT_HINT)
        return int(value.value)
    resp = _request(client, target.graph_url(graph), "GET",
                    headers={"Accept": "application/n-triples, text/turtle;q=0.9"})
    # Stores answer GET in N-Triples or Turtle; the Turtle parser reads both.
    try:
        return len(read_triples(resp, graph, "is --store the store's Graph Store Protocol "
                                "endpoint?"))
    except HttpError as exc:
        raise _failed(exc) from None


def load(dump: Path, target: Target, verify: bool = True,
         progress: Callable[[str, int], None] | None = None,
         graphs: dict[str, list] | None = None) -> LoadReport:
    """PUT every named graph of ``dump`` (or of ``graphs``, already read from it)
    into the store; return the counts."""
    graphs = graphs if graphs is not None else read_graphs(dump)
    report = LoadReport(str(dump))
    with target.client() as client:
        for graph, triples in graphs.items():
            _load_graph(target, client, graph, triples, graphs, report, verify)
            if progress:
                progress(graph, len(triples))
    return report


def _load_graph(target: Target, client: Client, graph: str, triples: list,
                graphs: dict[str, list], report: LoadReport, verify: bool) -> None:
    """PUT one graph, count it in the store, and add it to ``report``."""
    body = serialize(triples, format=RdfFormat.N_TRIPLES)
    try:
        status = _request(client, target.graph_url(graph), "PUT", body,
                          {"Content-Type": "text/turtle; charset=utf-8"}).status
        in_store = count_in_store(target, graph, client) if verify else len(triples)
    except LoadError as exc:
        exc.loaded = [g.graph for g in report.graphs]
        exc.message += (f" (while loading {graph}; {len(report.graphs)} of {len(graphs)} "
                        "graphs were loaded before)")
        if report.graphs or exc.connection_lost:
            exc.hint += ("; each PUT replaces one graph as a whole, so once the store "
                         "is back, run the same command again to complete the load")
        raise
    report.graphs.append(GraphReport(graph, len(triples), in_store, status))
    if in_store != len(triples):
        raise LoadError(f"{graph}: the dump has {len(triples)} triples but the store "
                        f"holds {in_store} after the load",
                        "see the store's log; a store that rewrites literals or drops "
                        "triples is not loading this release faithfully",
                        [g.graph for g in report.graphs])
