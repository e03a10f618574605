"""Every verb's progress and interrupts, the way a user or a CI log meets them:
real `partykg` processes with pipes (not a terminal), and SIGINT sent to the
whole process group as Ctrl-C on a terminal does."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from partykg.core.net import free_port

pytestmark = pytest.mark.slow

PARTYKG = [sys.executable, "-m", "partykg.cli"]
STEP = re.compile(r"^building: (.+) \((\d+\.\d) s\)$")
DONE = re.compile(r"^building: done in (\d+\.\d) s$")


def partykg(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*PARTYKG, *args], capture_output=True, text=True, timeout=300,
                          check=False, **kwargs)


def test_not_a_terminal_one_plain_line_per_step_with_its_duration(tmp_path):
    res = partykg("--root", str(ROOT), "--out", str(tmp_path / "out"), "build")
    assert res.returncode == 0, res.stderr
    lines = res.stderr.splitlines()
    steps = [STEP.match(line) for line in lines if STEP.match(line)]
    # the steps rdf/build.py announces, each once, in order, then the stage's total
    names = [m.group(1) for m in steps]
    assert names[0] == "reading annotations" and names[2:] == [
        "writing dumps", "writing the search index and reading view"], names
    # a fresh output folder: every graph is emitted (ontology, registry, five essays)
    assert names[1] == "emitting RDF: 7 of 7 graphs (0 unchanged)", names
    done = [DONE.match(line) for line in lines if DONE.match(line)]
    assert len(done) == 1 and lines.index(done[0].group(0)) == lines.index(steps[-1].group(0)) + 1
    total = float(done[0].group(1))
    assert sum(float(m.group(2)) for m in steps) <= total + 0.2   # rounding of 3 values
    assert "\x1b" not in res.stderr      # no bar, no colour codes in a log


def test_quiet_prints_no_progress_and_verbose_adds_the_verb_time(tmp_path):
    quiet = partykg("--root", str(ROOT), "--out", str(tmp_path / "out"), "--quiet", "build")
    assert quiet.returncode == 0, quiet.stderr
    assert not any(STEP.match(x) or DONE.match(x) for x in quiet.stderr.splitlines())
    verbose = partykg("--root", str(ROOT), "--out", str(tmp_path / "out"), "-v", "build")
    assert verbose.returncode == 0, verbose.stderr
    assert re.search(r"^partykg build: \d+\.\d s$", verbose.stderr, re.MULTILINE), verbose.stderr


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A synthetic corpus large enough that its build takes seconds (bench/synth)."""
    from partykg.bench.synth import generate
    folder = tmp_path_factory.mktemp("synth") / "corpus"
    generate(folder, 150_000, 0, 0, ROOT)
    return folder


def interrupt(cmd: list[str], ready: re.Pattern, stream: str) -> tuple[int, str, str]:
    """Start ``cmd``, wait for a line matching ``ready`` on ``stream``, then send
    SIGINT to its process group (what Ctrl-C on a terminal does); its exit code
    and the rest of its stdout and stderr."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        seen = []
        source = proc.stderr if stream == "stderr" else proc.stdout
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = source.readline()
            assert line, f"ended before {ready.pattern}: {seen}"
            seen.append(line)
            if ready.search(line):
                break
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = "".join(seen)
    return proc.returncode, (text if stream == "stdout" else "") + out, \
        (text if stream == "stderr" else "") + err


def test_ctrl_c_stops_a_build_midway_with_one_line_and_no_partial_output(synthetic):
    out = synthetic / "out"
    code, stdout, stderr = interrupt([*PARTYKG, "--root", str(synthetic), "build"],
                                     re.compile(r"^building: reading annotations \("), "stderr")
    assert code == 130, stderr
    assert "Traceback" not in stderr and stdout == ""
    lines = stderr.splitlines()
    assert lines[-1] == "interrupted" and lines.count("interrupted") == 1
    assert not any(DONE.match(x) for x in lines)      # it stopped mid-build
    leftovers = sorted(p.relative_to(out) for p in out.rglob("*")) if out.exists() else []
    assert leftovers == []                              # no dump, no temporary folder


def test_ctrl_c_stops_serve_with_one_line(built):
    port = free_port()
    code, _, stderr = interrupt(
        [*PARTYKG, "--root", str(built.root), "--out", str(built.out), "serve",
         "--port", str(port), "--workers", "1", "--fast-workers", "0"],
        re.compile(rf"partykg is serving at http://127\.0\.0\.1:{port}/"), "stdout")
    assert code == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert stderr.splitlines()[-1] == "interrupted"
    assert stderr.count("interrupted") == 1


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_as_the_readme_sets_it_up(shell):
    """The README's lines: `_PARTYKG_COMPLETE={shell}_source partykg` prints the
    shell's script; asked to complete, partykg answers with its verbs and the
    choices of an option (every verb, whoever adds it, is completed)."""
    source = subprocess.run(PARTYKG, capture_output=True,
                            text=True, check=False,
                            env={**os.environ, "_PARTYKG_COMPLETE": f"{shell}_source"})
    assert source.returncode == 0 and "_partykg_completion" in source.stdout
    if shell != "bash":
        return
    from partykg.cli import main
    env = {**os.environ, "_PARTYKG_COMPLETE": "bash_complete"}
    verbs = subprocess.run(PARTYKG, capture_output=True, text=True, check=False,
                           env={**env, "COMP_WORDS": "partykg ", "COMP_CWORD": "1"})
    assert {line.split(",", 1)[1] for line in verbs.stdout.splitlines()} >= set(main.commands)
    formats = subprocess.run(PARTYKG, capture_output=True, text=True, check=False,
                             env={**env, "COMP_WORDS": "partykg query --format ",
                                  "COMP_CWORD": "3"})
    assert [line.split(",", 1)[1] for line in formats.stdout.splitlines()] == \
        ["table", "csv", "tsv", "json"]


def test_on_a_terminal_a_bar_with_the_steps_done(tmp_path):
    """stderr on a pseudo-terminal: rich draws the bar, with the step running and
    the count of steps done (n/4) and the time taken; it goes when the build ends
    (no plain lines then)."""
    import pty
    import select
    master, slave = pty.openpty()
    proc = subprocess.Popen([*PARTYKG, "--root", str(ROOT), "--out", str(tmp_path / "out"),
                             "build"],
                            stdout=subprocess.PIPE, stderr=slave,
                            env={**os.environ, "TERM": "xterm", "COLUMNS": "120"})
    os.close(slave)
    raw = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:     # the other end closed
                    break
                if not chunk:
                    break
                raw += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=300)
    finally:
        os.close(master)
    assert proc.returncode == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw.decode("utf-8", "replace"))
    counts = set(re.findall(r"building: ([^━\n]+?) +━[━╺╸ ]* ([0-4])/4 \d:\d\d:\d\d", text))
    assert ("reading annotations", "0") in counts, text[-2000:]
    assert ("emitting RDF: 7 of 7 graphs (0 unchanged)", "1") in counts, text[-2000:]
    plain = [line.strip() for line in text.replace("\r", "\n").splitlines()]
    assert not any(DONE.match(x) or STEP.match(x) for x in plain)
