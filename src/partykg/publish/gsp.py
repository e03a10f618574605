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
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pyoxigraph import DefaultGraph, RdfFormat, parse, serialize

from partykg.core.formats import BY_NAME

USER_AGENT = "partykg-load (https://w3id.org/partykg/)"


class LoadError(Exception):
    """The store could not be reached, refused, or ended up with other counts."""

    def __init__(self, message: str, hint: str = "", loaded: list[str] | None = None,
                 connection_lost: bool = False):
        self.message, self.hint, self.loaded = message, hint, loaded or []
        self.connection_lost = connection_lost
        super().__init__(message)


@dataclass
class Target:
    """Where to load: the store's GSP URL, how to name the graph, credentials."""

    gsp: str
    graph_param: str = "graph"
    sparql: str | None = None
    user: str | None = None
    password: str | None = None
    auth: str = "auto"          # auto | basic | digest
    timeout: float = 300.0
    session: Auth | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.user is not None and self.session is None:
            self.session = Auth(self.user, self.password or "", self.auth)

    def graph_url(self, graph: str) -> str:
        sep = "&" if "?" in self.gsp else "?"
        return f"{self.gsp}{sep}{urllib.parse.urlencode({self.graph_param: graph})}"


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


class Auth:
    """HTTP basic or digest authentication sent with the request itself.

    A store that wants credentials answers the first unauthenticated request
    with 401 while the client is still sending the graph, and closes the
    connection (Virtuoso does): the client sees a broken pipe instead of the
    challenge. So the scheme is learnt first from a request without a body
    (HEAD), and every PUT then carries its Authorization header (RFC 7617,
    RFC 7616 with MD5 and qop=auth, as Virtuoso and most stores offer)."""

    def __init__(self, user: str, password: str, scheme: str = "auto"):
        self.user, self.password, self.scheme = user, password, scheme
        self.challenge: dict[str, str] | None = None
        self.nc = 0

    def learn(self, www_authenticate: str) -> None:
        scheme, _, rest = www_authenticate.strip().partition(" ")
        if scheme.lower() == "digest" and self.scheme in ("auto", "digest"):
            self.challenge = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        elif scheme.lower() == "basic" and self.scheme == "auto":
            self.scheme = "basic"

    @property
    def ready(self) -> bool:
        return self.scheme == "basic" or self.challenge is not None

    def header(self, method: str, url: str) -> str | None:
        if self.scheme == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return f"Basic {token}"
        if self.challenge is None:
            return None
        c = self.challenge
        algorithm = c.get("algorithm", "MD5")
        if algorithm.upper() not in ("MD5", "MD5-SESS"):
            raise LoadError(f"the store asks for digest algorithm {algorithm}, which "
                            "partykg does not speak", "use --auth basic if the store allows it")
        h = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731 (RFC 7616)
        parts = urllib.parse.urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        self.nc += 1
        nc, cnonce = f"{self.nc:08x}", os.urandom(8).hex()
        ha1 = h(f"{self.user}:{c['realm']}:{self.password}")
        if algorithm.upper() == "MD5-SESS":
            ha1 = h(f"{ha1}:{c['nonce']}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        fields = {"username": self.user, "realm": c["realm"], "nonce": c["nonce"], "uri": uri,
                  "algorithm": algorithm}
        if "auth" in c.get("qop", "").split(","):
            fields["response"] = h(f"{ha1}:{c['nonce']}:{nc}:{cnonce}:auth:{ha2}")
            extra = f", qop=auth, nc={nc}, cnonce=\"{cnonce}\""
        else:
            fields["response"] = h(f"{ha1}:{c['nonce']}:{ha2}")
            extra = ""
        if "opaque" in c:
            fields["opaque"] = c["opaque"]
        return "Digest " + ", ".join(f'{k}="{v}"' for k, v in fields.items()) + extra


def _send(target: Target, url: str, method: str, data: bytes | None,
          headers: dict[str, str]) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"User-Agent": USER_AGENT, **headers})
    try:
        with urllib.request.urlopen(req, timeout=target.timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _request(target: Target, url: str, method: str, data: bytes | None = None,
             headers: dict[str, str] | None = None, retry: bool = True) -> tuple[int, bytes]:
    headers = dict(headers or {})
    auth = target.session
    try:
        if auth is not None and not auth.ready:
            code, _, probe = _send(target, url, "HEAD", None, {})
            if code == 401:
                auth.learn(probe.get("WWW-Authenticate", ""))
        if auth is not None and (value := auth.header(method, url)):
            headers["Authorization"] = value
        try:
            code, body, got = _send(target, url, method, data, headers)
        except (BrokenPipeError, ConnectionResetError, urllib.error.URLError) as exc:
            # The store closed the connection while the body was being sent: ask
            # again without a body to learn why (often a 401 for bad credentials).
            if data is None or not isinstance(getattr(exc, "reason", exc), OSError):
                raise
            code, body, got = _send(target, url, "HEAD", None,
                                    {k: v for k, v in headers.items() if k == "Authorization"})
            if code < 400:
                raise
    except http.client.HTTPException as exc:   # e.g. IncompleteRead: the store died
        raise LoadError(f"lost the connection to the store at {url}: "
                        f"{type(exc).__name__}: {exc}",
                        "is the store still running? see its log",
                        connection_lost=True) from None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LoadError(f"cannot reach the store at {url}: {reason}",
                        "is the store running and is --store the URL of its Graph Store "
                        "Protocol endpoint? (Oxigraph: http://HOST:PORT/store, Virtuoso: "
                        "http://HOST:PORT/sparql-graph-crud-auth)",
                        connection_lost=True) from None
    if code == 401 and auth is not None and retry and "stale=\"true\"" in got.get(
            "WWW-Authenticate", "").lower():
        auth.learn(got["WWW-Authenticate"])   # the nonce expired: answer the new one
        return _request(target, url, method, data, headers, retry=False)
    if code >= 400:
        raise _refused(method, url, code, body.decode("utf-8", "replace"))
    return code, body


def _refused(method: str, url: str, code: int, body: str) -> LoadError:
    text = " ".join(body.split())
    if len(text) > 300:
        text = text[:300] + " ..."
    what = f"the store refused {method} {url}: HTTP {code}" + (f": {text}" if text else "")
    if code == 401:
        hint = ("give --user and --password (Virtuoso wants digest authentication at "
                "/sparql-graph-crud-auth; --auth digest|basic forces one scheme)")
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


def count_in_store(target: Target, graph: str) -> int:
    if target.sparql:
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        url = f"{target.sparql}?{urllib.parse.urlencode({'query': q})}"
        _, body = _request(target, url, "GET", headers={"Accept": "text/csv"})
        lines = body.decode().split()
        return int(lines[1]) if len(lines) > 1 else 0
    _, body = _request(target, target.graph_url(graph), "GET",
                       headers={"Accept": "application/n-triples, text/turtle;q=0.9"})
    # Stores answer GET in N-Triples or Turtle; the Turtle parser reads both.
    return sum(1 for _ in parse(body, format=RdfFormat.TURTLE, base_iri=graph))


def load(dump: Path, target: Target, verify: bool = True,
         progress: Callable[[str, int], None] | None = None,
         graphs: dict[str, list] | None = None) -> LoadReport:
    """PUT every named graph of ``dump`` (or of ``graphs``, already read from it)
    into the store; return the counts."""
    graphs = graphs if graphs is not None else read_graphs(dump)
    report = LoadReport(str(dump))
    for graph, triples in graphs.items():
        body = serialize(triples, format=RdfFormat.N_TRIPLES)
        try:
            status, _ = _request(target, target.graph_url(graph), "PUT", body,
                                 {"Content-Type": "text/turtle; charset=utf-8"})
            in_store = count_in_store(target, graph) if verify else len(triples)
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
        if progress:
            progress(graph, len(triples))
    return report
