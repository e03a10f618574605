"""The synthetic corpus of `partykg bench generate`: it builds with the real
pipeline, validates with exactly the injected faults, is byte-identical for a
seed, and keeps the proportions of the real annotations."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from partykg.bench.synth import FAULT_KINDS, RATES, generate, profile
from partykg.check.validate import validate
from partykg.core.namespaces import DEFAULT_BASE
from partykg.core.paths import project
from partykg.model.inputs import load_inputs
from partykg.rdf.build import build

ROOT = Path(__file__).resolve().parents[1]
TARGET = 10_000


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    """A 10k corpus with one fault of each kind and one more, built."""
    folder = tmp_path_factory.mktemp("synth") / "corpus"
    manifest = generate(folder, TARGET, seed=7, faults=len(FAULT_KINDS) + 1, root=ROOT)
    proj = project(folder, folder / "out", DEFAULT_BASE)
    built = build(proj)
    return folder, proj, manifest, built


def test_builds_near_the_target_size(faulty):
    _, _, manifest, built = faulty
    assert abs(built["quads"] - TARGET) / TARGET < 0.15, built["quads"]
    assert len(built["sources"]) == manifest["counts"]["sources"] >= 5
    assert sum(s["claims"] for s in built["sources"].values()) == manifest["counts"]["claims"]


def test_validate_reports_exactly_the_injected_faults(faulty):
    """Each fault gives one result, at the file and line faults.json names."""
    _, proj, manifest, _ = faulty
    assert manifest["expected_validation_results"] == len(FAULT_KINDS) + 1
    assert {f["kind"] for f in manifest["faults"]} == set(FAULT_KINDS)
    report = validate(proj)
    assert not report.conforms
    assert len(report.results) == manifest["expected_validation_results"], report.results
    found = sorted((r.focus, report.where[r.focus]["file"]) for r in report.results)
    assert found == sorted((DEFAULT_BASE + f["focus"], f["file"]) for f in manifest["faults"])
    folder = proj.root
    for f in manifest["faults"]:  # the manifest's line is the faulty entry
        line = (folder / f["file"]).read_text(encoding="utf-8").splitlines()[f["line"] - 1]
        want = {"language-not-bcp47": "  language: English",
                "membership-ends-before-start": "    - member: "}.get(f["kind"], f["key"] + ":")
        assert line.startswith(want), (f, line)


@pytest.mark.slow  # benchmark corpora generated and validated in five processes
def test_no_faults_conforms_and_cli_exit_codes(tmp_path):
    """Without faults the corpus conforms (another seed); through the CLI,
    validate exits 0, and 1 once faults are asked for."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("PARTYKG_ROOT", None)
    env.pop("PARTYKG_OUT", None)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "partykg.cli", *args], env=env,
                              capture_output=True, text=True, cwd=ROOT)

    folder = tmp_path / "clean"
    gen = cli("bench", "generate", "--triples", "3000", "--seed", "11", "--out", str(folder))
    assert gen.returncode == 0, gen.stderr
    assert cli("--root", str(folder), "validate").returncode == 0
    gen = cli("bench", "generate", "-n", "3000", "-s", "11", "-o", str(folder), "-k", "2")
    assert gen.returncode == 0, gen.stderr
    res = cli("--root", str(folder), "validate")
    assert res.returncode == 1, res.stdout
    assert "does not conform: 2 violations, 0 warnings, 0 infos" in res.stdout
    # never overwrite a folder that is not a synthetic corpus
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    refused = cli("bench", "generate", "-n", "3000", "-o", str(tmp_path / "mine"))
    assert refused.returncode == 2 and "not a synthetic corpus" in refused.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_same_seed_same_bytes(tmp_path, faulty):
    folder, *_ = faulty
    again = generate(tmp_path / "again", TARGET, seed=7, faults=len(FAULT_KINDS) + 1, root=ROOT)
    mine = {k: v for k, v in digests(folder).items() if not k.startswith("out/")}
    assert digests(tmp_path / "again") == mine
    assert again == json.loads((folder / "faults.json").read_text(encoding="utf-8"))
    other = generate(tmp_path / "other", TARGET, seed=8, root=ROOT)
    assert other["counts"] != again["counts"] or digests(tmp_path / "other") != mine


def test_proportions_close_to_the_real_annotations(tmp_path):
    """Measured the same way, the synthetic corpus keeps the real proportions.

    A bigger corpus (30k) than the others keeps the sampling noise of the rarer
    things (citations, qualifying stances) below the tolerance."""
    real = profile(*load_inputs(project(ROOT)))
    for key, value in RATES.items():  # the constants are the real measurements
        if key in real:
            assert value == pytest.approx(real[key], rel=0.02, abs=0.002), key
    generate(tmp_path / "c", 30_000, seed=3, root=ROOT)
    synth = profile(*load_inputs(project(tmp_path / "c")))
    assert synth.keys() == real.keys()
    off = {k: (real[k], synth[k]) for k in real
           if synth[k] != pytest.approx(real[k], rel=0.25, abs=0.02)}
    assert not off, off
