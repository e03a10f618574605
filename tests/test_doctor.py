"""`partykg doctor`: one table of what is installed and what it enables, run as
a user runs it (a process, its PATH), with a tool hidden from PATH."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

from partykg.core.net import free_port
from partykg.core.tools import APT, TOOLS

pytestmark = pytest.mark.slow   # each test runs partykg in a new process


def doctor(path: str, *args: str, root=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "partykg.cli", "--root", str(root), "doctor",
                           *args], capture_output=True, text=True, timeout=120, check=False,
                          env={"PATH": path, "HOME": str(ROOT), "NO_PROXY": "*"})


def row(stdout: str, component: str) -> str:
    lines = [line for line in stdout.splitlines()
             if re.match(rf"^│ {re.escape(component)} +│", line)]
    assert len(lines) == 1, stdout
    return lines[0]


def test_a_tool_hidden_from_path_is_missing_with_its_install_command(tmp_path):
    """With an empty PATH, java and the other tools are missing, each with the
    command that installs it; the main job can still run (exit 0)."""
    res = doctor(str(tmp_path), "--offline")
    assert res.returncode == 0, res.stdout + res.stderr
    java = row(res.stdout, "Java + HermiT")
    assert "missing" in java and "no java on PATH" in java
    assert f"{APT} default-jre-headless" in java
    for name in ("chromium", "chromedriver", "javac"):
        line = row(res.stdout, name)
        assert "missing" in line and TOOLS[name].install in line, line
    assert "the main job can run" in res.stderr


def test_tools_on_path_are_found(tmp_path):
    """The same run with the machine's PATH: every tool its check finds here is
    'ok' in the table (so the rows follow the tools, not a fixed answer)."""
    import os
    res = doctor(os.environ["PATH"], "--offline")
    assert res.returncode == 0, res.stderr
    for name, tool in TOOLS.items():
        if name == "java":
            continue
        line = row(res.stdout, name)
        assert (" ok " in line) == tool.present(), line


def test_no_project_data_exits_1(tmp_path):
    res = doctor(str(tmp_path), "--offline", root=tmp_path)
    assert res.returncode == 1
    assert "MISSING" in row(res.stdout, "project data")
    assert "the main job cannot run" in res.stderr


def test_an_unreachable_endpoint_is_reported_not_a_failure(tmp_path):
    """The network check asks a port nothing listens on: reported, exit 0."""
    url = f"http://127.0.0.1:{free_port()}/sparql"
    res = doctor(str(tmp_path), "--wikidata-endpoint", url, "--timeout", "2")
    assert res.returncode == 0, res.stderr
    line = row(res.stdout, f"network: {url}")
    assert "missing" in line and "unreachable" in line


def test_a_reachable_endpoint_answers(tmp_path):
    """A real HTTP server on loopback stands in for Wikidata: the row says it answers."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        res = doctor(str(tmp_path), "--wikidata-endpoint", url)
    finally:
        server.shutdown()
        server.server_close()
    assert res.returncode == 0, res.stderr
    assert "answers (HTTP 200)" in row(res.stdout, f"network: {url}")
