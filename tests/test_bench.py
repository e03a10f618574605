"""`partykg bench run` on a tiny synthetic corpus: every stage runs in its own
process and lands in results.json and RESULTS.md. Only the shape and the
counts are asserted; the timings are the benchmark's, never a test's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from partykg.sparql.query import list_queries

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a benchmark, even a tiny one
def test_bench_run_records_every_stage_and_query(tmp_path):
    dest = tmp_path / "results"
    res = subprocess.run([sys.executable, "-m", "partykg.cli", "--root", str(ROOT), "--out",
                          str(tmp_path / "out"), "bench", "run", "--sizes", "2000,4000",
                          "--runs", "1", "--baseline-up-to", "2000", "--server-seconds", "0",
                          "--results", str(dest)], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    results = json.loads((dest / "results.json").read_text())
    small, large = results["sizes"]
    assert 1500 < small["quads"] < large["quads"]
    # The limit parsed exactly the quads the build wrote; the baseline ran on the small size only.
    assert int(small["limit"]["output"]) == small["quads"]
    assert small["baseline"] and small["validate_pyshacl"] and large["baseline"] is None
    # The baseline validated every triple (not an empty default graph) and found no violation.
    assert small["baseline"]["output"] == f"triples {small['quads']} results 0"
    wanted = {q.name for q in list_queries(ROOT / "queries")
              if "federated" not in (q.header.get("tags") or [])}
    assert set(large["queries"]) == wanted
    # Most ready-made queries find rows in the synthetic corpus (parameters get its busiest
    # resources); the *-violation checks must find none in a corpus without faults.
    ready = {n: q for n, q in large["queries"].items() if not n.endswith("-violation")}
    assert sum(q["rows"] > 0 for q in ready.values()) > len(ready) * 0.7, ready
    assert not any(q["rows"] for n, q in large["queries"].items() if n.endswith("-violation"))
    # The incremental stage edited one annotation and its validate rebuilt the graph:
    # the edit is in the build it validated.
    edited = tmp_path / "out" / "bench" / "out-4000" / "build" / "partykg.nq"
    assert "Benchmark edit 0, one paraphrase rewritten" in edited.read_text(encoding="utf-8")
    assert large["edit_validate"]["median_s"] > 0 and results["machine"]["jobs"] >= 1
    assert large["derived"]["edit_validate_over_limit"] > 0
    assert results["growth"]["size_ratio"] == round(large["quads"] / small["quads"], 2)
    md = (dest / "RESULTS.md").read_text()
    assert f"{large['quads']:,} quads" in md and "build + validate / limit" in md
