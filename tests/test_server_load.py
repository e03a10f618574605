"""`partykg serve` under load and faults, on loopback: 16 concurrent clients mix
every ready-made query, entity pages and malformed requests for a bounded time;
no 5xx, every answer the expected status, memory stable; slow queries hit the
time limit without blocking the other clients. The 30-second run with its
latencies is part of the benchmark (`partykg bench`), not of these tests."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest
from partykg.core.net import free_port

from partykg.bench import loadtest

pytestmark = pytest.mark.slow  # 16 clients for 12 s, then the time limit: about 25 s

LIMIT = 10      # the server's time limit per query, in seconds

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(built):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "partykg.cli", "--out", str(built.out),
                             "serve", "--port", str(port), "--workers", "3", "--timeout", str(LIMIT)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/api/stats", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
    yield url, proc.pid
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="module")
def mix(built, store):
    entities = sorted(s.value for s in {q.subject for q in store.quads_for_pattern(
        None, None, None, None)} if type(s).__name__ == "NamedNode"
        and "/id/" in s.value and "#" not in s.value)
    pages = loadtest.page_requests(entities[::max(1, len(entities) // 40)], built.base)
    queries = loadtest.query_requests(built.queries, built.base)
    assert len(queries) >= 30 and len(pages) >= 60
    return queries + pages + loadtest.MALFORMED


def test_sixteen_clients_get_no_5xx_and_the_expected_answers(server, mix):
    url, pid = server
    res = loadtest.run(url, mix, clients=16, seconds=12, server_pid=pid)
    summary = res.summary()
    assert summary["server_5xx"] == 0, summary["status"]
    assert res.unexpected == [], res.unexpected[:5]
    assert res.requests > 100
    assert set(summary["by_kind"]) == {"query", "page", "malformed"}
    # Memory is stable: the last sample is within 25 % of the peak after warm-up.
    assert len(res.rss_mb) >= 5
    settled = res.rss_mb[2:]
    assert settled[-1] <= max(settled) and max(settled) <= 1.25 * settled[0], res.rss_mb


def test_slow_queries_hit_the_time_limit_without_blocking_others(server, mix):
    url, _ = server
    fast = [r for r in mix if r.kind == "query" and r.name.startswith(("03", "08", "25"))]
    res = loadtest.run(url, fast, clients=4, seconds=LIMIT + 2, slow_clients=1)
    slow = res.by_kind["slow"]
    assert slow and all(LIMIT - 0.1 < t < LIMIT + 5 for t in slow), slow   # stopped at the limit
    assert res.status[503] == len(slow) and res.unexpected == []
    # The other clients kept being answered while the slow query held a worker.
    assert len(res.by_kind["query"]) > 20
    assert res.percentile(res.by_kind["query"], 95) < 2.0
