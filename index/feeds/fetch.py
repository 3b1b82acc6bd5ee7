"""A polite, safe HTTP fetcher for feeds and article pages.

Polite: a clear User-Agent, robots.txt honoured (cached per host, its own redirects followed),
conditional GET (``If-None-Match`` / ``If-Modified-Since``: a 304 costs no body), at most
``fetch_host_concurrency`` requests to one host at a time and ``fetch_host_interval_s`` between
their starts. Safe: every hop's address is checked (``index.feeds.addresses``) and the
connection goes to the very address that was checked (the URL carries it, the Host header and
TLS SNI the name), so a name cannot resolve to a public address for the check and a private one
for the request; redirects are followed by hand and bounded; the body is decoded here, one
gzip or deflate layer at most, and cut off past ``fetch_max_bytes`` *decoded* bytes (declared
or counted, a compression bomb stops at the cap); a request has one wall-clock deadline
(``fetch_timeout_s``) for its connect, headers and body together (``index.feeds.deadline``).
Bodies are bytes in memory: nothing here, nor in the parsers after it, opens a path. Every
failure is a ``FetchError`` whose ``kind`` says which rule (for a feed's error record and back-off).
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from index.feeds.addresses import IP, BlockedAddress, check_url
from index.feeds.deadline import DeadlineBackend
from index.feeds.settings import FetchSettings

REDIRECTS = frozenset({301, 302, 303, 307, 308})
ROBOTS_TTL_S = 3600.0
DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


Pinned = tuple[str, dict[str, str], dict[str, str]]  # the URL with its checked IP, Host, SNI


class FetchError(RuntimeError):
    """A fetch that failed; ``kind`` is one of: blocked, robots, timeout, too_large,
    redirects, status, encoding, network."""

    def __init__(self, kind: str, url: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {detail}")
        self.kind, self.url, self.status = kind, url, status


@dataclass(frozen=True)
class FetchResult:
    url: str  # after redirects
    status: int  # 200, or 304 with ``not_modified``
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # a redirect's target (only while following it)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class _Host:
    slots: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)  # guards next_start
    robots_lock: threading.Lock = field(default_factory=threading.Lock)  # one robots.txt read
    next_start: float = 0.0
    robots: RobotFileParser | None = None
    robots_until: float = 0.0


class Fetcher:
    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        s = self.settings
        self._clock = DeadlineBackend()
        transport = httpx.HTTPTransport()
        transport._pool._network_backend = self._clock  # httpx has no argument for it
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(s.fetch_timeout_s),
            headers={"User-Agent": s.fetch_user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # no proxy from the environment: the address checks must hold
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def get(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """The page at ``url`` (following redirects), or 304 when it did not change."""
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        return self._follow(url, conditional, robots=True)

    def allowed_by_robots(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return True
        host = self._host(url)
        with host.robots_lock:
            if host.robots is None or time.monotonic() > host.robots_until:
                host.robots = self._robots(f"{parts.scheme}://{_host_key(url)}/robots.txt")
                host.robots_until = time.monotonic() + ROBOTS_TTL_S
            robots = host.robots
        return robots.can_fetch(self.settings.fetch_user_agent, url)

    def _follow(self, url: str, conditional: dict[str, str], robots: bool) -> FetchResult:
        """Redirects by hand: each hop checked (address, robots), the conditional headers
        sent to the first URL only, loops and long chains refused."""
        seen = [url]
        headers = conditional
        for _ in range(self.settings.fetch_max_redirects + 1):
            pinned = self._pinned(url)  # first: a blocked host's robots.txt is not asked
            if robots and not self.allowed_by_robots(url):
                raise FetchError("robots", url, "disallowed by the site's robots.txt")
            response = self._request(url, headers, pinned)
            if response.status not in REDIRECTS:
                return response
            target = urljoin(url, response.location or "")
            if target in seen:
                raise FetchError("redirects", url, f"redirect loop back to {target}")
            seen.append(target)
            url, headers = target, {}
        limit = self.settings.fetch_max_redirects
        raise FetchError("redirects", seen[0], f"more than {limit} redirects")

    def _robots(self, url: str) -> RobotFileParser:
        """The site's rules (RFC 9309): none when it has no robots.txt (any 4xx), all
        disallowed while it cannot be read (5xx, a timeout, a network error)."""
        robots = RobotFileParser(url)
        try:
            result = self._follow(url, {}, robots=False)
        except FetchError as exc:
            unavailable = exc.kind == "status" and 400 <= (exc.status or 0) < 500
            robots.parse([] if unavailable else ["User-agent: *", "Disallow: /"])
            return robots
        robots.parse(result.body.decode("utf-8", "replace").splitlines())
        return robots

    def _pinned(self, url: str) -> Pinned:
        """The URL with the checked address in place of the name, the Host header and SNI."""
        try:
            addresses = check_url(url, self.settings.fetch_allow_hosts)
        except BlockedAddress as exc:
            raise FetchError("blocked", url, str(exc).split(": ", 1)[-1]) from None
        parts = urlsplit(url)
        host = parts.hostname or ""
        literal = _literal(addresses[0])
        netloc = literal + (f":{parts.port}" if parts.port else "")
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        return pinned, {"Host": _host_key(url)}, {"sni_hostname": host}

    def _host(self, url: str) -> _Host:
        key = _host_key(url)
        with self._hosts_lock:
            if key not in self._hosts:
                slots = threading.Semaphore(max(1, self.settings.fetch_host_concurrency))
                self._hosts[key] = _Host(slots)
            return self._hosts[key]

    @contextmanager
    def _turn(self, url: str) -> Iterator[None]:
        """Wait for a slot at the host and for its interval since the last start."""
        host = self._host(url)
        with host.slots:
            with host.lock:
                start = max(time.monotonic(), host.next_start)
                host.next_start = start + self.settings.fetch_host_interval_s
            time.sleep(max(0.0, start - time.monotonic()))
            yield

    def _request(self, url: str, headers: dict[str, str], to: Pinned) -> FetchResult:
        """GET ``url`` at the address ``_pinned`` checked for it (resolved once per hop)."""
        pinned, host, sni = to
        timeout = self.settings.fetch_timeout_s
        try:
            with self._turn(url):
                deadline = time.monotonic() + timeout  # from the host's turn, not before it
                request = self._client.build_request(
                    "GET", pinned, headers={**headers, **host}, extensions=sni
                )
                with self._clock.until(deadline):
                    response = self._client.send(request, stream=True)
                    try:
                        return self._read(url, response, deadline)
                    finally:
                        response.close()
        except httpx.TimeoutException:
            raise FetchError("timeout", url, f"no answer within {timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError("network", url, f"{type(exc).__name__}: {exc}") from None

    def _read(self, url: str, response: httpx.Response, deadline: float) -> FetchResult:
        status = response.status_code
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if status in REDIRECTS:
            location = response.headers.get("location", "")
            if not location:
                raise FetchError("redirects", url, "a redirect without a Location")
            return FetchResult(url, status, location=location)
        if status == 304:
            return FetchResult(url, 304, etag=etag, last_modified=modified)
        if status >= 400:
            raise FetchError("status", url, f"HTTP {status}", status)
        body = self._body(url, response, deadline)
        content_type = response.headers.get("content-type", "")
        return FetchResult(url, status, body, content_type, etag, modified)

    def _body(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        """The decoded body, at most ``fetch_max_bytes`` of it, before the deadline."""
        limit = self.settings.fetch_max_bytes
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("identity", "") and declared.isdigit() and int(declared) > limit:
            raise FetchError("too_large", url, f"{declared} bytes, over {limit}")
        if encoding not in ("identity", "") and encoding not in DECODERS:
            raise FetchError("encoding", url, f"content encoding {encoding!r} is not read")
        decoder = zlib.decompressobj(DECODERS[encoding]) if encoding in DECODERS else None
        body = bytearray()
        for raw in response.iter_raw():
            if time.monotonic() > deadline:
                raise FetchError("timeout", url, "the body took too long")
            try:  # never more than the cap (plus one byte) out of any chunk
                room = limit - len(body) + 1
                body += decoder.decompress(raw, room) if decoder else raw
            except zlib.error as exc:
                raise FetchError("encoding", url, f"bad {encoding} data ({exc})") from None
            if len(body) > limit:
                raise FetchError("too_large", url, f"over {limit} bytes")
        if decoder is not None:
            body += decoder.flush(limit - len(body) + 1)
            if len(body) > limit:
                raise FetchError("too_large", url, f"over {limit} bytes")
        return bytes(body)


def _host_key(url: str) -> str:
    """``host[:port]`` without any user info: the per-host limits and the Host header."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{parts.port}" if parts.port else host


def _literal(address: IP) -> str:
    return f"[{address}]" if address.version == 6 else str(address)
