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
"""

from __future__ import annotations

import re
import urllib.error
from collections import Counter

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse
from SPARQLWrapper import JSON, N3, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from .query import RQ, QueryResult, redirect_services, substitute

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
USER_AGENT = "partykg (https://w3id.org/partykg/; SPARQLWrapper)"


class RemoteError(Exception):
    def __init__(self, message: str, hint: str = ""):
        self.message, self.hint = message, hint
        super().__init__(message)


def term(binding: dict | None):
    """A SPARQL 1.1 JSON results term as a pyoxigraph term."""
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return NamedNode(value)
    if kind == "bnode":
        return BlankNode(value)
    if "xml:lang" in binding:
        return Literal(value, language=binding["xml:lang"])
    datatype = binding.get("datatype")
    if datatype and datatype != XSD_STRING:
        return Literal(value, datatype=NamedNode(datatype))
    return Literal(value)


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
    sw.setReturnFormat(N3 if kind in ("CONSTRUCT", "DESCRIBE") else JSON)
    try:
        res = sw.query()
        if kind in ("CONSTRUCT", "DESCRIBE"):
            body = res.response.read()
            triples = sorted(parse(body, format=RdfFormat.TURTLE), key=str)
            return QueryResult(rq, "graph", [], [], None, triples, base)
        data = res.convert()
    except (urllib.error.URLError, OSError, SPARQLWrapperException) as exc:
        raise RemoteError(f"{endpoint} failed on {rq.path.name}: "
                          f"{' '.join(str(getattr(exc, 'reason', exc)).split())[:500]}",
                          "is the endpoint running, and does it speak the SPARQL 1.1 "
                          "Protocol (form POST)?") from None
    if "boolean" in data:
        return QueryResult(rq, "ask", [], [], bool(data["boolean"]), None, base)
    variables = data["head"]["vars"]
    rows = [[term(b.get(v)) for v in variables] for b in data["results"]["bindings"]]
    return QueryResult(rq, "select", variables, rows, None, None, base)


GROUP_CONCAT_RE = re.compile(r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?separator\s*=\s*"
                             r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\s*\)\s*AS\s+\?(\w+)",
                             re.I | re.S)


def concat_separators(text: str) -> dict[str, str]:
    """The variables a query binds with GROUP_CONCAT, with their separators."""
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
