"""SPARQL evaluation in worker processes, so that a query can be stopped.

pyoxigraph cannot interrupt a running query; a worker process can be killed.
Each worker loads the build's N-Quads into its own in-memory store and answers
one job at a time: a query (``Job``) or a call of a module-level function with
the store (``Call``, used for entity pages). Around each job:

* a **time limit**: past it the worker is killed and replaced, the client gets 503;
* a **memory limit** per worker (``RLIMIT_AS``: the address space after loading
  the store plus ``memory_mb``): a query that needs more gets MemoryError (or,
  inside pyoxigraph, an abort); the worker is replaced, the client gets 503;
* **result caps** in rows and in bytes, applied while the result is
  serialised, so an oversized result stops early: a SELECT result over the
  row cap is cut to its first rows and answered as *truncated* (as Oxigraph
  and the Wikidata Query Service answer a query without LIMIT); a graph
  result over the row cap, and any result over the byte cap, is refused (413);
* **streaming** (``Stream``): a SELECT result written as CSV in chunks sent
  through the worker's pipe as they are made (the full download behind a
  truncated result), under the same time limit and without the row cap;
* **no network** for the workers when the system allows it (a network
  namespace of their own, with nothing in it); the SERVICE check of
  ``partykg.sparql.policy`` runs in the worker before the query does;
* **lanes and fair queueing**: "main" workers take every job, a small "fast"
  lane only light ones (entity pages, trivial queries), and a "federation"
  worker (the only one with network) the queries that call an allowed SERVICE;
  among waiting jobs a free worker takes the client with the fewest running
  jobs first, then the oldest job.

Result documents are written by pyoxigraph's own serialisers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from partykg.core.formats import BY_NAME, RESULTS
from partykg.sparql.policy import Refused, check_services, may_call_service

TEXT = "text/plain; charset=utf-8"
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def results_content_type(name: str) -> str:
    """Content-Type of a SPARQL result format (json, xml, csv, tsv)."""
    media = RESULTS[name][1]
    return f"{media}; charset=utf-8" if media.startswith("text/") else media


@dataclass
class Job:
    query: str
    select_format: str | None = "json"  # json | xml | csv | tsv; None: not acceptable
    graph_format: str | None = "turtle" # turtle | ntriples | jsonld | rdfxml; None: not acceptable
    union: bool = True
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    max_rows: int = 10_000
    max_bytes: int = 10_000_000
    allowed_services: tuple[str, ...] = ()
    select_media: str | None = None     # the media type to answer with, when negotiated
    graph_media: str | None = None


@dataclass
class Call:
    """Run ``function(store, *args)`` in a worker; it returns an Answer."""
    function: Callable
    args: tuple = ()


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    restart: bool = False     # the worker is to be replaced after this answer
    truncated: bool = False   # a SELECT result cut to the row cap


@dataclass
class Stream:
    """A SELECT query whose whole result is streamed as CSV (no row or byte cap)."""
    query: str
    union: bool = True
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    allowed_services: tuple[str, ...] = ()


def _media(media: str | None) -> str | None:
    if media and (media.startswith("text/") or media in ("application/n-triples",
                                                         "application/ld+json")):
        return media + "; charset=utf-8"
    return media


def text_answer(status: int, message: str) -> Answer:
    return Answer(status, TEXT, (message.rstrip("\n") + "\n").encode("utf-8"))


class _TooLarge(Exception):
    pass


class _Capped:
    """A binary sink for pyoxigraph's serialisers that refuses to grow past a
    number of bytes (and, for TSV results, of lines: one row per line). Past the
    line cap it keeps exactly the header and the first ``max_rows`` rows."""

    def __init__(self, max_bytes: int, max_rows: int | None = None):
        self.buf = bytearray()
        self.max_bytes, self.max_rows = max_bytes, max_rows
        self.lines = 0
        self.exceeded: str | None = None

    def write(self, data) -> int:
        if self.exceeded:       # pyoxigraph's buffered writer flushes again when dropped
            raise _TooLarge(self.exceeded)
        data = bytes(data)
        if self.max_rows is not None:
            room = self.max_rows + 1 - self.lines     # the header line, then one per row
            if data.count(b"\n") > room:
                cut = -1
                for _ in range(room):
                    cut = data.index(b"\n", cut + 1)
                self.buf += data[:cut + 1]
                self.exceeded = "bytes" if len(self.buf) > self.max_bytes else "rows"
                raise _TooLarge(self.exceeded)
            self.lines += data.count(b"\n")
        self.buf += data
        if len(self.buf) > self.max_bytes:
            self.exceeded = "bytes"
            raise _TooLarge(self.exceeded)
        return len(data)

    def flush(self) -> None:
        pass


def _too_large(job: Job, what: str) -> Answer:
    if what == "rows":
        return text_answer(413, f"the result has more than {job.max_rows} rows, the limit of "
                                "this endpoint; add a LIMIT to the query or narrow it")
    return text_answer(413, f"the result is larger than {job.max_bytes} bytes, the limit of "
                            "this endpoint; select fewer or shorter values, or add a LIMIT")


def run_query_of(store, job: Job | Stream):
    """The query of a job (or a download) on its dataset: the store's result, or the
    400 answer for a refused SERVICE, a graph IRI that is not one, or a malformed query."""
    from pyoxigraph import NamedNode
    try:
        check_services(job.query, job.allowed_services)
    except Refused as exc:
        return text_answer(400, str(exc))
    kwargs: dict = {}
    try:
        if job.default_graphs:
            kwargs["default_graph"] = [NamedNode(g) for g in job.default_graphs]
        elif job.union:
            kwargs["use_default_graph_as_union"] = True
        if job.named_graphs:
            kwargs["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    except ValueError as exc:
        return text_answer(400, f"a graph IRI is not valid: {exc}; give absolute IRIs")
    try:
        return store.query(job.query, **kwargs)
    except SyntaxError as exc:
        return text_answer(400, f"malformed query: {exc}")


def evaluate(store, job: Job) -> Answer:
    from pyoxigraph import (QueryBoolean, QueryResultsFormat, QuerySolutions,
                            parse_query_results, serialize)
    result = run_query_of(store, job)
    if isinstance(result, Answer):
        return result
    form = "graph" if not isinstance(result, (QuerySolutions, QueryBoolean)) else "results"
    if (job.graph_format if form == "graph" else job.select_format) is None:
        kinds = "RDF (text/turtle, application/n-triples, application/ld+json, " \
                "application/rdf+xml)" if form == "graph" else "SPARQL results " \
                "(application/sparql-results+json or +xml, text/csv, text/tab-separated-values)"
        return text_answer(406, f"this query gives {kinds}, and the Accept header accepts none "
                                "of these; accept one of them or drop the header")
    try:
        if isinstance(result, QuerySolutions):
            # TSV first: one row per line, so that the row cap can stop the
            # evaluation as the rows come; then the asked format from that.
            tsv = _Capped(job.max_bytes, job.max_rows)
            try:
                result.serialize(tsv, QueryResultsFormat.TSV)
            except Exception:
                if tsv.exceeded != "rows":
                    raise
            fmt = RESULTS[job.select_format][0]
            if fmt == QueryResultsFormat.TSV:
                body = bytes(tsv.buf)
            else:
                out = _Capped(job.max_bytes)
                parse_query_results(bytes(tsv.buf), QueryResultsFormat.TSV).serialize(out, fmt)
                body = bytes(out.buf)
            return Answer(200, _media(job.select_media) or results_content_type(job.select_format),
                          body, truncated=tsv.exceeded == "rows")
        if isinstance(result, QueryBoolean):
            return Answer(200, _media(job.select_media) or results_content_type(job.select_format),
                          result.serialize(format=RESULTS[job.select_format][0]))
        triples = []
        for t in result:
            if len(triples) >= job.max_rows:
                return _too_large(job, "rows")
            triples.append(t)
        fmt = BY_NAME[job.graph_format]
        out = _Capped(job.max_bytes)
        serialize(triples, out, format=fmt.rdf)
        return Answer(200, _media(job.graph_media) or fmt.content_type, bytes(out.buf))
    except _TooLarge as exc:
        return _too_large(job, str(exc))
    except Exception as exc:
        for sink in ("out", "tsv"):
            capped = locals().get(sink)
            if isinstance(capped, _Capped) and capped.exceeded and not (
                    sink == "tsv" and capped.exceeded == "rows"):  # raised through pyoxigraph
                return _too_large(job, capped.exceeded)
        if isinstance(exc, OSError) and job.allowed_services and may_call_service(job.query):
            return text_answer(502, f"a SERVICE endpoint of the query failed: {exc}")
        raise


class _Chunks:
    """A binary sink that sends what pyoxigraph's serialiser writes through the
    worker's pipe in chunks of about 64 KiB (the pipe blocks while the server
    has not read the previous ones, so a slow client slows the worker down)."""

    SIZE = 1 << 16

    def __init__(self, conn):
        self.conn, self.buf = conn, bytearray()

    def write(self, data) -> int:
        self.buf += data
        if len(self.buf) >= self.SIZE:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buf:
            self.conn.send(bytes(self.buf))
            self.buf.clear()


def evaluate_stream(store, job: Stream, conn) -> Answer:
    """Send a SELECT result as CSV chunks (bytes) through ``conn``; the Answer
    returned ends the stream (200 with an empty body) or, when nothing was sent
    yet, is the error to answer with."""
    from pyoxigraph import QueryResultsFormat, QuerySolutions
    result = run_query_of(store, job)
    if isinstance(result, Answer):
        return result
    if not isinstance(result, QuerySolutions):
        return text_answer(400, "the CSV download is for SELECT queries; this query gives "
                                "RDF or a boolean: send it to /sparql instead")
    sink = _Chunks(conn)
    try:
        result.serialize(sink, QueryResultsFormat.CSV)
    except OSError as exc:
        if job.allowed_services and may_call_service(job.query):
            return text_answer(502, f"a SERVICE endpoint of the query failed: {exc}")
        raise
    sink.flush()
    return Answer(200, results_content_type("csv"), b"")


# --- the worker process --------------------------------------------------------------------

def _isolate_network() -> str | None:
    """Move this process into a network namespace of its own, which has no
    interface up: nothing it opens reaches another host or this one's loopback.
    Returns None on success, else why not. Plumbing, because Python 3.11 has no
    os.unshare (3.12 has) and no library does just this."""
    import ctypes
    unshare = getattr(os, "unshare", None)
    last = "unshare is not available"
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if unshare is not None:
            try:
                unshare(flags)
                return None
            except OSError as exc:
                last = exc.strerror or str(exc)
                continue
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(flags) == 0:
            return None
        last = os.strerror(ctypes.get_errno())
    return last


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit_memory(memory_mb: int | None) -> None:
    if not memory_mb:
        return
    import resource
    limit = _vm_size() + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker(nquads: str, conn, isolate: bool, memory_mb: int | None) -> None:
    import signal

    # Ctrl-C on a terminal reaches the whole process group; the parent stops its
    # workers itself, so a worker ignores it (else each prints a traceback).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from pyoxigraph import RdfFormat, Store
    note = _isolate_network() if isolate else None
    store = Store()
    store.bulk_load(path=nquads, format=RdfFormat.N_QUADS)
    _limit_memory(memory_mb)
    conn.send(("ready", note))
    while True:
        job = conn.recv()
        if job is None:
            return
        try:
            if isinstance(job, Job):
                answer = evaluate(store, job)
            elif isinstance(job, Stream):
                answer = evaluate_stream(store, job, conn)
            else:
                answer = job.function(store, *job.args)
        except MemoryError:
            answer = text_answer(503, f"the query needed more memory than the limit of "
                                      f"{memory_mb} MB per query worker and was stopped; "
                                      "narrow it or add a LIMIT")
            answer.restart = True
        except Exception as exc:  # noqa: BLE001 - report any evaluation failure to the client
            answer = text_answer(500, f"query evaluation failed: {type(exc).__name__}: {exc}")
        conn.send(answer)
        if answer.restart:
            return


# --- the pool ----------------------------------------------------------------------------

LANES = ("fast", "main", "federation")


@dataclass(eq=False)
class _Worker:
    lane: str
    proc: object
    conn: object
    client: str = ""


@dataclass(eq=False)
class _Waiter:
    seq: int
    client: str
    lanes: tuple[str, ...]
    worker: _Worker | None = None


class QueryPool:
    """Worker processes in lanes, answering jobs with a time and memory limit."""

    def __init__(self, nquads: str, workers: int = 2, timeout: float = 10.0, *,
                 fast_workers: int = 0, federation: bool = False, memory_mb: int | None = None,
                 queue_timeout: float | None = None, isolate: bool = True):
        self.nquads, self.timeout, self.memory_mb = nquads, timeout, memory_mb
        self.queue_timeout = queue_timeout
        self.isolate = isolate
        self.ctx = mp.get_context("spawn")
        self.cond = threading.Condition()
        self.idle: list[_Worker] = []
        self.waiting: list[_Waiter] = []
        self.running: Counter = Counter()   # jobs running, per client
        self.served: dict[str, int] = {}    # per client: the turn it was last given a worker
        self.turn = 0
        self.procs: set = set()
        self.notes: set[str] = set()     # why a worker could not be cut off the network
        self.seq = 0
        self.closed = False
        plan = ["main"] * max(1, workers) + ["fast"] * max(0, fast_workers) \
            + (["federation"] if federation else [])
        started = [self._launch(lane) for lane in plan]
        for item in started:
            self.idle.append(self._ready(*item))

    # --- workers ---
    def _launch(self, lane: str):
        parent, child = self.ctx.Pipe()
        isolate = self.isolate and lane != "federation"
        proc = self.ctx.Process(target=_worker, args=(self.nquads, child, isolate, self.memory_mb),
                                daemon=True)
        proc.start()
        child.close()
        return lane, proc, parent

    def _ready(self, lane: str, proc, conn) -> _Worker:
        try:
            ok = conn.poll(120)
            message = conn.recv() if ok else None
        except (EOFError, OSError):
            message = None
        if not message or message[0] != "ready":
            proc.kill()
            raise RuntimeError(f"a query worker ({lane} lane) did not start "
                               f"(exit code {proc.exitcode})")
        if message[1]:
            self.notes.add(message[1])
        with self.cond:
            self.procs.add(proc)
        return _Worker(lane, proc, conn)

    def _replace(self, worker: _Worker) -> _Worker | None:
        worker.proc.kill()
        worker.proc.join(5)
        with self.cond:
            self.procs.discard(worker.proc)
            if self.closed:
                return None
        return self._ready(*self._launch(worker.lane))

    # --- scheduling ---
    def _dispatch(self) -> None:
        """Give idle workers to waiting jobs: fast lane first; among the jobs a
        worker can take, the client with the fewest running jobs, then the one
        served longest ago (round robin between clients), then the oldest job."""
        self.idle.sort(key=lambda w: LANES.index(w.lane))
        for worker in list(self.idle):
            fits = [w for w in self.waiting if worker.lane in w.lanes and w.worker is None]
            if not fits:
                continue
            best = min(fits, key=lambda w: (self.running[w.client],
                                            self.served.get(w.client, 0), w.seq))
            best.worker = worker
            worker.client = best.client
            self.running[best.client] += 1
            self.turn += 1
            self.served[best.client] = self.turn
            if len(self.served) > 4096:     # forget the clients served longest ago
                for client, _ in sorted(self.served.items(), key=lambda kv: kv[1])[:2048]:
                    del self.served[client]
            self.idle.remove(worker)
            self.waiting.remove(best)
        self.cond.notify_all()

    def _acquire(self, client: str, lanes: tuple[str, ...]) -> _Worker | None:
        deadline = None if self.queue_timeout is None else time.monotonic() + self.queue_timeout
        with self.cond:
            self.seq += 1
            me = _Waiter(self.seq, client, lanes)
            self.waiting.append(me)
            self._dispatch()
            while me.worker is None:
                left = None if deadline is None else deadline - time.monotonic()
                if (left is not None and left <= 0) or self.closed:
                    self.waiting.remove(me)
                    return None
                self.cond.wait(left)
            return me.worker

    def _release(self, worker: _Worker | None, client: str) -> None:
        with self.cond:
            self.running[client] -= 1
            if self.running[client] <= 0:
                del self.running[client]
            if worker is not None and not self.closed:
                self.idle.append(worker)
            self._dispatch()

    def lanes_for(self, light: bool = False, federated: bool = False) -> tuple[str, ...]:
        if federated:
            return ("federation",)
        return ("fast", "main") if light else ("main",)

    def run(self, job: Job | Call, client: str = "", lanes: tuple[str, ...] = ("main",)) -> Answer:
        worker = self._acquire(client, lanes)
        if worker is None:
            if self.closed:
                return text_answer(503, "the server is shutting down")
            return text_answer(503, f"the server is busy: no query worker was free within "
                                    f"{self.queue_timeout:g} s; try again later")
        answer, keep, died = None, worker, False
        try:
            worker.conn.send(job)
            if worker.conn.poll(self.timeout):
                answer = worker.conn.recv()
                if not answer.restart:
                    return answer
        except (EOFError, OSError):
            died = True          # the worker exited: out of memory, or crashed
        finally:
            if answer is None or answer.restart:
                if died:
                    worker.proc.join(5)
                exitcode = worker.proc.exitcode if died else None
                keep = self._replace(worker)
                if answer is None:
                    answer = self._failure(exitcode)
            self._release(keep, client)
        return answer

    def stream(self, job: Stream, client: str = "",
               lanes: tuple[str, ...] = ("main",)) -> StreamRun | Answer:
        """Start a streamed job: an Answer at once when no worker is free, else a
        StreamRun to read chunks from (under the time limit, counted from now)."""
        worker = self._acquire(client, lanes)
        if worker is None:
            if self.closed:
                return text_answer(503, "the server is shutting down")
            return text_answer(503, f"the server is busy: no query worker was free within "
                                    f"{self.queue_timeout:g} s; try again later")
        try:
            worker.conn.send(job)
        except (EOFError, OSError):
            self._release(self._replace(worker), client)
            return self._failure(worker.proc.exitcode)
        return StreamRun(self, worker, client, time.monotonic() + self.timeout)

    def _failure(self, exitcode: int | None) -> Answer:
        if exitcode is None:      # still running at the time limit: it was killed
            return text_answer(503, f"the query ran longer than the time limit of "
                                    f"{self.timeout:g} s and was stopped; narrow it or add a LIMIT")
        limit = f"its memory limit of {self.memory_mb} MB" if self.memory_mb else "memory"
        return text_answer(503, f"the query worker stopped while answering (exit code "
                                f"{exitcode}: it ran out of {limit} or crashed) and was "
                                "replaced; narrow the query or add a LIMIT")

    def close(self) -> None:
        with self.cond:
            self.closed = True
            procs = list(self.procs)
            self.cond.notify_all()
        for proc in procs:
            proc.kill()
            proc.join(5)


class StreamRun:
    """One streamed job on a worker it holds until the stream ends. ``next()``
    (blocking: call it from a thread) gives the next chunk of bytes, or the
    Answer that ends the stream (200: complete; else the failure). ``close()``
    gives the worker back, replacing it when the stream did not end (the client
    went away, or the time limit passed). Plumbing, because the pool's workers
    answer over a pipe and no library streams a pyoxigraph result across one."""

    def __init__(self, pool: QueryPool, worker: _Worker, client: str, deadline: float):
        self.pool, self.worker, self.client, self.deadline = pool, worker, client, deadline
        self.done = False
        self.lock = threading.Lock()    # close() may come from two threads at once

    def next(self) -> bytes | Answer:
        if self.done:
            return text_answer(500, "the stream has ended")
        conn = self.worker.conn
        try:
            left = self.deadline - time.monotonic()
            if left <= 0 or not conn.poll(left):
                self._finish(replace=True)
                return self.pool._failure(None)
            message = conn.recv()
        except (EOFError, OSError):
            self.worker.proc.join(5)
            exitcode = self.worker.proc.exitcode
            self._finish(replace=True)
            return self.pool._failure(exitcode)
        if isinstance(message, Answer):
            self._finish(replace=message.restart)
            return message
        return message

    def close(self) -> None:
        self._finish(replace=True)

    def _finish(self, replace: bool) -> None:
        with self.lock:
            if self.done:
                return
            self.done = True
        keep = self.pool._replace(self.worker) if replace else self.worker
        self.pool._release(keep, self.client)
