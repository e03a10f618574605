"""A local Oxigraph SPARQL server (PyPI `oxigraph`), for stand-ins of remote
endpoints such as Wikidata in tests and offline work. Binds 127.0.0.1 only."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import InputError, Problem


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_exe() -> str:
    exe = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not exe:
        raise InputError(Problem("oxigraph", 0, "the Oxigraph server is not installed",
                                 "pip install oxigraph (scripts/setup.sh installs it)"))
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
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the Oxigraph server did not start")
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
