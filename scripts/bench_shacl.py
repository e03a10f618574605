"""Time the two SHACL engines of `partykg validate` on scaled copies of the build.

    .venv/bin/python scripts/bench_shacl.py [--copies 1 4 32] [--runs 3] [--engines turbo pyshacl]

A scaled dump repeats every data quad of out/build/partykg.nq (run `partykg
build` first) under renamed IRIs (.../id/x7/person/..., .../graph/x7/...), the
ontology graph once, so each copy is a valid, disjoint graph of the same shape
(about 31k quads a copy). With --faults, the faults of tests/test_shacl_engines.py
are injected into each copy first, so the engines have results to report.

Each run is a fresh process (so peak memory is that run's alone) validating the
dump as `partykg validate` does (`dump_shacl_results`): the time (wall clock, and
CPU time, steadier on a shared machine) includes parsing
the N-Quads (rdflib for pyshacl; the Rust parser for turbo). The pyshacl runs
also report how much of it was rdflib parsing. Prints a Markdown table of medians.
Numbers are for benchmarks, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_GRAPH = "<https://w3id.org/partykg/graph/ontology> .\n"


def scaled(dump: Path, copies: int, out: Path) -> int:
    """Write `copies` renamed copies of dump's data (ontology once) to out; return quads."""
    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    onto = [line for line in lines if line.endswith(ONTOLOGY_GRAPH)]
    data = [line for line in lines if not line.endswith(ONTOLOGY_GRAPH)]
    with out.open("w", encoding="utf-8") as f:
        f.writelines(onto)
        for k in range(copies):
            for line in data:
                f.write(line.replace("/partykg/id/", f"/partykg/id/x{k}/")
                        .replace("/partykg/graph/", f"/partykg/graph/x{k}/"))
    return len(onto) + copies * len(data)


def one(engine: str, nquads: Path) -> dict:
    """One measurement in this process."""
    from partykg.check.validate import _rdflib_graphs, dump_shacl_results, load_shapes
    onto = "https://w3id.org/partykg/graph/ontology"
    shapes = load_shapes(ROOT / "shapes")
    parse_s = None
    if engine == "pyshacl":
        t = time.perf_counter()
        _rdflib_graphs(nquads, onto)
        parse_s = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    results = dump_shacl_results(nquads, shapes, onto, engine)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "parse_seconds": parse_s,
            "results": len(results),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, nargs="+", default=[1, 4, 32])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", nargs="+", default=["turbo", "pyshacl"])
    ap.add_argument("--faults", action="store_true", help="inject the test's faults first")
    ap.add_argument("--dump", type=Path, default=ROOT / "out/build/partykg.nq")
    ap.add_argument("--one", nargs=2, metavar=("ENGINE", "NQUADS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], Path(args.one[1]))))
        return
    print(f"{platform.machine()}, {platform.python_version()}, "
          f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores",
          file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = args.dump
        if args.faults:
            sys.path.insert(0, str(ROOT / "tests"))
            from test_shacl_engines import FAULTS, inject
            base = Path(tmp) / "faulty.nq"
            base.write_bytes(args.dump.read_bytes())
            inject(base, FAULTS)
        for copies in args.copies:
            nq = Path(tmp) / f"x{copies}.nq"
            quads = scaled(base, copies, nq)
            for engine in args.engines:
                runs = []
                for _ in range(args.runs):
                    proc = subprocess.run([sys.executable, __file__, "--one", engine, str(nq)],
                                          capture_output=True, text=True, check=True)
                    runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
                    print(f"{quads} {engine} {runs[-1]}", file=sys.stderr)
                parse = [r["parse_seconds"] for r in runs if r["parse_seconds"] is not None]
                rows.append((quads, engine, statistics.median(r["seconds"] for r in runs),
                             statistics.median(r["cpu_seconds"] for r in runs),
                             statistics.median(parse) if parse else None,
                             max(r["peak_mib"] for r in runs), runs[0]["results"]))
    print("| quads | engine | median wall s (parse + validate) | median CPU s "
          "| rdflib parse s (pyshacl) | peak MiB | results |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for quads, engine, s, cpu, p, mib, n in rows:
        print(f"| {quads:,} | {engine} | {s:.2f} | {cpu:.2f} | {'' if p is None else f'{p:.2f}'} "
              f"| {mib:,.0f} | {n} |")


if __name__ == "__main__":
    main()
