"""`partykg serve`: a read-only SPARQL 1.1 Protocol endpoint, the query page,
and a page (or RDF) for every IRI under the base.

Routes:
  /                 the query page (YASGUI with the ready-made queries)
  /static/...       its files (YASGUI vendored from npm: works offline)
  /api/queries      the ready-made queries as JSON (from the grlc headers)
  /api/stats        dataset statistics as JSON (from the build manifest)
  /sparql           the SPARQL endpoint; without a query, its service description
  /id/...           every entity, claim, quotation, source: HTML or RDF by content negotiation
  /ontology         the ontology's HTML documentation
  /dumps/<file>     the build's dumps (TriG, N-Quads, Turtle)

Queries run in worker processes (partykg.sparql.pool) with a time limit and a
result-size cap; updates are refused. Binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pyoxigraph import RdfFormat, serialize

from partykg.core.namespaces import all_prefixes
from partykg.core.paths import Project
from partykg.publish.ontodoc import render as render_ontology
from partykg.serve.pages import Pages, describe_triples
from partykg.sparql.pool import GRAPH_TYPES, Job, QueryPool
from partykg.sparql.query import list_queries
from partykg.sparql.store import load_store

STATIC = Path(__file__).parent / "web" / "static"
MAX_BODY = 1_000_000
DUMPS = ("partykg.trig", "partykg.nq", "partykg.ttl")
SELECT_ACCEPT = {"application/sparql-results+json": "json", "application/json": "json",
                 "application/sparql-results+xml": "xml", "application/xml": "xml",
                 "text/csv": "csv", "text/tab-separated-values": "tsv"}
GRAPH_ACCEPT = {"text/turtle": "turtle", "application/x-turtle": "turtle",
                "application/n-triples": "ntriples", "text/plain": "ntriples",
                "application/ld+json": "jsonld", "application/rdf+xml": "rdfxml"}
RDF_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES,
               "jsonld": RdfFormat.JSON_LD, "rdfxml": RdfFormat.RDF_XML}
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".json": "application/json",
                ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2",
                ".woff": "font/woff", ".ttf": "font/ttf", ".md": "text/plain; charset=utf-8",
                ".txt": "text/plain; charset=utf-8"}


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    cors: str | None = None
    union: bool = True


def accept_order(header: str | None) -> list[str]:
    """Media types of an Accept header, best first (q-values honoured)."""
    items = []
    for i, part in enumerate((header or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        items.append((-q, i, fields[0].lower()))
    return [m for _, _, m in sorted(items)]


def negotiate(header: str | None, table: dict[str, str], default: str) -> str:
    for media in accept_order(header):
        if media in table:
            return table[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    return default


class App:
    def __init__(self, proj: Project, settings: Settings):
        self.proj, self.settings = proj, settings
        self.store = load_store(proj)
        self.pool = QueryPool(str(proj.nquads), settings.workers, settings.timeout)
        self.manifest = json.loads(proj.manifest.read_text(encoding="utf-8"))
        self.queries = [{"name": q.name, "summary": q.summary,
                         "description": str(q.header.get("description", "")),
                         "tags": list(q.header.get("tags") or []), "query": q.text}
                        for q in list_queries(proj.queries)]
        self.ontology_html = render_ontology(proj.ontology)

    def stats(self) -> dict:
        m = self.manifest
        return {"sources": m["sources"], "triples_per_graph": m["triples_per_graph"],
                "quads": m["quads"], "entities": m["entities"],
                "wikidata_links": m["wikidata_links"], "dumps": list(DUMPS)}

    def service_description(self, endpoint: str) -> bytes:
        graphs = sorted(self.manifest["triples_per_graph"])
        named = "".join(f"""
        sd:namedGraph [ sd:name <{g}> ; sd:graph [ a sd:Graph ; void:triples {n} ] ] ;"""
                        for g, n in ((g, self.manifest["triples_per_graph"][g]) for g in graphs))
        return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature sd:UnionDefaultGraph ;
    sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON>,
        <http://www.w3.org/ns/formats/SPARQL_Results_XML>, <http://www.w3.org/ns/formats/SPARQL_Results_CSV>,
        <http://www.w3.org/ns/formats/SPARQL_Results_TSV>, <http://www.w3.org/ns/formats/Turtle>,
        <http://www.w3.org/ns/formats/N-Triples>, <http://www.w3.org/ns/formats/JSON-LD> ;
    sd:defaultDataset [ a sd:Dataset ;{named}
        sd:defaultGraph [ a sd:Graph ; void:triples {self.manifest['quads']} ] ] .
""".encode()

    def close(self) -> None:
        self.pool.close()


class Handler(BaseHTTPRequestHandler):
    server_version = "partykg"
    app: App  # set on the subclass made by make_server

    def log_message(self, format, *args):  # noqa: A002 - quiet by default
        pass

    # --- plumbing ----------------------------------------------------------------
    def send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        if self.app.settings.cors:
            self.send_header("Access-Control-Allow-Origin", self.app.settings.cors)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status: int, message: str) -> None:
        self.send(status, (message.rstrip("\n") + "\n").encode(), "text/plain; charset=utf-8")

    def local_base(self) -> str:
        return f"http://{self.headers.get('Host') or self.server.server_address[0]}"

    # --- methods -----------------------------------------------------------------
    def do_OPTIONS(self) -> None:  # noqa: N802
        self.send(204, b"", "text/plain", {
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Accept"})

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        try:
            self.route_get(url.path, params)
        except BrokenPipeError:
            pass

    def do_POST(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/sparql":
            return self.error(405, "only /sparql accepts POST")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            remaining = length if length <= 64 * MAX_BODY else 0
            while remaining > 0:  # drain the body, so that the client reads our answer
                chunk = self.rfile.read(min(65536, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            self.close_connection = True
            return self.error(413, f"the request body is larger than {MAX_BODY} bytes")
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if ctype == "application/sparql-update":
            return self.error(403, "this endpoint is read-only: SPARQL Update is refused")
        if ctype == "application/sparql-query":
            params["query"] = [body]
        elif ctype == "application/x-www-form-urlencoded":
            for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        else:
            return self.error(415, "send the query as application/sparql-query or as a form "
                                   "(application/x-www-form-urlencoded) with query=…")
        self.sparql(params)

    # --- routes ------------------------------------------------------------------
    def route_get(self, path: str, params: dict) -> None:
        if path in ("/", "/index.html"):
            return self.static("index.html")
        if path.startswith("/static/"):
            return self.static(path[len("/static/"):])
        if path == "/api/queries":
            return self.send(200, json.dumps(self.app.queries, ensure_ascii=False).encode(),
                             "application/json; charset=utf-8")
        if path == "/api/stats":
            return self.send(200, json.dumps(self.app.stats()).encode(), "application/json")
        if path == "/sparql":
            return self.sparql(params)
        if path == "/ontology":
            return self.send(200, self.app.ontology_html.encode(), "text/html; charset=utf-8")
        if path.startswith("/dumps/") and path[len("/dumps/"):] in DUMPS:
            name = path[len("/dumps/"):]
            media = {"trig": "application/trig", "nq": "application/n-quads", "ttl": "text/turtle"}
            return self.send(200, (self.app.proj.build_dir / name).read_bytes(),
                             media[name.rsplit(".", 1)[1]])
        if path.startswith("/id/"):
            return self.resource(path)
        self.error(404, f"nothing at {path}; try / for the query page or /sparql")

    def static(self, rel: str) -> None:
        target = (STATIC / rel).resolve()
        if not target.is_relative_to(STATIC.resolve()) or not target.is_file():
            return self.error(404, f"no such file: {rel}")
        self.send(200, target.read_bytes(), STATIC_TYPES.get(target.suffix, "application/octet-stream"))

    def resource(self, path: str) -> None:
        iri = self.app.proj.base + path.lstrip("/")
        pages = Pages(self.app.store, self.app.proj.base)
        if not pages.exists(iri):
            return self.error(404, f"no resource <{iri}> in partykg")
        media = accept_order(self.headers.get("Accept"))
        choice = "html"
        for m in media:
            if m in ("text/html", "application/xhtml+xml"):
                choice = "html"
                break
            if m in GRAPH_ACCEPT:
                choice = GRAPH_ACCEPT[m]
                break
        if choice == "html":
            return self.send(200, pages.render(iri).encode(), "text/html; charset=utf-8")
        triples = describe_triples(self.app.store, iri)
        fmt = RDF_FORMATS[choice]
        kwargs = {} if choice == "ntriples" else {"prefixes": all_prefixes(self.app.proj.base)}
        self.send(200, serialize(triples, format=fmt, **kwargs), GRAPH_TYPES[choice])

    def sparql(self, params: dict) -> None:
        if "update" in params:
            return self.error(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = params.get("query") or []
        if not queries:
            endpoint = self.local_base() + "/sparql"
            return self.send(200, self.app.service_description(endpoint), "text/turtle; charset=utf-8")
        if len(queries) > 1:
            return self.error(400, "give exactly one query parameter")
        accept = self.headers.get("Accept")
        fmt_param = (params.get("format") or [""])[0].lower()
        select_fmt = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"}.get(fmt_param) \
            or negotiate(accept, SELECT_ACCEPT, "json")
        graph_fmt = {"turtle": "turtle", "ntriples": "ntriples", "jsonld": "jsonld"}.get(fmt_param) \
            or negotiate(accept, GRAPH_ACCEPT, "turtle")
        job = Job(queries[0], select_fmt, graph_fmt, self.app.settings.union,
                  params.get("default-graph-uri", []), params.get("named-graph-uri", []),
                  self.app.settings.max_rows)
        answer = self.app.pool.run(job)
        self.send(answer.status, answer.body, answer.content_type)


def make_server(proj: Project, settings: Settings) -> tuple[ThreadingHTTPServer, App]:
    app = App(proj, settings)
    handler = type("PartykgHandler", (Handler,), {"app": app})
    server = ThreadingHTTPServer((settings.host, settings.port), handler)
    server.daemon_threads = True
    return server, app


def serve_in_thread(proj: Project, host: str = "127.0.0.1", port: int = 0,
                    **options) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a background thread (for tests); stop it with .shutdown()."""
    server, app = make_server(proj, Settings(host=host, port=port, **options))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    original = server.shutdown

    def shutdown() -> None:
        original()
        server.server_close()
        app.close()
    server.shutdown = shutdown  # type: ignore[method-assign]
    return server, f"http://{host}:{server.server_address[1]}"
