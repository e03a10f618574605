"""Local network helpers: a free loopback port, and waiting for a server that a
test, the benchmark or a recipe started to answer HTTP."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen | None, timeout: float = 30) -> None:
    """Terminate a child process, killing it when it does not stop in time."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for_http(url: str, proc: subprocess.Popen | None = None, what: str = "the server",
                  timeout: float = 30.0, log: Path | None = None) -> None:
    """Wait until ``url`` answers over HTTP (any status counts as up). Raise
    RuntimeError, with the tail of ``log``, when ``proc`` exits or time runs out;
    the process is stopped then."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
                code = proc.poll() if proc is not None else None
                stop(proc)
                raise RuntimeError(f"{what} did not start (exit {code})\n{tail}".rstrip())
            time.sleep(0.1)
