"""A bounded load test of `partykg serve` on loopback: concurrent clients mixing
the ready-made queries, entity pages and malformed requests for a fixed time,
with latencies, status codes and the server's memory (its process and its
query workers, from /proc) recorded. Used by the tests (short runs) and by
the benchmark (30 s, 16 clients).

Requests go through partykg's one HTTP client (partykg.core.http), one per
client thread, with its total deadline; the malformed requests here are
malformed SPARQL, not malformed HTTP, so the client sends them as they are.
(The server's handling of broken HTTP itself, such as a half-sent request or
a bad Content-Length, needs raw sockets and is tested with those.)
"""

from __future__ import annotations

import random
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from partykg.core.http import Client, HttpError
from partykg.sparql.query import list_queries, substitute


@dataclass(frozen=True)
class Request:
    kind: str                 # query | page | malformed | slow
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    expect: int = 200         # the status a correct server answers


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    status: Counter = field(default_factory=Counter)
    by_kind: dict = field(default_factory=lambda: defaultdict(list))
    unexpected: list = field(default_factory=list)
    rss_mb: list = field(default_factory=list)

    def percentile(self, values: list[float], p: float) -> float:
        if not values:
            return 0.0
        values = sorted(values)
        return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

    def summary(self) -> dict:
        lat = [x for v in self.by_kind.values() for x in v]
        kinds = {k: {"requests": len(v), "p50_ms": round(self.percentile(v, 50) * 1000, 1),
                     "p95_ms": round(self.percentile(v, 95) * 1000, 1)}
                 for k, v in sorted(self.by_kind.items())}
        return {"requests": self.requests, "seconds": round(self.seconds, 1),
                "requests_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0,
                "p50_ms": round(self.percentile(lat, 50) * 1000, 1),
                "p95_ms": round(self.percentile(lat, 95) * 1000, 1),
                "status": {str(k): v for k, v in sorted(self.status.items())},
                "server_5xx": sum(v for k, v in self.status.items() if k >= 500),
                "unexpected": len(self.unexpected),
                "rss_mb_first": self.rss_mb[0] if self.rss_mb else None,
                "rss_mb_max": max(self.rss_mb) if self.rss_mb else None,
                "rss_mb_last": self.rss_mb[-1] if self.rss_mb else None,
                "by_kind": kinds}


def query_requests(queries_dir: Path, base: str) -> list[Request]:
    """Every ready-made query that needs no internet, as a GET of /sparql."""
    reqs = []
    for rq in list_queries(queries_dir):
        if "federated" in (rq.header.get("tags") or []):
            continue
        text = substitute(rq, {}, base)
        reqs.append(Request("query", rq.name, "GET",
                            "/sparql?" + urllib.parse.urlencode({"query": text}),
                            headers=(("Accept", "application/sparql-results+json"),)))
    return reqs


def page_requests(entity_iris: list[str], base: str) -> list[Request]:
    reqs = []
    for iri in entity_iris:
        path = "/" + iri[len(base):]
        reqs.append(Request("page", path, "GET", path, headers=(("Accept", "text/html"),)))
        reqs.append(Request("page", path + " (turtle)", "GET", path,
                            headers=(("Accept", "text/turtle"),)))
    return reqs


MALFORMED = [
    Request("malformed", "syntax error", "GET",
            "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p }"}),
            expect=400),
    Request("malformed", "update", "POST", "/sparql",
            urllib.parse.urlencode({"update": "DROP ALL"}).encode(),
            (("Content-Type", "application/x-www-form-urlencoded"),), expect=403),
    Request("malformed", "unknown page", "GET", "/id/person/nobody-at-all", expect=404),
    Request("malformed", "two queries", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D",
            expect=400),
    Request("malformed", "body too large", "POST", "/sparql", b"x" * (1024 * 1024 + 10),
            (("Content-Type", "application/sparql-query"),), expect=413),
    Request("malformed", "not a query", "POST", "/sparql", b"\xff\xfe garbage",
            (("Content-Type", "application/sparql-query"),), expect=400),
]

# Runs far longer than any time limit: a cross product of all triples, thrice.
SLOW = Request("slow", "cross product", "GET", "/sparql?" + urllib.parse.urlencode(
    {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}), expect=503)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the query workers), in MB."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:          # field 4 of /proc/PID/stat: the parent's pid
            pids.append(int(stat.parent.name))
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def fire(client: Client, url: str, req: Request) -> tuple[int, float]:
    start = time.perf_counter()
    try:
        code = client.request(req.method, url + req.path, content=req.body,
                              headers=dict(req.headers)).status
    except HttpError:
        code = 0            # no answer at all (or too late): counted as unexpected
    return code, time.perf_counter() - start


def run(url: str, requests: list[Request], clients: int = 16, seconds: float = 30.0,
        seed: int = 1, server_pid: int | None = None, slow_clients: int = 0,
        timeout: float = 60.0) -> Result:
    """``clients`` threads pick requests at random (seeded) for ``seconds``;
    ``slow_clients`` more threads send only the slow query."""
    result = Result()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n: int, pool: list[Request]) -> None:
        rnd = random.Random(seed * 1000 + n)
        with Client(timeout) as http:
            while time.monotonic() < deadline:
                req = rnd.choice(pool)
                code, took = fire(http, url, req)
                record(req, code, took)

    def record(req: Request, code: int, took: float) -> None:
        with lock:
            result.requests += 1
            result.status[code] += 1
            result.by_kind[req.kind].append(took)
            if code != req.expect:
                result.unexpected.append((req.kind, req.name, code, req.expect))

    threads = [threading.Thread(target=client, args=(i, requests)) for i in range(clients)]
    threads += [threading.Thread(target=client, args=(clients + i, [SLOW]))
                for i in range(slow_clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if server_pid:
            result.rss_mb.append(rss_mb(server_pid))
        time.sleep(1.0)
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - start
    return result
