"""The README's example queries show their real output on the current build."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ROOT

BLOCK = re.compile(r"^    \$ \.venv/bin/partykg (query [^\n|]+?)(?: \| (head -\d+|grep \w+))?\n((?:    [^$\n][^\n]*\n)+)",
                   re.M)


def test_readme_examples_are_real_output(built):
    """Each `$ .venv/bin/partykg query …` block in the README equals what the command
    prints now (guards against examples going stale when the data changes)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = BLOCK.findall(readme)
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
