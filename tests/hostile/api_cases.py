"""The hostile API requests of ``tests/test_hostile.py``: request builders and the case tables.

Each case is a ``pytest.param`` of a ``Send`` (a function of the client) and what the server
must answer; docs/SECURITY.md lists them with their outcomes.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator

import httpx
import pytest

from index.loaders.ids import path_id
from tests.conftest import SAMPLE
from tests.hostile import inputs as h

TOKEN = "hostile-token-7c1e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT = 200_000
MAX_FILES = 3
Send = Callable[[httpx.Client], httpx.Response]


def upload(*files: tuple[str, bytes]) -> Send:
    parts = [("file", (name, data, "application/octet-stream")) for name, data in files]
    return lambda api: api.post("/api/articles", files=parts, headers=AUTH)


def post_json(payload: object) -> Send:
    return lambda api: api.post("/api/articles", json=payload, headers=AUTH)


def post_raw(content: bytes | Iterator[bytes], kind: str, headers: dict | None = None) -> Send:
    hdrs = {**AUTH, "Content-Type": kind, **(headers or {})}
    return lambda api: api.post("/api/articles", content=content, headers=hdrs)


def get(path: str, **params: str) -> Send:
    return lambda api: api.get(path, params=params)


def streamed_file(total: int) -> Iterator[bytes]:
    """A chunked multipart body (no Content-Length): one file part of ``total`` bytes."""
    yield (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="s.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
    )
    for _ in range(total // 65536):
        yield b"x" * 65536


def raw_request(
    api: httpx.Client, method: str, path: str, body: bytes = b"", headers: dict | None = None
) -> httpx.Response:
    """A request sent as written: no path normalisation (``..``, ``%00`` reach the server) and
    headers such as a Content-Length that the body does not have."""
    conn = http.client.HTTPConnection(api.base_url.host, api.base_url.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders(body or None)
        reply = conn.getresponse()
        content = reply.read()
        return httpx.Response(reply.status, content=content, headers=reply.getheaders())
    finally:
        conn.close()


def declared(size: int) -> Send:
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=b"}
    headers["Content-Length"] = str(size)
    return lambda api: raw_request(api, "POST", "/api/articles", b"--b\r\n", headers)


# -- refused requests: status + {error, detail} -------------------------------------------------
REFUSED = [
    pytest.param(
        upload(("huge.txt", h.single_line(10 * h.MB))),
        413,
        "too_large",
        "request body: larger than",
        id="10 MB single line",
    ),
    pytest.param(
        upload(("long.txt", h.single_line(LIMIT + 1))),
        413,
        "too_large",
        f"long.txt: larger than the limit of {LIMIT} bytes",
        id="single line just over the file limit",
    ),
    pytest.param(
        post_json([h.article("big", "Big", "word " * (LIMIT // 5))]),
        413,
        "too_large",
        "request body",
        id="JSON body over the limit",
    ),
    pytest.param(
        post_raw(streamed_file(4 * h.MB), "multipart/form-data; boundary=b"),
        413,
        "too_large",
        "NEWSRAG_MAX_UPLOAD_FILES",
        id="chunked form over the limit",
    ),
    pytest.param(
        declared(9 * h.MB),
        413,
        "too_large",
        "request body",
        id="declared form over the limit",
    ),
    pytest.param(
        upload(*[(f"f{i}.txt", b"Title\n\nA few words.") for i in range(MAX_FILES + 1)]),
        413,
        "too_many_files",
        "at most 3",
        id="too many files",
    ),
    pytest.param(
        post_raw(h.deep_json(100_000), "application/json"),
        422,
        "validation_error",
        "recursion",
        id="deeply nested JSON body",
    ),
    pytest.param(post_json(5), 422, "validation_error", "object", id="JSON body not an article"),
    pytest.param(post_json([]), 400, "no_articles", "empty", id="empty list of articles"),
    pytest.param(
        upload(("notes.exe", b"MZ\x90\x00")),
        415,
        "unsupported_file_type",
        ".exe",
        id="unsupported file type",
    ),
    pytest.param(
        upload(("a.txt\x00.exe", b"text")),
        415,
        "unsupported_file_type",
        ".exe",
        id="NUL hiding an extension",
    ),
    pytest.param(
        upload(("../../etc/passwd", b"root:x:0:0")),
        415,
        "unsupported_file_type",
        "passwd",
        id="traversal to a file without type",
    ),
    pytest.param(
        post_raw(b"x", "text/plain"),
        415,
        "unsupported_media_type",
        "multipart",
        id="neither JSON nor multipart",
    ),
    pytest.param(
        post_raw(b"--x--", "multipart/form-data"),
        400,
        "bad_form",
        "boundary",
        id="multipart without boundary",
    ),
    pytest.param(
        lambda api: api.post("/api/articles", files={"note": (None, "x")}, headers=AUTH),
        400,
        "no_files",
        "file",
        id="multipart without a file",
    ),
    pytest.param(
        lambda api: api.post(
            "/api/articles", json={"text": "x"}, headers={"Authorization": "Bearer guess-123"}
        ),
        401,
        "unauthorized",
        "wrong",
        id="write with a wrong token",
    ),
    pytest.param(get("/api/search", q=""), 422, "validation_error", "at least 1", id="empty query"),
    pytest.param(get("/api/search", q="  \t "), 400, "bad_query", "empty", id="blank query"),
    pytest.param(
        get("/api/search", q="a" * 10_001),
        422,
        "validation_error",
        "10000",
        id="10,001-character query",
    ),
    pytest.param(
        lambda api: api.post("/api/ask", json={"question": "a" * 10_001}),
        422,
        "validation_error",
        "10000",
        id="10,001-character question",
    ),
    pytest.param(
        get("/api/search", q="drones", since="+10000-01-01"),
        400,
        "bad_filter",
        "since",
        id="year 10000 filter",
    ),
    pytest.param(
        get("/api/search", q="drones", until="2024-02-30"),
        400,
        "bad_filter",
        "until",
        id="impossible filter date",
    ),
]


SAMPLE_ID = path_id(SAMPLE / "000_ed452931e0cea98c.txt")  # ids hash the absolute path
CITATION_KEYS: list[tuple[str, str, int, str]] = [
    ("path traversal", "../../etc/passwd", 400, "malformed_citation"),
    ("encoded traversal", "..%2F..%2Fetc%2Fpasswd", 400, "malformed_citation"),
    ("NUL", "%00", 400, "malformed_citation"),
    ("NUL inside the id", "doc-x%00:0-10:aaaaaaaa", 400, "malformed_citation"),
    ("negative offsets", f"{SAMPLE_ID}:-5-10:aaaaaaaa", 400, "malformed_citation"),
    ("start after end", f"{SAMPLE_ID}:10-5:aaaaaaaa", 400, "malformed_citation"),
    ("25-digit offset", f"{SAMPLE_ID}:0-{'9' * 25}:aaaaaaaa", 400, "malformed_citation"),
    ("key of 3000 characters", "x" * 3000 + ":0-1:aaaaaaaa", 400, "malformed_citation"),
    ("hash not hex", f"{SAMPLE_ID}:0-10:zzzzzzzz", 400, "malformed_citation"),
    ("unknown article", "no-such-article:0-10:aaaaaaaa", 404, "unknown_article"),
    ("offsets past the article", f"{SAMPLE_ID}:100000-100010:aaaaaaaa", 410, "stale_citation"),
]


# -- ingested with problems reported: 200 + a summary naming file, line and field ---------------
REPORTED = [
    pytest.param(
        upload(("deep.json", h.deep_json(100_000))),
        {"failed": 1},
        "deep.json: invalid JSON: nested too deeply",
        id="deeply nested JSON file",
    ),
    pytest.param(
        upload(("deep.jsonl", h.deep_jsonl_then_good(5000))),
        {"failed": 1, "added": 1},
        "deep.jsonl:1: invalid JSON: nested too deeply",
        id="deep JSONL line, good next line",
    ),
    pytest.param(
        upload(("broken.json", b'{"title": "x", "text": ')),
        {"failed": 1},
        "broken.json: invalid JSON",
        id="broken JSON file",
    ),
    pytest.param(
        upload(("nul.txt", h.nul_text())), {"failed": 1}, "nul.txt: binary file", id="NUL bytes"
    ),
    pytest.param(
        upload(("empty.txt", b"")), {"skipped": 1}, "empty.txt: empty file", id="empty file"
    ),
    pytest.param(
        upload(("nt.jsonl", b'{"title": "x"}\n{"title": "y", "text": 5}\n')),
        {"failed": 2},
        "nt.jsonl:2: text must be a string, got int (field 'text')",
        id="records without text",
    ),
    pytest.param(
        upload(("deep.html", b"<div>" * 5000 + b"<p>Falcon.</p>" + b"</div>" * 5000)),
        {"failed": 1},
        "deep.html: no article text found",
        id="deeply nested HTML",
    ),
]
