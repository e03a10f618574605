"""`partykg serve`: a read-only SPARQL 1.1 Protocol endpoint, the query page,
and a page (or RDF) for every IRI under the base.

Routes:
  /                 the query page (YASGUI with the ready-made queries)
  /static/...       its files (YASGUI vendored from npm: works offline)
  /api/queries      the ready-made queries as JSON (from the grlc headers)
  /api/stats        dataset statistics as JSON (from the build manifest)
  /sparql           the SPARQL endpoint; without a query, its service description
  /download.csv     the whole result of a SELECT query as CSV, streamed (no row cap)
  /id/...           every entity, claim, quotation, source: HTML or RDF by content
                    negotiation, by ?format=ttl|nt|jsonld, or at IRI.ttl / .nt / .jsonld
  /ontology         the ontology: HTML documentation, Turtle, RDF/XML or JSON-LD
                    (content negotiation, ?format=, or /ontology.ttl, .owl, .jsonld)
  /cite/...         how to cite the dataset, an essay or an entity: BibTeX and CSL-JSON
  /debate, /network, /timeline   the workbench views, with their data at /api/<view> (serve/views.py)
  /search, /api/search   search of names, aliases, paraphrases, quotations (serve/browse.py)
  /id/, /id/<kind>/ the index pages of every kind: counts, sortable, with facets
  /source/<id>/read an essay's text with its annotations highlighted
  /dumps/<file>     the build's dumps (TriG, N-Quads, Turtle)

The HTTP stack is Starlette (routing, requests, static files) on Hypercorn
(HTTP/1.1 parsing with h11, timeouts, limits). Hypercorn rather than uvicorn:
uvicorn 0.55 has no timeout for a connection that sends nothing or only part
of its headers (measured: both stay open past 12 s with timeout_keep_alive=5),
while Hypercorn's keep-alive timeout runs from the accept (or the end of the
last response) until the request's headers are complete, and its read timeout
bounds every read, the body's included. Queries and entity pages run in the
worker processes of partykg.sparql.pool (time limit, memory limit, row and
byte caps, no network, fair queueing); updates are refused; SERVICE only to an
allow-list. docs/SECURITY.md has the threat model and every limit.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import json
import re
import socket
import sys
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import anyio
import mimeparse
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from partykg import __version__
from partykg.core.errors import InputError
from partykg.core.formats import BY_NAME, BY_MEDIA, RESULTS
from partykg.core.namespaces import all_prefixes
from partykg.core.paths import Project
from partykg.publish.cite import Citation, bibtex, csl_bytes, dataset_citation
from partykg.publish.ontodoc import render as render_ontology
from partykg.serve.browse import INDEX_KINDS, Browse, BrowseError
from partykg.serve.pages import cite_answer, resource_answer
from partykg.serve.views import Views
from partykg.sparql.policy import is_light, may_call_service
from partykg.sparql.pool import Answer, Call, Job, QueryPool, Stream
from partykg.sparql.query import list_queries

STATIC = Path(__file__).parent / "web" / "static"
PREFIXES_ALL = all_prefixes()
DUMPS = ("partykg.trig", "partykg.nq", "partykg.ttl")
TEXT = "text/plain; charset=utf-8"
MAX_IRI = 2048
LOOPBACK = ("127.0.0.1", "::1", "localhost")
QUERY_PAGE = ("/", "/index.html")

# Content negotiation tables: media type -> format name; the default is last,
# because mimeparse breaks ties (e.g. for */*) in favour of the last entry.
SELECT_MEDIA = [m for name in RESULTS for m in RESULTS[name][2]] + \
    [RESULTS[name][1] for name in ("xml", "csv", "tsv", "json")]
SELECT_BY_MEDIA = {m: name for name in RESULTS for m in (RESULTS[name][1], *RESULTS[name][2])}
GRAPH_NAMES = ("rdfxml", "jsonld", "ntriples", "turtle")
GRAPH_MEDIA = [m for name in GRAPH_NAMES for m in BY_NAME[name].also] + \
    [BY_NAME[name].media_type for name in GRAPH_NAMES]
PAGE_MEDIA = GRAPH_MEDIA + ["application/xhtml+xml", "text/html"]
FORMAT_PARAM_SELECT = {"json", "xml", "csv", "tsv"}
FORMAT_PARAM_GRAPH = {"turtle", "ntriples", "jsonld", "rdfxml"}
# A resource's RDF: by file suffix (IRI.ttl) or ?format= (short or long names).
RESOURCE_SUFFIX = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld"}
RESOURCE_FORMAT = {"ttl": "turtle", "turtle": "turtle", "nt": "ntriples", "ntriples": "ntriples",
                   "jsonld": "jsonld", "html": "html"}
ONTOLOGY_NAMES = ("jsonld", "rdfxml", "turtle")
ONTOLOGY_MEDIA = [m for name in ONTOLOGY_NAMES for m in BY_NAME[name].also] + \
    [BY_NAME[name].media_type for name in ONTOLOGY_NAMES] + ["application/xhtml+xml", "text/html"]
ONTOLOGY_SUFFIX = {".ttl": "turtle", ".owl": "rdfxml", ".rdf": "rdfxml", ".jsonld": "jsonld"}
ONTOLOGY_FORMAT = {"ttl": "turtle", "turtle": "turtle", "owl": "rdfxml", "rdfxml": "rdfxml",
                   "xml": "rdfxml", "jsonld": "jsonld", "html": "html"}

HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                  r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
                  r"|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 10.0                 # time limit of one query or page, seconds
    max_rows: int = 10_000                # largest result, rows or triples
    workers: int = 2                      # main-lane query workers
    cors: str | None = None
    union: bool = True
    max_bytes: int = 10_000_000           # largest result document, bytes
    worker_memory_mb: int | None = 1024   # memory a query may add to a worker
    fast_workers: int = 1                 # workers for light jobs only
    allow_service: tuple[str, ...] = ()   # SERVICE endpoints queries may call
    queue_timeout: float = 30.0           # longest wait for a free worker, seconds
    max_concurrency: int = 64             # requests in progress at once; more get 503
    header_timeout: float = 10.0          # accept (or last response) to complete headers
    read_timeout: float = 10.0            # longest silence while reading a request
    body_timeout: float = 30.0            # whole request body, seconds
    max_body: int = 1_000_000             # request body, bytes
    max_header_bytes: int = 16_384        # request line and headers, bytes
    public_url: str | None = None         # the endpoint's public address, for the service description
    isolate: bool = True                  # query workers without network when the system allows


def etag_match(header: str | None, etag: str) -> bool:
    """If-None-Match (RFC 9110 13.1.2): weak comparison against a list, or *."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in header.split(","))


def negotiate(accept: str | None, supported: list[str]) -> str | None:
    """The best supported media type for an Accept header (q-values, q=0 meaning
    "not acceptable", wildcards, specificity: python-mimeparse), the last entry
    when no header is sent, None when nothing supported is acceptable.
    ValueError when the header cannot be read."""
    if accept is None or not accept.strip():
        return supported[-1]
    try:
        return mimeparse.best_match(supported, accept) or None
    except (mimeparse.MimeTypeParseException, ValueError, IndexError) as exc:
        raise ValueError(str(exc) or "unreadable") from None


def negotiated_format(request: Request, offered: list[str]) -> tuple[str, str] | Response:
    """The format a page or the ontology is answered in by its Accept header ("html"
    or a name of core.formats) and the media type chosen; or the 400/406 answer
    when there is none."""
    try:
        media = negotiate(request.headers.get("accept"), offered)
    except ValueError as exc:
        return text(400, f"the Accept header cannot be read ({exc}); send media types "
                         "such as text/html or text/turtle")
    if media is None:
        return text(406, "none of the media types in the Accept header is available "
                         "here; accept one of: " + ", ".join(offered))
    return ("html" if media in ("text/html", "application/xhtml+xml")
            else BY_MEDIA[media].name), media


def text(status: int, message: str, headers: dict | None = None) -> Response:
    return Response((message.rstrip("\n") + "\n").encode("utf-8"), status, headers, TEXT)


class App:
    def __init__(self, proj: Project, settings: Settings):
        self.proj, self.settings = proj, settings
        self.manifest = json.loads(proj.manifest.read_text(encoding="utf-8"))
        self.digest = hashlib.sha256(f"{self.manifest.get('inputs_sha256', '')} {__version__} "
                                     f"{settings.max_rows} {settings.max_bytes} {settings.union}"
                                     .encode()).hexdigest()
        self.queries = [{"name": q.name, "summary": q.summary,
                         "description": str(q.header.get("description", "")),
                         "tags": list(q.header.get("tags") or []), "view": q.view,
                         "query": q.text}
                        for q in list_queries(proj.queries)]
        self.ontology_html = render_ontology(proj.ontology)
        self.ontology_rdf = self._ontology_formats(proj.ontology)
        # A project with no CHANGELOG entry for this version (a synthetic corpus, a
        # corpus before its first release) is served without citations: /cite/…
        # says why, and the pages leave their cite block out.
        try:
            self.citation: Citation | None = dataset_citation(proj.root, proj.base)
            self.citation_error = ""
        except InputError as exc:
            self.citation = None
            first = exc.problems[0]
            self.citation_error = (f"this dataset cannot be cited yet: {first.file}: "
                                   f"{first.message}; {first.hint}")
        self.ontology_styles = tuple(
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in re.findall(r"<style>(.*?)</style>", self.ontology_html, flags=re.S))
        self.limiter = anyio.CapacityLimiter(max(8, settings.max_concurrency))
        # Import rdflib's SPARQL parser now: imported first by several request
        # threads at once, a thread could see it half-initialised and take a
        # light query for a heavy one (measured: ASK {} queued behind six heavy
        # queries on a fresh server).
        is_light("ASK {}")
        self.pool = QueryPool(str(proj.nquads), settings.workers, settings.timeout,
                              fast_workers=settings.fast_workers,
                              federation=bool(settings.allow_service),
                              memory_mb=settings.worker_memory_mb,
                              queue_timeout=settings.queue_timeout, isolate=settings.isolate)
        self.static = StaticFiles(directory=STATIC, follow_symlink=False)
        self.views = Views(self)
        try:
            self.browse: Browse | None = Browse(proj.build_dir, proj.base)
            # in the background: start-up stays as fast as before
            threading.Thread(target=self.browse.warm, name="browse-warm", daemon=True).start()
            self.browse_error = ""
        except BrowseError as exc:
            self.browse, self.browse_error = None, str(exc)
        self.asgi = Guard(self._starlette(), self)

    def stats(self) -> dict:
        m = self.manifest
        return {"sources": m["sources"], "triples_per_graph": m["triples_per_graph"],
                "quads": m["quads"], "entities": m["entities"],
                "wikidata_links": m["wikidata_links"], "dumps": list(DUMPS)}

    def close(self) -> None:
        self.pool.close()

    @staticmethod
    def _ontology_formats(path: Path) -> dict[str, bytes]:
        """The ontology in each RDF format, written once by pyoxigraph (prefixes
        kept, triples in a fixed order: the same bytes on every start)."""
        from pyoxigraph import parse
        triples = sorted((t for t in parse(path=str(path), format=RdfFormat.TURTLE)), key=str)
        prefixes = dict(PREFIXES_ALL)
        out = {}
        for name in ONTOLOGY_NAMES:
            fmt = BY_NAME[name]
            kwargs = {"prefixes": prefixes} if name in ("turtle", "rdfxml", "jsonld") else {}
            out[name] = serialize(triples, format=fmt.rdf, **kwargs)
        return out

    # --- helpers -----------------------------------------------------------------
    def etag(self, request: Request, media: str) -> str:
        key = f"{self.digest} {request.url.path}?{request.url.query} {media}"
        return '"' + hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32] + '"'

    def cached(self, request: Request, media: str, make) -> Response:
        """A build-derived answer with an ETag; 304 when the client has it."""
        tag = self.etag(request, media)
        headers = {"ETag": tag, "Cache-Control": "no-cache"}
        if etag_match(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
        response = make()
        if response.status_code == 200:
            response.headers.update(headers)
        return response

    async def run(self, request: Request, job, lanes: tuple[str, ...]) -> Response:
        client = request.client.host if request.client else ""
        answer: Answer = await anyio.to_thread.run_sync(self.pool.run, job, client, lanes,
                                                        limiter=self.limiter)
        headers = {}
        if answer.truncated:
            # the first max_rows rows of a longer result; the whole of it streams
            # from /download.csv (RFC 8288 Link)
            headers["X-Partykg-Truncated"] = "true"
            headers["X-Partykg-Row-Limit"] = str(self.settings.max_rows)
            if isinstance(job, Job):
                headers["Link"] = f'<{self.download_link(job)}>; rel="alternate"; ' \
                                  'type="text/csv"; title="the whole result as CSV"'
        return Response(answer.body, answer.status, media_type=answer.content_type,
                        headers=headers)

    @staticmethod
    def download_link(job: Job) -> str:
        params = [("query", job.query)] + [("default-graph-uri", g) for g in job.default_graphs] \
            + [("named-graph-uri", g) for g in job.named_graphs]
        return "/download.csv?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)

    def endpoint_url(self, request: Request) -> str:
        """The endpoint's address for the service description: the configured public
        URL, else the Host header when it is a plain host[:port], else the bound address."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/") + "/sparql"
        host = request.headers.get("host", "")
        if not HOST.match(host):
            server = request.scope.get("server") or (self.settings.host, self.settings.port)
            name = server[0]
            try:
                if ipaddress.ip_address(name).version == 6:
                    name = f"[{name}]"
            except ValueError:
                pass
            host = f"{name}:{server[1]}"
        return f"http://{host}/sparql"

    def service_description(self, endpoint: str) -> bytes:
        """Built as RDF terms and written by pyoxigraph: nothing taken from the
        request reaches the Turtle unescaped."""
        from pyoxigraph import BlankNode
        sd = "http://www.w3.org/ns/sparql-service-description#"
        void, fmts = "http://rdfs.org/ns/void#", "http://www.w3.org/ns/formats/"
        rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        S = lambda local: NamedNode(sd + local)  # noqa: E731
        me = NamedNode(endpoint)
        quads = [Quad(me, rdf_type, S("Service")), Quad(me, S("endpoint"), me),
                 Quad(me, S("supportedLanguage"), S("SPARQL11Query")),
                 Quad(me, S("feature"), S("UnionDefaultGraph"))]
        quads += [Quad(me, S("resultFormat"), NamedNode(fmts + f)) for f in (
            "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
            "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD")]
        dataset, default = BlankNode("dataset"), BlankNode("default")
        quads += [Quad(me, S("defaultDataset"), dataset), Quad(dataset, rdf_type, S("Dataset")),
                  Quad(dataset, S("defaultGraph"), default), Quad(default, rdf_type, S("Graph")),
                  Quad(default, NamedNode(void + "triples"), Literal(self.manifest["quads"]))]
        for i, (g, n) in enumerate(sorted(self.manifest["triples_per_graph"].items())):
            named, graph = BlankNode(f"named{i}"), BlankNode(f"graph{i}")
            quads += [Quad(dataset, S("namedGraph"), named), Quad(named, S("name"), NamedNode(g)),
                      Quad(named, S("graph"), graph), Quad(graph, rdf_type, S("Graph")),
                      Quad(graph, NamedNode(void + "triples"), Literal(n))]
        return serialize([q.triple for q in quads], format=RdfFormat.TURTLE,
                         prefixes={"sd": sd, "void": void})

    # --- routes ------------------------------------------------------------------
    def _starlette(self) -> Starlette:
        routes = [
            Route("/", self.index, methods=["GET", "HEAD"]),
            Route("/index.html", self.index, methods=["GET", "HEAD"]),
            Route("/favicon.ico", lambda request: Response(status_code=204), methods=["GET", "HEAD"]),
            Route("/api/queries", self.api_queries, methods=["GET", "HEAD"]),
            Route("/api/stats", self.api_stats, methods=["GET", "HEAD"]),
            Route("/sparql", self.sparql_route, methods=["GET", "HEAD", "POST", "OPTIONS"]),
            Route("/ontology", self.ontology, methods=["GET", "HEAD"]),
            Route("/ontology{suffix:str}", self.ontology, methods=["GET", "HEAD"]),
            Route("/download.csv", self.download, methods=["GET", "HEAD"]),
            Route("/cite/dataset.{ext}", self.cite_dataset, methods=["GET", "HEAD"]),
            Route("/cite/id/{rest:path}", self.cite_item, methods=["GET", "HEAD"]),
            Route("/dumps/{name}", self.dump, methods=["GET", "HEAD"]),
            Route("/search", self.search_page, methods=["GET", "HEAD"]),
            Route("/api/search", self.api_search, methods=["GET", "HEAD"]),
            Route("/id/", self.kinds_page, methods=["GET", "HEAD"]),
            Route("/id/{kind}/", self.kind_page, methods=["GET", "HEAD"]),
            Route("/id/{kind}", self.kind_redirect, methods=["GET", "HEAD"]),
            Route("/source/{key}/read", self.read_page, methods=["GET", "HEAD"]),
            Route("/id/{rest:path}", self.resource, methods=["GET", "HEAD"]),
            *self.views.routes(),   # /debate, /network, /timeline and their /api/… data
            Mount("/static", app=self.static, name="static"),
        ]
        return Starlette(routes=routes, exception_handlers={HTTPException: self.http_error})

    async def http_error(self, request: Request, exc: HTTPException) -> Response:
        path = request.url.path
        if exc.status_code == 404:
            if path.startswith("/static/"):
                return text(404, f"no such file: {path[len('/static/'):]}")
            return text(404, f"nothing at {path}; try / for the query page or /sparql")
        if exc.status_code == 405:
            allowed = "GET, HEAD, POST, OPTIONS" if path == "/sparql" else "GET, HEAD"
            return text(405, f"{request.method} is not allowed on {path}: this server is "
                             f"read-only; use {allowed}", {"Allow": allowed})
        return text(exc.status_code, exc.detail or "error")

    async def index(self, request: Request) -> Response:
        return await self.static.get_response("index.html", request.scope)

    async def api_queries(self, request: Request) -> Response:
        return self.cached(request, "application/json", lambda: Response(
            json.dumps(self.queries, ensure_ascii=False).encode(), 200,
            media_type="application/json; charset=utf-8"))

    async def api_stats(self, request: Request) -> Response:
        return self.cached(request, "application/json", lambda: Response(
            json.dumps(self.stats()).encode(), 200, media_type="application/json"))

    async def ontology(self, request: Request) -> Response:
        """The ontology: HTML documentation or RDF, chosen by suffix
        (/ontology.ttl), by ?format=, or by the Accept header, in that order."""
        suffix = request.path_params.get("suffix")
        fmt_param = request.query_params.get("format", "").lower()
        if suffix is not None:
            choice = ONTOLOGY_SUFFIX.get(suffix)
            if choice is None:
                return text(404, f"no /ontology{suffix}; the ontology is at /ontology (HTML), "
                                 "/ontology.ttl, /ontology.owl (RDF/XML) and /ontology.jsonld")
        elif fmt_param:
            choice = ONTOLOGY_FORMAT.get(fmt_param)
            if choice is None:
                return text(400, f"?format={fmt_param} is not known here; use one of "
                                 + ", ".join(sorted(ONTOLOGY_FORMAT)))
        else:
            chosen = negotiated_format(request, ONTOLOGY_MEDIA)
            if isinstance(chosen, Response):
                return chosen
            choice = chosen[0]
        if choice != "html":
            fmt = BY_NAME[choice]
            return self.cached(request, fmt.media_type, lambda: Response(
                self.ontology_rdf[choice], 200, media_type=fmt.content_type))
        response = self.cached(request, "text/html", lambda: Response(
            self.ontology_html.encode(), 200, media_type=BY_NAME["html"].content_type))
        response.headers["X-Partykg-Style-Hashes"] = " ".join(self.ontology_styles)
        return response

    # --- search, index pages, reading view (serve/browse.py; answered from memory) ----
    async def browse_html(self, request: Request, make) -> Response:
        if self.browse is None:
            return text(503, self.browse_error)

        async def answer() -> Response:
            page = await anyio.to_thread.run_sync(make, limiter=self.limiter)
            if page is None:
                return text(404, f"nothing at {request.url.path}; the essays are listed at /id/source/")
            return Response(page.encode("utf-8"), 200, media_type=BY_NAME["html"].content_type)
        return await self.cached_async(request, "text/html", answer)

    async def search_page(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        return await self.browse_html(request, lambda: self.browse.search_page(q))

    async def api_search(self, request: Request) -> Response:
        if self.browse is None:
            return text(503, self.browse_error)
        q = request.query_params.get("q", "")
        try:
            limit = min(200, max(1, int(request.query_params.get("limit", "20"))))
        except ValueError:
            return text(400, "limit must be a whole number (1 to 200)")
        return self.cached(request, "application/json", lambda: Response(
            json.dumps({"q": q, "results": self.browse.search(q, limit)}, ensure_ascii=False).encode(),
            200, media_type="application/json; charset=utf-8"))

    async def kinds_page(self, request: Request) -> Response:
        if request.scope["path"] != "/id/":   # Starlette's `$` also matches before a final "\n"
            return await self.resource(request)
        return await self.browse_html(request, lambda: self.browse.kinds_page())

    async def kind_page(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in INDEX_KINDS or request.scope["path"] != f"/id/{kind}/":
            return await self.resource(request)
        params = {k: v for k, v in request.query_params.items()
                  if k in ("sort", "essay", "thesis", "stance", "date")}
        page = request.query_params.get("page", "1")
        if not page.isdecimal() or not 1 <= int(page) <= 1_000_000:
            return text(400, f"page={page!r}: give a page number from 1 (e.g. ?page=2)")
        return await self.browse_html(request, lambda: self.browse.kind_page(kind, params,
                                                                             int(page)))

    async def kind_redirect(self, request: Request) -> Response:
        """/id/person -> /id/person/ (the index page); any other /id/x is a resource."""
        kind = request.path_params["kind"]
        if kind not in INDEX_KINDS or request.scope["path"] != f"/id/{kind}":
            return await self.resource(request)
        query = request.url.query
        return Response(status_code=308, headers={
            "Location": f"/id/{kind}/" + (f"?{query}" if query else "")})

    async def read_page(self, request: Request) -> Response:
        key = request.path_params["key"]
        return await self.browse_html(request, lambda: self.browse.read_page(key))

    async def cite_dataset(self, request: Request) -> Response:
        ext = request.path_params["ext"]
        if self.citation is None:
            return text(404, self.citation_error)
        if ext == "bib":
            return self.cached(request, "application/x-bibtex", lambda: Response(
                bibtex(self.citation).encode(), 200, media_type="application/x-bibtex; charset=utf-8"))
        if ext == "json":
            return self.cached(request, "application/vnd.citationstyles.csl+json", lambda: Response(
                csl_bytes(self.citation), 200, media_type="application/vnd.citationstyles.csl+json"))
        return text(404, f"no /cite/dataset.{ext}; use /cite/dataset.bib (BibTeX) or "
                         "/cite/dataset.json (CSL-JSON)")

    async def cite_item(self, request: Request) -> Response:
        rest = request.path_params["rest"]
        if self.citation is None:
            return text(404, self.citation_error)
        stem, _, ext = rest.rpartition(".")
        if ext not in ("bib", "json") or not stem:
            return text(404, f"no /cite/id/{rest}; add .bib (BibTeX) or .json (CSL-JSON) to "
                             "the path of an entity, e.g. /cite/id/person/vladimir-lenin.bib")
        iri = self.proj.base + "id/" + stem
        if len(iri) > MAX_IRI:
            return text(414, f"the path is longer than {MAX_IRI} characters")
        try:
            NamedNode(iri)
        except ValueError as exc:
            return text(400, f"the path {stem!r} does not make a valid IRI ({exc})")
        return await self.cached_async(request, ext, lambda: self.run(
            request, Call(cite_answer, (iri, ext, self.proj.base, self.citation)),
            ("fast", "main")))

    async def download(self, request: Request) -> Response:
        """The whole result of a SELECT query as CSV, streamed from the worker as it
        is written (no row or byte cap, the same time limit). A failure before the
        first bytes is answered with its status; a failure after them cuts the
        response short (an incomplete chunked body), as HTTP cannot change the status."""
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        queries = params.get("query") or []
        if len(queries) != 1:
            return text(400, "give exactly one query parameter: /download.csv?query=SELECT…")
        for key in ("default-graph-uri", "named-graph-uri"):
            for g in params.get(key, []):
                try:
                    NamedNode(g)
                except ValueError as exc:
                    return text(400, f"{key} {g!r} is not an absolute IRI ({exc})")
        s = self.settings
        job = Stream(queries[0], s.union, params.get("default-graph-uri", []),
                     params.get("named-graph-uri", []), s.allow_service)
        lanes = ("federation",) if s.allow_service and may_call_service(job.query) else ("main",)
        client = request.client.host if request.client else ""
        run = await anyio.to_thread.run_sync(self.pool.stream, job, client, lanes,
                                             limiter=self.limiter)
        if isinstance(run, Answer):
            return Response(run.body, run.status, media_type=run.content_type)
        first = await anyio.to_thread.run_sync(run.next, limiter=self.limiter)
        if isinstance(first, Answer):     # nothing was written: an error, or an ended stream
            await anyio.to_thread.run_sync(run.close, limiter=self.limiter)
            return Response(first.body, first.status, media_type=first.content_type)
        if request.method == "HEAD":      # the status is known: stop the query there
            await anyio.to_thread.run_sync(run.close, limiter=self.limiter)
            return Response(b"", 200, media_type="text/csv; charset=utf-8", headers={
                "Content-Disposition": 'attachment; filename="partykg-result.csv"'})
        limiter = self.limiter

        async def chunks():
            try:
                chunk = first
                while True:
                    yield chunk
                    chunk = await anyio.to_thread.run_sync(run.next, limiter=limiter)
                    if isinstance(chunk, Answer):
                        if chunk.status != 200:
                            raise RuntimeError(f"the CSV download stopped: "
                                               f"{chunk.body.decode(errors='replace').strip()}")
                        return
            finally:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(run.close, limiter=limiter)

        response = ClosingStream(chunks(), 200, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="partykg-result.csv"'})
        response.on_close = lambda: anyio.to_thread.run_sync(run.close, limiter=limiter)
        return response

    async def dump(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in DUMPS:
            return text(404, f"no dump {name}; the dumps are {', '.join(DUMPS)}")
        fmt = {"trig": "trig", "nq": "nquads", "ttl": "turtle"}[name.rsplit(".", 1)[1]]
        media = BY_NAME[fmt].media_type
        return self.cached(request, media, lambda: FileResponse(
            self.proj.build_dir / name, media_type=media))

    async def resource(self, request: Request) -> Response:
        """An entity's page or RDF: by file suffix (IRI.ttl, .nt, .jsonld), by
        ?format=ttl|nt|jsonld|html, or by the Accept header, in that order."""
        path = request.scope["path"]
        choice = None
        for suffix, name in RESOURCE_SUFFIX.items():
            if path.endswith(suffix):
                path, choice = path[:-len(suffix)], name
                break
        fmt_param = request.query_params.get("format", "").lower()
        if choice is None and fmt_param:
            choice = RESOURCE_FORMAT.get(fmt_param)
            if choice is None:
                return text(400, f"?format={fmt_param} is not known here; use one of "
                                 + ", ".join(sorted(RESOURCE_FORMAT)))
        iri = self.proj.base + path.lstrip("/")
        if len(iri) > MAX_IRI:
            return text(414, f"the path is {len(path)} characters long; IRIs here are at most "
                             f"{MAX_IRI - len(self.proj.base)} characters after the host")
        try:
            NamedNode(iri)
        except ValueError as exc:
            return text(400, f"the path {path!r} does not make a valid IRI ({exc}); "
                             "percent-encode spaces and the characters <>\"{}|\\^`")
        if choice is not None:
            media = BY_NAME[choice].media_type
        else:
            chosen = negotiated_format(request, PAGE_MEDIA)
            if isinstance(chosen, Response):
                return chosen
            choice, media = chosen
        return await self.cached_async(request, media, lambda: self.run(
            request, Call(resource_answer, (iri, choice, self.proj.base, self.citation)),
            ("fast", "main")))

    async def cached_async(self, request: Request, media: str, make) -> Response:
        tag = self.etag(request, media)
        headers = {"ETag": tag, "Cache-Control": "no-cache"}
        if etag_match(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
        response = await make()
        if response.status_code == 200:
            response.headers.update(headers)
        return response

    async def read_body(self, request: Request) -> bytes | Response:
        """The request body (chunked or not: the stack decodes it), at most
        max_body bytes within body_timeout seconds. A larger body is read to the
        end (up to 64 times the limit) and refused, so that the client reads the
        413 instead of a reset connection."""
        limit = self.settings.max_body
        body, size = bytearray(), 0
        try:
            with anyio.fail_after(self.settings.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size <= limit:
                        body += chunk
                    elif size > 64 * limit:
                        break
        except TimeoutError:
            return text(408, f"the request body did not arrive within "
                             f"{self.settings.body_timeout:g} s", {"Connection": "close"})
        if size > limit:
            return text(413, f"the request body is larger than {limit} bytes, the limit of "
                             "this endpoint", {"Connection": "close"})
        return bytes(body)

    async def sparql_route(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, Accept"})
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        if request.method == "POST":
            try:
                body = await self.read_body(request)
            except ClientDisconnect:
                return text(400, "the client went away before sending the whole body")
            if isinstance(body, Response):
                return body
            ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
            if ctype == "application/sparql-update":
                return text(403, "this endpoint is read-only: SPARQL Update is refused")
            try:
                decoded = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                return text(400, f"the request body is not UTF-8 (byte 0x{body[exc.start]:02x} at "
                                 f"offset {exc.start}); send the query in UTF-8")
            if ctype == "application/sparql-query":
                params["query"] = [decoded]
            elif ctype == "application/x-www-form-urlencoded":
                for k, v in urllib.parse.parse_qsl(decoded, keep_blank_values=True):
                    params.setdefault(k, []).append(v)
            else:
                return text(415, "send the query as application/sparql-query or as a form "
                                 "(application/x-www-form-urlencoded) with query=…")
        return await self.sparql(request, params)

    async def sparql(self, request: Request, params: dict[str, list[str]]) -> Response:
        if "update" in params:
            return text(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = params.get("query") or []
        if not queries:
            return self.cached(request, "text/turtle", lambda: Response(
                self.service_description(self.endpoint_url(request)), 200,
                media_type=BY_NAME["turtle"].content_type))
        if len(queries) > 1:
            return text(400, "give exactly one query parameter")
        for key in ("default-graph-uri", "named-graph-uri"):
            for g in params.get(key, []):
                try:
                    NamedNode(g)
                except ValueError as exc:
                    return text(400, f"{key} {g!r} is not an absolute IRI ({exc}); "
                                     "give the IRI of one of the graphs")
        fmt_param = (params.get("format") or [""])[0].lower()
        try:
            select_media = negotiate(request.headers.get("accept"), SELECT_MEDIA)
            graph_media = negotiate(request.headers.get("accept"), GRAPH_MEDIA)
        except ValueError as exc:
            return text(400, f"the Accept header cannot be read ({exc}); send media types such "
                             "as application/sparql-results+json or text/turtle")
        select_fmt = fmt_param if fmt_param in FORMAT_PARAM_SELECT else \
            SELECT_BY_MEDIA.get(select_media or "")
        graph_fmt = fmt_param if fmt_param in FORMAT_PARAM_GRAPH else \
            (BY_MEDIA[graph_media].name if graph_media else None)
        if select_fmt is None and graph_fmt is None:
            return text(406, "none of the media types in the Accept header can carry SPARQL "
                             "results here; accept one of: " + ", ".join(SELECT_MEDIA + GRAPH_MEDIA))
        query = queries[0]
        s = self.settings
        job = Job(query, select_fmt, graph_fmt, s.union, params.get("default-graph-uri", []),
                  params.get("named-graph-uri", []), s.max_rows, s.max_bytes, s.allow_service,
                  # answer with the media type the client asked for (application/json, …)
                  select_media if select_fmt and fmt_param not in FORMAT_PARAM_SELECT else None,
                  graph_media if graph_fmt and fmt_param not in FORMAT_PARAM_GRAPH else None)
        if s.allow_service and may_call_service(query):
            lanes = ("federation",)
        else:
            light = await anyio.to_thread.run_sync(is_light, query, limiter=self.limiter)
            lanes = ("fast", "main") if light else ("main",)
        media = f"{select_fmt} {graph_fmt}"
        if request.method in ("GET", "HEAD"):
            return await self.cached_async(request, media, lambda: self.run(request, job, lanes))
        return await self.run(request, job, lanes)


class ClosingStream(StreamingResponse):
    """A StreamingResponse that runs ``on_close`` however it ends: also when the
    client is gone before the first chunk is sent, when the body iterator never
    starts and its own ``finally`` would never run (the worker would stay held)."""

    on_close = None

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.on_close is not None:
                with anyio.CancelScope(shield=True):
                    await self.on_close()


class Guard:
    """ASGI middleware: at most max_concurrency requests in progress (more get
    503 at once), and the same response headers on every answer: security
    headers, Vary, CORS. Plumbing, because Starlette has neither a concurrency
    cap nor a security-headers middleware, and Hypercorn has no connection cap."""

    CSP = ("default-src 'none'; script-src 'self'; style-src 'self'{extra}; img-src 'self' data:; "
           "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'")

    def __init__(self, app, owner: App):
        self.app, self.owner = app, owner
        self.active = 0

    def headers(self, extra_styles: str = "", path: str = "") -> list[tuple[bytes, bytes]]:
        csp = self.CSP.format(extra=(" " + extra_styles) if extra_styles else "")
        if path in QUERY_PAGE:
            # YASGUI adds style elements from its script when it draws results;
            # scripts stay restricted to this server's files.
            csp = csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        out = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"no-referrer"), (b"vary", b"Accept"),
               (b"content-security-policy", csp.encode())]
        if self.owner.settings.cors:
            out.append((b"access-control-allow-origin", self.owner.settings.cors.encode("latin-1")))
        return out

    async def refuse(self, send, status: int, message: str, extra: dict | None = None) -> None:
        body = (message + "\n").encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", TEXT.encode()), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"), *(extra or {}).items(), *self.headers()]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + sum(
            len(k) + len(v) + 4 for k, v in scope.get("headers", []))
        if size > self.owner.settings.max_header_bytes:
            # h11 bounds only what it buffers while a request is incomplete; a request
            # that arrives whole in one read can be larger, so the bound is checked here.
            return await self.refuse(send, 431, f"the request line and headers are {size} bytes, "
                                     f"more than the limit of {self.owner.settings.max_header_bytes}")
        limit = self.owner.settings.max_concurrency
        if self.active >= limit:
            return await self.refuse(send, 503, f"the server is busy ({limit} requests in "
                                     "progress); try again in a few seconds", {b"retry-after": b"5"})

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"x-partykg-style-hashes"]
                styles = next((v.decode() for k, v in message.get("headers", [])
                               if k.lower() == b"x-partykg-style-hashes"), "")
                message = {**message, "headers": headers + self.headers(styles, scope["path"])}
            await send(message)

        self.active += 1
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self.active -= 1


def hypercorn_config(settings: Settings, sock: socket.socket):
    from hypercorn.config import Config
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.keep_alive_timeout = settings.header_timeout
    # Hypercorn also applies its read timeout to a kept-alive connection while the app
    # is still computing the answer to the request it read (measured: a query of the
    # time limit on a reused connection was cut without an answer at 10 s). So it may
    # not be shorter than the longest answer; a silent body is still cut by the app's
    # body_timeout, and unfinished headers by the keep-alive (header) timeout.
    longest = settings.timeout + settings.queue_timeout + 5
    config.read_timeout = max(1, int(round(max(settings.read_timeout, longest))))
    config.h11_max_incomplete_size = settings.max_header_bytes
    config.include_server_header = False
    config.accesslog = None
    config.errorlog = "-"
    config.loglevel = "WARNING"
    config.graceful_timeout = 2
    config.backlog = 128
    return config


def bind(settings: Settings) -> socket.socket:
    """The listening socket (made here so that port 0 can be used and known)."""
    info = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(info[0], socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(info[4])
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def exposure_warning(settings: Settings) -> str | None:
    """The warning printed when the server listens beyond loopback."""
    if settings.host in LOOPBACK:
        return None
    try:
        if ipaddress.ip_address(settings.host).is_loopback:
            return None
    except ValueError:
        pass
    return (f"warning: partykg serve listens on {settings.host}: every host that can reach "
            "this machine can query the endpoint (read-only; see docs/SECURITY.md for the "
            "limits and for running it behind a reverse proxy)")


class Server:
    """A running server: the app, its listening socket, and Hypercorn's loop."""

    def __init__(self, proj: Project, settings: Settings):
        self.settings = settings
        self.sock = bind(settings)
        try:
            self.app = App(proj, settings)
        except BaseException:
            self.sock.close()
            raise
        self.port = self.sock.getsockname()[1]
        self.stopping: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ready = threading.Event()
        self.stopped_by: int | None = None   # the signal that stopped serve_forever

    @property
    def server_address(self) -> tuple[str, int]:
        return self.settings.host, self.port

    async def _serve(self, shutdown_trigger=None) -> None:
        from hypercorn.asyncio import serve
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        trigger = shutdown_trigger or self.stopping.wait
        self.ready.set()
        await serve(self.app.asgi, hypercorn_config(self.settings, self.sock),
                    shutdown_trigger=trigger)

    def serve_forever(self) -> None:
        """Serve until SIGINT or SIGTERM (Hypercorn's own signal handling)."""
        warning = exposure_warning(self.settings)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        for note in sorted(self.app.pool.notes):
            print(f"warning: the query workers could not be cut off from the network ({note}); "
                  "SERVICE is still refused by the query check", file=sys.stderr, flush=True)
        self.app.views.warm_up()
        try:
            asyncio.run(self._serve(shutdown_trigger=_signal_trigger(self)))
        finally:
            self.close()

    def shutdown(self) -> None:
        if self.loop is not None and self.stopping is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)

    def close(self) -> None:
        self.app.close()
        try:
            self.sock.close()
        except OSError:
            pass

    # kept for callers of the former http.server API
    server_close = close


def _signal_trigger(server: Server):
    """Stop on SIGINT or SIGTERM; ``server.stopped_by`` records which (the command
    line reports Ctrl-C as an interrupt, exit 130)."""
    import signal

    def stop_on(sig: int, stop: asyncio.Event) -> None:
        server.stopped_by = sig
        stop.set()

    async def wait() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop_on, sig, stop)
        await stop.wait()
    return wait


def make_server(proj: Project, settings: Settings) -> tuple[Server, App]:
    server = Server(proj, settings)
    return server, server.app


def serve_in_thread(proj: Project, host: str = "127.0.0.1", port: int = 0,
                    **options) -> tuple[Server, str]:
    """Start a server in a background thread (for tests); stop it with .shutdown()."""
    server = Server(proj, Settings(host=host, port=port, **options))
    thread = threading.Thread(target=lambda: asyncio.run(server._serve()), daemon=True)
    thread.start()
    server.ready.wait(30)
    original = server.shutdown

    def shutdown() -> None:
        original()
        thread.join(30)
        server.close()
    server.shutdown = shutdown  # type: ignore[method-assign]
    return server, f"http://{host}:{server.port}"
