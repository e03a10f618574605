"""A hostile catalogue for everything partykg sends over the network: `load`,
`query --endpoint`, `link` and `enrich` against real HTTP servers on 127.0.0.1
(written here with http.server) that misbehave on purpose: they redirect to
another host, drip one byte every two seconds, send gigabytes, garbage, HTML,
truncated or nested JSON, 401/403, or reset the connection.

Each case runs the real command in a subprocess and asserts the exit code (2),
the message (the URL, what happened, a fix) and that nothing was written. No
password ever appears in what a command prints or writes.

Regression guard for issue 14 ("Clients"): credentials followed redirects to
any host, --timeout was per read (a drip held a run for a minute), a 2 GB
answer ran out of memory, garbage gave raw SyntaxError/UnicodeDecodeError/
TypeError tracebacks, a password in a URL was printed."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator
from urllib.request import parse_http_list, parse_keqv_list

import pytest

pytestmark = pytest.mark.slow   # misbehaving servers, real deadlines: in CI, not in the fast loop

ROOT = Path(__file__).resolve().parents[1]
EMPTY_HOME = Path(tempfile.mkdtemp(prefix="partykg-test-home-"))   # no ~/.netrc
PASSWORD = "s3cret-Pa55"
JSON_TYPE = "application/sparql-results+json"
XML_TYPE = "application/sparql-results+xml"
EMPTY_JSON = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}'
GRAPH = "urn:partykg-test:graph"
TRIPLES = b"".join(f"<urn:s{i}> <urn:p> \"{i}\" .\n".encode() for i in range(3))


# --- hostile servers -----------------------------------------------------------------------

@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    client_port: int = 0


@dataclass
class Server:
    url: str
    port: int
    hits: list[Hit] = field(default_factory=list)

    def authorizations(self) -> list[str]:
        return [h.headers["Authorization"] for h in self.hits if "Authorization" in h.headers]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):   # a client hanging up is expected
        pass


@contextmanager
def hostile(behave: Callable[[BaseHTTPRequestHandler, Server], None],
            host: str = "127.0.0.1", protocol: str = "HTTP/1.0") -> Iterator[Server]:
    """Serve ``behave(handler, server)`` for every request on 127.0.0.1; every
    request is recorded (method, path, headers) before ``behave`` answers it."""
    class Handler(BaseHTTPRequestHandler):
        protocol_version = protocol

        def answer(self) -> None:
            srv.hits.append(Hit(self.command, self.path, dict(self.headers),
                                self.client_address[1]))
            behave(self, srv)

        do_GET = do_POST = do_PUT = do_HEAD = answer

        def log_message(self, *args) -> None:
            pass

    httpd = _HTTPServer(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    srv = Server(f"http://{host}:{port}", port)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        httpd.shutdown()
        httpd.server_close()


def body(h: BaseHTTPRequestHandler) -> bytes:
    n = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(n) if n else b""


def send(h: BaseHTTPRequestHandler, status: int, data: bytes = b"", ctype: str = JSON_TYPE,
         headers: tuple[tuple[str, str], ...] = ()) -> None:
    body(h)
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(data)))
    for k, v in headers:
        h.send_header(k, v)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(data)


def drip(h: BaseHTTPRequestHandler, seconds: float = 60.0, every: float = 2.0) -> None:
    """Headers, then one byte every 2 s: each read gets data well within any
    per-read timeout, the whole answer never ends within a minute."""
    body(h)
    h.send_response(200)
    h.send_header("Content-Type", JSON_TYPE)
    h.send_header("Content-Length", "100000")
    h.end_headers()
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(every)
    except OSError:
        pass


def declare_huge(h: BaseHTTPRequestHandler) -> None:
    body(h)
    h.send_response(200)
    h.send_header("Content-Type", JSON_TYPE)
    h.send_header("Content-Length", str(3_000_000_000))
    h.end_headers()
    try:
        h.wfile.write(b"{" * 1000)
    except OSError:
        pass


def stream_huge(h: BaseHTTPRequestHandler) -> None:
    """No Content-Length: 3 MB until the connection closes."""
    body(h)
    h.send_response(200)
    h.send_header("Content-Type", JSON_TYPE)
    h.end_headers()
    try:
        for _ in range(48):
            h.wfile.write(b" " * 65536)
    except OSError:
        pass
    h.close_connection = True


def redirect_with_huge_body(h: BaseHTTPRequestHandler) -> None:
    """A redirect (whose body httpx reads and discards by itself) of 3 MB."""
    body(h)
    h.send_response(302)
    h.send_header("Location", "/elsewhere")
    h.end_headers()
    try:
        for _ in range(48):
            h.wfile.write(b" " * 65536)
    except OSError:
        pass
    h.close_connection = True


def reset(h: BaseHTTPRequestHandler) -> None:
    """Read the request, then reset the connection (RST, SO_LINGER 0) without answering."""
    body(h)
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def as_store(answer: Callable[[BaseHTTPRequestHandler], None]
             ) -> Callable[[BaseHTTPRequestHandler, Server], None]:
    """A Graph Store: PUT succeeds (204); the count (GET of the graph) gets ``answer``."""
    def behave(h, srv):
        if h.command == "PUT":
            send(h, 204)
        else:
            answer(h)
    return behave


def as_endpoint(answer: Callable[[BaseHTTPRequestHandler], None]
                ) -> Callable[[BaseHTTPRequestHandler, Server], None]:
    return lambda h, srv: answer(h)


# --- running the commands -----------------------------------------------------------------

@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dump") / "tiny.nq"
    path.write_bytes(TRIPLES.replace(b" .\n", f" <{GRAPH}> .\n".encode()))
    return path


def run(*args: str, env: dict[str, str] | None = None, root: Path | None = None,
        out: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "partykg.cli"]
    if root is not None:
        cmd += ["--root", str(root)]
    if out is not None:
        cmd += ["--out", str(out)]
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("PARTYKG_") and k not in ("NETRC",)}
    environ.update({"COLUMNS": "300", "HOME": str(EMPTY_HOME)})
    environ.update(env or {})
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout,
                          env=environ, stdin=subprocess.DEVNULL)


def text_of(res: subprocess.CompletedProcess) -> str:
    return " ".join((res.stdout + res.stderr).split())


def assert_clean_failure(res: subprocess.CompletedProcess, *phrases: str) -> str:
    """Exit 2, the phrases, a fix, no traceback, no password."""
    text = text_of(res)
    assert res.returncode == 2, text
    for phrase in phrases:
        assert phrase in text, (phrase, text)
    assert "fix:" in text, text
    assert "Traceback" not in text and "Error:" not in text.replace("error:", ""), text
    assert PASSWORD not in res.stdout + res.stderr
    return text


COMMANDS = ("load", "query", "link", "enrich")


@pytest.fixture()
def command(request, workdir, built, dump):
    """A function running one of the four commands against a URL; it returns
    the result, and `written()` says whether the command wrote anything."""
    name = request.param

    def go(url: str, *extra: str, env: dict[str, str] | None = None):
        if name == "load":
            return run("load", str(dump), "--store", url, *extra, env=env)
        if name == "query":
            return run("query", "08", "--endpoint", url, "--graph", GRAPH, *extra, env=env,
                       out=built.out)
        return run(name, "--endpoint", url, *extra, env=env, root=workdir,
                   out=workdir / "out")

    go.name = name
    go.written = lambda: (workdir / "data" / "wikidata").exists()
    return go


def behaviour(name: str, answer: Callable[[BaseHTTPRequestHandler], None]):
    return as_store(answer) if name == "load" else as_endpoint(answer)


# --- credentials never follow a redirect to another host ------------------------------------

def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, indirect=True)
@pytest.mark.parametrize("other_host", ["127.0.0.1", "localhost"])
def test_credentials_do_not_follow_a_redirect_to_another_host(command, other_host):
    """Server A asks for basic authentication and, once it gets it, redirects every
    request to server B (another port, or the host name `localhost`), which records
    what arrives and asks for credentials itself. A gets them; B never does."""
    with hostile(lambda h, srv: send(h, 401, b"who are you?", "text/plain",
                                     (("WWW-Authenticate", 'Basic realm="b"'),)),
                 host=other_host) as b:
        def redirect_once_authenticated(h, srv):
            if "Authorization" not in h.headers:
                send(h, 401, b"", "text/plain", (("WWW-Authenticate", 'Basic realm="a"'),))
            else:
                send(h, 307, b"", "text/plain", (("Location", b.url + h.path),))
        with hostile(redirect_once_authenticated) as a:
            if command.name in ("load", "query"):
                res = command(a.url + "/store", "--user", "historian",
                              env={"PARTYKG_PASSWORD": PASSWORD})
            else:   # link and enrich take credentials from the URL only
                res = command(a.url.replace("//", f"//historian:{PASSWORD}@") + "/sparql")
    assert_clean_failure(res, "HTTP 401", a.url)
    assert a.authorizations() and set(a.authorizations()) == {basic("historian", PASSWORD)}
    assert b.hits, "the redirect was not followed"
    assert b.authorizations() == [], b.hits
    assert not command.written()


# --- a total deadline, not a time limit per read ----------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, indirect=True)
def test_a_drip_is_cut_at_the_deadline(command):
    with hostile(behaviour(command.name, drip)) as srv:
        start = time.monotonic()
        res = command(srv.url + "/x", "--timeout", "3")
        took = time.monotonic() - start
    assert_clean_failure(res, "3 s passed (--timeout)", srv.url)
    # The drip lasts 60 s; a time limit per read (2 s apart) would never fire.
    assert took < 30, took
    assert not command.written()


# --- a size cap ----------------------------------------------------------------------------

@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command", COMMANDS, indirect=True)
def test_a_declared_huge_answer_is_refused_before_reading(command):
    with hostile(behaviour(command.name, declare_huge)) as srv:
        res = command(srv.url + "/x")
    assert_clean_failure(res, "the answer is too large: it declares 3,000,000,000 bytes",
                         "--max-response-mb")
    assert not command.written()


@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command", COMMANDS, indirect=True)
@pytest.mark.parametrize("answer", [stream_huge, redirect_with_huge_body],
                         ids=["answer", "redirect"])
def test_a_streamed_huge_answer_is_cut_at_the_cap(command, answer):
    with hostile(behaviour(command.name, answer)) as srv:
        res = command(srv.url + "/x", "--max-response-mb", "1")
    assert_clean_failure(res, "more than 1,048,576 bytes arrived; the limit is 1 MB")
    assert not command.written()


# --- garbage ------------------------------------------------------------------------------

NESTED = b"[" * 200_000 + b"]" * 200_000
TRUNCATED = EMPTY_JSON[:-9]
XML_RESULTS = (b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
               b'<head><variable name="n"/></head><results><result><binding name="n">'
               b'<literal datatype="http://www.w3.org/2001/XMLSchema#integer">7</literal>'
               b'</binding></result></results></sparql>')
HTML = (b"<!DOCTYPE html><html><head><title>Sign in - Campus Portal</title></head>"
        b"<body><form>...</form></body></html>")
ESC = (b'{"head": {"vars": ["name", "item", "how", "kindOk"]}, "results": {"bindings": ['
       b'{"name": {"type": "literal", "value": "Lenin\\u001b[2J"}, '
       b'"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q1"}}]}}')

JSON_GARBAGE = {
    "not UTF-8": (b"\xff\xfe\x00g\x00a\x00r\x00b\x00", JSON_TYPE,
                  "not SPARQL JSON results: Parser error at line 1 column 1: Unexpected byte"),
    "an HTML page": (HTML, "text/html; charset=utf-8",
                     "an HTML page instead of SPARQL results: \"Sign in - Campus Portal"),
    "truncated JSON": (TRUNCATED, JSON_TYPE, "not SPARQL JSON results: Parser error"),
    "XML where JSON was asked": (XML_RESULTS, XML_TYPE,
                                 "Content-Type: application/sparql-results+xml"),
    "deeply nested JSON": (NESTED, JSON_TYPE,
                           "not SPARQL JSON results: SPARQL JSON results must be an object"),
    "JSON of another shape": (b'{"results": 5}', "application/json",
                              "not SPARQL JSON results: SPARQL JSON results result must be"),
    "a control character": (ESC, JSON_TYPE, "the control character U+001B in ?name"),
}


@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command", ["link", "enrich"], indirect=True)
@pytest.mark.parametrize("case", sorted(JSON_GARBAGE))
def test_garbage_json_from_a_wikidata_endpoint(command, case):
    data, ctype, message = JSON_GARBAGE[case]
    if case == "a control character" and command.name == "enrich":
        data = data.replace(b'"name"', b'"description"')
        message = "the control character U+001B in ?description"
    with hostile(as_endpoint(lambda h: send(h, 200, data, ctype))) as srv:
        res = command(srv.url + "/sparql")
    text = assert_clean_failure(res, "the SPARQL endpoint failed", message, srv.url)
    assert "\x1b" not in res.stdout + res.stderr
    if case != "a control character":
        assert "unreadable answer" in text
    assert not command.written()


XML_GARBAGE = {
    "not UTF-8": (XML_RESULTS.replace(b">7<", b">\xff\xfe<"), XML_TYPE,
                  "not SPARQL XML results: cannot decode input using UTF-8"),
    "an HTML page": (HTML, "text/html", "an HTML page instead of SPARQL results"),
    "JSON where XML was asked": (EMPTY_JSON, JSON_TYPE,
                                 "not SPARQL XML results: Unexpected textual value"),
    "truncated XML": (XML_RESULTS[:-30], XML_TYPE, "not SPARQL XML results"),
}


@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command", ["query"], indirect=True)
@pytest.mark.parametrize("case", sorted(XML_GARBAGE))
def test_garbage_xml_from_an_endpoint(command, case):
    data, ctype, message = XML_GARBAGE[case]
    with hostile(as_endpoint(lambda h: send(h, 200, data, ctype))) as srv:
        res = command(srv.url + "/sparql")
    assert_clean_failure(res, f"{srv.url}/sparql failed on 08-dataset-statistics.rq", message)
    assert res.stdout == ""


@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command", ["load"], indirect=True)
@pytest.mark.parametrize("data, ctype, message", [
    (b"\xff\xfe<urn:a>", "application/n-triples", "Invalid UTF-8"),
    (HTML, "text/html", "an HTML page instead of RDF: \"Sign in - Campus Portal"),
    (TRIPLES[:-5], "application/n-triples", "not N-Triples or Turtle"),
], ids=["not UTF-8", "an HTML page", "truncated N-Triples"])
def test_garbage_from_a_graph_store(command, data, ctype, message):
    with hostile(as_store(lambda h: send(h, 200, data, ctype))) as srv:
        res = command(srv.url + "/store")
    assert_clean_failure(res, f"{srv.url}/store", message, "is --store the store's Graph Store")


@pytest.mark.slow   # runs the command in a subprocess
def test_a_count_that_is_not_a_number(dump):
    """`load --sparql`: the count query answered with a string."""
    answer = XML_RESULTS.replace(b'datatype="http://www.w3.org/2001/XMLSchema#integer">7',
                                 b">seven")
    with hostile(lambda h, srv: send(h, 204) if h.command == "PUT"
                 else send(h, 200, answer, XML_TYPE)) as srv:
        res = run("load", str(dump), "--store", srv.url + "/store", "--sparql",
                  srv.url + "/sparql")
    assert_clean_failure(res, f"{srv.url}/sparql answered the count of {GRAPH} with",
                         "not a number")


# --- refusals and broken connections ------------------------------------------------------

@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command, status, hint", [
    ("load", 401, "give --user and the password (PARTYKG_PASSWORD"),
    ("query", 403, "the account may not query this endpoint"),
    ("link", 403, "the account may not query this endpoint"),
    ("enrich", 401, "the endpoint wants credentials"),
], indirect=["command"])
def test_refusals_name_the_status_and_a_fix(command, status, hint):
    with hostile(lambda h, srv: send(h, status, b"<h1>Forbidden \x1b[31m zone</h1>",
                                     "text/html")) as srv:
        res = command(srv.url + "/x")
    text = assert_clean_failure(res, f"HTTP {status}", hint, "Forbidden")
    assert "\x1b" not in res.stdout + res.stderr and "<h1>" not in text
    assert not command.written()


@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command", COMMANDS, indirect=True)
def test_a_reset_connection(command):
    with hostile(behaviour(command.name, reset)) as srv:
        res = command(srv.url + "/x")
    assert_clean_failure(res, srv.url, "Connection reset by peer" if command.name != "load"
                         else "lost the connection to the store")
    assert not command.written()


@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command", COMMANDS, indirect=True)
def test_too_many_redirects(command):
    with hostile(lambda h, srv: send(h, 302, b"", "text/plain",
                                     (("Location", srv.url + h.path),))) as srv:
        res = command(srv.url + "/loop")
    assert_clean_failure(res, "too many redirects: more than 5")
    assert not command.written()


# --- passwords: never printed, never on argv unless asked -------------------------------------

@pytest.mark.slow   # runs the command in a subprocess
@pytest.mark.parametrize("command", COMMANDS, indirect=True)
def test_a_password_in_the_url_is_never_printed_or_written(command):
    """Nothing listens: the error names the URL without user or password."""
    with hostile(lambda h, srv: None) as srv:
        port = srv.port
    url = f"http://historian:{PASSWORD}@127.0.0.1:{port}/x"
    res = command(url)
    assert_clean_failure(res, f"http://127.0.0.1:{port}/x", "Connection refused")
    assert not command.written()


def store_with_basic(user: str, password: str):
    """A Graph Store that wants basic authentication and, like Virtuoso, closes the
    connection at once on a PUT without it; with it, it stores and counts."""
    def behave(h, srv):
        if h.headers.get("Authorization") != basic(user, password):
            if h.command == "PUT":
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                h.connection.close()
                return
            send(h, 401, b"", "text/plain", (("WWW-Authenticate", 'Basic realm="store"'),))
        elif h.command == "PUT":
            send(h, 201)
        else:
            send(h, 200, TRIPLES, "application/n-triples")
    return behave


@pytest.mark.slow   # runs the command in a subprocess
def test_the_password_from_the_environment(dump):
    """PARTYKG_PASSWORD: the scheme is learnt from a HEAD without a body, then the PUT
    carries the credentials (the store would close the connection otherwise)."""
    with hostile(store_with_basic("historian", PASSWORD)) as srv:
        res = run("load", str(dump), "--store", srv.url + "/store", "--user", "historian",
                  env={"PARTYKG_PASSWORD": PASSWORD})
    assert res.returncode == 0, text_of(res)
    assert [h.method for h in srv.hits] == ["HEAD", "PUT", "GET"]
    assert "Authorization" not in srv.hits[0].headers
    assert srv.hits[1].headers["Authorization"] == basic("historian", PASSWORD)
    assert PASSWORD not in res.stdout + res.stderr and "warning" not in res.stderr


@pytest.mark.slow   # runs the command in a subprocess
def test_the_password_on_the_command_line_works_with_a_warning(dump):
    with hostile(store_with_basic("historian", PASSWORD)) as srv:
        res = run("load", str(dump), "--store", srv.url + "/store", "--user", "historian",
                  "--password", PASSWORD)
    assert res.returncode == 0, text_of(res)
    assert "warning: --password on the command line shows in `ps`" in text_of(res)


@pytest.mark.slow   # runs the command in a subprocess
def test_the_password_from_netrc(dump, tmp_path):
    (tmp_path / ".netrc").write_text(f"machine 127.0.0.1 login historian password {PASSWORD}\n")
    (tmp_path / ".netrc").chmod(0o600)
    with hostile(store_with_basic("historian", PASSWORD)) as srv:
        res = run("load", str(dump), "--store", srv.url + "/store",
                  env={"HOME": str(tmp_path)})
    assert res.returncode == 0, text_of(res)
    assert srv.hits[1].headers["Authorization"] == basic("historian", PASSWORD)


@pytest.mark.slow   # runs the command in a subprocess
def test_no_password_without_a_terminal_is_a_clear_error(dump):
    with hostile(store_with_basic("historian", PASSWORD)) as srv:
        res = run("load", str(dump), "--store", srv.url + "/store", "--user", "historian")
    assert_clean_failure(res, "no password for the user 'historian'", "PARTYKG_PASSWORD")
    assert srv.hits == []


@pytest.mark.slow   # runs the command in a subprocess
def test_the_password_is_asked_on_a_terminal(dump):
    """On a terminal (a pseudo-terminal here), partykg asks, without echoing."""
    import pty
    with hostile(store_with_basic("historian", PASSWORD)) as srv:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARTYKG_")}
        pid, fd = pty.fork()
        if pid == 0:    # the child: partykg on the terminal
            os.execve(sys.executable, [sys.executable, "-m", "partykg.cli", "load", str(dump),
                                       "--store", srv.url + "/store", "--user", "historian"],
                      env)
        seen = b""
        deadline = time.monotonic() + 60
        while b"Password for historian:" not in seen and time.monotonic() < deadline:
            seen += os.read(fd, 1024)
        os.write(fd, PASSWORD.encode() + b"\n")
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, seen.decode(errors="replace")
    assert PASSWORD.encode() not in seen
    assert srv.hits[1].headers["Authorization"] == basic("historian", PASSWORD)


# --- digest, as Virtuoso asks for it --------------------------------------------------------

@pytest.mark.slow   # runs the command in a subprocess
def test_digest_authentication_learnt_and_sent_with_every_put(dump):
    """A store that wants digest authentication (RFC 7616, MD5, qop=auth) and closes the
    connection on a PUT without it: the challenge is learnt from a HEAD, every
    request then carries a valid digest answer."""
    realm, nonce = "store", "n0nce"
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731

    def valid(h) -> bool:
        value = h.headers.get("Authorization", "")
        if not value.startswith("Digest "):
            return False
        f = parse_keqv_list(parse_http_list(value[7:]))
        ha1 = md5(f"historian:{realm}:{PASSWORD}")
        ha2 = md5(f"{h.command}:{f['uri']}")
        want = md5(f"{ha1}:{nonce}:{f['nc']}:{f['cnonce']}:auth:{ha2}")
        return f["response"] == want and f["uri"] == h.path and f["username"] == "historian"

    def behave(h, srv):
        if not valid(h):
            if h.command == "PUT":
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                h.connection.close()
                return
            send(h, 401, b"", "text/plain", (("WWW-Authenticate",
                                              f'Digest realm="{realm}", nonce="{nonce}", '
                                              'qop="auth", algorithm=MD5'),))
        elif h.command == "PUT":
            send(h, 201)
        else:
            send(h, 200, TRIPLES, "application/n-triples")

    with hostile(behave) as srv:
        res = run("load", str(dump), "--store", srv.url + "/store", "--user", "historian",
                  env={"PARTYKG_PASSWORD": PASSWORD})
    assert res.returncode == 0, text_of(res)
    assert [h.method for h in srv.hits] == ["HEAD", "PUT", "GET"]
    assert all(h.headers.get("Authorization", "").startswith("Digest ") for h in srv.hits[1:])


@pytest.mark.slow   # runs the command in a subprocess
def test_a_malformed_digest_challenge(dump):
    with hostile(lambda h, srv: send(h, 401, b"", "text/plain",
                                     (("WWW-Authenticate", "Digest garbage"),))) as srv:
        res = run("load", str(dump), "--store", srv.url + "/store", "--user", "historian",
                  "--auth", "digest", env={"PARTYKG_PASSWORD": PASSWORD})
    assert_clean_failure(res, srv.url, "Digest")


# --- the client on its own ------------------------------------------------------------------

def test_redact_and_split_userinfo():
    from partykg.core.http import redact, split_userinfo
    assert redact(f"see http://u:{PASSWORD}@h:1/x and https://a:b@c/") == \
        "see http://u:***@h:1/x and https://a:***@c/"
    assert split_userinfo(f"http://u%40x:{PASSWORD}@h:1/x?q=1") == (
        "http://h:1/x?q=1", "u@x", PASSWORD)
    assert split_userinfo("http://h/x") == ("http://h/x", None, None)


def test_the_client_refuses_a_url_with_a_password():
    """The library too: a URL with a password is refused, not printed."""
    from partykg.core.errors import InputError
    from partykg.core.http import Client
    with Client(5) as client, pytest.raises(InputError) as exc:
        client.request("GET", f"http://u:{PASSWORD}@127.0.0.1:9/x")
    assert PASSWORD not in str(exc.value) and "u:***@" in str(exc.value)


def test_keep_alive_and_json_answers():
    """Several requests over one client reuse its connection; answers come back whole."""
    payload = json.dumps({"ok": True}).encode()
    from partykg.core.http import Client
    with hostile(lambda h, srv: send(h, 200, payload, "application/json"),
                 protocol="HTTP/1.1") as srv, Client(5) as client:
        answers = [client.request("GET", f"{srv.url}/{i}") for i in range(3)]
    assert [(a.status, json.loads(a.body)) for a in answers] == [(200, {"ok": True})] * 3
    assert [h.path for h in srv.hits] == ["/0", "/1", "/2"]
    assert len({h.client_port for h in srv.hits}) == 1      # one connection, kept alive


def test_the_client_keeps_credentials_to_their_origin():
    """In process (no subprocess): the same guarantee as the command-line cases."""
    from partykg.core.http import Client, Credentials
    with hostile(lambda h, srv: send(h, 200, b"{}", "application/json")) as b, \
            hostile(lambda h, srv: send(h, 308, b"", "text/plain",
                                        (("Location", b.url + "/moved"),))) as a:
        creds = Credentials.for_urls([a.url], "historian", PASSWORD, "basic")
        with Client(5, credentials=creds) as client:
            resp = client.request("POST", a.url + "/x", content=b"data")
            direct = client.request("GET", b.url + "/direct")
    assert resp.status == direct.status == 200 and resp.final_url == b.url + "/moved"
    assert a.authorizations() == [basic("historian", PASSWORD)]
    assert [h.path for h in b.hits] == ["/moved", "/direct"] and b.authorizations() == []


def test_the_client_deadline_is_for_the_whole_request():
    from partykg.core.http import Client, HttpError
    with hostile(lambda h, srv: drip(h, 20, every=0.3)) as srv, Client(1.5) as client:
        start = time.monotonic()
        with pytest.raises(HttpError) as exc:
            client.request("GET", srv.url)
        took = time.monotonic() - start
    assert exc.value.kind == "timeout" and "1.5 s passed" in str(exc.value)
    assert took < 10, took       # the drip goes on for 20 s, a byte every 0.3 s


def test_the_client_caps_every_body():
    from partykg.core.http import MB, Client, HttpError
    for answer in (stream_huge, redirect_with_huge_body, declare_huge):
        with hostile(lambda h, srv: answer(h)) as srv, Client(10, 1 * MB) as client:
            with pytest.raises(HttpError) as exc:
                client.request("GET", srv.url)
        assert exc.value.kind == "too-large", answer
