#!/usr/bin/env python3
"""Write tests/expected/<query>.csv from the current build, for review.

Run after a deliberate change of data or queries, then read the diff
(`git diff tests/expected`) before committing: the files are the assertions
of tests/test_queries.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from support.expected import result_rows, to_csv  # noqa: E402
from support.localserver import sparql_server  # noqa: E402

from partykg.core.paths import project  # noqa: E402
from partykg.rdf.build import build, is_stale  # noqa: E402
from partykg.sparql.query import WIKIDATA_SPARQL, list_queries, run_query  # noqa: E402
from partykg.sparql.store import load_store  # noqa: E402


def main() -> None:
    proj = project(ROOT)
    if is_stale(proj):
        build(proj)
    store = load_store(proj)
    target = ROOT / "tests" / "expected"
    target.mkdir(parents=True, exist_ok=True)
    with sparql_server(ROOT / "tests" / "fixtures" / "wikidata.ttl") as wikidata:
        write_all(proj, store, target, {WIKIDATA_SPARQL: wikidata})


def write_all(proj, store, target: Path, services: dict[str, str]) -> None:
    """Federated queries run against the local stand-in for Wikidata."""
    for rq in list_queries(proj.queries):
        if rq.name.endswith("-violation"):
            continue
        result = run_query(proj, rq, {}, store, services)
        (target / f"{rq.name}.csv").write_text(to_csv(result.variables, result_rows(result)),
                                               encoding="utf-8")
        print(f"{rq.name}: {len(result.rows)} rows")


if __name__ == "__main__":
    main()
