"""Issue #28, the server's points (6, 7, 8 and 10), through real servers on 127.0.0.1: a server
stops within seconds of SIGTERM even with a chat tab's stream open, and leaves nothing behind
(no temporary folder; a read-only replica no SQLite side file either); Gradio's upload route
takes no token-less write without this server's page key, and its cache is bounded; upload
warnings name the client's file, never a server path; an oversized URL or header is answered
414 / 431 in the documented JSON shape. docs/SECURITY.md and docs/API.md state the rules.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import settings_for
from tests.hostile.api_cases import raw_request
from tests.live_server import ServerSpec, copy_index, error_of, live_processes, live_servers
from ui.stopping import remove_side_files

pytestmark = pytest.mark.slow

TOKEN = "reliability3-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_FILE = 200_000
CACHE_BYTES = 1_000_000  # NEWSRAG_UPLOAD_CACHE_BYTES of the module's server
EXIT_S = 10
DUPLICATES = "".join(
    json.dumps({"id": "harbour-log", "title": "Harbour log", "text": text}) + "\n"
    for text in ("The ferry left at dawn.", "The ferry left at noon.")
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Path:
    return copy_index(sample_home, tmp_path_factory.mktemp("reliability3") / "index")


@pytest.fixture(scope="module")
def base(home: Path) -> Iterator[str]:
    os.environ.pop("GRADIO_TEMP_DIR", None)  # the server then keeps Gradio's cache in its home
    env = {"NEWSRAG_MAX_FILE_BYTES": str(MAX_FILE), "NEWSRAG_UPLOAD_CACHE_BYTES": str(CACHE_BYTES)}
    with live_servers([ServerSpec(home, TOKEN, env)]) as (url,):
        yield url


@pytest.fixture()
def api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


# 6 and 10 (a). SIGTERM with a chat tab open; nothing left behind ------------------------------
def _hold_stream(base: str, path: str, seen: list[bytes]) -> threading.Thread:
    """Read ``path`` as a stream in the background, as an open chat tab does."""

    def read() -> None:
        try:
            with httpx.stream("GET", base + path, timeout=120) as reply:
                for block in reply.iter_raw():
                    seen.append(block)
        except httpx.HTTPError:
            pass  # the server closed it

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _stop(proc: subprocess.Popen[bytes]) -> float:
    """SIGTERM ``proc``; the seconds it took to exit (fails after ``EXIT_S``)."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=EXIT_S)
    assert proc.returncode in (0, -signal.SIGTERM)
    return time.monotonic() - started


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_sigterm_with_an_open_chat_stream_exits_and_leaves_nothing(
    sample_home: Path, tmp_path: Path
) -> None:
    homes = [copy_index(sample_home, tmp_path / name) for name in ("writer", "replica")]
    temps = [tmp_path / "tmp-writer", tmp_path / "tmp-replica"]
    for temp in temps:
        temp.mkdir()
    before = [_listing(h) for h in homes]
    os.environ.pop("GRADIO_TEMP_DIR", None)
    specs = [
        ServerSpec(homes[0], TOKEN, {"TMPDIR": str(temps[0])}),
        ServerSpec(homes[1], TOKEN, {"TMPDIR": str(temps[1])}, ("--read-only",)),
    ]
    with live_processes(specs) as started:
        streams = []
        for _, url in started:
            assert httpx.get(f"{url}/api/search", params={"q": "drones"}).status_code == 200
            assert httpx.get(f"{url}/").status_code == 200
            seen: list[bytes] = []
            streams.append((_hold_stream(url, "/gradio_api/heartbeat/tab0123456789", seen), seen))
        waited = time.monotonic() + 15  # a loaded machine may take a while to send the first
        while not all(seen for _, seen in streams) and time.monotonic() < waited:
            time.sleep(0.2)
        assert all(seen for _, seen in streams)  # the heartbeat streams are open
        for proc, _ in started:
            assert _stop(proc) < EXIT_S
        for thread, _ in streams:
            thread.join(timeout=5)
            assert not thread.is_alive()  # the open stream was closed
    writer_home, replica_home = homes
    assert ".gradio" not in _listing(writer_home)  # its Gradio cache went with it
    assert _listing(replica_home) == before[1]  # no -wal, -shm, .gradio: nothing at all
    for temp in temps:
        assert list(temp.glob("newsrag-gradio-*")) == []


HOLD_OPEN = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint=0")
if sys.argv[2:] == ["write"]:
    conn.execute("INSERT INTO t VALUES (1)")  # committed: only the WAL holds it
conn.execute("SELECT count(*) FROM t").fetchone()
print("open", flush=True)
time.sleep(60)
"""


def _wal_database(folder: Path) -> Path:
    db = folder / "catalog.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    return db


def _side_files(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.glob(db.name + "-*"))


def _other_process(db: Path, *args: str) -> subprocess.Popen[str]:
    """Another process with ``db`` open (that wrote a commit first, with ``write``)."""
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(db), *args], stdout=subprocess.PIPE, text=True
    )
    assert other.stdout is not None and other.stdout.readline().strip() == "open"
    return other


@pytest.mark.unit
def test_side_files_in_use_or_holding_commits_are_kept(tmp_path: Path) -> None:
    db = _wal_database(tmp_path)
    reader = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)
    reader.execute("SELECT count(*) FROM t").fetchone()  # what a replica does
    other = _other_process(db)
    assert not remove_side_files(db)  # another process has it open
    other.kill()
    other.wait()
    killed = _other_process(db, "write")
    killed.kill()  # a writer killed before any checkpoint: its commit is only in the WAL
    killed.wait()
    assert not remove_side_files(db)
    assert _side_files(db) == [db.name + "-shm", db.name + "-wal"]
    reader.close()
    check = sqlite3.connect(db)
    assert check.execute("SELECT count(*) FROM t").fetchone() == (1,)  # nothing lost
    check.close()  # the last connection, writable: SQLite checkpoints and removes them itself
    assert _side_files(db) == []


# 7. Gradio's upload route: the token or this server's page key ---------------------------------
def _gradio_upload(
    api: httpx.Client, headers: dict[str, str], size: int = 5, path: str = "/gradio_api/upload"
) -> httpx.Response:
    """One file of ``size`` bytes, new content each time (Gradio keeps one copy per content)."""
    data = os.urandom(size // 2).hex().encode().ljust(size, b"x")
    files = [("files", ("f.txt", data, "text/plain"))]
    return api.post(path, files=files, headers=headers)


def _same_origin(api: httpx.Client) -> dict[str, str]:
    return {"Origin": str(api.base_url).rstrip("/"), "Sec-Fetch-Site": "same-origin"}


def test_the_own_origin_alone_uploads_nothing(api: httpx.Client) -> None:
    refused = error_of(_gradio_upload(api, _same_origin(api)), 403)
    assert refused["error"] == "cross_origin" and "page" in refused["detail"]
    recording = _gradio_upload(api, _same_origin(api), path="/gradio_api/process_recording")
    assert error_of(recording, 403)["error"] == "cross_origin"


def test_the_page_key_from_this_servers_page_uploads(api: httpx.Client, home: Path) -> None:
    page = api.get("/")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    stored = _gradio_upload(api, _same_origin(api))  # the client sends the page's cookie back
    assert stored.status_code == 200, stored.text
    assert Path(stored.json()[0]).resolve().is_relative_to((home / ".gradio").resolve())
    evil = {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"}
    assert error_of(_gradio_upload(api, evil), 403)["error"] == "cross_origin"
    api.cookies.clear()
    api.cookies.set("newsrag_page", "guessed", domain=api.base_url.host)
    assert error_of(_gradio_upload(api, _same_origin(api)), 403)["error"] == "cross_origin"
    assert _gradio_upload(api, AUTH).status_code == 200  # the token needs no page


def test_the_library_file_box_fetches_no_url(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gradio.processing_utils

    from ui.services import Services
    from ui.web.app import build_chat

    fetched: list[str] = []

    async def download(url: str, cache_dir: str) -> str:
        fetched.append(url)
        return str(Path(cache_dir) / "downloaded.txt")

    monkeypatch.setattr(gradio.processing_utils, "async_ssrf_protected_download", download)
    blocks = build_chat(Services(settings_for(sample_copy, api_token=TOKEN)))
    box = next(b for b in blocks.blocks.values() if getattr(b, "elem_id", "") == "library-files")
    with pytest.raises(Exception, match="upload"):
        asyncio.run(box.async_move_resource_to_block_cache("https://files.example/a.txt"))
    assert fetched == []


# 8. warnings name the client's file ------------------------------------------------------------
def test_api_upload_warnings_name_the_clients_file(api: httpx.Client, home: Path) -> None:
    files = [("file", ("dupes.jsonl", DUPLICATES.encode(), "application/jsonl"))]
    summary = api.post("/api/articles", files=files, headers=AUTH).json()
    assert len(summary["warnings"]) == 1, summary
    warning = summary["warnings"][0]
    assert "dupes.jsonl:2" in warning and "dupes.jsonl:1" in warning, warning
    for leak in (".uploads", "upload-1", str(home), "/tmp/"):
        assert leak not in warning, warning


def test_library_upload_warnings_name_the_clients_file(sample_copy: Path, tmp_path: Path) -> None:
    from ui.services import Services
    from ui.web.library_tab import upload_files

    services = Services(settings_for(sample_copy, api_token=TOKEN))
    path = tmp_path / "gradio-cache" / "dupes.jsonl"  # Gradio keeps the client's name
    path.parent.mkdir()
    path.write_text(DUPLICATES)
    report = upload_files(services, TOKEN, [str(path)], lambda *a, **k: None)
    report = report.replace("\\", "")  # as shown: without Markdown's escapes
    assert "dupes.jsonl:2" in report and "dupes.jsonl:1" in report, report
    for leak in (".uploads", "upload-1", str(sample_copy), str(tmp_path)):
        assert leak not in report, report


# 10 (b). oversized URL and header: JSON, never a reset -----------------------------------------
def test_a_128_kb_url_is_414_in_the_documented_shape(api: httpx.Client) -> None:
    for size in (128 * 1024, 300_000):  # read whole, then refused; refused while read
        body = error_of(raw_request(api, "GET", "/api/search?q=" + "a" * size), 414)
        assert body["error"] == "uri_too_long" and "URL" in body["detail"]
    assert api.get("/api/health").status_code == 200


def test_a_1_mb_header_is_431_in_the_documented_shape(api: httpx.Client) -> None:
    body = error_of(api.get("/api/health", headers={"X-Padding": "a" * 1024 * 1024}), 431)
    assert body["error"] == "request_header_fields_too_large" and "header" in body["detail"]
    many = {f"X-H{i}": "b" * 1000 for i in range(100)}
    assert error_of(api.get("/api/health", headers=many), 431)["error"].startswith("request_h")
    assert api.get("/api/health").status_code == 200


def test_a_malformed_request_is_400_in_the_documented_shape(api: httpx.Client) -> None:
    with socket.create_connection((api.base_url.host, api.base_url.port), timeout=30) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = b""
        while block := sock.recv(65536):
            reply += block
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head, reply
    assert json.loads(body) == {"error": "bad_request", "detail": "malformed HTTP request"}


# 7. the upload cache is bounded (last: it fills the module server's cache, then empties it) -----
def test_gradio_s_upload_cache_is_bounded(api: httpx.Client, home: Path) -> None:
    cache = home / ".gradio"
    try:
        statuses = [_gradio_upload(api, AUTH, MAX_FILE - 1000).status_code for _ in range(8)]
        assert statuses[0] == 200 and statuses[-1] == 507, statuses
        full = error_of(_gradio_upload(api, AUTH, MAX_FILE - 1000), 507)
        assert (
            full["error"] == "upload_cache_full" and "NEWSRAG_UPLOAD_CACHE_BYTES" in full["detail"]
        )
        held = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
        assert held <= CACHE_BYTES
    finally:
        for path in cache.rglob("*"):
            if path.is_file():
                path.unlink()
    assert _gradio_upload(api, AUTH).status_code == 200
