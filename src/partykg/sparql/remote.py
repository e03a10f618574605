"""Run a ready-made query on a remote SPARQL endpoint (SPARQLWrapper), for
`partykg query --endpoint` and for checking that every store gives the same
answers as the embedded one.

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
import urllib.error
from collections import Counter

from pyoxigraph import (
    BlankNode,
    Literal,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    parse,
    parse_query_results,
)
from SPARQLWrapper import N3, POST, URLENCODED, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from partykg.sparql.query import RQ, QueryResult, redirect_services, substitute

USER_AGENT = "partykg (https://w3id.org/partykg/; SPARQLWrapper)"


class RemoteError(Exception):
    def __init__(self, message: str, hint: str = ""):
        self.message, self.hint = message, hint
        super().__init__(message)


def wrapper(endpoint: str, graphs: list[str], user: str | None = None,
            password: str | None = None, timeout: float = 120) -> SPARQLWrapper:
    sw = SPARQLWrapper(endpoint, agent=USER_AGENT)
    sw.setMethod(POST)
    sw.setRequestMethod(URLENCODED)
    sw.setTimeout(int(timeout))
    for g in graphs:
        sw.addDefaultGraph(g)
        sw.addNamedGraph(g)
    if user is not None:
        sw.setCredentials(user, password or "")
    return sw


def run_remote(endpoint: str, rq: RQ, params: dict[str, str], base: str, graphs: list[str],
               services: dict[str, str] | None = None, user: str | None = None,
               password: str | None = None, timeout: float = 120) -> QueryResult:
    text = redirect_services(substitute(rq, params, base), services or {})
    sw = wrapper(endpoint, graphs, user, password, timeout)
    sw.setQuery(text)
    kind = sw.queryType.upper()
    sw.setReturnFormat(N3 if kind in ("CONSTRUCT", "DESCRIBE") else XML)
    try:
        body = sw.query().response.read()
    except (urllib.error.URLError, OSError, SPARQLWrapperException) as exc:
        raise RemoteError(f"{endpoint} failed on {rq.path.name}: "
                          f"{' '.join(str(getattr(exc, 'reason', exc)).split())[:500]}",
                          "is the endpoint running, and does it speak the SPARQL 1.1 "
                          "Protocol (form POST)?") from None
    try:
        if kind in ("CONSTRUCT", "DESCRIBE"):
            triples = sorted(parse(body, format=RdfFormat.TURTLE), key=str)
            return QueryResult(rq, "graph", [], [], None, triples, base)
        results = parse_query_results(body, QueryResultsFormat.XML)
    except SyntaxError as exc:
        raise RemoteError(f"{endpoint} sent an unreadable answer to {rq.path.name}: {exc}",
                          "does the endpoint answer SPARQL queries (SPARQL XML results)?") from None
    if isinstance(results, QueryBoolean):
        return QueryResult(rq, "ask", [], [], bool(results), None, base)
    variables = [v.value for v in results.variables]
    rows = [[solution[v] for v in variables] for solution in results]
    return QueryResult(rq, "select", variables, rows, None, None, base)


GROUP_CONCAT_RE = re.compile(r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?separator\s*=\s*"
                             r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\s*\)"
                             r"(?:\s*,\s*\"[A-Za-z-]+\"\s*\))?\s*AS\s+\?(\w+)",  # STRLANG(…, "en")
                             re.I | re.S)


def concat_separators(text: str) -> dict[str, str]:
    """The variables a query binds with GROUP_CONCAT (also inside STRLANG), with their
    separators."""
    return {m.group(2): m.group(1)[1:-1].encode().decode("unicode_escape")
            for m in GROUP_CONCAT_RE.finditer(text)}


def comparable(result: QueryResult) -> Counter:
    """A result's rows as a multiset that two stores must agree on.

    Row order is ignored (it is fixed only where the query says ORDER BY, and
    ties may fall either way); blank node labels are store-local and compared
    as mere blank nodes; the order of the values inside a GROUP_CONCAT is left
    open by SPARQL 1.1 (section 18.5.1.7), so those values are compared as sorted
    lists. Everything else (IRIs, lexical forms, datatypes, language tags,
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
