"""The one HTTP client of partykg: Graph Store Protocol loads, remote SPARQL
endpoints, Wikidata and the server load test all send their requests here.

Built on httpx (https://www.python-httpx.org/), with four guarantees that
every caller gets without asking:

* Credentials go only to the origins (scheme, host, port) of the URLs the user
  named, never to another host a redirect points at: httpx drops the
  Authorization header on a cross-origin redirect, and a request hook removes
  it once more from any request to another origin (defence in depth: the rule
  must hold whatever the auth flow or a redirect does). A password written
  into a URL (``http://user:pw@host/``) is taken out of it at once, used like
  ``--password``, and never printed: every URL in a message is redacted.
* A total deadline per request (connecting, sending, waiting and reading
  together), not a time limit per read: a server that sends a byte every two
  seconds is cut at the deadline. httpx has no total timeout (encode/httpx#1450,
  where its authors suggest a timeout around the async call), so requests run
  on httpx's AsyncClient inside ``asyncio.timeout``, each on one event loop per
  client (``asyncio.Runner``) so that connections are kept alive between
  requests.
* A cap on the size of every answer, also of the bodies httpx reads on its own
  (a redirect's, a 401 challenge's): a response hook wraps every body in a
  stream that counts the bytes as they arrive and stops at the cap; a
  Content-Length above it is refused before reading.
* Clean errors: every failure is an :class:`HttpError` (an InputError, so the
  command exits with code 2) with the redacted URL, what happened and a hint;
  answers are decoded and parsed by the callers through :class:`Response`,
  whose helpers turn garbage into the same kind of error.

Authentication: basic or digest (httpx.BasicAuth and httpx.DigestAuth, the
library's own), chosen by the server's challenge (``auto``) or forced. A store
that wants credentials may answer a request with a body by closing the
connection before the body is sent (Virtuoso does), so the client never sees
the challenge: before the first request with a body, the scheme is learnt
from a HEAD request without one, and from then on every request carries its
Authorization header pre-emptively (DigestAuth reuses the last challenge;
when the nonce goes stale, the store's new challenge is answered once).
"""

from __future__ import annotations

import asyncio
import netrc
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import AsyncIterator, Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from partykg import __version__
from partykg.core.errors import InputError, Problem

USER_AGENT = f"partykg/{__version__} (https://w3id.org/partykg/)"
MB = 1024 * 1024
DEFAULT_MAX_BYTES = 512 * MB     # GSP counts, query results
MAX_REDIRECTS = 5
SCHEMES = ("auto", "basic", "digest")

# http://user:secret@host/ -> http://user:***@host/ (also inside longer texts)
_USERINFO_RE = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/\s:@]*):[^@\s/]*@")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _USERINFO_RE.sub(lambda m: f"{m['scheme']}{m['user']}:***@", str(text))


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """(the URL without user and password, user, password)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, sep, password = userinfo.partition(":")
    return (urlunsplit(parts._replace(netloc=hostport)), unquote(user) or None,
            unquote(password) if sep else None)


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    u = httpx.URL(str(url)) if not isinstance(url, httpx.URL) else url
    port = u.port if u.port is not None else {"http": 80, "https": 443}.get(u.scheme)
    return u.scheme, u.host.lower(), port


def netrc_login(url: str, user: str | None = None, path: str | None = None
                ) -> tuple[str, str] | None:
    """(login, password) for the URL's host from ~/.netrc (or ``path``, or
    $NETRC), or None. With ``user``, only an entry for that login counts."""
    file = path or os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(file):
        return None
    try:
        entry = netrc.netrc(file).authenticators(urlsplit(url).hostname or "")
    except (netrc.NetrcParseError, OSError) as exc:
        raise InputError(Problem(file, getattr(exc, "lineno", 0) or 0,
                                 f"cannot read the netrc file: {getattr(exc, 'msg', exc)}",
                                 "fix the file (`machine HOST login USER password PW`), "
                                 "or give the password in PARTYKG_PASSWORD")) from None
    if entry is None:
        return None
    login, _, password = entry
    if (user is not None and login != user) or password is None:
        return None
    return login, password


@dataclass(frozen=True)
class Credentials:
    """Who to authenticate as, how, and the only origins the password may go to."""

    user: str
    password: str = field(repr=False)
    scheme: str = "auto"                      # auto | basic | digest
    origins: frozenset = frozenset()

    @classmethod
    def for_urls(cls, urls: Iterable[str], user: str, password: str,
                 scheme: str = "auto") -> Credentials:
        return cls(user, password, scheme, frozenset(origin(u) for u in urls))


class HttpError(InputError):
    """A request failed: unreachable, too slow, too large, refused or garbage.

    ``kind`` is one of connect, timeout, lost, too-large, redirects, protocol,
    url, status, garbage; ``detail`` the reason in a few words (the OS's
    "Connection refused", the parser's message, the body's first words)."""

    def __init__(self, url: str, kind: str, detail: str, hint: str = "",
                 status: int | None = None, secrets: Iterable[str] = ()):
        self.url, self.kind, self.status = redact(url), kind, status
        self.detail = _scrub(redact(detail), secrets)
        self.hint = _scrub(hint, secrets)
        super().__init__(Problem(self.url, 0, self.message, self.hint))

    @property
    def message(self) -> str:
        """What happened, without the URL (the Problem names it)."""
        return {
            "connect": f"cannot connect: {self.detail}",
            "timeout": f"no complete answer within the deadline: {self.detail}",
            "lost": f"the connection was lost: {self.detail}",
            "too-large": f"the answer is too large: {self.detail}",
            "redirects": f"too many redirects: {self.detail}",
            "protocol": f"the server does not speak HTTP correctly: {self.detail}",
            "url": f"not a usable URL: {self.detail}",
            "status": f"HTTP {self.status}" + (f": {self.detail}" if self.detail else ""),
            "garbage": f"unreadable answer: {self.detail}",
        }.get(self.kind, self.detail)

    def __str__(self) -> str:
        return f"{self.url}: {self.message}"


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def printable(text: str, limit: int = 300) -> str:
    """One line of a server's text fit for a terminal: control and format
    characters (ESC, bidi overrides) shown as U+FFFD, whitespace collapsed."""
    text = "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")
                   and not ch.isspace() else ch for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."


@dataclass
class Response:
    """A complete answer, read within the deadline and the size cap."""

    url: str                  # the URL asked (redacted), for messages
    status: int
    headers: httpx.Headers
    body: bytes
    final_url: str = ""       # after redirects (redacted)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def excerpt(self, limit: int = 300) -> str:
        """The body's first words, printable, for an error message."""
        text = self.body[:4 * limit].decode("utf-8", "replace")
        if "html" in self.media_type or text.lstrip()[:1] == "<":
            title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
            text = re.sub(r"<[^>]*>", " ", text)
            if title:
                text = title.group(1) + " - " + text
        return _scrub(printable(text, limit), self.secrets)

    def garbage(self, detail: str, hint: str) -> HttpError:
        """An error for an answer that cannot be read as what was asked."""
        ctype = self.headers.get("content-type")
        shown = printable(ctype, 80) if ctype else "none"
        what = f"{detail} (HTTP {self.status}, Content-Type: {shown}"
        if self.final_url and self.final_url != self.url:
            what += f", redirected to {self.final_url}"
        return HttpError(self.url, "garbage", what + ")", hint, self.status, self.secrets)

    def refused(self, hint: str) -> HttpError:
        """An error for a status of 400 or above, with the body's first words."""
        return HttpError(self.url, "status", self.excerpt(), hint, self.status, self.secrets)


# --- every body bounded ----------------------------------------------------------------

class _TooLarge(Exception):
    def __init__(self, size: int, declared: bool):
        self.size, self.declared = size, declared


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, cap: int):
        self.inner, self.cap, self.seen = inner, cap, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.seen += len(chunk)
            if self.seen > self.cap:
                raise _TooLarge(self.seen, False)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


# --- authentication ----------------------------------------------------------------------

class _BadChallenge(Exception):
    """The server's WWW-Authenticate header cannot be read."""


class _Auth(httpx.Auth):
    """Credentials sent only to their origins, in the scheme the server asks for."""

    def __init__(self, creds: Credentials):
        self.creds = creds
        self.inner: httpx.Auth | None = None
        if creds.scheme == "basic":
            self.inner = httpx.BasicAuth(creds.user, creds.password)
        elif creds.scheme == "digest":
            self.inner = httpx.DigestAuth(creds.user, creds.password)
        self.probed = creds.scheme == "basic"     # basic needs no challenge

    def _learn(self, request: httpx.Request, response: httpx.Response) -> bool:
        """Take the scheme (and a digest challenge) from a 401; True when learnt."""
        if response.status_code != 401:
            return False
        offered = [h.split(None, 1)[0].lower() for h in
                   response.headers.get_list("www-authenticate") if h.strip()]
        if "digest" in offered and self.creds.scheme in ("auto", "digest"):
            digest = self.inner if isinstance(self.inner, httpx.DigestAuth) else \
                httpx.DigestAuth(self.creds.user, self.creds.password)
            flow = digest.auth_flow(request)
            next(flow)                  # the request as it was sent
            try:
                flow.send(response)     # reads the challenge, which DigestAuth keeps
            except StopIteration:
                return False
            except (ValueError, KeyError, httpx.ProtocolError):
                raise _BadChallenge(printable(", ".join(
                    response.headers.get_list("www-authenticate")), 120)) from None
            finally:
                flow.close()
            self.inner = digest
            return True
        if "basic" in offered and self.creds.scheme in ("auto", "basic"):
            self.inner = httpx.BasicAuth(self.creds.user, self.creds.password)
            return True
        return False

    def auth_flow(self, request: httpx.Request):
        if origin(request.url) not in self.creds.origins:
            yield request
            return
        if not self.probed and (request.method not in ("GET", "HEAD")
                                or request.headers.get("content-length", "0") != "0"):
            # Learn the scheme from a request without a body first (see the module).
            self.probed = True
            probe = httpx.Request("HEAD", request.url, headers={
                "User-Agent": request.headers.get("User-Agent", USER_AGENT)})
            self._learn(probe, (yield probe))
        if self.inner is None:
            response = yield request
            if not self._learn(request, response):
                return
        try:
            yield from self.inner.auth_flow(request)
        except (ValueError, KeyError, httpx.ProtocolError):   # DigestAuth on a new challenge
            raise _BadChallenge("a WWW-Authenticate header that httpx cannot read") from None


def resolve_credentials(urls: list[str], user: str | None, password: str | None,
                        scheme: str = "auto", prompt=None
                        ) -> tuple[list[str], Credentials | None]:
    """The URLs without any user:password in them, and the credentials to use.

    The user is ``user`` (--user) or the one in a URL; the password, first
    found: ``password`` (--password or PARTYKG_PASSWORD), the one in the URL,
    the ~/.netrc entry of the first URL's host for that user, ``prompt(user)``
    (given only on a terminal). Without a user, a ~/.netrc entry for the host
    gives both. Credentials go only to the origins of ``urls``."""
    clean: list[str] = []
    url_user = url_password = None
    for url in urls:
        c, u, p = split_userinfo(url)
        clean.append(c)
        if u is not None and url_user is None:
            url_user, url_password = u, p
    if user is None:
        user = url_user
        if password is None:
            password = url_password
    elif password is None and url_user == user:
        password = url_password
    if user is None:
        if password is not None:
            raise InputError(Problem("--password", 0, "a password without a user",
                                     "give --user too"))
        found = netrc_login(clean[0]) if clean else None
        if found is None:
            return clean, None
        user, password = found
    if password is None:
        found = netrc_login(clean[0], user) if clean else None
        if found is not None:
            password = found[1]
        elif prompt is not None:
            password = prompt(user)
        else:
            raise InputError(Problem("--user", 0, f"no password for the user '{user}'",
                                     "set the environment variable PARTYKG_PASSWORD (or add "
                                     "the host to ~/.netrc); run on a terminal to be asked "
                                     "for it"))
    return clean, Credentials.for_urls(clean, user, password, scheme)


# --- the client ------------------------------------------------------------------------

def _reason(exc: BaseException) -> str:
    """The most telling words of a network error: the OS's, if any."""
    seen: list[BaseException] = []
    x: BaseException | None = exc
    while x is not None and x not in seen:
        seen.append(x)
        x = x.__cause__ or x.__context__
    for e in reversed(seen):
        if isinstance(e, OSError) and e.errno:
            return os.strerror(e.errno)
    for e in seen:
        if str(e):
            return str(e)
    return type(exc).__name__


class Client:
    """One client for a run: use it as a context manager, or close() it.

    ``timeout``: the total deadline of one request in seconds; ``max_bytes``:
    the largest answer read; ``credentials``: sent only to their origins.
    One client serves one thread."""

    def __init__(self, timeout: float = 60.0, max_bytes: int = DEFAULT_MAX_BYTES,
                 credentials: Credentials | None = None, user_agent: str = USER_AGENT,
                 max_redirects: int = MAX_REDIRECTS):
        if not timeout or timeout <= 0:
            raise ValueError("the timeout must be a positive number of seconds")
        self.timeout, self.max_bytes, self.credentials = float(timeout), int(max_bytes), credentials
        self.user_agent, self.max_redirects = user_agent, max_redirects
        self._runner: asyncio.Runner | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.credentials.password,) if self.credentials else ()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._runner is not None:
            if self._client is not None:
                self._runner.run(self._client.aclose())
            self._runner.close()
        self._runner = self._client = None

    def _make(self) -> httpx.AsyncClient:
        creds = self.credentials

        async def strip_foreign_credentials(request: httpx.Request) -> None:
            if creds is None or origin(request.url) not in creds.origins:
                request.headers.pop("Authorization", None)

        async def cap_body(response: httpx.Response) -> None:
            # httpx calls this for every response, also those whose bodies it reads
            # itself (a redirect's, a 401's), where no caller could count the bytes.
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise _TooLarge(int(length), True)
            response.stream = _CappedStream(response.stream, self.max_bytes)

        return httpx.AsyncClient(
            auth=_Auth(creds) if creds else None,
            # A total deadline is enforced around each request; no single step may
            # wait longer than it either.
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=True, max_redirects=self.max_redirects,
            # Uncompressed answers: the size cap then bounds what is held in memory.
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "identity"},
            event_hooks={"request": [strip_foreign_credentials], "response": [cap_body]},
            trust_env=True)

    def request(self, method: str, url: str, *, params=None, data=None,
                content: bytes | None = None, headers: dict[str, str] | None = None
                ) -> Response:
        """Send one request and read the whole answer (any status); network
        failures, the deadline and the size cap raise HttpError."""
        clean, user, password = split_userinfo(url)
        if user is not None or password is not None:
            raise HttpError(redact(url), "url", "the URL holds a user name or password",
                            "give the URL without them, and the user with --user "
                            "(the password in PARTYKG_PASSWORD)", secrets=[password or ""])
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(self._send(method, clean, params, data, content, headers))

    async def _send(self, method, url, params, data, content, headers) -> Response:
        if self._client is None:
            self._client = self._make()
        shown, secrets = redact(url), self.secrets
        try:
            async with asyncio.timeout(self.timeout):
                async with self._client.stream(method, url, params=params, data=data,
                                               content=content, headers=headers) as resp:
                    chunks, size = [], 0
                    async for chunk in resp.aiter_bytes():
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise _TooLarge(size, False)
                        chunks.append(chunk)
                    return Response(shown, resp.status_code, resp.headers, b"".join(chunks),
                                    redact(str(resp.url)), secrets)
        except (TimeoutError, httpx.TimeoutException):
            raise HttpError(shown, "timeout", f"{self.timeout:g} s passed (--timeout)",
                            "the server is stalled or very slow; raise --timeout if it is "
                            "only slow", secrets=secrets) from None
        except _TooLarge as exc:
            size = (f"it declares {exc.size:,} bytes" if exc.declared
                    else f"more than {self.max_bytes:,} bytes arrived")
            raise HttpError(shown, "too-large", f"{size}; the limit is "
                            f"{self.max_bytes / MB:g} MB", "check the URL; raise "
                            "--max-response-mb if an answer this large is expected",
                            secrets=secrets) from None
        except _BadChallenge as exc:
            raise HttpError(shown, "protocol", f"its authentication challenge cannot be "
                            f"read: {exc}", "check --auth (basic or digest) and the URL",
                            secrets=secrets) from None
        except httpx.TooManyRedirects:
            raise HttpError(shown, "redirects", f"more than {self.max_redirects}",
                            "check the URL: the server sends the request in a circle",
                            secrets=secrets) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise HttpError(shown, "url", str(exc), "give an http:// or https:// URL",
                            secrets=secrets) from None
        except httpx.ConnectError as exc:
            raise HttpError(shown, "connect", _reason(exc), "is the server running, and "
                            "is the URL right?", secrets=secrets) from None
        except httpx.RemoteProtocolError as exc:
            reason = _reason(exc)
            kind = "lost" if "disconnect" in reason.lower() or "closed" in reason.lower() \
                else "protocol"
            raise HttpError(shown, kind, reason, "is the server still running? see its "
                            "log", secrets=secrets) from None
        except (httpx.ProtocolError, httpx.DecodingError) as exc:
            raise HttpError(shown, "protocol", _reason(exc), "is the URL right? see the "
                            "server's log", secrets=secrets) from None
        except (httpx.TransportError, OSError) as exc:
            raise HttpError(shown, "lost", _reason(exc), "is the server still running? "
                            "see its log", secrets=secrets) from None
