"""A local Oxigraph SPARQL server (PyPI `oxigraph`), for stand-ins of remote
endpoints such as Wikidata in tests and offline work. Binds 127.0.0.1 only."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from partykg.core.errors import InputError, Problem
from partykg.core.net import free_port, stop, wait_for_http


def oxigraph_exe() -> str:
    exe = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not exe:
        raise InputError(Problem("oxigraph", 0, "the Oxigraph server is not installed",
                                 "pip install oxigraph (scripts/setup-test.sh installs it)"))
    return exe


@contextmanager
def sparql_server(*data: Path, timeout: float = 20.0) -> Iterator[str]:
    """Serve ``data`` (RDF files) read-only on 127.0.0.1; yield the query URL; stop after."""
    exe = oxigraph_exe()
    with tempfile.TemporaryDirectory(prefix="partykg-oxigraph-") as db:
        for f in data:
            subprocess.run([exe, "load", "--location", db, "--file", str(f)], check=True,
                           capture_output=True)
        port = free_port()
        proc = subprocess.Popen([exe, "serve-read-only", "--location", db, "--bind",
                                 f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/query"
        try:
            wait_for_http(url + "?query=ASK%7B%7D", proc, "the Oxigraph server", timeout)
            yield url
        finally:
            stop(proc, 10)
