"""Issue #13, through a real server: each defect the outside test campaign found, as it was
found (the request it sent), and the answer it gets now. The same points through the command
line are in ``tests/test_hardening_cli.py``; docs/SECURITY.md and docs/API.md state the rules.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from index.text.chunking import ChunkerConfig
from tests.hostile.api_cases import raw_request
from tests.live_server import ServerSpec, copy_index, error_of, live_servers

pytestmark = pytest.mark.slow

TOKEN = "hardening-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_FILES = 3
MAX_CHARS = ChunkerConfig().max_chars


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Path:
    """A copy of the sample index with what a SIGKILLed server leaves: a staging folder of a
    dead process and files in Gradio's upload cache."""
    home = copy_index(sample_home, tmp_path_factory.mktemp("hardening") / "index")
    stale = home / ".uploads" / f"{_dead_pid()}-0123456789ab"
    stale.mkdir(parents=True)
    (stale / "upload-1.txt").write_bytes(b"x" * 100_000)
    (home / ".gradio" / "abc").mkdir(parents=True)
    (home / ".gradio" / "abc" / "left.txt").write_text("left over")
    return home


@pytest.fixture(scope="module")
def base(home: Path) -> Iterator[str]:
    os.environ.pop("GRADIO_TEMP_DIR", None)  # the server then keeps Gradio's cache in its home
    env = {"NEWSRAG_MAX_UPLOAD_FILES": str(MAX_FILES)}
    with live_servers([ServerSpec(home, TOKEN, env)]) as (url,):
        yield url


@pytest.fixture(scope="module")
def api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=180) as client:
        yield client


def _post(api: httpx.Client, payload: object) -> dict:
    response = api.post("/api/articles", json=payload, headers=AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _generation(api: httpx.Client) -> int:
    return int(api.get("/api/health").json()["generation"])


# 1. ids that silently overwrote --------------------------------------------------------------
def test_urls_that_differ_in_their_query_are_two_articles(api: httpx.Client) -> None:
    url = "https://news.example.com/article.php?id={}"
    first = {"url": url.format(1001), "title": "Dam", "text": "The dam on the river opened."}
    second = {"url": url.format(1002), "title": "Bridge", "text": "The new bridge was closed."}
    summary = _post(api, [first, second])
    assert (summary["added"], summary["updated"], summary["warnings"]) == (2, 0, [])
    ids = {a["article_id"] for a in summary["articles"]}
    assert len(ids) == 2
    tracked = {**first, "url": url.format(1001) + "&utm_source=feed&fbclid=x#comments"}
    again = _post(api, tracked)
    assert again["added"] == 0 and again["articles"][0]["article_id"] in ids  # url: updated


def test_two_files_with_one_name_in_one_upload_are_both_kept(api: httpx.Client) -> None:
    files = [
        ("file", ("same.txt", b"Coastal storm\n\nA storm hit the coast at night.", "text/plain")),
        ("file", ("same.txt", b"Early harvest\n\nFarmers began the harvest early.", "text/plain")),
    ]
    summary = api.post("/api/articles", files=files, headers=AUTH).json()
    assert (summary["added"], summary["updated"]) == (2, 0), summary
    titles = {a["title"] for a in summary["articles"]}
    assert titles == {"Coastal storm", "Early harvest"}


# 2. DNS rebinding ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/health", "/api/search?q=drones", "/", "/config"])
def test_foreign_host_names_are_refused(api: httpx.Client, path: str) -> None:
    body = error_of(api.get(path, headers={"Host": "attacker.example"}), 400)
    assert body["error"] == "bad_host" and "NEWSRAG_ALLOWED_HOSTS" in body["detail"]
    port = api.base_url.port
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert api.get(path, headers={"Host": host}).status_code == 200


# 3. Gradio's upload route --------------------------------------------------------------------
def _gradio_upload(api: httpx.Client, headers: dict[str, str], count: int = 1) -> httpx.Response:
    files = [("files", (f"f{i}.txt", b"hello", "text/plain")) for i in range(count)]
    return api.post("/gradio_api/upload", files=files, headers=headers)


def test_gradio_uploads_need_the_token_or_the_page_key(api: httpx.Client, home: Path) -> None:
    api.cookies.clear()  # no page key from an earlier GET /
    assert error_of(_gradio_upload(api, {}), 403)["error"] == "cross_origin"
    evil = {"Origin": "https://evil.example"}
    assert error_of(_gradio_upload(api, evil), 403)["error"] == "cross_origin"
    same = {"Origin": str(api.base_url).rstrip("/"), "Sec-Fetch-Site": "same-origin"}
    assert error_of(_gradio_upload(api, same), 403)["error"] == "cross_origin"  # issue #28
    assert api.get("/").status_code == 200  # the page gives its key (a cookie)
    stored = _gradio_upload(api, same)
    assert stored.status_code == 200, stored.text
    assert Path(stored.json()[0]).resolve().is_relative_to((home / ".gradio").resolve())
    assert _gradio_upload(api, AUTH).status_code == 200
    too_many = error_of(_gradio_upload(api, AUTH, MAX_FILES + 1), 413)
    assert too_many["error"] == "too_many_files"
    declared = {**AUTH, "Content-Type": "multipart/form-data; boundary=b"}
    huge = raw_request(
        api, "POST", "/gradio_api/upload", b"--b--\r\n", {**declared, "Content-Length": str(10**12)}
    )
    assert error_of(huge, 413)["error"] == "too_large"
    unsized = raw_request(
        api, "POST", "/gradio_api/upload", b"", {**declared, "Transfer-Encoding": "chunked"}
    )
    assert error_of(unsized, 411)["error"] == "length_required"


def test_a_start_purges_what_a_killed_server_left(home: Path, base: str) -> None:
    assert list((home / ".uploads").glob("*")) == []  # the dead process's staging folder
    assert not (home / ".gradio" / "abc").exists()  # Gradio's cache of the last run


# 4. ids whose citations would not open --------------------------------------------------------
@pytest.mark.parametrize("bad", ["/etc/passwd", "a/../b", "..", "ctl\x01id", "back\\slash"])
def test_ids_that_cannot_be_cited_are_refused_naming_the_field(api: httpx.Client, bad: str) -> None:
    summary = _post(api, {"id": bad, "title": "T", "text": "Some text about the harbour."})
    assert summary["failed"] == 1 and summary["added"] == 0
    assert "(field 'id')" in summary["problems"][0]


@pytest.mark.parametrize("odd", ["a/b:c", "x?y#z", "50% off", "ümlaut id", "tab\tid", "a:1-2:x"])
def test_every_accepted_id_is_cited_and_opens(api: httpx.Client, odd: str) -> None:
    text = f"Odd id article {odd!r}: the lighthouse keeper retired after forty years."
    summary = _post(api, {"id": odd, "title": "Lighthouse", "text": text})
    assert summary["failed"] == 0, summary
    article_id = summary["articles"][0]["article_id"]
    hits = api.get("/api/search", params={"q": "lighthouse keeper retired", "k": 20}).json()
    keys = [h["citation"] for h in hits["hits"] if h["article_id"] == article_id]
    assert keys
    for key in keys:
        assert api.get(f"/api/citations/{quote(key, safe='')}").status_code == 200
        assert api.get(f"/cite/{quote(key, safe='')}").status_code == 200
        assert api.get(f"/api/articles/{quote(article_id, safe='')}").status_code == 200


# 5. passages without word boundaries ----------------------------------------------------------
def test_text_without_spaces_is_cut_into_bounded_passages(api: httpx.Client) -> None:
    thai = "ประเทศไทยมีฝนตกหนักในภาคเหนือ" * 350  # ~10,000 characters, no space
    line = "x" * 300_000
    summary = _post(
        api,
        [
            {"id": "thai-rain", "title": "ฝนตกหนัก", "text": thai},
            {"id": "one-line", "title": "One line", "text": line},
        ],
    )
    assert summary["added"] == 2 and summary["chunks"] >= len(thai + line) // MAX_CHARS
    for q in ("ฝนตกหนัก", "xxxx"):
        for mode in ("hybrid", "keyword", "dense"):
            hits = api.get("/api/search", params={"q": q, "k": 20, "mode": mode}).json()["hits"]
            assert all(len(h["text"]) <= MAX_CHARS for h in hits)
            assert all(h["end"] - h["start"] == len(h["text"]) for h in hits)


# 7 and 10. integer bounds, methods ----------------------------------------------------------
@pytest.mark.parametrize("offset", ["9223372036854775808", "-1", "1000000001"])
def test_integer_parameters_are_bounded(api: httpx.Client, offset: str) -> None:
    assert error_of(api.get(f"/api/articles?offset={offset}"), 422)["error"] == "validation_error"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/search", "GET"),
        ("DELETE", "/api/search", "GET"),
        ("PATCH", "/api/articles", "GET, POST"),
        ("PUT", "/api/articles/doc-1", "DELETE, GET"),
        ("GET", "/api/ask", "POST"),
    ],
)
def test_a_wrong_method_is_405_with_allow(
    api: httpx.Client, method: str, path: str, allow: str
) -> None:
    response = api.request(method, path)
    assert error_of(response, 405)["error"] == "method_not_allowed"
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("path", ["/", "/api/health", "/cite/x:1-2:abcdef12"])
def test_trace_is_405_in_the_documented_shape(api: httpx.Client, path: str) -> None:
    response = api.request("TRACE", path)
    assert error_of(response, 405)["error"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


# 8. a delete of nothing changes nothing -------------------------------------------------------
def test_deleting_an_unknown_article_leaves_the_generation(api: httpx.Client) -> None:
    before = _generation(api)
    for _ in range(3):
        assert error_of(api.delete("/api/articles/no-such-id", headers=AUTH), 404)
    assert _generation(api) == before


# 11. follow-ups after a long turn ---------------------------------------------------------------
def test_a_follow_up_after_a_long_turn_is_answered(api: httpx.Client) -> None:
    long_turn = "How many drones were launched " + "and then what " * 1400
    history = [
        {"role": "user", "content": long_turn[:19_999]},
        {"role": "assistant", "content": "Russia launched 188 drones [1]. " * 500},
    ]
    response = api.post("/api/ask", json={"question": "And who?", "history": history})
    assert response.status_code == 200, response.text
    rewritten = response.json()["rewritten_query"]
    assert rewritten and rewritten.startswith("who") and len(rewritten) < 700


# 12. staging under the home, nothing left after a request --------------------------------------
def test_uploads_stage_under_the_home_and_leave_nothing(api: httpx.Client, home: Path) -> None:
    files = [("file", ("left.txt", b"Left\n\nNothing is left behind.", "text/plain"))]
    assert api.post("/api/articles", files=files, headers=AUTH).status_code == 200
    assert list((home / ".uploads").glob("*")) == []


# 13. invisible queries are blank ---------------------------------------------------------------
@pytest.mark.parametrize("query", ["\u200b\u200b", "\u200d\ufeff", " \u2060 ", "\u00ad"])
def test_a_query_of_invisible_characters_is_blank(api: httpx.Client, query: str) -> None:
    body = error_of(api.get("/api/search", params={"q": query}), 400)
    assert body == {"error": "bad_query", "detail": "the query is empty"}
    asked = error_of(api.post("/api/ask", json={"question": query}), 400)
    assert asked["error"] == "bad_query"


def test_a_fullwidth_query_is_searched_as_its_plain_form(api: httpx.Client) -> None:
    wide = api.get("/api/search", params={"q": "ｄｒｏｎｅｓ", "mode": "keyword"}).json()["hits"]
    plain = api.get("/api/search", params={"q": "drones", "mode": "keyword"}).json()["hits"]
    assert [h["citation"] for h in wide] == [h["citation"] for h in plain] != []
