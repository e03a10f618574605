"""The `partykg` command: one verb per pipeline stage.

Exit codes: 0 fine; 1 the data does not conform (SHACL or violation
queries); 2 bad input or runtime error.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from partykg import __version__, render
from partykg.core.errors import EXIT_BAD_INPUT, EXIT_NONCONFORMING, InputError
from partykg.core.paths import Project, project

err = Console(stderr=True, highlight=False, soft_wrap=True)
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a process stopped by Ctrl-C
out = Console(highlight=False, soft_wrap=True)


# --- progress, verbosity and interrupts: one mechanism for every verb ---------------

@dataclass
class Verbosity:
    """The global --quiet / --verbose, set by `main` for the verb that runs."""
    quiet: bool = False
    verbose: bool = False


VERBOSITY = Verbosity()


def _seconds(start: float) -> str:
    return f"{time.monotonic() - start:.1f} s"


@contextmanager
def stage(title: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """Progress of one long stage on stderr; yields ``progress(step, done=None,
    total=None)``. Each call names the step now running (the one before is done);
    ``done``/``total`` count items within a stage (graphs loaded, …).

    On a terminal: a rich bar with the steps (or items) done, the time taken and
    the time left (``total``: the steps expected, when known). Elsewhere (a pipe,
    a CI log, nohup): one plain line per step when it ends and one for the whole
    stage, each with its duration, so a long run never looks hung. --quiet: no
    progress; --verbose: every step's line, also on a terminal. Nothing is
    printed for a stage that fails (its error is reported instead)."""
    if VERBOSITY.quiet:
        yield lambda *_a, **_k: None
        return
    start = time.monotonic()
    current: dict = {"step": None, "since": start, "n": 0}

    def step_done() -> None:
        if current["step"] is not None and (VERBOSITY.verbose or not err.is_terminal):
            err.print(f"{title}: {current['step']} ({_seconds(current['since'])})",
                      markup=False, highlight=False)

    if not err.is_terminal:
        def plain(step: str, done: int | None = None, of: int | None = None) -> None:
            if done is not None:        # items within a step: a line each only with -v
                if VERBOSITY.verbose:
                    err.print(f"{title}: {step} ({done}/{of or '?'})", markup=False)
                return
            step_done()
            current.update(step=step, since=time.monotonic())
        yield plain
        step_done()
        err.print(f"{title}: done in {_seconds(start)}", markup=False, highlight=False)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("left"),
                  TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task(title, total=total)

        def update(step: str, done: int | None = None, of: int | None = None) -> None:
            if done is not None:
                bar.update(task, completed=done, total=of, description=f"{title}: {step}")
                return
            step_done()
            n = current["n"]
            current.update(step=step, since=time.monotonic(), n=n + 1)
            t = bar.tasks[0].total
            bar.update(task, completed=n, total=max(t, n + 1) if t is not None else None,
                       description=f"{title}: {step}")
        yield update
        step_done()
    if VERBOSITY.verbose:
        err.print(f"{title}: done in {_seconds(start)}", markup=False, highlight=False)


def note(message: str) -> None:
    """A line of progress that is not a step (e.g. one benchmark run): always on a
    terminal and in logs, never with --quiet."""
    if not VERBOSITY.quiet:
        err.print(message, markup=False, highlight=False)


def _interrupt_once(signum, frame) -> None:
    """The first Ctrl-C stops the verb (KeyboardInterrupt unwinds it, so atomic
    writes remove their temporary files); further ones are ignored while it cleans
    up, so that a second Ctrl-C cannot leave a traceback or half a cleanup."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


class Verbs(click.Group):
    """The `partykg` group: every verb, whoever adds it, stops on Ctrl-C with one
    line on stderr and exit code 130 (the shells' 128 + SIGINT), no traceback."""

    def invoke(self, ctx: click.Context):
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, _interrupt_once) if main_thread else None
        start = time.monotonic()
        try:
            result = super().invoke(ctx)
        except (KeyboardInterrupt, click.Abort):
            if main_thread:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            err.print("interrupted", markup=False, highlight=False)
            raise SystemExit(EXIT_INTERRUPTED) from None
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
        if VERBOSITY.verbose and ctx.invoked_subcommand:
            err.print(f"partykg {ctx.invoked_subcommand}: {_seconds(start)}", markup=False)
        return result


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


@click.group(cls=Verbs, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="partykg")
@click.option("--root", type=click.Path(file_okay=False), envvar="PARTYKG_ROOT",
              help="Project folder holding data/, ontology/, shapes/, queries/ (default: .).")
@click.option("--out", type=click.Path(file_okay=False), envvar="PARTYKG_OUT",
              help="Output folder (default: ROOT/out).")
@click.option("--base", envvar="PARTYKG_BASE", help="Base IRI of the data "
              "(default: https://w3id.org/partykg/).")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr (results and "
              "errors still print).")
@click.option("--verbose", "-v", is_flag=True, help="More detail: every step of a stage with "
              "its duration, also on a terminal, and the verb's total time.")
@click.pass_context
def main(ctx: click.Context, root: str | None, out: str | None, base: str | None,
         quiet: bool, verbose: bool) -> None:
    """partykg: a knowledge graph of the debate on the revolutionary party and
    spontaneous mass action.

    Stages: build -> validate -> reason -> query.

    Exit codes: 0 fine; 1 the data does not conform; 2 bad input or runtime error;
    130 interrupted (Ctrl-C).

    Progress goes to stderr: bars on a terminal, one line per step with its
    duration otherwise. Shell completion: see "Shell completion" in the README.
    """
    VERBOSITY.quiet, VERBOSITY.verbose = quiet, verbose and not quiet
    ctx.obj = project(root, out, base)


def jobs_option(fn):
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                        help="Processes that emit the named graphs (default: one per core).")(fn)


def full_option(fn):
    return click.option("--full", is_flag=True,
                        help="Emit every named graph again, ignoring the cache in OUT/cache.")(fn)


# The steps rdf/build.py names (reading annotations, emitting RDF, writing dumps, the
# search index and reading view) and those publish/release.py adds: the length of the
# bar (it grows if more come).
BUILD_STEPS = 4
RELEASE_STEPS = BUILD_STEPS + 6
VALIDATE_STEPS = 3   # check/validate.py: SHACL shapes, (loading the store,) violation queries


@main.command()
@click.option("--quiet", "-q", is_flag=True, help="Print no summary and no progress.")
@jobs_option
@full_option
@click.pass_obj
@handles_errors
def build(proj: Project, quiet: bool, jobs: int | None, full: bool) -> None:
    """Build the RDF dumps (TriG, N-Quads, Turtle) into OUT/build.

    Reads data/ (registry, theses, annotations, source texts) and the
    ontology; anchors every quote in its text; detects mentions; writes one
    named graph per source. The previous output is replaced only when the
    whole build succeeded. Named graphs whose inputs did not change are taken
    from the cache in OUT/cache (the output is the same bytes as a full build).
    """
    from partykg.rdf.build import build as run_build
    if quiet:
        VERBOSITY.quiet = True
    with stage("building", BUILD_STEPS) as progress:
        manifest = run_build(proj, progress, jobs, full)
    if not quiet:
        render.build_summary(manifest, out)
    err.print(f"wrote {proj.build_dir}")


def ensure_built(proj: Project, jobs: int | None = None, full: bool = False,
                 on_nquads=None) -> None:
    """Build when the build is missing or out of date (always with ``full``);
    ``on_nquads``: see rdf.build.build."""
    from partykg.rdf.build import build as run_build
    from partykg.rdf.build import is_stale
    if full or is_stale(proj):
        with stage("building (output missing or out of date)" if not full
                   else "building (--full)", BUILD_STEPS) as progress:
            run_build(proj, progress, jobs, full, on_nquads)


# --- options of the commands that talk to a server (load, query, link, enrich) -------

PASSWORD_HELP = ("Password. Prefer the environment variable PARTYKG_PASSWORD or ~/.netrc: a "
                 "password on the command line shows in `ps` to every user of the machine. "
                 "Without one, partykg asks on a terminal.")


def password_option(fn):
    return click.option("--password", envvar=["PARTYKG_PASSWORD", "PARTYKG_STORE_PASSWORD"],
                        show_envvar=False, help=PASSWORD_HELP)(fn)


def max_response_option(default_mb: int):
    return click.option("--max-response-mb", "max_mb", default=default_mb, show_default=True,
                        type=click.FloatRange(min=0, min_open=True),
                        help="Largest answer read from the server, in MB.")


def timeout_option(default: float):
    return click.option("--timeout", default=default, show_default=True,
                        type=click.FloatRange(min=0, min_open=True),
                        help="Deadline of one whole request (connect, send, wait, read), "
                             "in seconds.")


def credentials(urls: list[str], user: str | None, password: str | None,
                scheme: str = "auto"):
    """The URLs without any user:password in them, and the credentials (see
    core.http.resolve_credentials: --password or PARTYKG_PASSWORD, the URL,
    ~/.netrc, or a prompt on a terminal). Sent to the origins of ``urls`` only."""
    from click.core import ParameterSource

    from partykg.core.http import resolve_credentials
    source = click.get_current_context().get_parameter_source("password")
    if password is not None and source == ParameterSource.COMMANDLINE:
        err.print("warning: --password on the command line shows in `ps` to every user of "
                  "this machine; prefer PARTYKG_PASSWORD or ~/.netrc", markup=False)
    prompt = None
    if sys.stdin.isatty():
        def prompt(who: str) -> str:
            return click.prompt(f"Password for {who}", hide_input=True, err=True)
    return resolve_credentials(urls, user, password, scheme, prompt)


def print_failure(message: str, hint: str = "") -> None:
    """An error from a server: its words are printed as they are, never as markup."""
    err.print("[bold red]error:[/] " + escape(message), markup=True, soft_wrap=True)
    if hint:
        err.print(f"    fix: {hint}", markup=False, soft_wrap=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Report format.")
@click.option("--no-build", is_flag=True, help="Validate the existing build as it is.")
@click.option("--engine", type=click.Choice(["turbo", "pyshacl"]), default="turbo",
              show_default=True,
              help="SHACL engine: pyshacl-turbo (Rust, fast) or pyshacl (the reference; "
                   "same results, much slower on large graphs).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes for the build and the validation (default: one per core).")
@click.option("--full", is_flag=True, help="Rebuild and validate every named graph, ignoring "
              "the caches in OUT/cache (by default only the graphs an edit can affect are "
              "built and validated again; the report is the same). The validation reads and "
              "writes no cache then.")
@click.pass_obj
@handles_errors
def validate(proj: Project, fmt: str, no_build: bool, engine: str, jobs: int | None,
             full: bool) -> None:
    """Validate the build with the SHACL shapes and the *-violation.rq queries.

    The report is grouped by source and names the annotation file, line and
    passage behind each problem. Exit code 1 when the data does not conform.
    """
    from partykg.check.validate import Violations, background_violations_possible
    from partykg.check.validate import validate as run_validate
    # With a second core the violation queries run in a process of their own, forked
    # now (before the build makes this one large), which loads the dump there is while
    # the build runs and, as soon as the build has written the new one, replaces the
    # graphs that changed (check/dumpstore.py), while the build writes its other files.
    queries = (Violations(proj, preload=not full and not no_build)
               if background_violations_possible(jobs) else None)
    try:
        if not no_build:
            ensure_built(proj, jobs, full, on_nquads=queries.start if queries else None)
        with stage(f"validating ({engine})", VALIDATE_STEPS) as progress:
            report = run_validate(proj, engine, jobs, progress, full=full, violations=queries)
    finally:
        if queries is not None:   # stopped if the build or the validation failed
            queries.close()
    render.validation_report(report, fmt, out)
    if not report.conforms:
        sys.exit(EXIT_NONCONFORMING)


@main.command()
@click.option("--max-individuals", default=10_000, show_default=True, type=int,
              help="Above this many individuals, HermiT checks the ontology with a "
                   "representative sample of this size (every class in proportion).")
@click.pass_obj
@handles_errors
def reason(proj: Project, max_individuals: int) -> None:
    """Check with HermiT (owlready2) that ontology and data are consistent.

    Exit code 1 when they are inconsistent or a class is unsatisfiable.
    """
    from partykg.check.reason import check_consistency
    ensure_built(proj)
    with stage("reasoning with HermiT"):
        result = check_consistency(proj, max_individuals=max_individuals)
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
@click.option("--sparql", "sparql_text", metavar="TEXT",
              help="Run this query text instead of QUERY (e.g. --sparql 'SELECT …').")
@click.option("--wikidata-endpoint", metavar="URL",
              help="Send SERVICE <https://query.wikidata.org/sparql> to this endpoint instead "
                   "(a mirror, or a local stand-in).")
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL endpoint (e.g. a store "
              "the release was loaded into) instead of the embedded store.")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="With --endpoint: the graphs that make the dataset (repeatable; default: "
                   "the named graphs of the build).")
@click.option("--user", envvar="PARTYKG_STORE_USER", help="With --endpoint: user name.")
@password_option
@timeout_option(120.0)
@max_response_option(512)
@click.pass_obj
@handles_errors
def query(proj: Project, query: str | None, list_: bool, fmt: str, param: tuple[str, ...],
          sparql_text: str | None, wikidata_endpoint: str | None, endpoint: str | None, graphs: tuple[str, ...],
          user: str | None, password: str | None, timeout: float, max_mb: float) -> None:
    """Run QUERY against the built graph in an embedded store, or on --endpoint.

    QUERY is a ready-made query of queries/ (by number or name), the path of
    any file of SPARQL, or - for standard input; or give the text with
    --sparql. A grlc header (`#+ summary: …`) is optional in your own
    queries; BASIL parameters (?_name) work in all of them (--param). A
    syntax error is reported with its line and column.

    On an endpoint the dataset is named in the request (default-graph-uri and
    named-graph-uri: the union of partykg's graphs, as in the embedded store),
    so the store's other graphs stay out of the answers.

    Queries tagged `federated` call Wikidata through SERVICE and need
    internet access (or --wikidata-endpoint).
    """
    from partykg.sparql.query import (
        WIKIDATA_SPARQL,
        list_queries,
        query_from_text,
        resolve_query,
        run_query,
    )
    if list_:
        render.table("ready-made queries", [("name", {"no_wrap": True}), "summary", "parameters"],
                     ([q.name, q.summary, ", ".join(q.parameters)]
                      for q in list_queries(proj.queries)), out)
        return
    if query and sparql_text is not None:
        raise click.UsageError("give a QUERY or --sparql TEXT, not both")
    if not query and sparql_text is None:
        raise click.UsageError("give a QUERY (name, number, path, or - for standard input), "
                               "--sparql TEXT, or --list")
    params = {}
    for p in param:
        name, sep, value = p.partition("=")
        if not sep:
            raise click.BadParameter(f"'{p}' is not NAME=VALUE", param_hint="--param")
        params[name] = value
    if sparql_text is not None:
        rq = query_from_text(sparql_text, Path("--sparql"), "--sparql")
    elif query == "-":
        rq = query_from_text(sys.stdin.read(), Path("<stdin>"), "stdin")
    else:
        rq = resolve_query(proj.queries, query)
    ensure_built(proj)
    services = {WIKIDATA_SPARQL: wikidata_endpoint} if wikidata_endpoint else {}
    if endpoint:
        from partykg.core.http import MB, Client
        from partykg.sparql.remote import RemoteError, run_remote
        from partykg.sparql.store import load_store
        (endpoint,), creds = credentials([endpoint], user, password)
        dataset = list(graphs) or sorted(g.value for g in load_store(proj).named_graphs())
        try:
            with Client(timeout, int(max_mb * MB), creds) as client:
                result = run_remote(endpoint, rq, params, proj.base, dataset, services,
                                    client=client)
        except RemoteError as exc:
            print_failure(exc.message, exc.hint)
            sys.exit(EXIT_BAD_INPUT)
    else:
        result = run_query(proj, rq, params, services=services)
    render.query_results(result, fmt, out)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback exposes the server to the network "
                   "(a warning is printed; see docs/SECURITY.md).")
@click.option("--port", default=7878, show_default=True, type=int)
@click.option("--timeout", default=10.0, show_default=True, type=float,
              help="Time limit of one query or entity page, in seconds.")
@click.option("--max-rows", default=10_000, show_default=True, type=int,
              help="Largest result (rows or triples) the endpoint returns.")
@click.option("--max-bytes", default=10_000_000, show_default=True, type=int,
              help="Largest result document the endpoint returns, in bytes.")
@click.option("--workers", default=2, show_default=True, type=int,
              help="Query worker processes of the main lane (queries run in parallel up to "
                   "this number).")
@click.option("--fast-workers", default=1, show_default=True, type=int,
              help="Extra workers that take only light jobs (entity pages, trivial queries), "
                   "so that these never wait behind heavy queries.")
@click.option("--worker-memory", default=1024, show_default=True, type=int, metavar="MB",
              help="Memory one query may use in its worker, beyond the loaded store; "
                   "0 for no limit.")
@click.option("--allow-service", "allow_service", multiple=True, metavar="URL",
              help="A SERVICE endpoint that queries may call (repeatable), e.g. "
                   "https://query.wikidata.org/sparql; every other SERVICE is refused.")
@click.option("--queue-timeout", default=30.0, show_default=True, type=float,
              help="Longest wait for a free query worker, in seconds (then 503).")
@click.option("--max-concurrency", default=64, show_default=True, type=int,
              help="Requests in progress at once; more are answered 503 at once.")
@click.option("--header-timeout", default=10.0, show_default=True, type=float,
              help="Seconds from connecting (or from the last response) to a complete request "
                   "line and headers; idle keep-alive connections close after it too.")
@click.option("--body-timeout", default=30.0, show_default=True, type=float,
              help="Seconds for a whole request body to arrive.")
@click.option("--max-body", default=1_000_000, show_default=True, type=int,
              help="Largest request body (a POSTed query), in bytes.")
@click.option("--public-url", metavar="URL",
              help="The server's public address (e.g. behind a reverse proxy), used in the "
                   "service description instead of the Host header.")
@click.option("--cors", metavar="ORIGIN", help="Send Access-Control-Allow-Origin: ORIGIN (e.g. *).")
@click.option("--no-union", is_flag=True,
              help="Make the default graph empty instead of the union of the named graphs.")
@click.pass_obj
@handles_errors
def serve(proj: Project, host: str, port: int, timeout: float, max_rows: int, max_bytes: int,
          workers: int, fast_workers: int, worker_memory: int, allow_service: tuple[str, ...],
          queue_timeout: float, max_concurrency: int, header_timeout: float,
          body_timeout: float, max_body: int, public_url: str | None, cors: str | None,
          no_union: bool) -> None:
    """Serve the graph: query page at /, SPARQL endpoint at /sparql, a page for
    every IRI under the base (/id/…), the ontology at /ontology.

    Builds first when the output is missing or out of date. Read-only; SERVICE
    only to the --allow-service endpoints. Limits and threat model: docs/SECURITY.md.
    """
    from partykg.serve.server import Settings, make_server
    for url in allow_service:
        if not url.startswith(("http://", "https://")):
            raise click.BadParameter(f"'{url}' is not an http(s) URL", param_hint="--allow-service")
    ensure_built(proj)
    settings = Settings(host=host, port=port, timeout=timeout, max_rows=max_rows,
                        workers=workers, cors=cors, union=not no_union, max_bytes=max_bytes,
                        worker_memory_mb=worker_memory or None, fast_workers=fast_workers,
                        allow_service=tuple(allow_service), queue_timeout=queue_timeout,
                        max_concurrency=max_concurrency, header_timeout=header_timeout,
                        body_timeout=body_timeout, max_body=max_body, public_url=public_url)
    with stage("loading the store and starting query workers"):
        server, _ = make_server(proj, settings)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.port}/"
    out.print(f"partykg is serving at {url}  (SPARQL endpoint: {url}sparql; Ctrl-C stops)")
    server.serve_forever()
    if server.stopped_by == signal.SIGINT:
        raise KeyboardInterrupt   # reported by Verbs like any other verb's Ctrl-C


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
    from partykg.publish.release import NotConforming
    from partykg.publish.release import release as run_release
    try:
        with stage("releasing", RELEASE_STEPS) as progress:
            folder = run_release(proj, progress)
    except NotConforming as exc:
        render.validation_report(exc.report, "text", out)
        err.print("no release was made: the data does not conform")
        sys.exit(EXIT_NONCONFORMING)
    out.print(f"release written to {folder}")
    out.print((folder / "SHA256SUMS").read_text(encoding="utf-8"), markup=False)


@main.command()
@click.option("--key", type=click.Path(dir_okay=False, exists=True), envvar="PARTYKG_NANOPUB_KEY",
              help="RSA private key (PEM, DER or nanopub-py's ~/.nanopub/id_rsa) to sign "
                   "with (env PARTYKG_NANOPUB_KEY). Without one the nanopublications are "
                   "unsigned but still have trusty URIs.")
@click.option("--source", "sources", multiple=True, metavar="ID",
              help="Only this source (repeatable); default: every source.")
@click.pass_obj
@handles_errors
def nanopub(proj: Project, key: str | None, sources: tuple[str, ...]) -> None:
    """Write every claim and quotation as a nanopublication into OUT/nanopub.

    Assertion: the record (claimant or speaker, stance, about, ...); provenance:
    its passage (Web Annotation selectors) and its annotation file and line;
    publication info: dataset version, licence, creator. Trusty URIs (RA),
    signed when a key is given; one index nanopublication per source. Nothing
    is published: see "Nanopublications" in the README.
    """
    from partykg.publish.nanopub import nanopublish
    ensure_built(proj)
    with stage("nanopublications") as progress:
        folder, written = nanopublish(proj, Path(key) if key else None, progress,
                                      list(sources) or None)
    signed = "signed" if key else "unsigned (no --key)"
    out.print(f"{len(written)} nanopublications ({signed}) written to {folder}; "
              f"the list: {folder / 'nanopubs.tsv'}")


@main.command()
@click.pass_obj
@handles_errors
def wikicite(proj: Project) -> None:
    """Write QuickStatements (V1 and CSV) adding the essays to Wikidata's citation graph.

    A dry run: OUT/wikicite/wikicite.qs.tsv, wikicite.csv and report.txt are
    written for a human to review and submit at quickstatements.toolforge.org
    (README, "Wikidata's citation graph"); nothing is sent. Only verified QIDs
    (the registry's owl:sameAs links and the recorded value items) are written.
    """
    from partykg.wikidata.wikicite import wikicite as run_wikicite
    ensure_built(proj)
    works, _ = run_wikicite(proj)
    folder = proj.out / "wikicite"
    for w in works:
        state = f"existing item {w.qid}" if w.qid else "new item"
        out.print(f"{w.source}: {len(w.statements)} statements ({state}), "
                  f"{len(w.left_out)} left out", markup=False)
    out.print(f"written to {folder} (nothing was sent to Wikidata)", markup=False)


@main.command()
@click.argument("dump", required=False, type=click.Path(dir_okay=False, exists=True))
@click.option("--store", "gsp", required=True, metavar="URL",
              help="The store's Graph Store Protocol endpoint, e.g. "
                   "http://127.0.0.1:7878/store (Oxigraph) or "
                   "http://127.0.0.1:8890/sparql-graph-crud-auth (Virtuoso).")
@click.option("--sparql", metavar="URL", help="Count each graph with a SPARQL COUNT query "
              "here instead of downloading it back over the Graph Store Protocol.")
@click.option("--graph-param", default="graph", show_default=True,
              help="Query parameter naming the graph (Virtuoso also accepts graph-uri).")
@click.option("--user", envvar="PARTYKG_STORE_USER", help="User name (env PARTYKG_STORE_USER).")
@password_option
@click.option("--auth", type=click.Choice(["auto", "basic", "digest"]), default="auto",
              show_default=True, help="Authentication scheme; auto answers the store's challenge.")
@timeout_option(300.0)
@max_response_option(512)
@click.option("--no-verify", is_flag=True, help="Do not count the graphs after loading.")
@click.pass_obj
@handles_errors
def load(proj: Project, dump: str | None, gsp: str, sparql: str | None, graph_param: str,
         user: str | None, password: str | None, auth: str, timeout: float, max_mb: float,
         no_verify: bool) -> None:
    """Load the release into a triple store, one named graph per PUT request.

    DUMP is an N-Quads or TriG file (default: the release's partykg.nq, made
    first when missing). Every named graph is replaced as a whole, so running
    the command again leaves the same triple counts. Each graph is counted in
    the store afterwards; a difference is an error. Exit code 2 when the store
    is unreachable, refuses, or holds other counts.

    For releases too large for HTTP, see "Loading into a triple store" in the
    README (oxigraph load, Virtuoso ld_dir/rdf_loader_run, tdb2.tdbloader, QLever).

    Credentials (--user; the password from PARTYKG_PASSWORD, ~/.netrc or a
    prompt) go to the hosts of --store and --sparql only, never to a host a
    redirect names.
    """
    from partykg.core.http import MB
    from partykg.publish.gsp import LoadError, Target, read_graphs
    from partykg.publish.gsp import load as run_load
    urls, creds = credentials([gsp] + ([sparql] if sparql else []), user, password, auth)
    gsp, sparql = urls[0], (urls[1] if sparql else None)
    if dump is None:
        from partykg.publish.release import release as run_release
        path = proj.out / "release" / f"partykg-{__version__}" / "partykg.nq"
        if not path.exists():
            with stage("releasing (no release yet)", RELEASE_STEPS) as progress:
                run_release(proj, progress)
    else:
        path = Path(dump)
    target = Target(gsp, graph_param, sparql, creds, timeout, int(max_mb * MB))
    try:
        with stage(f"reading {path.name}"):
            graphs = read_graphs(path)
        with stage(f"loading into {gsp}", len(graphs)) as progress:
            loaded = iter(range(1, len(graphs) + 1))
            report = run_load(path, target, not no_verify,
                              lambda g, _: progress(g, next(loaded), len(graphs)), graphs)
    except LoadError as exc:
        print_failure(exc.message, exc.hint)
        if exc.loaded:
            err.print("    loaded before the error: " + ", ".join(exc.loaded), markup=False,
                      soft_wrap=True)
        sys.exit(EXIT_BAD_INPUT)
    rows = [[g.graph, f"{g.triples:,}", "-" if no_verify else f"{g.in_store:,}", str(g.status)]
            for g in report.graphs]
    rows.append(["total", f"{sum(g.triples for g in report.graphs):,}", "", ""])
    render.table(f"loaded {path.name} into {gsp}",
                 [(col, {"justify": just, "overflow": "fold"}) for col, just in
                  (("graph", "left"), ("triples", "right"), ("in store", "right"),
                   ("HTTP", "right"))], rows, out)


@main.command("export-annotations")
@click.option("--source", "only", multiple=True, metavar="ID",
              help="Only this source id (repeatable; default: every source).")
@click.option("--output", "-o", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder for the collections (default: OUT/annotations).")
@click.option("--page-size", default=100, show_default=True, type=click.IntRange(min=1),
              help="Annotations per AnnotationPage.")
@click.pass_obj
@handles_errors
def export_annotations(proj: Project, only: tuple[str, ...], output: str | None,
                       page_size: int) -> None:
    """Export every mention, claim, quotation, citation and claim link as W3C Web
    Annotations (JSON-LD).

    Writes DIR/<source-id>/collection.jsonld (an AnnotationCollection) and its
    pages page-0001.jsonld, ... (AnnotationPage). Targets are the source
    document with a TextQuoteSelector and a TextPositionSelector; bodies name
    our entity IRIs and their verified Wikidata items. Deterministic output.
    See docs/WEB-ANNOTATIONS.md.
    """
    from partykg.webanno.export import export
    counts = export(proj, only, Path(output) if output else None, page_size)
    render.table("Web Annotation export",
                 [(col, {"justify": "left" if col == "source" else "right"})
                  for col in ("source", "annotations", "pages", "claims", "quotations",
                              "citations", "links", "mentions")],
                 ([sid, *(str(c[k]) for k in ("annotations", "pages", "claim", "quotation",
                                              "citation", "links", "mention"))]
                  for sid, c in counts.items()), out)
    err.print(f"wrote {Path(output) if output else proj.out / 'annotations'}")


@main.command("import-annotations")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", "source_id", required=True, metavar="ID",
              help="The source the annotations are on (its text anchors them).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              metavar="PATH", help="The annotation file to write (default: OUT/import/ID.yaml).")
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@click.option("--brief", is_flag=True, help="Report only what was not simply resolved.")
@click.pass_obj
@handles_errors
def import_annotations_cmd(proj: Project, file: Path, source_id: str, output: Path | None,
                           force: bool, brief: bool) -> None:
    """Import W3C Web Annotations (Hypothesis, Recogito, or our own export) into an
    annotation file in partykg's format, for a human to review.

    FILE is a Web Annotation, a list or @graph of them (Recogito's export), an
    AnnotationPage or AnnotationCollection (pages embedded or in the files next
    to it), or a Hypothesis API search result; it is read as JSON-LD (pyld,
    W3C context served offline), so any prefix or form reads the same.
    Hypothesis highlights tagged with a kind (organization, event,
    person-lenin) become mentions of the entity the highlighted text names.
    Review the file, then `partykg accept` it. Every target is anchored again on
    the text of source ID: the quote first, then its prefix/suffix, then the
    offsets. Bodies naming our entity IRIs, Wikidata items of registry entities
    or registry keys become mentions; records exported by partykg come back as
    they were. A report on stderr lists every annotation as resolved,
    re-anchored, disambiguated, derived (found by alias detection anyway),
    unresolved, unknown-body or ignored; the unresolved and unknown ones are
    kept, commented out, in a review section of the file. Exit 2 only for
    input that cannot be read. See docs/WEB-ANNOTATIONS.md.
    """
    from partykg.webanno.importer import ANCHORS, RESULTS, import_annotations
    dest, result, foreign = import_annotations(proj, file, source_id, output, force)
    render.table(f"import of {file.name} on {source_id}",
                 [("annotation", {"no_wrap": True})]
                 + [(col, {"overflow": "fold", "no_wrap": col in ("anchor", "result")})
                    for col in ("anchor", "result", "record", "detail")],
                 ([r.annotation, r.anchor, r.result, r.record, r.detail] for r in result.rows
                  if not (brief and r.result in ("imported", "derived")
                          and r.anchor in ("resolved", ""))),
                 Console(stderr=True, highlight=False, width=max(err.width, 180)))
    counts = result.counts()
    err.print("anchors: " + ", ".join(f"{counts[s]} {s}" for s in ANCHORS), markup=False)
    err.print("results: " + ", ".join(f"{counts[s]} {s}" for s in RESULTS), markup=False)
    for uri in foreign:
        err.print(f"note: targets name {uri}, not {source_id}; anchored on its text anyway",
                  markup=False)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False)
    err.print(f"wrote {dest}" + (f" ({len(result.review)} item(s) to review at its end)"
                                  if result.review else ""), markup=False)


@main.command("accept")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@handles_errors
def accept_cmd(proj: Project, file: Path) -> None:
    """Merge the reviewed records of an import file (written by
    `partykg import-annotations`) into the source's annotation file.

    Each record is appended to its section of data/annotations/<source>.yaml;
    everything already in that file (order, comments, quoting) stays as it is.
    Refused, with file:line and exit 2, nothing written: a mention overlapping
    another mention of the same entity (also one the build finds by name), a
    claim on another claim's passage, an id taken, claims already linked,
    unknown references. Records already in the file are skipped: accepting
    twice changes nothing. The import file keeps its review section.
    """
    from partykg.webanno.accept import accept
    result = accept(proj, file)
    added = ", ".join(f"{n} {s}" for s, n in result.added.items() if n) or "nothing"
    already = sum(result.already.values())
    err.print(f"added {added} to {result.annotation_file}"
              + (f"; {already} record(s) were already there" if already else ""),
              markup=False)


@main.command()
@click.option("--source", "only", multiple=True, help="Only this source id (repeatable).")
@click.option("--check", is_flag=True, help="Exit 1 when any unreviewed name remains.")
@click.option("--format", "fmt", type=click.Choice(["table", "yaml"]), default="table",
              help="table for reading; yaml to paste reviewed names into data/coverage.yaml.")
@click.pass_obj
@handles_errors
def coverage(proj: Project, only: tuple[str, ...], check: bool, fmt: str) -> None:
    """Names in the texts that no mention covers, near-matches of registry
    names (misspellings), and the claims of each source with and without a stance.

    Each unreviewed capitalised name is either an entity to add to the
    registry (or an alias, or an explicit mention), or a non-entity to record
    in data/coverage.yaml. The report converges to empty.
    """
    from partykg.check.coverage import coverage_report
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
        render.table(f"{sid}: {len(findings)} unreviewed name(s)",
                     [(col, {"justify": "right" if col in ("count", "first line") else "left"})
                      for col in ("name", "count", "first line", "near registry name")],
                     ([f.name, str(f.count), str(f.first_line), ", ".join(f.near)]
                      for f in findings), out)
    err.print(f"{total} unreviewed name(s)")
    from partykg.check.coverage import stance_coverage
    from partykg.model.inputs import load_inputs
    stances = [s for s in stance_coverage(load_inputs(proj)[1]) if not only or s.source in only]
    if fmt != "yaml":
        render.stance_coverage(stances, out)
    if check and (total or not all(s.ok for s in stances)):
        sys.exit(EXIT_NONCONFORMING)


@main.command()
@click.option("--endpoint", default="https://query.wikidata.org/sparql", show_default=True,
              metavar="URL", help="Wikidata SPARQL endpoint (or a mirror, or a local stand-in).")
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice(["person", "organization", "event", "work", "place"]),
              help="Only entities of this kind (repeatable).")
@click.option("--only", multiple=True, metavar="KEY", help="Only this registry key (repeatable).")
@click.option("--review", "review_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Review file to write (default: data/wikidata/review.yaml, the one the "
                   "build reads).")
@click.option("--verify", is_flag=True,
              help="Check every published QID instead: the item exists, a label or alias matches, "
                   "the kind matches. Exit 1 on any mismatch.")
@timeout_option(60.0)
@max_response_option(64)
@click.pass_obj
@handles_errors
def link(proj: Project, endpoint: str, kinds: tuple[str, ...], only: tuple[str, ...],
         review_path: str | None, verify: bool, timeout: float, max_mb: float) -> None:
    """Find Wikidata candidates for registry entities without a verified QID.

    Asks the endpoint for items whose English label or alias equals the
    entity's name or an alias, judges their kind (P31/P279*) and dates
    against the registry, and writes the scored candidates to a review file.
    A human accepts or rejects them there; the build publishes accepted
    links as owl:sameAs with who accepted them, when, and the evidence.
    Rerunning keeps every review already made.

    With --verify: check the published links against the endpoint.
    Exit codes: 0 fine; 1 mismatches (--verify); 2 bad input or the endpoint failed.
    """
    from pathlib import Path

    from partykg.core.files import rel
    from partykg.core.http import MB
    from partykg.model.review import published_registry
    from partykg.wikidata.client import Endpoint
    from partykg.wikidata.link import link as run_link
    from partykg.wikidata.link import verify as run_verify
    (endpoint,), creds = credentials([endpoint], None, None)
    ep = Endpoint(endpoint, timeout, int(max_mb * MB), creds)
    if verify:
        registry = published_registry(proj)
        with stage(f"verifying links against {endpoint}"), ep:
            total, problems = run_verify(ep, registry)
        if not problems:
            out.print(f"all {total} published Wikidata links match their items")
            return
        render.table(f"{len(problems)} mismatch(es) in {total} published links",
                     [(col, {"no_wrap": col in ("entity", "QID")})
                      for col in ("entity", "kind", "QID", "problem", "recorded at")],
                     ([m.key, m.kind, m.qid, m.problem, m.where] for m in problems), out)
        sys.exit(EXIT_NONCONFORMING)
    path = Path(review_path).resolve() if review_path else proj.review_file
    with stage(f"asking {endpoint}") as progress, ep:
        summary = run_link(proj, ep, path, kinds, only, progress)
    rows = []
    for key, entry in summary["entities"].items():
        best = (entry.get("candidates") or [{}])[0]
        rows.append([key, str((entry.get("review") or {}).get("decision", "")),
                     best.get("qid", ""), best.get("label", ""), str(best.get("score", ""))])
    render.table("Wikidata candidates (best first)",
                 [(col, {"justify": "right" if col == "score" else "left"})
                  for col in ("entity", "review", "candidate", "label", "score")], rows, out)
    err.print(f"{summary['searched']} entities searched, {summary['with_candidates']} with "
              f"candidates ({summary['candidates']}); {summary['requests']} requests; "
              f"wrote {rel(path, proj.root)}")


@main.command()
@click.option("--endpoint", default="https://query.wikidata.org/sparql", show_default=True,
              metavar="URL", help="Wikidata SPARQL endpoint (or a mirror, or a local stand-in).")
@click.option("--lang", "langs", default="", metavar="de,fr,…",
              help="Also fetch labels in these languages (comma-separated).")
@timeout_option(60.0)
@max_response_option(64)
@click.option("--force", is_flag=True, help="Write the cache even when the endpoint gave no "
              "facts for any linked item (it keeps the old cache otherwise).")
@click.pass_obj
@handles_errors
def enrich(proj: Project, endpoint: str, langs: str, timeout: float, max_mb: float,
           force: bool) -> None:
    """Fetch Wikidata facts for linked entities into data/wikidata/enrichment.yaml.

    For every published link: the item's English description, birth and
    death dates at their precision (a year stays a year), and labels in the
    --lang languages. The build publishes the cache, offline, as the named
    graph <base>graph/wikidata-enrichment with its provenance. An endpoint
    that gives no facts for any linked item does not replace a cache that
    holds some (exit 2), unless --force.
    """
    from partykg.core.files import rel
    from partykg.core.http import MB
    from partykg.wikidata.client import Endpoint
    from partykg.wikidata.enrich import enrich as run_enrich
    from partykg.wikidata.enrich import parse_languages
    try:
        languages = parse_languages(langs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--lang") from exc
    (endpoint,), creds = credentials([endpoint], None, None)
    with stage(f"asking {endpoint}") as progress, \
            Endpoint(endpoint, timeout, int(max_mb * MB), creds) as ep:
        doc = run_enrich(proj, ep, languages, progress, force)
    entities = doc["entities"]
    dated = sum(1 for v in entities.values() if "born" in v or "died" in v)
    out.print(f"{len(entities)} linked entities: {sum(1 for v in entities.values() if 'description' in v)} "
              f"descriptions, {dated} with life dates, "
              f"{sum(len(v.get('labels', {})) for v in entities.values())} labels in {', '.join(languages) or 'no other language'}")
    err.print(f"wrote {rel(proj.enrichment_file, proj.root)}")


@main.command()
@click.option("--write", is_flag=True, help="Write the schemas to ROOT/schemas/ (after a change "
              "of the format) and add the `# yaml-language-server` line to every data file "
              "that lacks it.")
@click.option("--check", is_flag=True, help="Exit 1 when schemas/ differs from the generated "
              "schemas or a data file lacks its schema line.")
@click.pass_obj
@handles_errors
def schema(proj: Project, write: bool, check: bool) -> None:
    """JSON Schemas of the annotation files, the registry files and theses.yaml,
    generated from the loader's own field specs (one source of truth), for
    editors: with the YAML extension (yaml-language-server), keys complete and
    mistakes show as you type. Each data file names its schema on its first line.

    Without options: list the schemas and the data files that use them. The
    editor checks one file's shape; `partykg build` still checks everything.
    """
    from partykg.model import schema as schemas
    if write:
        for path in schemas.write(proj.root):
            err.print(f"wrote {path.relative_to(proj.root)}", markup=False)
        for path in schemas.add_modelines(proj.root):
            err.print(f"added the schema line to {path.relative_to(proj.root)}", markup=False)
    stale = schemas.stale(proj.root)
    missing = schemas.without_modeline(proj.root)
    if check and not (stale or missing):
        out.print(f"schemas/ and the schema lines of {len(schemas.data_files(proj.root))} data "
                  "files are up to date", markup=False)
        return
    render.table("JSON Schemas of the data files (schemas/)",
                 [("schema", {"no_wrap": True}), ("data files", {"overflow": "fold"})],
                 ([name + (" (out of date)" if name in stale else ""),
                   ", ".join(str(p.relative_to(proj.root)) for p in files) or "-"]
                  for name, files in schemas.users(proj.root).items()), out)
    for name in stale:
        err.print(f"schemas/{name} differs from the generated schema; run "
                  "`partykg schema --write`", markup=False)
    for path in missing:
        err.print(f"{path.relative_to(proj.root)} lacks its first line "
                  f"`{schemas.modeline(path.relative_to(proj.root).as_posix())}`", markup=False)
    if check and (stale or missing):
        sys.exit(EXIT_NONCONFORMING)


@main.command()
@click.option("--wikidata-endpoint", default="https://query.wikidata.org/sparql",
              show_default=True, metavar="URL", help="The endpoint whose reachability is "
              "checked (a HEAD request).")
@click.option("--timeout", default=3.0, show_default=True,
              type=click.FloatRange(min=0, min_open=True),
              help="Deadline of the network check, in seconds.")
@click.option("--offline", is_flag=True, help="Skip the network check.")
@click.pass_obj
@handles_errors
def doctor(proj: Project, wikidata_endpoint: str, timeout: float, offline: bool) -> None:
    """What is installed and what it enables: the Python packages and the
    project data (the main job), Java with HermiT (`reason`), the tools of
    the tests marked external (Jena, Chromium and chromedriver, Virtuoso,
    Oxigraph server, nginx) and network access to Wikidata; with the command
    that installs each missing one.

    Exit 0 when the main job (build, validate, query, serve) can run, 1 when
    not. A missing optional tool or no network is reported, never a failure.
    """
    from partykg.check.doctor import diagnose, main_job_ok
    with stage("checking"):
        rows = diagnose(proj, wikidata_endpoint, timeout, network=not offline)
    # In a log or a pipe, wide enough that an install command stays on one line.
    render.doctor(rows, out if out.is_terminal else Console(highlight=False, width=200))
    ok = main_job_ok(rows)
    err.print("the main job can run" if ok else "the main job cannot run: install what is "
              "marked MISSING", markup=False)
    if not ok:
        sys.exit(EXIT_NONCONFORMING)


@main.group()
def bench() -> None:
    """Benchmarks on synthetic corpora."""


@bench.command("generate")
@click.option("--triples", "-n", type=click.IntRange(min=1000), required=True,
              help="Target number of quads of the build (about; e.g. 10000, 100000, 1000000).")
@click.option("--seed", "-s", type=int, default=0, show_default=True,
              help="Random seed: the same seed gives byte-identical files.")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder to write the project into (new, empty or an earlier synthetic corpus).")
@click.option("--faults", "-k", type=click.IntRange(min=0), default=0, show_default=True,
              help="Inject K faults that build but break a validation rule (one result each).")
@click.pass_obj
@handles_errors
def bench_generate(proj: Project, triples: int, seed: int, out_dir: str, faults: int) -> None:
    """Write a synthetic partykg project (texts, registry, annotations) of about
    TRIPLES quads, with the proportions of the real annotations.

    Copies ontology/, shapes/, queries/ and data/theses.yaml from ROOT. Build it
    with `partykg --root OUT build`; `partykg --root OUT validate` reports
    exactly K results, listed in OUT/faults.json.
    """
    from partykg.bench.synth import generate
    with stage("generating"):
        manifest = generate(out_dir, triples, seed, faults, proj.root)
    c = manifest["counts"]
    out.print(f"wrote {out_dir}: {c['sources']} sources, {c['claims']} claims, "
              f"{sum(c['entities'].values())} entities, {c['characters']:,} characters of text; "
              f"{len(manifest['faults'])} fault(s) listed in faults.json")


@bench.command("run")
@click.option("--sizes", default="10000,100000,1000000", show_default=True,
              help="Comma-separated target sizes in triples.")
@click.option("--runs", default=3, show_default=True, type=click.IntRange(min=1),
              help="Runs per stage (the median is reported).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--work", type=click.Path(file_okay=False), default=None,
              help="Scratch folder for corpora and builds (default: OUT/bench).")
@click.option("--results", "dest", type=click.Path(file_okay=False), default="bench",
              show_default=True, help="Where results.json and RESULTS.md go.")
@click.option("--baseline-up-to", default=10**9, type=int, show_default=True,
              help="Run the slow rdflib + pyshacl baselines only up to this size.")
@click.option("--baseline-runs", default=None, type=click.IntRange(min=1),
              help="Runs of the pyshacl-based stages (default: --runs); they take "
                   "minutes each at 1M triples.")
@click.option("--server-seconds", default=30.0, show_default=True, type=float,
              help="Length of the server load test (0 to skip).")
@click.option("--clients", default=16, show_default=True, type=int)
@click.pass_obj
@handles_errors
def bench_run(proj: Project, sizes: str, runs: int, seed: int, work: str | None, dest: str,
              baseline_up_to: int, baseline_runs: int | None, server_seconds: float,
              clients: int) -> None:
    """Benchmark every stage on synthetic corpora of growing size.

    Build, validate (and pyshacl for comparison), reason, the embedded store's
    load and every ready-made query, the limit (pyoxigraph parse + bulk load)
    and the baseline (rdflib + pyshacl), each in a fresh process; then the
    server under load. Writes RESULTS/results.json and RESULTS/RESULTS.md.
    """
    from partykg.bench.run import run_all
    numbers = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    scratch = Path(work) if work else proj.out / "bench"
    with stage("benchmarking") as progress:
        def log(message: str) -> None:
            note(message)              # bench/run.py's lines carry their own durations
            if err.is_terminal:        # the bar names the run in progress
                progress(message.split(":", 1)[0])
        run_all(proj.root, scratch, numbers, runs, seed, Path(dest), log, baseline_up_to,
                server_seconds, clients, baseline_runs)
    out.print((Path(dest) / "RESULTS.md").read_text(encoding="utf-8"), markup=False)


if __name__ == "__main__":  # pragma: no cover
    # `python -m partykg.cli` is partykg too (its usage lines, _PARTYKG_COMPLETE)
    main(prog_name="partykg")
