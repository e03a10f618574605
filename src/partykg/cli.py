"""The `partykg` command: one verb per pipeline stage.

Exit codes: 0 fine; 1 the data does not conform (SHACL or violation
queries); 2 bad input or runtime error.
"""

from __future__ import annotations

import functools
import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator

import click
from rich.console import Console
from rich.table import Table

from . import __version__
from .errors import EXIT_BAD_INPUT, EXIT_NONCONFORMING, InputError
from .paths import Project, project

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


@contextmanager
def stage(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr naming the current step (silent when not a terminal)."""
    with err.status(title) as status:
        yield lambda step: status.update(f"{title}: {step}")


def handles_errors(fn):
    """Turn InputError into its report and exit code 2."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            n = len(exc.problems)
            err.print(f"[bold red]error:[/] {n} problem{'s' if n != 1 else ''} in the input; "
                      "nothing was written", markup=True)
            for p in exc.problems:
                err.print(str(p), markup=False)
            sys.exit(EXIT_BAD_INPUT)
        except (click.ClickException, click.exceptions.Exit, KeyboardInterrupt):
            raise
        except Exception as exc:  # a runtime error is exit 2, never a silent 1
            err.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}", markup=True)
            err.print("this is a runtime error, not a problem in the data; rerun with "
                      "PARTYKG_DEBUG=1 for the traceback", markup=False)
            if os.environ.get("PARTYKG_DEBUG"):
                raise
            sys.exit(EXIT_BAD_INPUT)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="partykg")
@click.option("--root", type=click.Path(file_okay=False), envvar="PARTYKG_ROOT",
              help="Project folder holding data/, ontology/, shapes/, queries/ (default: .).")
@click.option("--out", type=click.Path(file_okay=False), envvar="PARTYKG_OUT",
              help="Output folder (default: ROOT/out).")
@click.option("--base", envvar="PARTYKG_BASE", help="Base IRI of the data "
              "(default: https://w3id.org/partykg/).")
@click.pass_context
def main(ctx: click.Context, root: str | None, out: str | None, base: str | None) -> None:
    """partykg: a knowledge graph of the debate on the revolutionary party and
    spontaneous mass action.

    Stages: build -> validate -> reason -> query.

    Exit codes: 0 fine; 1 the data does not conform; 2 bad input or runtime error.
    """
    ctx.obj = project(root, out, base)


def print_summary(manifest: dict) -> None:
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


@main.command()
@click.option("--quiet", "-q", is_flag=True, help="Print no summary.")
@click.pass_obj
@handles_errors
def build(proj: Project, quiet: bool) -> None:
    """Build the RDF dumps (TriG, N-Quads, Turtle) into OUT/build.

    Reads data/ (registry, theses, annotations, source texts) and the
    ontology; anchors every quote in its text; detects mentions; writes one
    named graph per source. The previous output is replaced only when the
    whole build succeeded.
    """
    from .build import build as run_build
    with stage("building") as progress:
        manifest = run_build(proj, progress)
    if not quiet:
        print_summary(manifest)
    err.print(f"wrote {proj.build_dir}")


def ensure_built(proj: Project) -> None:
    from .build import build as run_build, is_stale
    if is_stale(proj):
        with stage("building (output missing or out of date)") as progress:
            run_build(proj, progress)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Report format.")
@click.option("--no-build", is_flag=True, help="Validate the existing build as it is.")
@click.option("--engine", type=click.Choice(["turbo", "pyshacl"]), default="turbo",
              show_default=True,
              help="SHACL engine: pyshacl-turbo (Rust, fast) or pyshacl (the reference; "
                   "same results, much slower on large graphs).")
@click.pass_obj
@handles_errors
def validate(proj: Project, fmt: str, no_build: bool, engine: str) -> None:
    """Validate the build with the SHACL shapes and the *-violation.rq queries.

    The report is grouped by source and names the annotation file, line and
    passage behind each problem. Exit code 1 when the data does not conform.
    """
    from .validate import render_report, validate as run_validate
    if not no_build:
        ensure_built(proj)
    with stage(f"validating ({engine})"):
        report = run_validate(proj, engine)
    render_report(report, fmt, out)
    if not report.conforms:
        sys.exit(EXIT_NONCONFORMING)


@main.command()
@click.pass_obj
@handles_errors
def reason(proj: Project) -> None:
    """Check with HermiT (owlready2) that ontology and data are consistent.

    Exit code 1 when they are inconsistent or a class is unsatisfiable.
    """
    from .reason import check_consistency
    ensure_built(proj)
    with stage("reasoning with HermiT"):
        result = check_consistency(proj)
    out.print(result.summary())
    if not result.ok:
        sys.exit(EXIT_NONCONFORMING)


@main.command()
@click.argument("query", required=False)
@click.option("--list", "list_", is_flag=True, help="List the ready-made queries.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]),
              default="table", help="Output format.")
@click.option("--param", "-p", multiple=True, metavar="NAME=VALUE",
              help="Set a query parameter, e.g. -p person=https://…")
@click.option("--wikidata-endpoint", metavar="URL",
              help="Send SERVICE <https://query.wikidata.org/sparql> to this endpoint instead "
                   "(a mirror, or a local stand-in).")
@click.pass_obj
@handles_errors
def query(proj: Project, query: str | None, list_: bool, fmt: str, param: tuple[str, ...],
          wikidata_endpoint: str | None) -> None:
    """Run QUERY (a file of queries/ by name or number, or any .rq path)
    against the built graph in an embedded store.

    Queries tagged `federated` call Wikidata through SERVICE and need
    internet access (or --wikidata-endpoint).
    """
    from .query import WIKIDATA_SPARQL, list_queries, print_results, resolve_query, run_query
    if list_:
        table = Table(title="ready-made queries", title_justify="left")
        table.add_column("name", no_wrap=True)
        table.add_column("summary")
        table.add_column("parameters")
        for q in list_queries(proj.queries):
            table.add_row(q.name, q.summary, ", ".join(q.parameters))
        out.print(table)
        return
    if not query:
        raise click.UsageError("give a QUERY (name, number or path), or --list")
    params = {}
    for p in param:
        name, sep, value = p.partition("=")
        if not sep:
            raise click.BadParameter(f"'{p}' is not NAME=VALUE", param_hint="--param")
        params[name] = value
    ensure_built(proj)
    rq = resolve_query(proj.queries, query)
    services = {WIKIDATA_SPARQL: wikidata_endpoint} if wikidata_endpoint else {}
    result = run_query(proj, rq, params, services=services)
    print_results(result, fmt, out)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but 127.0.0.1 exposes the server to the network.")
@click.option("--port", default=7878, show_default=True, type=int)
@click.option("--timeout", default=10.0, show_default=True, type=float,
              help="Time limit of one query, in seconds.")
@click.option("--max-rows", default=10_000, show_default=True, type=int,
              help="Largest result (rows or triples) the endpoint returns.")
@click.option("--workers", default=2, show_default=True, type=int,
              help="Query worker processes (queries run in parallel up to this number).")
@click.option("--cors", metavar="ORIGIN", help="Send Access-Control-Allow-Origin: ORIGIN (e.g. *).")
@click.option("--no-union", is_flag=True,
              help="Make the default graph empty instead of the union of the named graphs.")
@click.pass_obj
@handles_errors
def serve(proj: Project, host: str, port: int, timeout: float, max_rows: int, workers: int,
          cors: str | None, no_union: bool) -> None:
    """Serve the graph: query page at /, SPARQL endpoint at /sparql, a page for
    every IRI under the base (/id/…), the ontology at /ontology.

    Builds first when the output is missing or out of date. Read-only.
    """
    from .server import Settings, make_server
    ensure_built(proj)
    with stage("loading the store and starting query workers"):
        server, app = make_server(proj, Settings(host, port, timeout, max_rows, workers, cors,
                                                 not no_union))
    url = f"http://{host}:{server.server_address[1]}/"
    out.print(f"partykg is serving at {url}  (SPARQL endpoint: {url}sparql; Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()


@main.command()
@click.pass_obj
@handles_errors
def release(proj: Project) -> None:
    """Build a versioned release into OUT/release/partykg-VERSION.

    Dumps (TriG, N-Quads, Turtle, N-Triples, JSON-LD), the ontology (Turtle,
    RDF/XML, HTML), VoID and DCAT descriptions, the validation report, the
    queries, the CHANGELOG entry and SHA256SUMS. The issued date comes from
    SOURCE_DATE_EPOCH or the CHANGELOG, so a rebuild is byte-identical.
    Exit code 1 (and no release) when the data does not conform.
    """
    from .release import NotConforming, release as run_release
    from .validate import render_report
    try:
        with stage("releasing") as progress:
            folder = run_release(proj, progress)
    except NotConforming as exc:
        render_report(exc.report, "text", out)
        err.print("no release was made: the data does not conform")
        sys.exit(EXIT_NONCONFORMING)
    out.print(f"release written to {folder}")
    out.print((folder / "SHA256SUMS").read_text(encoding="utf-8"), markup=False)


@main.command()
@click.option("--source", "only", multiple=True, help="Only this source id (repeatable).")
@click.option("--check", is_flag=True, help="Exit 1 when any unreviewed name remains.")
@click.option("--format", "fmt", type=click.Choice(["table", "yaml"]), default="table",
              help="table for reading; yaml to paste reviewed names into data/coverage.yaml.")
@click.pass_obj
@handles_errors
def coverage(proj: Project, only: tuple[str, ...], check: bool, fmt: str) -> None:
    """Names in the texts that no mention covers, and near-matches of registry
    names (misspellings).

    Each unreviewed capitalised name is either an entity to add to the
    registry (or an alias, or an explicit mention), or a non-entity to record
    in data/coverage.yaml. The report converges to empty.
    """
    from .coverage import coverage_report
    report = coverage_report(proj)
    total = 0
    for sid, findings in report.items():
        if only and sid not in only:
            continue
        total += len(findings)
        if fmt == "yaml":
            out.print(f"  {sid}:", markup=False)
            for f in findings:
                out.print(f"    - {f.name!r}".replace("'", '"', 2) if "'" not in f.name
                          else f'    - "{f.name}"', markup=False)
            continue
        if not findings:
            out.print(f"{sid}: every name is covered or reviewed")
            continue
        table = Table(title=f"{sid}: {len(findings)} unreviewed name(s)", title_justify="left")
        for col in ("name", "count", "first line", "near registry name"):
            table.add_column(col, justify="right" if col in ("count", "first line") else "left")
        for f in findings:
            table.add_row(f.name, str(f.count), str(f.first_line), ", ".join(f.near))
        out.print(table)
    err.print(f"{total} unreviewed name(s)")
    if check and total:
        sys.exit(EXIT_NONCONFORMING)


if __name__ == "__main__":  # pragma: no cover
    main()
