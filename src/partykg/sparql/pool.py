"""SPARQL evaluation in worker processes, so that a query can be stopped.

pyoxigraph cannot interrupt a running query; a worker process can be killed.
Each worker loads the build's N-Quads into its own in-memory store and answers
one query at a time. A query that runs past the time limit has its worker
terminated and replaced, and the client gets a clear error; other clients are
served by the other workers meanwhile.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import queue
import threading
from dataclasses import dataclass
from xml.sax.saxutils import escape

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

SELECT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
GRAPH_TYPES = {
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


@dataclass
class Job:
    query: str
    select_format: str          # json | xml | csv | tsv
    graph_format: str           # turtle | ntriples | jsonld | rdfxml
    union: bool
    default_graphs: list[str]
    named_graphs: list[str]
    max_rows: int


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes


def _term_json(t) -> dict:
    kind = type(t).__name__
    if kind == "NamedNode":
        return {"type": "uri", "value": t.value}
    if kind == "BlankNode":
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD_STRING:
        out["datatype"] = t.datatype.value
    return out


def _term_xml(t) -> str:
    kind = type(t).__name__
    if kind == "NamedNode":
        return f"<uri>{escape(t.value)}</uri>"
    if kind == "BlankNode":
        return f"<bnode>{escape(t.value)}</bnode>"
    if t.language:
        return f'<literal xml:lang="{escape(t.language)}">{escape(t.value)}</literal>'
    if t.datatype.value != XSD_STRING:
        return f'<literal datatype="{escape(t.datatype.value)}">{escape(t.value)}</literal>'
    return f"<literal>{escape(t.value)}</literal>"


def _csv_cell(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def serialize_select(variables: list[str], rows: list[list], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": [
            {v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]}},
            ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        head = "".join(f'<variable name="{escape(v)}"/>' for v in variables)
        body = "".join("<result>" + "".join(
            f'<binding name="{escape(v)}">{_term_xml(t)}</binding>'
            for v, t in zip(variables, row) if t is not None) + "</result>" for row in rows)
        return (f'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head>{head}</head><results>{body}</results></sparql>").encode("utf-8")
    if fmt == "csv":
        lines = [",".join(variables)] + [",".join(_csv_cell(t.value) if t is not None else ""
                                                  for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    lines = ["\t".join("?" + v for v in variables)] + [
        "\t".join(str(t) if t is not None else "" for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def serialize_ask(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>").encode()
    return ("true\n" if value else "false\n").encode()


def evaluate(store, job: Job) -> Answer:
    from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, RdfFormat, serialize
    kwargs = {}
    if job.default_graphs:
        kwargs["default_graph"] = [NamedNode(g) for g in job.default_graphs]
    elif job.union:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs:
        kwargs["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.query, **kwargs)
    except SyntaxError as exc:
        return Answer(400, "text/plain; charset=utf-8",
                      f"malformed query: {exc}\n".encode())
    cap = f"the result has more than {job.max_rows} rows, the limit of this endpoint; " \
          "add a LIMIT to the query or narrow it\n"
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = []
        for sol in result:
            if len(rows) >= job.max_rows:
                return Answer(413, "text/plain; charset=utf-8", cap.encode())
            rows.append([sol[v] for v in variables])
        return Answer(200, SELECT_TYPES[job.select_format],
                      serialize_select(variables, rows, job.select_format))
    if isinstance(result, QueryBoolean):
        return Answer(200, SELECT_TYPES[job.select_format],
                      serialize_ask(bool(result), job.select_format))
    triples = []
    for t in result:
        if len(triples) >= job.max_rows:
            return Answer(413, "text/plain; charset=utf-8", cap.encode())
        triples.append(t)
    fmt = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES,
           "jsonld": RdfFormat.JSON_LD, "rdfxml": RdfFormat.RDF_XML}[job.graph_format]
    return Answer(200, GRAPH_TYPES[job.graph_format], serialize(triples, format=fmt))


def _worker(nquads: str, conn) -> None:
    from pyoxigraph import RdfFormat, Store
    store = Store()
    store.bulk_load(path=nquads, format=RdfFormat.N_QUADS)
    conn.send("ready")
    while True:
        job = conn.recv()
        if job is None:
            return
        try:
            answer = evaluate(store, job)
        except Exception as exc:  # noqa: BLE001 - report any evaluation failure to the client
            answer = Answer(500, "text/plain; charset=utf-8",
                            f"query evaluation failed: {type(exc).__name__}: {exc}\n".encode())
        conn.send(answer)


class QueryPool:
    """A fixed number of worker processes answering queries with a time limit."""

    def __init__(self, nquads: str, workers: int = 2, timeout: float = 10.0):
        self.nquads, self.timeout = nquads, timeout
        self.ctx = mp.get_context("spawn")
        self.idle: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.procs: set = set()
        for _ in range(max(1, workers)):
            self.idle.put(self._start())

    def _start(self):
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(self.nquads, child), daemon=True)
        proc.start()
        if not parent.poll(120) or parent.recv() != "ready":
            proc.kill()
            raise RuntimeError("a query worker did not start")
        with self.lock:
            self.procs.add(proc)
        return proc, parent

    def run(self, job: Job) -> Answer:
        proc, conn = self.idle.get()
        try:
            conn.send(job)
            if conn.poll(self.timeout):
                answer = conn.recv()
                self.idle.put((proc, conn))
                return answer
        except (EOFError, OSError, BrokenPipeError):
            pass
        proc.kill()
        proc.join(5)
        with self.lock:
            self.procs.discard(proc)
        self.idle.put(self._start())
        return Answer(503, "text/plain; charset=utf-8",
                      f"the query ran longer than the time limit of {self.timeout:g} s and was "
                      "stopped; narrow it or add a LIMIT\n".encode())

    def close(self) -> None:
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            proc.kill()
            proc.join(5)
