"""Ready-made SPARQL queries: grlc-style headers, BASIL parameters, running.

A query file starts with decorator lines ``#+ key: value`` that together form
a YAML mapping (``summary``, ``description``, ``tags``, ``defaults``, …).
Parameters follow BASIL: ``?_name`` (required) or ``?__name`` (optional),
with an optional type suffix: ``?_person_iri``, ``?_n_integer``,
``?_label_en``. ``defaults`` gives values by parameter name
(``- person: https://…``).

The header is required of the ready-made queries of queries/ (their summary
is what `partykg query --list` and the query page show); a query of one's own
(any file, standard input, or text on the command line) may have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pyoxigraph import Literal, QueryBoolean, QuerySolutions

from partykg.core.errors import InputError, Problem
from partykg.core.namespaces import DEFAULT_BASE
from partykg.core.paths import Project
from partykg.sparql.store import load_store

PARAM_RE = re.compile(r"\?(__?)([A-Za-z][A-Za-z0-9]*)(?:_(iri|integer|decimal|boolean|date|"
                      r"gYear|string|literal|[a-z]{2}))?(?![A-Za-z0-9_])")
XSD = "http://www.w3.org/2001/XMLSchema#"
HEADER_KEYS = {"summary", "description", "tags", "defaults", "endpoint", "method",
               "enumerate", "pagination", "transform", "needs_internet", "expect", "severity",
               "view"}
# `#+ severity:` of a *-violation.rq query (partykg extension, like SHACL's sh:severity).
SEVERITIES = ("Violation", "Warning", "Info")
# `#+ view:` (partykg extension): how the query page first shows the result; the
# columns each view expects are in docs/VIEWS.md.
VIEWS = ("table", "chart", "network", "timeline")


@dataclass(frozen=True)
class Param:
    name: str
    type: str | None
    required: bool
    token: str


@dataclass
class RQ:
    path: Path
    name: str
    header: dict
    text: str
    params: dict[str, Param] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return str(self.header.get("summary", ""))

    @property
    def severity(self) -> str:
        """The severity of a violation query's rows (`#+ severity:`, default Violation)."""
        return str(self.header.get("severity", "Violation"))

    @property
    def view(self) -> str:
        """The result view the query page opens the query in (`#+ view:`, default table)."""
        return str(self.header.get("view", "table"))

    @property
    def parameters(self) -> list[str]:
        return sorted(self.params)

    @property
    def defaults(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.header.get("defaults") or []:
            out.update({str(k): str(v) for k, v in item.items()})
        return out


def parse_header(text: str, file: str, required: bool = True) -> dict:
    """The grlc header as a mapping. ``required``: a ready-made query must have one
    with a summary and a description; without it, no header is an empty one, and a
    header given is checked all the same except for those two keys."""
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("#+"):
            lines.append((number, line[2:].removeprefix(" ")))
        elif line.strip() and not line.startswith("#"):
            break
    if not lines and not required:
        return {}
    if not lines:
        raise InputError(Problem(file, 1, "the query has no grlc header",
                                 "start the file with `#+ summary: …` and `#+ description: …`"))
    try:
        header = yaml.safe_load("\n".join(text for _, text in lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = lines[min(mark.line, len(lines) - 1)][0] if mark else lines[0][0]
        raise InputError(Problem(file, line, f"the grlc header is not valid YAML: {exc}",
                                 "each header line is `#+ key: value`; lists are `#+   - item`"))
    if not isinstance(header, dict):
        raise InputError(Problem(file, lines[0][0], "the grlc header must be `#+ key: value` lines"))
    unknown = set(header) - HEADER_KEYS
    if unknown:
        raise InputError(Problem(file, lines[0][0], f"unknown header key(s): {', '.join(sorted(unknown))}",
                                 f"use grlc decorators: {', '.join(sorted(HEADER_KEYS))}"))
    for key in ("summary", "description") if required else ():
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise InputError(Problem(file, lines[0][0], f"the header lacks `{key}`",
                                     f"add `#+ {key}: …`"))
    defaults = header.get("defaults")
    if defaults is not None and not (isinstance(defaults, list) and all(
            isinstance(d, dict) and len(d) == 1 for d in defaults)):
        raise InputError(Problem(file, lines[0][0], "`defaults` must be a list of `- name: value`"))
    if "severity" in header and header["severity"] not in SEVERITIES:
        raise InputError(Problem(file, lines[0][0], f"unknown severity {header['severity']!r}",
                                 f"write `#+ severity:` with one of {', '.join(SEVERITIES)}"))
    if "view" in header and header["view"] not in VIEWS:
        line = next((n for n, t in lines if t.startswith("view:")), lines[0][0])
        raise InputError(Problem(file, line, f"unknown view {header['view']!r}",
                                 f"write `#+ view:` with one of {', '.join(VIEWS)}"))
    if "tags" in header and not isinstance(header["tags"], list):
        raise InputError(Problem(file, lines[0][0], "`tags` must be a list (`#+   - tag`)"))
    return header


def load_query(path: Path, required: bool = True) -> RQ:
    """A query file; ``required``: it must have its grlc header (queries/)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "it is not UTF-8 text"
        raise InputError(Problem(str(path), 0, f"cannot read the query: {why}")) from exc
    return query_from_text(text, path, path.stem, required)


def query_from_text(text: str, path: Path, name: str, required: bool = False) -> RQ:
    """A query given as text (a file's, standard input's or the command line's):
    its optional header and its BASIL parameters."""
    header = parse_header(text, str(path), required)
    params: dict[str, Param] = {}
    for m in PARAM_RE.finditer(text):
        if text.rfind("\n", 0, m.start()) < text.rfind("#", 0, m.start()):
            continue  # inside a comment line
        p = Param(m.group(2), m.group(3), m.group(1) == "_", m.group(0))
        params.setdefault(p.name, p)
    return RQ(path, name, header, text, params)


def list_queries(queries_dir: Path) -> list[RQ]:
    return [load_query(p) for p in sorted(queries_dir.glob("*.rq"))]


def resolve_query(queries_dir: Path, name: str) -> RQ:
    """A ready-made query by number or name, or any file of SPARQL by its path
    (its header optional)."""
    path = Path(name)
    if path.is_file() and (path.suffix or len(path.parts) > 1):
        return load_query(path, required=False)
    matches = [p for p in sorted(queries_dir.glob("*.rq"))
               if p.stem == name or p.stem.split("-", 1)[0] == name
               or p.stem.split("-", 1)[-1] == name]
    if not matches and path.is_file():
        return load_query(path, required=False)
    if len(matches) != 1:
        names = ", ".join(p.stem for p in sorted(queries_dir.glob("*.rq")))
        raise InputError(Problem(name, 0, f"no single query named '{name}'"
                                 + (f" ({len(matches)} match)" if matches else ""),
                                 f"give a path to a .rq file or one of: {names}"))
    return load_query(matches[0])


def _term(param: Param, value: str) -> str:
    if param.type == "iri":
        if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|^`\\]*$", value):
            raise InputError(Problem(param.token, 0, f"'{value}' is not an IRI",
                                     "give a full IRI such as https://w3id.org/partykg/id/person/vladimir-lenin"))
        return f"<{value}>"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if param.type in (None, "string", "literal"):
        return f'"{escaped}"'
    if param.type in ("integer", "decimal", "boolean", "date", "gYear"):
        return f'"{escaped}"^^<{XSD}{param.type}>'
    return f'"{escaped}"@{param.type}'


def substitute(rq: RQ, values: dict[str, str], base: str) -> str:
    """The query text with parameters replaced (given values, then defaults)."""
    unknown = set(values) - set(rq.params)
    if unknown:
        raise InputError(Problem(str(rq.path), 0, f"unknown parameter(s): {', '.join(sorted(unknown))}",
                                 f"this query takes: {', '.join(rq.parameters) or 'no parameters'}"))
    merged = {**rq.defaults, **values}
    text = rq.text
    for name, param in sorted(rq.params.items(), key=lambda kv: -len(kv[1].token)):
        if name in merged:
            value = merged[name]
            if base != DEFAULT_BASE and value.startswith(DEFAULT_BASE):
                value = base + value[len(DEFAULT_BASE):]
            text = re.sub(re.escape(param.token) + r"(?![A-Za-z0-9_])", _term(param, value), text)
        elif param.required:
            raise InputError(Problem(str(rq.path), 0, f"the query needs the parameter '{name}'",
                                     f"give it with --param {name}=…"))
    if base != DEFAULT_BASE:
        text = text.replace(DEFAULT_BASE, base)
    return text


GROUP_CONCAT_RE = re.compile(r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?separator\s*=\s*"
                             r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\s*\)"
                             r"(?:\s*,\s*\"[A-Za-z-]+\"\s*\))?\s*AS\s+\?(\w+)",  # STRLANG(…, "en")
                             re.IGNORECASE | re.DOTALL)


def concat_separators(text: str) -> dict[str, str]:
    """The variables a query binds with GROUP_CONCAT (also inside STRLANG), with their
    separators."""
    return {m.group(2): m.group(1)[1:-1].encode().decode("unicode_escape")
            for m in GROUP_CONCAT_RE.finditer(text)}


def sort_concatenated(rq: RQ, variables: list[str], rows: list[list]) -> list[list]:
    """The rows with the items of every GROUP_CONCAT list sorted.

    SPARQL 1.1 leaves the order of a GROUP_CONCAT's items open (section 18.5.1.7)
    and gives it no ORDER BY; concatenating an ordered subquery is no cure either:
    Oxigraph kept the order on the real build and lost it at a million triples.
    Sorting the items here, by code point, gives the same CSV from the embedded
    store, Oxigraph server and Virtuoso (tests/test_stores.py). The literal keeps
    its datatype or language tag."""
    seps = concat_separators(rq.text)
    columns = [(i, seps[v]) for i, v in enumerate(variables) if v in seps]
    if not columns:
        return rows
    for row in rows:
        for i, sep in columns:
            t = row[i]
            if isinstance(t, Literal) and sep and sep in t.value:
                value = sep.join(sorted(t.value.split(sep)))
                row[i] = (Literal(value, language=t.language) if t.language
                          else Literal(value, datatype=t.datatype))
    return rows


@dataclass
class QueryResult:
    rq: RQ
    kind: str  # select | ask | graph
    variables: list[str]
    rows: list[list]     # pyoxigraph terms or None
    boolean: bool | None
    raw: object
    base: str


WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"


def redirect_services(text: str, services: dict[str, str]) -> str:
    """Point SERVICE clauses at other endpoints (e.g. a local stand-in for Wikidata)."""
    for remote, local in services.items():
        text = re.sub(r"(SERVICE\s+(?:SILENT\s+)?)<" + re.escape(remote) + ">",
                      lambda m: f"{m.group(1)}<{local}>", text, flags=re.I)
    return text


def run_query(proj: Project, rq: RQ, params: dict[str, str], store=None,
              services: dict[str, str] | None = None) -> QueryResult:
    store = store or load_store(proj)
    text = redirect_services(substitute(rq, params, proj.base), services or {})
    try:
        res = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise InputError(syntax_problem(rq, text, str(exc))) from exc
    if isinstance(res, QuerySolutions):
        variables = [v.value for v in res.variables]
        rows = sort_concatenated(rq, variables, [[sol[v] for v in variables] for sol in res])
        return QueryResult(rq, "select", variables, rows, None, None, proj.base)
    if isinstance(res, QueryBoolean):
        return QueryResult(rq, "ask", [], [], bool(res), None, proj.base)
    triples = sorted(res, key=str)
    return QueryResult(rq, "graph", [], [], None, triples, proj.base)


SYNTAX_AT = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def syntax_problem(rq: RQ, text: str, message: str) -> Problem:
    """pyoxigraph's syntax error ("error at LINE:COLUMN: expected …", both 1-based:
    the furthest point its parser reached) as file:line, with the line and a caret
    under the column. Parameter values never hold a line break, so the line is the
    query's own; the line shown is the one that ran (with the values in place)."""
    m = SYNTAX_AT.match(message)
    if not m:
        return Problem(str(rq.path), 0, f"SPARQL syntax error: {message}", "fix the query")
    line, col, what = int(m.group(1)), int(m.group(2)), " ".join(m.group(3).split())
    lines = text.split("\n")
    if line > len(lines):  # the parser ran past the end: point after the last character
        line, col = len(lines), len(lines[-1]) + 1
    shown = lines[line - 1].replace("\t", " ")
    if len(what) > 300:
        what = what[:299] + "…"
    return Problem(str(rq.path), line,
                   f"SPARQL syntax error at line {line}, column {col}: {what}\n"
                   f"    {shown}\n    {' ' * (col - 1)}^",
                   "the caret marks where the parser stopped; the mistake is there or just "
                   "before it")


def plain(term) -> str:
    return "" if term is None else term.value
