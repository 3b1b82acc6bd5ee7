"""HTTP/1.1 as the server speaks it: uvicorn's h11 protocol (always h11, so the limits below do
not depend on whether ``httptools`` happens to be installed), with a URL of at most
``MAX_URL_BYTES`` (room for a 10,000-character query in any script, percent-encoded) and
headers of at most ``MAX_HEADER_BYTES`` in all. h11 stops reading a request head past both
(``MAX_HEAD_BYTES``); ``ui.http.request_guard`` checks each limit on the heads h11 lets through
(h11 only counts what it has to wait for: a head that arrives in one read is not counted).

A request h11 cannot take is answered in the documented ``{error, detail}`` JSON shape: 414
``uri_too_long`` when the request line alone passes the limit, 431
``request_header_fields_too_large`` when the headers do, 400 ``bad_request`` for any other
malformed request. The rest of what the client is still sending is read and dropped for up to
``LINGER_S`` (a lingering close), so the client reads that answer instead of a connection reset.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_URL_BYTES = 120 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_HEAD_BYTES = MAX_URL_BYTES + MAX_HEADER_BYTES  # uvicorn's h11_max_incomplete_event_size
LINGER_S = 2.0
URL_TOO_LONG = f"the URL is too long: at most {MAX_URL_BYTES} bytes"
HEADERS_TOO_LARGE = f"the request headers are too large: at most {MAX_HEADER_BYTES} bytes in all"


def problem(status: int, buffered: bytes) -> tuple[int, str, str]:
    """Status, error and detail for a request h11 refused with ``status`` (its error hint),
    given the bytes of it that were read: an unfinished first line is a URL too long."""
    if status == 431 and b"\n" not in buffered:
        return 414, "uri_too_long", URL_TOO_LONG
    if status == 431:
        return 431, "request_header_fields_too_large", HEADERS_TOO_LARGE
    return 400, "bad_request", "malformed HTTP request"


def error_body(error: str, detail: str) -> bytes:
    return json.dumps({"error": error, "detail": detail}).encode("utf-8")


class JsonErrorsH11(H11Protocol):
    """``H11Protocol`` whose refusals are JSON and close the connection gracefully."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draining = False

    def data_received(self, data: bytes) -> None:
        if self.draining:  # the rest of a refused request: dropped
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        """Called by uvicorn inside its ``except h11.RemoteProtocolError`` (``msg``: its own
        plain text, replaced)."""
        refused = sys.exception()
        hint = refused.error_status_hint if isinstance(refused, h11.RemoteProtocolError) else 400
        status, error, detail = problem(hint, self.conn.trailing_data[0])
        self.logger.warning("refused a request: %s", detail)
        body = error_body(error, detail)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        self.transport.write(self.conn.send(h11.Response(status_code=status, headers=headers)))
        self.transport.write(self.conn.send(h11.Data(data=body)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.draining = True
        self.loop.call_later(LINGER_S, self.transport.close)

    def shutdown(self) -> None:
        if self.draining:
            self.transport.close()
            return
        super().shutdown()
