"""Every table and report the command line prints, drawn with rich.

The library stages return data (manifests, results, reports); only this module
and the verbs in cli.py print. A new table goes here as a function.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Iterable, Sequence

from pyoxigraph import RdfFormat, serialize
from rich.console import Console
from rich.table import Table
from rich.text import Text

from partykg.core.namespaces import all_prefixes
from partykg.sparql.query import XSD, QueryResult, plain

if TYPE_CHECKING:   # a type only: importing the validator (rdflib) cost `build` 0.1 s
    from partykg.check.validate import Report


def table(title: str, columns: Sequence[str | tuple[str, dict]], rows: Iterable[Sequence[str]],
          console: Console) -> None:
    """A titled table; a column is a name, or (name, rich column options)."""
    t = Table(title=title, title_justify="left")
    for col in columns:
        name, opts = (col, {}) if isinstance(col, str) else col
        t.add_column(name, **opts)
    for row in rows:
        t.add_row(*row)
    console.print(t)


def build_summary(manifest: dict, out: Console) -> None:
    """The build's counts: per source, per named graph, and the registry."""
    table = Table(title="partykg build", title_justify="left")
    for col in ("source", "claims", "quotes", "cites", "links", "mentions", "entities"):
        table.add_column(col, justify="left" if col == "source" else "right",
                         no_wrap=col == "source")
    for sid, s in manifest["sources"].items():
        table.add_row(sid, *(str(s[k]) for k in ("claims", "quotations", "citations", "links",
                                                 "mentions", "entities_mentioned")))
    out.print(table)
    graphs = Table(title="triples per named graph", title_justify="left")
    graphs.add_column("graph")
    graphs.add_column("triples", justify="right")
    for g, n in manifest["triples_per_graph"].items():
        graphs.add_row(g, str(n))
    graphs.add_row("[bold]total[/]", f"[bold]{manifest['quads']}[/]")
    out.print(graphs)
    ents = ", ".join(f"{k}: {v}" for k, v in manifest["entities"].items())
    out.print(f"registry: {sum(manifest['entities'].values())} entities ({ents}); "
              f"{manifest['theses']} theses; {manifest['wikidata_links']} verified Wikidata links")


def compact(term, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    value = term.value
    if type(term).__name__ == "NamedNode":
        best = max((ns for ns in prefixes.values() if value.startswith(ns)), key=len, default=None)
        if best is not None:
            prefix = next(k for k, v in prefixes.items() if v == best)
            local = value[len(best):]
            if re.match(r"^[A-Za-z0-9_.-]*$", local):
                return f"{prefix}:{local}"
        return f"<{value}>"
    return value


def query_results(result: QueryResult, fmt: str, console: Console) -> None:
    """A query's result on stdout: a table on a terminal, or CSV/TSV/JSON, or Turtle."""
    if result.kind == "ask":
        console.print("true" if result.boolean else "false")
        return
    if result.kind == "graph":
        data = serialize(result.raw, format=RdfFormat.TURTLE, prefixes=all_prefixes(result.base))
        sys.stdout.write(data.decode("utf-8"))
        return
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        import csv
        import io
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([plain(t) for t in row])
        sys.stdout.write(buf.getvalue())
        return
    if fmt == "json":
        # The rows were read already (result.rows), so pyoxigraph's serialiser
        # cannot be used here; the served endpoint uses it (sparql/pool.py).
        def term(t) -> dict:
            kind = type(t).__name__
            if kind in ("NamedNode", "BlankNode"):
                return {"type": "uri" if kind == "NamedNode" else "bnode", "value": t.value}
            out = {"type": "literal", "value": t.value}
            if t.language:
                out["xml:lang"] = t.language
            elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                out["datatype"] = t.datatype.value
            return out
        sys.stdout.write(json.dumps({"head": {"vars": result.variables}, "results": {"bindings": [
            {v: term(t) for v, t in zip(result.variables, row) if t is not None}
            for row in result.rows]}}, ensure_ascii=False) + "\n")
        return
    prefixes = all_prefixes(result.base)
    title = f"{result.rq.name}: {result.rq.summary}" if result.rq.summary else result.rq.name
    table = Table(title=title, title_justify="left")
    numeric = [bool(result.rows) and all(t is None or _is_number(t) for t in col)
               for col in zip(*result.rows)] or [False] * len(result.variables)
    for v, right in zip(result.variables, numeric):
        table.add_column(v, overflow="fold", justify="right" if right else "left")
    for row in result.rows:
        table.add_row(*(cell(t, prefixes) for t in row))
    console.print(table)
    console.print(f"{len(result.rows)} row(s)")


NUMERIC = {XSD + t for t in ("integer", "int", "long", "short", "byte", "decimal", "double",
                             "float", "nonNegativeInteger", "positiveInteger",
                             "nonPositiveInteger", "negativeInteger", "unsignedInt",
                             "unsignedLong", "unsignedShort", "unsignedByte")}


def _is_number(term) -> bool:
    return type(term).__name__ == "Literal" and term.datatype.value in NUMERIC


def cell(term, prefixes: dict[str, str]) -> Text:
    """One value of a result table: an IRI compacted with the known prefixes, a
    literal by its value (12, not "12"^^xsd:integer), a language tag dimmed after
    it. A Text, so that brackets in the data are never read as rich markup."""
    if term is not None and type(term).__name__ == "Literal" and term.language:
        return Text.assemble(term.value, (f" @{term.language}", "dim"))
    return Text(compact(term, prefixes))


def validation_report(report: Report, fmt: str, console: Console) -> None:
    """The validation report grouped by source, with file:line and the passage."""
    if fmt == "json":
        console.print_json(json.dumps({
            "conforms": report.conforms,
            "results": [{**asdict(r), "annotation": w} for g in report.grouped().values()
                        for r, w in g]}, ensure_ascii=False))
        return
    if report.conforms and not report.results:
        console.print("[green]conforms[/]: no SHACL violations, no rows from the violation queries")
        return
    for group, items in report.grouped().items():
        console.print(f"\n[bold]{group}[/]: {len(items)} problem(s)")
        for r, w in items:
            where = f"{w['file']}:{w['line']}" if w.get("line") else w.get("file", "")
            colour = {"Violation": "red", "Warning": "yellow"}.get(r.severity, "blue")
            console.print(f"  [{colour}]{r.severity}[/] {where}  {r.message}", markup=True)
            console.print(f"    focus {r.focus}" + (f", path {r.path}" if r.path else "")
                          + f", constraint {r.component}", markup=False)
            if w.get("passage"):
                passage = w["passage"]
                passage = passage if len(passage) < 160 else passage[:157] + "…"
                console.print(f'    passage: "{passage}"', markup=False)
    counts = {s: sum(1 for r in report.results if r.severity == s)
              for s in ("Violation", "Warning", "Info")}
    console.print(f"\n{'conforms' if report.conforms else 'does not conform'}: "
                  f"{counts['Violation']} violation{'s' * (counts['Violation'] != 1)}, "
                  f"{counts['Warning']} warning{'s' * (counts['Warning'] != 1)}, "
                  f"{counts['Info']} info{'s' * (counts['Info'] != 1)}")


def stance_coverage(rows, console: Console) -> None:
    """Per source: claims with a stance on the theses ("stance"), without one but
    reviewed on purpose with `no_stance:` ("none"), and stance-less claims still to
    review."""
    table("claims and their stances on the theses",
          [("source", {"no_wrap": True}), ("claims", {"justify": "right"}),
           ("stance", {"justify": "right"}), ("none", {"justify": "right"}),
           ("none %", {"justify": "right"}), ("to review", {"overflow": "fold"})],
          ([r.source, str(r.claims), str(r.with_stance), str(r.reviewed_without),
            f"{r.share_without:.0%}", ", ".join(r.unreviewed) or "-"] for r in rows), console)


def doctor(rows, console: Console) -> None:
    """`partykg doctor`: one row per component, what it enables, how to install it."""
    t = Table(title="partykg doctor", title_justify="left")
    for col, opts in (("component", {"no_wrap": True}), ("status", {"no_wrap": True}),
                      ("found", {"overflow": "fold"}), ("enables", {"overflow": "fold"}),
                      ("install", {"no_wrap": True})):
        t.add_column(col, **opts)
    for r in rows:
        status = Text("ok", "green") if r.ok else Text(
            "MISSING" if r.main else "missing", "bold red" if r.main else "yellow")
        t.add_row(Text(r.component), status, Text(r.detail), Text(r.enables),
                  Text(r.install or "-"))
    console.print(t)
