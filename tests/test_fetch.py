"""The polite, safe fetcher (issue #18, point 2) against a real threaded HTTP server on
127.0.0.1: conditional GET, robots.txt, timeouts, the size cap, redirects, gzip, the
User-Agent, the per-host interval, and the addresses it refuses (SSRF)."""

from __future__ import annotations

import gzip
import itertools
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from index.feeds import BlockedAddress, Fetcher, FetchError, FetchSettings, check_url

pytestmark = pytest.mark.unit  # a local server and the standard library: no model

PAGE = b"<html><body><p>Kherson, November 26: the city was shelled again.</p></body></html>"
ETAG = '"v1"'
MODIFIED = "Wed, 26 Nov 2025 10:00:00 GMT"


class Site(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[float, str, dict[str, str]]]] = []  # (time, path, headers)

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        Site.seen.append((time.monotonic(), self.path, dict(self.headers)))
        route = ROUTES.get(self.path.split("?")[0])
        if route is None:
            self._send(404, b"not here")
        else:
            route(self)

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _page(h: Site) -> None:
    if h.headers.get("If-None-Match") == ETAG or h.headers.get("If-Modified-Since") == MODIFIED:
        h._send(304, ETag=ETAG)
        return
    h._send(200, PAGE, Content_Type="text/html", ETag=ETAG, Last_Modified=MODIFIED)


def _gzipped(h: Site) -> None:
    h._send(200, gzip.compress(PAGE), Content_Type="text/html", Content_Encoding="gzip")


def _slow(h: Site) -> None:
    time.sleep(1.5)
    h._send(200, PAGE)


def _big(h: Site) -> None:
    h._send(200, b"x" * 5000)


def _big_undeclared(h: Site) -> None:
    h.send_response(200)
    h.end_headers()  # no Content-Length: the body streams until the connection closes
    h.wfile.write(b"x" * 5000)
    h.close_connection = True


BOMB = gzip.compress(b"\0" * 5_000_000)  # ~5 KB on the wire, 5 MB decoded


ROUTES = {
    "/bomb": lambda h: h._send(200, BOMB, Content_Encoding="gzip"),
    "/stacked": lambda h: h._send(
        200, gzip.compress(gzip.compress(PAGE)), Content_Encoding="gzip, gzip"
    ),
    "/page": _page,
    "/gz": _gzipped,
    "/slow": _slow,
    "/big": _big,
    "/big-stream": _big_undeclared,
    "/fail": lambda h: h._send(500, b"oops"),
    "/loop": lambda h: h._send(302, Location="/loop"),
    "/hop": lambda h: h._send(301, Location="/page"),
    "/to-metadata": lambda h: h._send(302, Location="http://169.254.169.254/latest/meta-data/"),
    "/private/secret": lambda h: h._send(200, b"robots said no"),
    "/robots.txt": lambda h: h._send(200, b"User-agent: *\nDisallow: /private/\n"),
}


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def fetcher(**overrides: object) -> Fetcher:
    base = {"fetch_allow_hosts": "127.0.0.1", "fetch_timeout_s": 0.5, "fetch_host_interval_s": 0}
    return Fetcher(FetchSettings(**{**base, **overrides}))  # type: ignore[arg-type]


def _kind(call: object) -> str:
    with pytest.raises(FetchError) as caught:
        call()  # type: ignore[operator]
    return caught.value.kind


def test_a_page_then_not_modified(site: str) -> None:
    f = fetcher()
    first = f.get(f"{site}/page")
    assert first.status == 200 and first.body == PAGE and first.etag == ETAG
    assert first.last_modified == MODIFIED
    again = f.get(f"{site}/page", etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b""
    sent = [h for _, path, h in Site.seen if path == "/page"][-1]
    assert sent["If-None-Match"] == ETAG and sent["User-Agent"].startswith("newsrag/")


def test_gzip_is_decoded_and_redirects_are_followed(site: str) -> None:
    f = fetcher()
    assert f.get(f"{site}/gz").body == PAGE
    hopped = f.get(f"{site}/hop")
    assert hopped.url.endswith("/page") and hopped.body == PAGE


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/slow", "timeout"),
        ("/big", "too_large"),
        ("/big-stream", "too_large"),
        ("/bomb", "too_large"),
        ("/stacked", "encoding"),
        ("/fail", "status"),
        ("/missing", "status"),
        ("/loop", "redirects"),
        ("/to-metadata", "blocked"),
        ("/private/secret", "robots"),
    ],
)
def test_each_failure_says_which_rule(site: str, path: str, kind: str) -> None:
    assert _kind(lambda: fetcher(fetch_max_bytes=1000).get(f"{site}{path}")) == kind


def test_loopback_needs_to_be_allowed(site: str) -> None:
    with pytest.raises(FetchError, match="NEWSRAG_FETCH_ALLOW_HOSTS") as caught:
        fetcher(fetch_allow_hosts="").get(f"{site}/page")
    assert caught.value.kind == "blocked"
    assert fetcher(fetch_allow_hosts="127.0.0.0/8").get(f"{site}/page").status == 200


def test_requests_to_one_host_keep_their_interval(site: str) -> None:
    f = fetcher(fetch_host_interval_s=0.3)
    start = len(Site.seen)
    for _ in range(3):
        f.get(f"{site}/gz")
    times = [t for t, path, _ in Site.seen[start:] if path == "/gz"]
    assert len(times) == 3 and min(b - a for a, b in itertools.pairwise(times)) >= 0.25


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://169.254.1.1/",
        "http://10.0.0.5/feed.xml",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[::1]:8080/",
        "http://0.0.0.0/",
        "http://[::ffff:169.254.169.254]/",
        "http://[2002:a9fe:a9fe::1]/",
        "http://[fec0::1]/",
        "file:///etc/passwd",
        "ftp://example.org/feed",
    ],
)
def test_addresses_that_are_never_fetched(url: str) -> None:
    with pytest.raises(BlockedAddress):
        check_url(url, resolve=False)


def test_metadata_stays_refused_even_when_its_range_is_allowed() -> None:
    with pytest.raises(BlockedAddress, match="metadata"):
        check_url("http://169.254.169.254/", allow_hosts="169.254.0.0/16", resolve=False)
    assert check_url("http://10.1.2.3/", allow_hosts="10.0.0.0/8", resolve=False)
    assert check_url("http://8.8.8.8/", resolve=False)
