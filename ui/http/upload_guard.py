"""Gradio's routes that store files (``POST /gradio_api/upload``, behind the Library tab's file
box, and ``/gradio_api/process_recording``) follow the API's write rule.

- Refused (403) on a read-only replica and on a server without ``NEWSRAG_API_TOKEN``.
- Otherwise they need ``Authorization: Bearer <token>``, or this server's **page key**: a random
  secret made at each start and given only to a page of this server, as an ``HttpOnly``,
  ``SameSite=Strict`` cookie on ``GET /`` (``page_cookie``), which the browser sends back with
  the file box's uploads — together with an ``Origin`` naming this server (the page's own
  requests). An ``Origin`` header alone is not enough: any local program can send one.
- A declared ``Content-Length`` (411 without) within ``NEWSRAG_MAX_UPLOAD_FILES`` files of
  ``NEWSRAG_MAX_FILE_BYTES`` (413), at most ``NEWSRAG_MAX_UPLOAD_FILES`` files (413, counted
  as the body streams in: ``FileCounter``), and room for it in the upload cache: the files
  there plus the uploads under way stay within ``NEWSRAG_UPLOAD_CACHE_BYTES`` (507
  ``upload_cache_full``).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from ui.http.asgi import Message, Receive, Send, refuse
from ui.http.auth import NO_TOKEN, READ_ONLY
from ui.settings import Settings
from ui.uploads import max_form_bytes

WRITE_PATHS = frozenset(
    p + end for p in ("/gradio_api/upload", "/gradio_api/process_recording") for end in ("", "/")
)
PAGE_COOKIE = "newsrag_page"
PAGE_COOKIE_PATH = "/gradio_api/"
MIN_FILE_COST = 4096  # a file or folder in the cache costs at least a disk block
Problem = tuple[int, str, str]


class UploadGuard:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.page_key = secrets.token_urlsafe(32)
        limits = settings.server
        self.max_form = max_form_bytes(limits.max_upload_files, settings.index.max_file_bytes)
        self.cache_limit = limits.upload_cache_bytes or self.max_form
        self.under_way = 0  # bytes declared by the uploads being received now

    @property
    def writes_enabled(self) -> bool:
        return bool(self.settings.server.api_token) and not self.settings.index.read_only

    def page_cookie(self, root_path: str) -> bytes:
        """The ``Set-Cookie`` value that gives a page of this server the page key."""
        path = root_path.rstrip("/") + PAGE_COOKIE_PATH
        return f"{PAGE_COOKIE}={self.page_key}; Path={path}; HttpOnly; SameSite=Strict".encode()

    def problem(self, headers: dict[str, str]) -> Problem | None:
        """Why this request must not store files, or None."""
        if self.settings.index.read_only:
            return 403, "read_only_replica", READ_ONLY
        if not self.settings.server.api_token:
            return 403, "writes_disabled", NO_TOKEN
        if not self.trusted(headers):
            return (
                403,
                "cross_origin",
                "uploads need the API token, or this server's page key, which a page of this "
                "server (GET /) gives the browser; reload the page after a server restart",
            )
        return self.size_problem(headers.get("content-length", ""))

    def trusted(self, headers: dict[str, str]) -> bool:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.settings.server.token_matches(given.strip()):
            return True
        key = cookie(headers.get("cookie", ""), PAGE_COOKIE)
        matches = hmac.compare_digest(key.encode(), self.page_key.encode())
        return matches and same_origin(headers)

    def size_problem(self, declared: str) -> Problem | None:
        if not declared.isdigit():
            return 411, "length_required", "uploads must declare their Content-Length"
        if int(declared) > self.max_form:
            return 413, "too_large", f"request body: larger than {self.max_form} bytes"
        held = cache_bytes()
        if held + self.under_way + int(declared) > self.cache_limit:
            return (
                507,
                "upload_cache_full",
                f"the upload cache holds {held + self.under_way} bytes of files not yet indexed; "
                f"with this upload it would pass NEWSRAG_UPLOAD_CACHE_BYTES ({self.cache_limit}): "
                "index or drop the files chosen, or retry later (unindexed files are dropped "
                "after an hour)",
            )
        return None


def cookie(header: str, name: str) -> str:
    """The value of cookie ``name`` in a ``Cookie`` header ('' when absent)."""
    for pair in header.split(";"):
        key, _, value = pair.strip().partition("=")
        if key == name:
            return value.strip()
    return ""


def same_origin(headers: dict[str, str]) -> bool:
    """An ``Origin`` naming this very server (what browsers send with a same-origin POST)."""
    origin = headers.get("origin", "")
    if not origin or origin == "null":
        return False
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


def cache_bytes() -> int:
    """What Gradio's upload folder holds now (each entry at least ``MIN_FILE_COST``)."""
    from gradio.utils import get_upload_folder

    total = 0
    for folder, dirs, files in os.walk(get_upload_folder()):
        for name in dirs + files:
            try:
                total += max(MIN_FILE_COST, (Path(folder) / name).lstat().st_size)
            except OSError:  # removed meanwhile
                continue
    return total


class FileCounter:
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
                await refuse({"type": "http"}, send, 413, "too_many_files", detail)

        return counted, replaced
