"""The README's example queries show their real output on the current build, and
its guide "Add a source" works as written."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import partykg

BLOCK = re.compile(r"^    \$ \.venv/bin/partykg (query [^\n|]+?)(?: \| (head -\d+|grep \w+))?\n((?:    [^$\n][^\n]*\n)+)",
                   re.M)
GUIDE_TITLE = "## Add a source\n"
FIXTURE = "tests/fixtures/add-a-source"


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def guide() -> str:
    """The section "Add a source", up to the next section."""
    text = readme()
    start = text.index(GUIDE_TITLE)
    end = text.find("\n## ", start + len(GUIDE_TITLE))
    return text[start:end if end >= 0 else len(text)]


def test_readme_examples_are_real_output(built):
    """Each `$ .venv/bin/partykg query …` block in the README equals what the command
    prints now (guards against examples going stale when the data changes). The
    guide "Add a source" runs on a copy with its example text: test below."""
    blocks = BLOCK.findall(readme().replace(guide(), ""))
    assert len(blocks) >= 3
    env = {**os.environ, "PARTYKG_ROOT": str(ROOT), "PARTYKG_OUT": str(built.out)}
    for command, filt, shown in blocks:
        out = subprocess.run([sys.executable, "-m", "partykg.cli", *command.split()], env=env,
                             capture_output=True, text=True, check=True).stdout.splitlines()
        if filt.startswith("head"):
            out = out[:int(filt.split("-")[1])]
        elif filt.startswith("grep"):
            out = [line for line in out if filt.split()[1] in line]
        expected = [line[4:] for line in shown.splitlines()]
        assert out == expected, command


HEAD = re.compile(r"^(?:\$ |# (?:append to|new file) )")


def guide_steps(section: str) -> list[tuple[str, str, list[str]]]:
    """The guide's code blocks in order, cut into steps: ("$", command, the output
    shown) or ("append to"/"new file", path, the lines to write)."""
    steps, lines, code = [], section.splitlines(), []
    for line in lines + ["end"]:
        if line.startswith("    ") or (not line.strip() and code):
            code.append(line[4:])
            continue
        for raw in code:
            if HEAD.match(raw):
                if raw.startswith("$ "):
                    steps.append(("$", raw[2:], []))
                else:
                    verb, path = re.match(r"# (append to|new file) (\S+)", raw).groups()
                    steps.append((verb, path, []))
            elif steps:
                steps[-1][2].append(raw)
        code = []
    for _, _, body in steps:
        while body and not body[-1].strip():
            body.pop()
    return steps


@pytest.mark.slow  # a dozen commands on a copy of the project, two builds
def test_add_a_source_guide_works_as_written(tmp_path):
    """Every step of "Add a source" on a copy of the project: the files it writes,
    the commands it runs (each exits 0), and the output it shows, line for line.
    The example text is tests/fixtures/add-a-source/, never the corpus."""
    work = tmp_path / "project"
    for name in ("data", "ontology", "shapes", "queries", "schemas", FIXTURE):
        shutil.copytree(ROOT / name, work / name)
    shim = work / ".venv/bin/partykg"
    shim.parent.mkdir(parents=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m partykg.cli "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTYKG_")}
    env["PYTHONPATH"] = str(Path(partykg.__file__).resolve().parents[1])
    steps = guide_steps(guide())
    kinds = [kind for kind, _, _ in steps]
    commands = " ".join(what for kind, what, _ in steps if kind == "$")
    for verb in ("doctor", "schema", "coverage", "build", "validate", "query"):
        assert f".venv/bin/partykg {verb}" in commands, verb
    assert kinds.count("new file") == 1 and kinds.count("append to") >= 3
    for kind, what, body in steps:
        if kind == "$":
            run = subprocess.run(["bash", "-o", "pipefail", "-c", what], cwd=work, env=env,
                                 capture_output=True, text=True)
            assert run.returncode == 0, (what, run.stdout, run.stderr)
            if body:
                assert run.stdout.splitlines() == body, what
            continue
        path = work / what
        text = "\n".join(body) + "\n"
        if kind == "append to":
            old = path.read_text(encoding="utf-8")
            text = old + ("" if old.endswith("\n") else "\n") + "\n" + text
        else:
            assert not path.exists(), what
        path.write_text(text, encoding="utf-8")
    assert (work / "out/build/partykg.nq").is_file()
