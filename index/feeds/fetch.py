"""A polite, safe HTTP fetcher for feeds and article pages.

Polite: a clear User-Agent, robots.txt honoured (cached per host), conditional GET
(``If-None-Match`` / ``If-Modified-Since``: a 304 costs no body), at most
``fetch_host_concurrency`` requests to one host at a time and ``fetch_host_interval_s`` between
their starts. Safe: every hop's address is checked (``index.feeds.addresses``), redirects are
followed by hand and bounded, a body larger than ``fetch_max_bytes`` is cut off (declared or
streamed), each request has a timeout, gzip and deflate are decoded. Every failure is a
``FetchError`` whose ``kind`` says which rule (for a feed's error record and back-off).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from index.feeds.addresses import BlockedAddress, check_url
from index.feeds.settings import FetchSettings

REDIRECTS = frozenset({301, 302, 303, 307, 308})
ROBOTS_TTL_S = 3600.0


class FetchError(RuntimeError):
    """A fetch that failed; ``kind`` is one of: blocked, robots, timeout, too_large,
    redirects, status, network."""

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
        self._client = httpx.Client(
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
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = [url]
        for _ in range(self.settings.fetch_max_redirects + 1):
            self._check(url)
            if not self.allowed_by_robots(url):
                raise FetchError("robots", url, "disallowed by the site's robots.txt")
            response = self._request(url, headers)
            if response.status not in REDIRECTS:
                return response
            target = urljoin(url, response.location or "")
            if target in seen:
                raise FetchError("redirects", url, f"redirect loop back to {target}")
            seen.append(target)
            url = target
        raise FetchError(
            "redirects", seen[0], f"more than {self.settings.fetch_max_redirects} redirects"
        )

    def allowed_by_robots(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return True
        host = self._host(url)
        with host.robots_lock:
            if host.robots is None or time.monotonic() > host.robots_until:
                host.robots = self._robots(f"{parts.scheme}://{parts.netloc}/robots.txt")
                host.robots_until = time.monotonic() + ROBOTS_TTL_S
            robots = host.robots
        return robots.can_fetch(self.settings.fetch_user_agent, url)

    def _robots(self, url: str) -> RobotFileParser:
        """The site's rules (RFC 9309): none when it has no robots.txt (any 4xx), all
        disallowed while it cannot be read (5xx, a timeout, a network error)."""
        robots = RobotFileParser(url)
        try:
            result = self._request(url, {})
        except FetchError as exc:
            unavailable = exc.kind == "status" and 400 <= (exc.status or 0) < 500
            robots.parse([] if unavailable else ["User-agent: *", "Disallow: /"])
            return robots
        robots.parse(result.body.decode("utf-8", "replace").splitlines())
        return robots

    def _check(self, url: str) -> None:
        try:
            check_url(url, self.settings.fetch_allow_hosts)
        except BlockedAddress as exc:
            raise FetchError("blocked", url, str(exc).split(": ", 1)[-1]) from None

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
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

    def _request(self, url: str, headers: dict[str, str]) -> FetchResult:
        limit = self.settings.fetch_max_bytes
        try:
            with self._turn(url), self._client.stream("GET", url, headers=headers) as response:
                if response.status_code in REDIRECTS:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError("redirects", url, "a redirect without a Location")
                    return FetchResult(url, response.status_code, location=location)
                if response.status_code == 304:
                    return FetchResult(
                        url, 304, etag=etag_of(response), last_modified=modified_of(response)
                    )
                if response.status_code >= 400:
                    raise FetchError(
                        "status", url, f"HTTP {response.status_code}", response.status_code
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError("too_large", url, f"{declared} bytes, over {limit}")
                body = bytearray()
                for block in response.iter_bytes():
                    body += block
                    if len(body) > limit:
                        raise FetchError("too_large", url, f"over {limit} bytes")
                return FetchResult(
                    str(response.url),
                    response.status_code,
                    bytes(body),
                    response.headers.get("content-type", ""),
                    etag_of(response),
                    modified_of(response),
                )
        except httpx.TimeoutException:
            raise FetchError(
                "timeout", url, f"no answer within {self.settings.fetch_timeout_s:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise FetchError("network", url, f"{type(exc).__name__}: {exc}") from None


def etag_of(response: httpx.Response) -> str | None:
    return response.headers.get("etag")


def modified_of(response: httpx.Response) -> str | None:
    return response.headers.get("last-modified")
