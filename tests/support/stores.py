"""Real triple stores started on 127.0.0.1 with throwaway databases: Oxigraph
server (PyPI `oxigraph`, read-write) and OpenLink Virtuoso (Debian
`virtuoso-opensource`, with its own virtuoso.ini), plus nginx as a proxy that
asks for HTTP basic authentication in front of a store. Used by the tests and
by `scripts/stores.py`; each is a context manager that stops what it started.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from partykg.core.net import free_port, wait_for_http
from partykg.core.net import stop as _stop
from support.localserver import oxigraph_exe


@dataclass
class Store:
    """A running store: where to query it, where to load it, and as whom."""

    name: str
    query: str                   # SPARQL 1.1 query endpoint
    gsp: str                     # SPARQL 1.1 Graph Store HTTP Protocol endpoint
    user: str | None = None
    password: str | None = None
    process: subprocess.Popen | None = None
    location: Path | None = None
    sql_port: int | None = None     # Virtuoso's SQL port, for isql-vt

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 30 s)."""
        _stop(self.process)

    def crash(self) -> None:
        """Kill the server at once (SIGKILL), as a power cut would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_oxigraph(location: Path, port: int | None = None,
                   timeout: float = 30) -> Store:
    """Start `oxigraph serve` (read-write) on ``location``; the caller stops it."""
    port = port or free_port()
    location.mkdir(parents=True, exist_ok=True)
    log = location.parent / f"{location.name}.log"
    proc = subprocess.Popen([oxigraph_exe(), "serve", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=log.open("wb"))
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/query?query=ASK%7B%7D", proc, "the Oxigraph server", timeout, log)
    return Store("oxigraph", f"{base}/query", f"{base}/store", process=proc,
                 location=location)


@contextmanager
def oxigraph_server(location: Path | None = None) -> Iterator[Store]:
    """A read-write Oxigraph server; a throwaway database unless ``location``."""
    with tempfile.TemporaryDirectory(prefix="partykg-oxigraph-") as tmp:
        store = start_oxigraph(location or Path(tmp) / "db")
        try:
            yield store
        finally:
            store.stop()


VIRTUOSO_INI = """\
; A throwaway Virtuoso for partykg's tests: database in this folder, SQL and
; HTTP bound to 127.0.0.1 only, no system service involved.
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
DirsAllowed        = ., {dir}, {load_dir}
CaseMode           = 2
NumberOfBuffers    = 20000
MaxDirtyBuffers    = 15000
CheckpointInterval = 0
ThreadsPerQuery    = 2
MaxClientConnections = 20

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {dir}/vsp
ServerThreads      = 10
MaxClientConnections = 10
Charset            = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows   = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


def virtuoso_exe() -> str:
    exe = shutil.which("virtuoso-t")
    if not exe:
        raise RuntimeError("OpenLink Virtuoso is not installed (Debian package "
                           "virtuoso-opensource; scripts/setup-test.sh installs it)")
    return exe


def start_virtuoso(folder: Path, load_dir: Path | None = None, timeout: float = 90) -> Store:
    """Start virtuoso-t on a new database in ``folder``; the caller stops it.

    The default account dba/dba may write over the Graph Store Protocol at
    /sparql-graph-crud-auth with HTTP digest authentication; anonymous writes
    are refused. ``load_dir`` is allowed for the bulk loader (ld_dir)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vsp").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port,
                                       load_dir=load_dir or folder), encoding="utf-8")
    log = folder / "virtuoso.log"
    proc = subprocess.Popen([virtuoso_exe(), "+foreground", "+configfile", str(ini)],
                            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    wait_for_http(f"{base}/sparql?query=ASK%7B%7D", proc, "Virtuoso", timeout, log)
    return Store("virtuoso", f"{base}/sparql", f"{base}/sparql-graph-crud-auth", "dba", "dba",
                 proc, folder, sql_port)


@contextmanager
def virtuoso_server(folder: Path | None = None, load_dir: Path | None = None) -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="partykg-virtuoso-") as tmp:
        store = start_virtuoso(folder or Path(tmp), load_dir)
        try:
            yield store
        finally:
            store.stop()


def isql(store: Store, sql: str, timeout: float = 300) -> str:
    """Run SQL with isql-vt. isql-vt exits 0 even when a statement fails, so its
    output is searched for errors and any error raises."""
    exe = shutil.which("isql-vt") or shutil.which("isql")
    if not exe:
        raise RuntimeError("isql-vt is not installed (Debian virtuoso-opensource)")
    res = subprocess.run([exe, f"127.0.0.1:{store.sql_port}", store.user or "dba",
                          store.password or "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF",
                          "ERRORS=STDOUT", f"EXEC={sql}"],
                         capture_output=True, text=True, timeout=timeout)
    output = res.stdout + res.stderr
    if res.returncode != 0 or "*** Error" in output:
        raise RuntimeError(f"isql-vt failed on {sql!r}:\n{output.strip()}")
    return output


NGINX_CONF = """\
{user}daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 0;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            auth_basic "partykg test store";
            auth_basic_user_file {dir}/htpasswd;
            proxy_pass {upstream};
            proxy_request_buffering off;
        }}
    }}
}}
"""


@contextmanager
def basic_auth_proxy(store: Store, user: str, password: str) -> Iterator[Store]:
    """nginx in front of ``store``, asking for HTTP basic authentication."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx is not installed (scripts/setup-test.sh installs it)")
    upstream = store.query.rsplit("/", 1)[0]
    with tempfile.TemporaryDirectory(prefix="partykg-nginx-") as tmp:
        d = Path(tmp)
        digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()
        (d / "htpasswd").write_text(f"{user}:{{SHA}}{digest}\n", encoding="utf-8")
        port = free_port()
        conf = d / "nginx.conf"
        # As root, nginx's workers would run as nobody and could not read this folder.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf.write_text(NGINX_CONF.format(user=user, dir=d, port=port, upstream=upstream),
                        encoding="utf-8")
        proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(d)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(base + "/", proc, "nginx", 20, d / "error.log")
            yield Store(f"{store.name} behind nginx", store.query.replace(upstream, base),
                        store.gsp.replace(upstream, base), user, password, proc)
        finally:
            _stop(proc)
