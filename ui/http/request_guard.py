"""Checks every request passes before any route (the API, the pages, the mounted Gradio app).

- **Host** (DNS rebinding): a page whose name an attacker re-points at 127.0.0.1 sends its own
  name as ``Host``. Only loopback names (``localhost``, ``127.0.0.0/8``, ``::1``), the address
  the server binds when it is a concrete one, and the names in ``NEWSRAG_ALLOWED_HOSTS``
  (comma-separated; ``*`` turns the check off) are answered; any other is 400 ``bad_host``.
- **Methods**: ``TRACE``, ``CONNECT`` and methods no route serves are 405 with ``Allow``, in the
  documented ``{error, detail}`` shape (not the mounted app's own body).
- **Gradio's upload route** (``POST /gradio_api/upload``, which stores files for the Library
  tab's file box): refused (403) on a read-only server (no ``NEWSRAG_API_TOKEN``); otherwise it
  needs the API token or a same-origin browser request (``Origin`` equal to the server's own),
  a declared ``Content-Length`` within ``NEWSRAG_MAX_UPLOAD_FILES`` files of
  ``NEWSRAG_MAX_FILE_BYTES`` (413, 411 without one), and at most ``NEWSRAG_MAX_UPLOAD_FILES``
  files (413).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from ui.http.auth import NO_TOKEN, READ_ONLY, token_matches
from ui.http.hosts import allowed_hosts, host_name, is_loopback
from ui.settings import Settings
from ui.uploads import max_form_bytes

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SERVED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ALLOW = "GET, HEAD, POST, DELETE, OPTIONS"
UPLOAD_PATHS = frozenset({"/gradio_api/upload", "/gradio_api/upload/"})


class RequestGuard:
    """Pure ASGI middleware (it must see the mounted Gradio app's requests too)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = allowed_hosts(settings.server)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host", "")
        if not self.host_allowed(host):
            await _refuse(scope, send, 400, "bad_host", _bad_host(host))
            return
        if scope["type"] == "http" and scope["method"] not in SERVED_METHODS:
            detail = f"method {scope['method']} is not allowed"
            await _refuse(scope, send, 405, "method_not_allowed", detail, {"Allow": ALLOW})
            return
        if scope["type"] == "http" and scope["path"] in UPLOAD_PATHS:
            problem = self.upload_problem(headers)
            if problem is not None:
                await _refuse(scope, send, *problem)
                return
            receive, send = _FileCounter(self.settings.server.max_upload_files, headers).wrap(
                receive, send
            )
        await self.app(scope, receive, send)

    def host_allowed(self, header: str) -> bool:
        name = host_name(header)
        if not name:
            return False
        return "*" in self.hosts or name in self.hosts or is_loopback(name)

    def upload_problem(self, headers: dict[str, str]) -> tuple[int, str, str] | None:
        """Why Gradio's upload route must not take this request, or None."""
        s = self.settings.server
        if self.settings.index.read_only:
            return 403, "read_only_replica", READ_ONLY
        if not s.api_token:
            return 403, "writes_disabled", NO_TOKEN
        scheme, _, given = headers.get("authorization", "").partition(" ")
        trusted = scheme.lower() == "bearer" and token_matches(s, given.strip())
        if not trusted and not _same_origin(headers):
            return (
                403,
                "cross_origin",
                "uploads need the API token or a same-origin request from this server's page",
            )
        declared = headers.get("content-length", "")
        limit = max_form_bytes(s.max_upload_files, self.settings.index.max_file_bytes)
        if not declared.isdigit():
            return 411, "length_required", "uploads must declare their Content-Length"
        if int(declared) > limit:
            return 413, "too_large", f"request body: larger than {limit} bytes"
        return None


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _bad_host(host: str) -> str:
    shown = host[:100] or "(none)"
    return (
        f"Host {shown!r} is not served here: only loopback names and NEWSRAG_ALLOWED_HOSTS "
        "are answered (protection against DNS rebinding)"
    )


def _same_origin(headers: dict[str, str]) -> bool:
    """An ``Origin`` naming this very server (what browsers send with a same-origin POST)."""
    origin = headers.get("origin", "")
    if not origin or origin == "null":
        return False
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    error: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": error})
        return
    body = json.dumps({"error": error, "detail": detail}).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class _FileCounter:
    """Counts the files of a multipart upload as its body streams in; past ``limit`` the body is
    cut short (the parser fails) and the downstream answer is replaced by 413."""

    def __init__(self, limit: int, headers: dict[str, str]) -> None:
        self.limit = limit
        boundary = headers.get("content-type", "").partition("boundary=")[2].strip('"; ')
        self.marker = b"\r\n--" + boundary.encode("latin-1") if boundary else b""
        self.tail = b"\r\n"  # the body's first boundary has no CRLF before it
        self.parts = 0
        self.over = False

    def wrap(self, receive: Receive, send: Send) -> tuple[Receive, Send]:
        async def counted() -> Message:
            message = await receive()
            if self.marker and message["type"] == "http.request" and not self.over:
                data = self.tail + message.get("body", b"")
                self.parts += data.count(self.marker)
                self.tail = data[-len(self.marker) + 1 :]
                if self.parts - 1 > self.limit:  # the last boundary closes the form
                    self.over = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def replaced(message: Message) -> None:
            if not self.over:
                await send(message)
            elif message["type"] == "http.response.start":
                detail = f"at most {self.limit} files per request (NEWSRAG_MAX_UPLOAD_FILES)"
                await _refuse({"type": "http"}, send, 413, "too_many_files", detail)

        return counted, replaced
