"""What the served endpoint lets a query do: SERVICE only to an allow-list, and
which queries are light enough for the fast lane.

The check parses the query with rdflib's SPARQL parser (pyoxigraph 0.5 exposes
neither its algebra nor a hook to refuse SERVICE calls) and looks at every
``ServiceGraphPattern`` in the algebra, including those nested in OPTIONAL,
UNION, EXISTS, MINUS and sub-queries; a variable as service name is refused.

``may_call_service`` is a cheap, sound pre-filter: the SERVICE keyword cannot
be written without the letters s-e-r-v-i-c-e (after SPARQL's \\u escapes are
expanded, case folded), so a text without them needs no parse.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from dataclasses import dataclass

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Queries up to this length are parsed to see whether they are light.
LIGHT_MAX_CHARS = 1000


class Refused(Exception):
    """The query may not run on this endpoint; ``str()`` says why and what to do."""


def _expand(text: str) -> str:
    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= sys.maxunicode else ""
    return _ESCAPE.sub(one, text)


def may_call_service(query: str) -> bool:
    """False only when the query cannot contain a SERVICE clause in any spelling."""
    folded = unicodedata.normalize("NFKC", _expand(query)).casefold()
    return "service" in folded


@dataclass(frozen=True)
class Analysis:
    services: tuple[str, ...]   # the SERVICE IRIs, in order met (variables as "?name")
    joins: int                  # triple patterns, paths and VALUES blocks
    unbounded_paths: bool       # a * or + property path


# rdflib's parser (pyparsing) is not thread-safe: parsed by several threads at
# once, queries come back wrong or as errors (measured). One parse at a time.
_PARSE = threading.Lock()


def _algebra(query: str):
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    try:
        with _PARSE:
            return translateQuery(parseQuery(query))
    except RecursionError:
        raise Refused("the query is nested too deeply to be checked by this endpoint; "
                      "flatten its groups") from None


def analyse(query: str) -> Analysis:
    """Walk the whole algebra of the query (an explicit stack: no recursion limit)."""
    from rdflib.paths import MulPath, Path
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable
    tree = _algebra(query)
    services: list[str] = []
    joins, unbounded = 0, False
    stack, seen = [tree.algebra], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                services.append(f"?{term}" if isinstance(term, Variable) else str(term))
            elif node.name == "BGP":
                joins += len(node.get("triples") or [])
                for t in node.get("triples") or []:
                    stack.extend(t)
            elif node.name == "values":
                joins += 1
            stack.extend(v for v in node.values() if v is not None)
        elif isinstance(node, MulPath):
            unbounded = unbounded or node.mod in ("*", "+")
            stack.append(node.path)
        elif isinstance(node, Path):
            stack.extend(getattr(node, "args", []))
            if hasattr(node, "path"):
                stack.append(node.path)
        elif isinstance(node, (list, tuple, set)):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return Analysis(tuple(services), joins, unbounded)


def check_services(query: str, allowed: frozenset[str] | tuple[str, ...]) -> None:
    """Raise Refused unless every SERVICE of the query names an allowed endpoint."""
    if not may_call_service(query):
        return
    try:
        found = analyse(query).services
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - rdflib's parse errors have several types
        raise Refused("the query contains the word SERVICE and could not be checked: "
                      f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; "
                      "fix its syntax") from None
    allowed = frozenset(allowed)
    for name in found:
        if name.startswith("?"):
            raise Refused(f"SERVICE {name}: a variable as service name is refused by this "
                          "endpoint; name the endpoint with an IRI from its allow-list")
        if name not in allowed:
            listed = ", ".join(f"<{a}>" for a in sorted(allowed)) or "none"
            raise Refused(f"SERVICE <{name}> is refused: this endpoint does not make requests "
                          f"to other servers except to its allow-list ({listed}); run the "
                          "query with `partykg query`, or start the server with "
                          "--allow-service URL")


def is_light(query: str) -> bool:
    """A short query with at most one triple pattern (or VALUES block), no * or +
    path and no SERVICE: cheap whatever the data. A heuristic for the fast lane:
    a query wrongly called light still meets the time limit there."""
    if len(query) > LIGHT_MAX_CHARS or may_call_service(query):
        return False
    try:
        a = analyse(query)
    except Exception:  # noqa: BLE001 - not parseable here: the worker reports the error
        return False
    return a.joins <= 1 and not a.unbounded_paths
