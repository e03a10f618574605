"""Run a ready-made query on a remote SPARQL endpoint, for `partykg query
--endpoint` and for checking that every store gives the same answers as the
embedded one; and the SPARQL 1.1 Protocol requests that the other remote
callers (Wikidata, the counts of `partykg load`) send.

Requests go through partykg's one HTTP client (partykg.core.http), not
SPARQLWrapper: SPARQLWrapper sends through urllib, whose redirect handler
copies the Authorization header to whatever host a redirect names, and whose
timeout is per socket operation, not a deadline; its API can change neither.
The client keeps credentials to their origin, enforces a total deadline and
a size cap, and turns garbage into clean errors; pyoxigraph parses the answers.

Requests are form POSTs (``application/x-www-form-urlencoded``): Virtuoso
hangs on POST with ``application/sparql-query``, and a GET URL grows too long
once the dataset names many graphs. The dataset is named in the request with
``default-graph-uri`` and ``named-graph-uri`` (SPARQL 1.1 Protocol): the union
of partykg's graphs as the default graph, and the same graphs as named graphs,
which is what the embedded store does, and it keeps Virtuoso's own system
graphs out of the answers.

Results are asked for as SPARQL XML and parsed by pyoxigraph: Virtuoso's JSON
writer prints xsd:boolean values as "0"/"1" (openlink/virtuoso-opensource#485,
#733), which are other RDF terms than the stored "false"/"true"; its XML
writer prints the stored terms.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlencode

from pyoxigraph import (
    BlankNode,
    Literal,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    parse,
    parse_query_results,
)

from partykg.core.http import (
    DEFAULT_MAX_BYTES,
    Client,
    Credentials,
    HttpError,
    Response,
    printable,
)
from partykg.sparql.query import (
    RQ,
    QueryResult,
    concat_separators,
    redirect_services,
    sort_concatenated,
    substitute,
)

RESULTS_XML = "application/sparql-results+xml"
RESULTS_JSON = "application/sparql-results+json"
RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9"
ENDPOINT_HINT = ("is it the URL of a SPARQL endpoint (not its web page), and does it speak "
                 "the SPARQL 1.1 Protocol?")


class RemoteError(Exception):
    def __init__(self, message: str, hint: str = ""):
        self.message, self.hint = message, hint
        super().__init__(message)


# Comments, IRIs and strings may hold the words SELECT, ASK, ...: blanked first.
_NOT_KEYWORDS = re.compile(
    r"#[^\n]*"                                   # a comment
    r"|<[^<>\"{}|^`\\\s]*>"                      # an IRI
    r"|'''.*?'''|\"\"\".*?\"\"\""                # long strings
    r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"",  # strings
    re.S)
_FORM = re.compile(r"\b(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", re.I)


def query_form(text: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first query-form keyword after the
    prologue. (pyoxigraph exposes no query parser, and rdflib's takes 0.1-0.3 s
    per query, longer than most of the queries run.)"""
    m = _FORM.search(_NOT_KEYWORDS.sub(" ", text))
    return m.group(1).upper() if m else "SELECT"


def sparql_request(client: Client, endpoint: str, query: str, accept: str,
                   graphs: list[str] | tuple[str, ...] = (), method: str = "POST",
                   hint: str = ENDPOINT_HINT) -> Response:
    """Send a query by the SPARQL 1.1 Protocol; an answer of 400 or above is an HttpError."""
    fields = ([("query", query)] + [("default-graph-uri", g) for g in graphs]
              + [("named-graph-uri", g) for g in graphs])
    if method == "GET":
        resp = client.request("GET", endpoint, params=fields, headers={"Accept": accept})
    else:
        resp = client.request("POST", endpoint, content=urlencode(fields).encode(),
                              headers={"Accept": accept,
                                       "Content-Type": "application/x-www-form-urlencoded"})
    if resp.status >= 400:
        raise resp.refused(status_hint(resp.status, hint))
    return resp


def status_hint(status: int, hint: str = ENDPOINT_HINT) -> str:
    """What to do about an HTTP error status from a SPARQL endpoint."""
    if status == 401:
        return "the endpoint wants credentials: give --user (and the password in PARTYKG_PASSWORD)"
    if status == 403:
        return "the account may not query this endpoint: check --user, or ask its admin"
    if status == 404:
        return "there is no endpoint at this URL; " + hint
    if status in (400, 414):
        return "the endpoint refused the query; see its message"
    if status in (429, 503):
        return "the endpoint is busy or limits requests; wait and run again"
    return hint


def _no_page(resp: Response, hint: str, what: str = "SPARQL results") -> None:
    if resp.media_type in ("text/html", "application/xhtml+xml"):
        raise resp.garbage(f"an HTML page instead of {what}: \"{resp.excerpt(120)}\"", hint)


def read_results(resp: Response, fmt: QueryResultsFormat = QueryResultsFormat.XML,
                 hint: str = ENDPOINT_HINT) -> tuple[list[str] | None, list[list] | bool]:
    """(variables, rows) of a SELECT answer or (None, the boolean) of an ASK answer,
    parsed by pyoxigraph; garbage is an HttpError naming what is wrong."""
    _no_page(resp, hint)
    try:
        results = parse_query_results(resp.body, fmt)
        if isinstance(results, QueryBoolean):
            return None, bool(results)
        variables = [v.value for v in results.variables]
        return variables, [[solution[v] for v in variables] for solution in results]
    except (SyntaxError, ValueError, OSError) as exc:
        name = "XML" if fmt == QueryResultsFormat.XML else "JSON"
        raise resp.garbage(f"not SPARQL {name} results: {printable(str(exc), 200)}",
                           hint) from None


def read_triples(resp: Response, base: str, hint: str = ENDPOINT_HINT) -> list:
    """The triples of an N-Triples or Turtle answer (the Turtle parser reads both)."""
    _no_page(resp, hint, "RDF")
    try:
        return list(parse(resp.body, format=RdfFormat.TURTLE, base_iri=base))
    except (SyntaxError, ValueError, OSError) as exc:
        raise resp.garbage(f"not N-Triples or Turtle: {printable(str(exc), 200)}",
                           hint) from None


def run_remote(endpoint: str, rq: RQ, params: dict[str, str], base: str, graphs: list[str],
               services: dict[str, str] | None = None, user: str | None = None,
               password: str | None = None, timeout: float = 120,
               client: Client | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> QueryResult:
    """Run ``rq`` on ``endpoint`` over the dataset ``graphs``. Credentials: those
    of ``client``, or ``user`` and ``password`` (sent to ``endpoint``'s origin only)."""
    text = redirect_services(substitute(rq, params, base), services or {})
    kind = query_form(text)
    own = client is None
    if client is None:
        creds = Credentials.for_urls([endpoint], user, password or "") if user else None
        client = Client(timeout, max_bytes, creds)
    try:
        if kind in ("CONSTRUCT", "DESCRIBE"):
            resp = sparql_request(client, endpoint, text, RDF_ACCEPT, graphs)
            triples = sorted(read_triples(resp, base), key=str)
            return QueryResult(rq, "graph", [], [], None, triples, base)
        resp = sparql_request(client, endpoint, text, RESULTS_XML, graphs)
        variables, rows = read_results(resp)
    except HttpError as exc:
        raise RemoteError(f"{exc.url} failed on {rq.path.name}: {exc.message}",
                          exc.hint) from None
    finally:
        if own:
            client.close()
    if variables is None:
        return QueryResult(rq, "ask", [], [], rows, None, base)
    return QueryResult(rq, "select", variables, sort_concatenated(rq, variables, rows), None,
                       None, base)


def comparable(result: QueryResult) -> Counter:
    """A result's rows as a multiset that two stores must agree on.

    Row order is ignored (it is fixed only where the query says ORDER BY, and
    ties may fall either way); blank node labels are store-local and compared
    as mere blank nodes; the order of the values inside a GROUP_CONCAT is left
    open by SPARQL 1.1 (section 18.5.1.7), so those values are compared as sorted
    lists (run_query and run_remote sort them already; this keeps the comparison
    independent of that). Everything else (IRIs, lexical forms, datatypes, language tags,
    unbound values) must be the same."""
    seps = concat_separators(result.rq.text)
    rows: Counter = Counter()
    for row in result.rows:
        key = []
        for var, t in zip(result.variables, row):
            if t is None:
                key.append(None)
            elif isinstance(t, BlankNode):
                key.append("_:")
            elif var in seps and isinstance(t, Literal):
                parts = sorted(t.value.split(seps[var])) if t.value else []
                key.append((tuple(parts), str(t.datatype), t.language))
            else:
                key.append(str(t))
        rows[tuple(key)] += 1
    return rows
