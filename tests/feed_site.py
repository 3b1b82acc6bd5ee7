"""A fixture web site for feed tests: a threaded HTTP server on 127.0.0.1 whose pages (path →
status, body, content type) a test sets and changes between passes. Every 200 carries an ETag
of its body and a matching ``If-None-Match`` gets a 304, as a real site's conditional GET does;
``hits`` counts the requests per path, ``not_modified`` the 304s it answered per path."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FixtureSite:
    base: str = ""
    pages: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, body: str | bytes, kind: str = "text/html", status: int = 200) -> None:
        self.pages[path] = (status, body.encode() if isinstance(body, str) else body, kind)


def _handler(site: FixtureSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site.hits[self.path] += 1
            status, body, kind = site.pages.get(self.path, (404, b"not here", "text/plain"))
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                site.not_modified[self.path] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if status == 200:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def fixture_site() -> Iterator[FixtureSite]:
    site = FixtureSite()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
