"""`partykg bench run`: the pipeline's speed and memory on synthetic corpora of
growing size, each stage in a process of its own, side by side with the plain
baseline a user would write with the same packages (rdflib in memory +
pyshacl) and with the limit (pyoxigraph's own parse + bulk load of the same
N-Quads). Medians of ``runs`` runs; peak memory is the largest resident set
of the stage's process (``ru_maxrss`` from wait4). Writes results.json and
RESULTS.md. Numbers are measured here, never asserted in tests.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Callable

PY = sys.executable


# Runs the stage as its only child and reports that child's peak resident set
# (ru_maxrss of RUSAGE_CHILDREN: the largest of the stage and of anything it
# waited for, such as HermiT's Java) on its last line of stderr.
WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
print("peak-rss-kb", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def run_stage(args: list[str], env: dict | None = None,
              timeout: float = 7200) -> tuple[float, float, str]:
    """Run one stage in a fresh process: (seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.run([PY, "-c", WRAPPER, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"stage failed ({proc.returncode}): {' '.join(args)}\n"
                           f"{proc.stderr[-2000:]}")
    peak = next((int(line.split()[1]) for line in reversed(proc.stderr.splitlines())
                 if line.startswith("peak-rss-kb ")), 0)
    return seconds, round(peak / 1024, 1), proc.stdout


def cli(root: Path, out: Path, *verb: str) -> list[str]:
    return [PY, "-m", "partykg.cli", "--root", str(root), "--out", str(out), *verb]


SNIPPETS = {
    # The limit: pyoxigraph's own parse + in-memory bulk load of the N-Quads.
    "limit": """
import sys
from pyoxigraph import RdfFormat, Store
s = Store()
s.bulk_load(path=sys.argv[1], format=RdfFormat.N_QUADS)
print(len(s))
""",
    # The baseline a user would write: rdflib in memory + pyshacl on the same shapes.
    "baseline": """
import sys, glob
import rdflib
from pyshacl import validate
ds = rdflib.Dataset(default_union=True)   # without it, triples() sees the empty default graph
ds.parse(sys.argv[1], format="nquads")
data = rdflib.Graph()
for t in ds.triples((None, None, None)):
    data.add(t)
shapes = rdflib.Graph()
for f in sorted(glob.glob(sys.argv[2] + "/*.ttl")):
    shapes.parse(f, format="turtle")
onto = rdflib.Graph().parse(sys.argv[3], format="turtle")
conforms, report, _ = validate(data, shacl_graph=shapes, ont_graph=onto, inference="none",
                               advanced=True)
results = report.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))
print(f"triples {len(data)} results {len(list(results))}")
""",
    # The embedded store as partykg loads it, then every ready-made query 3 times.
    "queries": """
import json, statistics, sys, time
from pathlib import Path
from partykg.core.paths import project
from partykg.sparql.query import list_queries, run_query
from partykg.sparql.store import load_store
proj = project(sys.argv[1], sys.argv[2], None)
t = time.perf_counter(); store = load_store(proj); load = time.perf_counter() - t
# On a synthetic corpus the defaults (Lenin, Ratcliffe's essay, ...) do not
# exist: a parameter whose default is absent gets the busiest resource of its
# kind instead (most mentions, or most claims), so every query does real work.
PKG = "https://w3id.org/partykg/ontology#"
BUSIEST = {
    "source": f"SELECT ?x WHERE {{ ?c <{PKG}statedIn> ?x }} GROUP BY ?x ORDER BY DESC(COUNT(?c)) ?x LIMIT 1",
    "claim": f"SELECT ?x WHERE {{ ?x <{PKG}hasEvidence> ?e }} GROUP BY ?x ORDER BY DESC(COUNT(?e)) ?x LIMIT 1",
}
for name, cls in (("person", "Person"), ("speaker", "Person"), ("entity", "Person"),
                  ("organization", "Organization"), ("event", "Event")):
    BUSIEST[name] = (f"SELECT ?x WHERE {{ ?m a <{PKG}Mention> ; <http://www.w3.org/ns/oa#hasBody> ?x . "
                     f"?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{PKG}{cls}> }} "
                     "GROUP BY ?x ORDER BY DESC(COUNT(?m)) ?x LIMIT 1")
def params(rq):
    out = {}
    for name, value in rq.defaults.items():
        if name in BUSIEST and value.startswith("http") and not store.query(
                f"ASK {{ {{ <{value}> ?p ?o }} UNION {{ ?s ?p <{value}> }} }}",
                use_default_graph_as_union=True):
            rows = list(store.query(BUSIEST[name], use_default_graph_as_union=True))
            if rows:
                out[name] = rows[0]["x"].value
    return out
times = {}
for rq in list_queries(proj.queries):
    if "federated" in (rq.header.get("tags") or []):
        continue
    runs = []
    values = params(rq)
    for _ in range(3):
        t = time.perf_counter(); res = run_query(proj, rq, values, store)
        runs.append(time.perf_counter() - t)
    times[rq.name] = [statistics.median(runs), len(res.rows)]
print(json.dumps({"load": load, "queries": times}))
""",
}


def snippet(name: str, *args: str) -> list[str]:
    return [PY, "-c", SNIPPETS[name], *args]


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem = 0
    versions = {}
    for pkg in ("pyoxigraph", "rdflib", "pyshacl", "pyshacl-turbo", "owlready2"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    from partykg.rdf.build import default_jobs
    return {"cpu": cpu, "cores": os.cpu_count(), "jobs": default_jobs(),
            "memory_gb": round(mem / 1024 / 1024, 1),
            "python": platform.python_version(), "system": platform.platform(),
            "packages": versions}


def measure(label: str, args: list[str], runs: int, log: Callable[[str], None],
            env: dict | None = None, before: Callable[[int], None] | None = None) -> dict:
    """``before(i)`` runs ahead of run i, untimed (the incremental stage's edit)."""
    secs, mems, outs = [], [], []
    for i in range(runs):
        if before is not None:
            before(i)
        s, m, o = run_stage(args, env)
        secs.append(s)
        mems.append(m)
        outs.append(o)
        log(f"{label}: run {i + 1}/{runs}: {s:.2f} s, {m:.0f} MB")
    return {"median_s": round(statistics.median(secs), 3), "runs_s": [round(x, 3) for x in secs],
            "peak_mb": max(mems), "output": outs[-1].strip()}


PARAPHRASE = re.compile(r"^(    paraphrase: )(.*)$", re.MULTILINE)


def edit_one_annotation(corpus: Path, n: int) -> None:
    """Rewrite the paraphrase of one claim in the middle source's annotation file, as
    a researcher fixing one annotation would; ``n`` makes each edit a new text."""
    files = sorted((corpus / "data" / "annotations").glob("*.yaml"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    m = next(PARAPHRASE.finditer(text))
    path.write_text(text[:m.start(2)] + f"Benchmark edit {n}, one paraphrase rewritten"
                    + text[m.end(2):], encoding="utf-8")


def bench_size(root: Path, work: Path, triples: int, runs: int, seed: int,
               log: Callable[[str], None], baseline: bool = True,
               baseline_runs: int | None = None) -> dict:
    from partykg.bench.synth import generate
    corpus = work / f"corpus-{triples}"
    out = work / f"out-{triples}"
    log(f"generating a synthetic corpus of about {triples:,} triples")
    generate(corpus, triples, seed, 0, root)
    res: dict = {"target_triples": triples}
    # Build: forced each run (the inputs digest would otherwise skip it), and --full:
    # every graph emitted, none taken from the cache.
    build_args = cli(corpus, out, "build", "--quiet", "--full")
    res["build"] = measure("build", build_args, runs, log)
    manifest = json.loads((out / "build" / "manifest.json").read_text())
    res["quads"] = manifest["quads"]
    nq = out / "build" / "partykg.nq"
    # Full validation: --full reads and writes no cache (each run validates it all).
    res["validate"] = measure("validate", cli(corpus, out, "validate", "--no-build", "--full"),
                              runs, log)

    # The incremental stage: one annotation edited, then `validate` with its build
    # (which takes every other graph from the cache the build stage filled, and the
    # SHACL results of every unit the edit does not reach from the validation cache,
    # filled by one untimed `validate` first, as after a researcher's last one).
    def edit(i: int) -> None:
        if i == 0:
            run_stage(cli(corpus, out, "validate", "--no-build"), None)
        edit_one_annotation(corpus, i)

    res["edit_validate"] = measure("edit one annotation + validate", cli(
        corpus, out, "validate"), runs, log, before=edit)
    res["validate_pyshacl"] = (measure("validate --engine pyshacl", cli(
        corpus, out, "validate", "--no-build", "--engine", "pyshacl"), baseline_runs or runs, log)
        if baseline else None)
    res["reason"] = measure("reason", cli(corpus, out, "reason"), runs, log)
    res["limit"] = measure("limit (pyoxigraph parse + bulk load)", snippet("limit", str(nq)),
                           runs, log)
    res["baseline"] = (measure("baseline (rdflib + pyshacl)", snippet(
        "baseline", str(nq), str(corpus / "shapes"), str(corpus / "ontology" / "partykg.ttl")),
        baseline_runs or runs, log) if baseline else None)
    q = measure("store load + queries", snippet("queries", str(corpus), str(out)), 1, log)
    detail = json.loads(q.pop("output").splitlines()[-1])
    res["store_load"] = {"median_s": round(detail["load"], 3), "peak_mb": q["peak_mb"]}
    res["queries"] = {k: {"median_ms": round(v[0] * 1000, 1), "rows": v[1]}
                      for k, v in sorted(detail["queries"].items())}
    return res


def bench_server(root: Path, work: Path, seconds: float, clients: int,
                 log: Callable[[str], None]) -> dict:
    """`partykg serve` on the real build under ``clients`` concurrent clients."""
    from partykg.bench import loadtest
    from partykg.core.net import free_port, wait_for_http
    from partykg.core.paths import project
    from partykg.sparql.store import load_store
    out = work / "out-real"
    proj = project(root, out, None)
    run_stage(cli(root, out, "build", "--quiet"))
    port = free_port()
    proc = subprocess.Popen(cli(root, out, "serve", "--port", str(port), "--workers", "2"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/api/stats", proc, "partykg serve", timeout=120)
        store = load_store(proj)
        entities = sorted({q.subject.value for q in store if "/id/" in q.subject.value
                           and "#" not in q.subject.value})
        mix = (loadtest.query_requests(proj.queries, proj.base)
               + loadtest.page_requests(entities[::max(1, len(entities) // 40)], proj.base)
               + loadtest.MALFORMED)
        log(f"server: {clients} clients for {seconds:g} s")
        res = loadtest.run(url, mix, clients=clients, seconds=seconds, server_pid=proc.pid)
        slow = loadtest.run(url, mix[:5], clients=4, seconds=15, slow_clients=1)
    finally:
        proc.terminate()
        proc.wait(30)
    summary = res.summary()
    summary["with_a_slow_query"] = {k: v for k, v in slow.summary().items()
                                    if k in ("requests", "status", "by_kind")}
    return summary


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def derive(size: dict) -> dict:
    """Ratios to the limit and to the baseline, and the targets of issue 7."""
    limit = size["limit"]["median_s"]
    bv = size["build"]["median_s"] + size["validate"]["median_s"]
    ev = (size.get("edit_validate") or {}).get("median_s")
    q = size["queries"]
    slowest = max(q.items(), key=lambda kv: kv[1]["median_ms"]) if q else ("", {"median_ms": 0})
    peak = max(size[k]["peak_mb"] for k in ("build", "validate", "edit_validate", "reason",
                                            "store_load") if size.get(k))
    out = {
        "build_plus_validate_s": round(bv, 3),
        "build_plus_validate_over_limit": ratio(bv, limit),
        "build_over_limit": ratio(size["build"]["median_s"], limit),
        "validate_over_limit": ratio(size["validate"]["median_s"], limit),
        "edit_validate_over_limit": ratio(ev, limit),
        "validate_speedup_over_pyshacl": ratio(
            (size.get("validate_pyshacl") or {}).get("median_s"), size["validate"]["median_s"]),
        "pipeline_speedup_over_baseline": ratio(
            (size.get("baseline") or {}).get("median_s"), bv),
        "slowest_query": slowest[0], "slowest_query_ms": slowest[1]["median_ms"],
        "queries_over_300ms": sorted(k for k, v in q.items() if v["median_ms"] > 300),
        "peak_mb": peak,
    }
    return out


def growth(small: dict, large: dict) -> dict:
    """Time ratio over size ratio between two sizes (1.0 = linear)."""
    scale = large["quads"] / small["quads"]
    out = {"size_ratio": round(scale, 2)}
    for stage in ("build", "validate", "reason", "limit", "store_load"):
        out[stage] = ratio(large[stage]["median_s"] / small[stage]["median_s"], scale)
    return out


STAGE_LABELS = {"build": "build (full)",
                "edit_validate": "edit one annotation + validate (build included)"}


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = ["# partykg benchmark results", "",
             f"Generated by `partykg bench run` on {results['date']}. Machine: {m['cpu']}, "
             f"{m['cores']} cores ({m.get('jobs', 1)} used by the build), {m['memory_gb']} GB; "
             f"Python {m['python']}; "
             + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".",
             f"Medians of {results['runs']} runs, each stage in a fresh process; peak memory "
             "is the stage's largest resident set. The limit is pyoxigraph's own parse + "
             "in-memory bulk load of the same N-Quads; the baseline is rdflib in memory + "
             "pyshacl on the same shapes.", ""]
    sizes = results["sizes"]
    head = "| stage | " + " | ".join(f"{s['quads']:,} quads" for s in sizes) + " |"
    lines += ["## Seconds (peak MB)", "", head, "|---|" + "---|" * len(sizes)]
    for stage in ("build", "validate", "edit_validate", "validate_pyshacl", "reason",
                  "store_load", "limit", "baseline"):
        cells = []
        for s in sizes:
            v = s.get(stage)
            if not v:
                cells.append("–")
                continue
            k = len(v.get("runs_s", [])) or results["runs"]   # store_load has no runs_s
            n = "" if k == results["runs"] else f", {k} run{'s' if k != 1 else ''}"
            cells.append(f"{v['median_s']:.2f} ({v['peak_mb']:.0f}{n})")
        label = STAGE_LABELS.get(stage, stage.replace("_", " "))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "## Ratios and targets", "", head, "|---|" + "---|" * len(sizes)]
    for key, label in (("build_plus_validate_over_limit", "build + validate / limit (target ≤ 4)"),
                       ("build_over_limit", "build / limit"),
                       ("validate_over_limit", "validate / limit"),
                       ("edit_validate_over_limit",
                        "edit one annotation + validate / limit (target ≤ 1)"),
                       ("validate_speedup_over_pyshacl", "pyshacl / validate (target ≥ 4)"),
                       ("pipeline_speedup_over_baseline", "baseline / (build + validate)"),
                       ("slowest_query_ms", "slowest query, ms (target < 300)"),
                       ("peak_mb", "peak memory, MB (target < 4096)")):
        cells = [str(s["derived"].get(key) if s["derived"].get(key) is not None else "–")
                 for s in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| queries over 300 ms | " + " | ".join(
        ", ".join(s["derived"]["queries_over_300ms"]) or "none" for s in sizes) + " |")
    if results.get("growth"):
        g = results["growth"]
        lines += ["", f"## Growth from the middle to the largest size (×{g['size_ratio']} quads)",
                  "", "Time ratio divided by size ratio; 1.0 is linear.", "",
                  "| stage | growth |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in g.items() if k != "size_ratio"]
    lines += ["", "## Query medians, ms", "", head, "|---|" + "---|" * len(sizes)]
    for name in sorted(sizes[-1]["queries"]):
        lines.append(f"| {name} | " + " | ".join(
            f"{s['queries'].get(name, {}).get('median_ms', '–')}" for s in sizes) + " |")
    if results.get("server"):
        sv = results["server"]
        lines += ["", "## Server under load (the real build)", "",
                  f"{sv['requests']:,} requests in {sv['seconds']} s "
                  f"({sv['requests_per_s']}/s), p50 {sv['p50_ms']} ms, p95 {sv['p95_ms']} ms; "
                  f"statuses {sv['status']}; 5xx: {sv['server_5xx']}; memory "
                  f"{sv['rss_mb_first']} → {sv['rss_mb_max']} (max) → {sv['rss_mb_last']} MB.",
                  "", "| kind | requests | p50 ms | p95 ms |", "|---|---|---|---|"]
        lines += [f"| {k} | {v['requests']} | {v['p50_ms']} | {v['p95_ms']} |"
                  for k, v in sv["by_kind"].items()]
        w = sv["with_a_slow_query"]
        lines += ["", f"With one client sending only a query that runs past the time limit: "
                  f"statuses {w['status']}; the other clients' p95 "
                  f"{w['by_kind'].get('query', {}).get('p95_ms')} ms."]
    return "\n".join(lines) + "\n"


def run_all(root: Path, work: Path, sizes: list[int], runs: int, seed: int, dest: Path,
            log: Callable[[str], None], baseline_up_to: int = 10**9,
            server_seconds: float = 30, clients: int = 16,
            baseline_runs: int | None = None) -> dict:
    results: dict = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "runs": runs,
                     "seed": seed, "sizes": []}
    for n in sizes:
        size = bench_size(root, work, n, runs, seed, log, baseline=n <= baseline_up_to,
                          baseline_runs=baseline_runs)
        size["derived"] = derive(size)
        for stage in size.values():           # keep the last lines of each stage's output
            if isinstance(stage, dict) and "output" in stage:
                stage["output"] = stage["output"][-300:]
        results["sizes"].append(size)
        write(results, dest)
    if len(results["sizes"]) >= 2:
        results["growth"] = growth(results["sizes"][-2], results["sizes"][-1])
    if server_seconds:
        results["server"] = bench_server(root, work, server_seconds, clients, log)
    write(results, dest)
    return results


def write(results: dict, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (dest / "RESULTS.md").write_text(markdown(results), encoding="utf-8")
