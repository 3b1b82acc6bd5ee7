"""Checks every request passes before any route (the API, the pages, the mounted Gradio app).

- **Host** (DNS rebinding): a page whose name an attacker re-points at 127.0.0.1 sends its own
  name as ``Host``. Only loopback names (``localhost``, ``127.0.0.0/8``, ``::1``), the address
  the server binds when it is a concrete one, and the names in ``NEWSRAG_ALLOWED_HOSTS``
  (comma-separated; ``*`` turns the check off) are answered; any other is 400 ``bad_host``.
- **Methods**: ``TRACE``, ``CONNECT`` and methods no route serves are 405 with ``Allow``, in the
  documented ``{error, detail}`` shape (not the mounted app's own body).
- **Sizes**: a path and query over ``MAX_URL_BYTES`` is 414 ``uri_too_long``, headers over
  ``MAX_HEADER_BYTES`` in all 431 ``request_header_fields_too_large`` (``ui.http.protocol``
  refuses much larger ones already, in the same shape, before they are read whole).
- **Gradio's routes that store files** follow the write rule (``ui.http.upload_guard``); the
  page ``GET /`` gives the browser the page key they take instead of the token.
"""

from __future__ import annotations

from ui.http.asgi import ASGIApp, Message, Receive, Scope, Send, headers_of, refuse
from ui.http.hosts import allowed_hosts, host_name, is_loopback
from ui.http.protocol import (
    HEADERS_TOO_LARGE,
    MAX_HEADER_BYTES,
    MAX_URL_BYTES,
    URL_TOO_LONG,
)
from ui.http.upload_guard import WRITE_PATHS, FileCounter, UploadGuard
from ui.settings import Settings

SERVED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ALLOW = "GET, HEAD, POST, DELETE, OPTIONS"
PAGE_PATHS = frozenset({"/"})  # the chat page (any query string)


class RequestGuard:
    """Pure ASGI middleware (it must see the mounted Gradio app's requests too)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = allowed_hosts(settings.server)
        self.uploads = UploadGuard(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = headers_of(scope)
        problem = self.problem(scope, headers)
        if problem is not None:
            await refuse(scope, send, *problem)
        elif scope["type"] == "http" and scope["path"] in WRITE_PATHS:
            await self.store_files(scope, receive, send, headers)
        elif scope["type"] == "http" and scope["path"] in PAGE_PATHS:
            await self.app(scope, receive, self.with_page_key(scope, send))
        else:
            await self.app(scope, receive, send)

    def problem(
        self, scope: Scope, headers: dict[str, str]
    ) -> tuple[int, str, str, dict[str, str] | None] | None:
        """Why no route may see this request: (status, error, detail, headers), or None."""
        host = headers.get("host", "")
        if not self.host_allowed(host):
            return 400, "bad_host", _bad_host(host), None
        if scope["type"] != "http":
            return None
        if scope["method"] not in SERVED_METHODS:
            detail = f"method {scope['method']} is not allowed"
            return 405, "method_not_allowed", detail, {"Allow": ALLOW}
        return _size_problem(scope)

    def host_allowed(self, header: str) -> bool:
        name = host_name(header)
        if not name:
            return False
        return "*" in self.hosts or name in self.hosts or is_loopback(name)

    async def store_files(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]
    ) -> None:
        """Gradio's upload routes: refused, or passed on counting files and held bytes."""
        problem = self.uploads.problem(headers)
        if problem is not None:
            await refuse(scope, send, *problem)
            return
        counter = FileCounter(self.settings.server.max_upload_files, headers)
        receive, send = counter.wrap(receive, send)
        declared = int(headers["content-length"])
        self.uploads.under_way += declared
        try:
            await self.app(scope, receive, send)
        finally:
            self.uploads.under_way -= declared

    def with_page_key(self, scope: Scope, send: Send) -> Send:
        """``send`` that gives the page key to the page (a server that takes writes)."""
        if not self.uploads.writes_enabled:
            return send
        cookie = self.uploads.page_cookie(scope.get("root_path", ""))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"set-cookie", cookie)]
                message = {**message, "headers": headers}
            await send(message)

        return sending


def _bad_host(host: str) -> str:
    shown = host[:100] or "(none)"
    return (
        f"Host {shown!r} is not served here: only loopback names and NEWSRAG_ALLOWED_HOSTS "
        "are answered (protection against DNS rebinding)"
    )


def _size_problem(scope: Scope) -> tuple[int, str, str, None] | None:
    """A URL or headers over their limits (h11 refuses most such heads first, but not one
    that arrives whole in a single read)."""
    url = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    if url > MAX_URL_BYTES:
        return 414, "uri_too_long", URL_TOO_LONG, None
    if sum(len(k) + len(v) + 4 for k, v in scope["headers"]) > MAX_HEADER_BYTES:
        return 431, "request_header_fields_too_large", HEADERS_TOO_LARGE, None
    return None
