"""The HTTP API end to end: real uvicorn servers (``python -m ui.cli serve``) and httpx.

Two servers per module, started together: one over a copy of the sample index with an API token
(and a small upload limit), one read-only over an empty home.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from index import Embedder, NewsIndex, ingest_paths
from tests.conftest import FIXTURES, settings_for
from tests.live_server import ServerSpec, copy_index, error_of, live_servers

pytestmark = pytest.mark.slow

TOKEN = "test-token-4f9a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_FILE_BYTES = 20_000
DRONES = "How many drones were launched?"


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("api")
    return copy_index(sample_home, root / "index"), root / "empty"


@pytest.fixture(scope="module")
def bases(homes: tuple[Path, Path]) -> Iterator[tuple[str, str]]:
    writable = ServerSpec(homes[0], TOKEN, {"NEWSRAG_MAX_FILE_BYTES": str(MAX_FILE_BYTES)})
    with live_servers([writable, ServerSpec(homes[1])]) as (api, empty):
        yield api, empty


@pytest.fixture(scope="module")
def api(bases: tuple[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=bases[0], timeout=180) as client:
        yield client


@pytest.fixture(scope="module")
def empty(bases: tuple[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=bases[1], timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def drones_answer(api: httpx.Client) -> dict:
    response = api.post("/api/ask", json={"question": DRONES})
    assert response.status_code == 200, response.text
    return response.json()


def stale(key: str) -> str:
    """The key with another passage hash: the article no longer holds that passage."""
    return key[:-8] + ("0" * 8 if not key.endswith("0" * 8) else "1" * 8)


def raw_get(base: str, path: str) -> tuple[int, str]:
    """GET without any client-side path normalisation (``..`` and ``%00`` reach the server)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


# -- meta -------------------------------------------------------------------------------------
def test_health_stats_and_openapi(api: httpx.Client) -> None:
    health = api.get("/api/health").json()
    assert health["status"] == "ok" and health["ready"] is True
    assert health["articles"] == 2 and health["chunks"] > 0 and health["generation"] >= 1
    assert health["model"] == "all-MiniLM-L6-v2"
    stats = api.get("/api/stats").json()
    assert stats["articles"] == 2 and stats["dim"] == 384 and "chunker" in stats
    paths = api.get("/openapi.json").json()["paths"]
    for path in (
        "/api/search",
        "/api/ask",
        "/api/citations/{key}",
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/health",
        "/api/stats",
    ):
        assert path in paths
    assert "SearchOut" in json.dumps(paths["/api/search"])
    assert api.get("/docs").status_code == 200


def test_unknown_api_paths_are_json_404_with_the_chat_mounted(api: httpx.Client) -> None:
    for method in ("GET", "POST", "DELETE"):
        body = error_of(api.request(method, "/api/no/such/route"), 404)
        assert body["error"] == "not_found"
    page = api.get("/")
    assert page.status_code == 200 and "newsrag" in page.text
    assert "gradio" in page.text.lower()


# -- search -----------------------------------------------------------------------------------
def test_search_returns_cli_shape_with_plain_snippets_and_offsets(api: httpx.Client) -> None:
    body = api.get("/api/search", params={"q": "drones launched", "k": 3}).json()
    assert body["query"] == "drones launched" and body["mode"] == "hybrid"
    assert 1 <= len(body["hits"]) <= 3
    hit = body["hits"][0]
    for key in (
        "rank",
        "score",
        "scores",
        "citation",
        "article_id",
        "title",
        "source",
        "published_at",
        "url",
        "start",
        "end",
        "text",
        "copies",
        "authors",
        "section",
    ):
        assert key in hit
    assert "<mark" not in hit["snippet"]
    marked = [hit["snippet"][s:e].lower() for s, e in hit["highlights"]]
    assert marked and all(m.startswith(("drone", "launched")) for m in marked)


def test_search_modes_filters_and_bad_input(api: httpx.Client) -> None:
    for mode in ("dense", "keyword"):
        body = api.get("/api/search", params={"q": "Iskander missiles", "mode": mode}).json()
        assert body["mode"] == mode and body["hits"]
    none = api.get("/api/search", params={"q": "drones", "source": "no-such-outlet"}).json()
    assert none["hits"] == []
    assert error_of(api.get("/api/search", params={"q": "   "}), 400)["error"] == "bad_query"
    bad_date = api.get("/api/search", params={"q": "drones", "since": "yesterday"})
    assert "since" in error_of(bad_date, 400)["detail"]
    assert error_of(api.get("/api/search", params={"q": "x", "k": 0}), 422)["error"] == (
        "validation_error"
    )
    error_of(api.get("/api/search", params={"q": "x", "mode": "magic"}), 422)
    error_of(api.get("/api/search"), 422)


# -- ask --------------------------------------------------------------------------------------
def test_ask_returns_the_cli_answer_object(drones_answer: dict) -> None:
    assert "188" in drones_answer["answer"] and "[1]" in drones_answer["answer"]
    assert drones_answer["abstained"] is False and drones_answer["engine"] == "extractive"
    c = drones_answer["citations"][0]
    assert c["n"] == 1 and c["citation"].startswith(c["article_id"] + ":")
    assert c["start"] <= c["quote_start"] < c["quote_end"] <= c["end"]
    assert {"related", "timings", "unsupported", "rewritten_query"} <= set(drones_answer)


def test_ask_follow_up_uses_history_and_validates(api: httpx.Client, drones_answer: dict) -> None:
    history = [
        {"role": "user", "content": DRONES},
        {"role": "assistant", "content": drones_answer["answer"]},
    ]
    body = api.post(
        "/api/ask", json={"question": "And how many were shot down?", "history": history, "k": 4}
    ).json()
    assert body["rewritten_query"] and "drones" in body["rewritten_query"].lower()
    assert error_of(api.post("/api/ask", json={}), 422)["error"] == "validation_error"
    error_of(api.post("/api/ask", json={"question": "x", "k": 0}), 422)
    error_of(api.post("/api/ask", json={"question": "x", "surprise": 1}), 422)
    llm = api.post("/api/ask", json={"question": DRONES, "engine": "llm"})
    assert error_of(llm, 400)["error"] == "engine_unavailable"
    bad = api.post("/api/ask", json={"question": DRONES, "filters": {"until": "2024-13-45"}})
    assert error_of(bad, 400)["error"] == "bad_filter"


def _events(response: httpx.Response) -> list[tuple[str, object]]:
    events = []
    for block in response.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


@pytest.mark.parametrize("how", ["body", "accept"])
def test_ask_streams_server_sent_events(api: httpx.Client, how: str) -> None:
    payload = {"question": DRONES, **({"stream": True} if how == "body" else {})}
    headers = {"Accept": "text/event-stream"} if how == "accept" else {}
    response = api.post("/api/ask", json=payload, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response)
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"] and set(names[:-2]) == {"token"}
    assert len(names) > 3
    text = "".join(data["text"] for name, data in events if name == "token")  # type: ignore[index]
    done = events[-1][1]
    assert isinstance(done, dict) and text == done["answer"]
    assert events[-2][1] == done["citations"] and done["citations"]


# -- citations --------------------------------------------------------------------------------
def test_citation_lookup_with_context(api: httpx.Client, drones_answer: dict) -> None:
    key = drones_answer["citations"][0]["citation"]
    body = api.get(f"/api/citations/{quote(key, safe=':')}", params={"context": 40}).json()
    assert body["citation"] == key and "188 drones" in body["text"]
    assert len(body["before"]) == 40 and len(body["after"]) <= 40
    assert body["article"]["article_id"] == drones_answer["citations"][0]["article_id"]
    assert body["end"] - body["start"] == len(body["text"])


def test_citation_errors(api: httpx.Client, drones_answer: dict) -> None:
    key = drones_answer["citations"][0]["citation"]
    article_id = drones_answer["citations"][0]["article_id"]
    assert error_of(api.get(f"/api/citations/{stale(key)}"), 410)["error"] == "stale_citation"
    gone = api.get(f"/api/citations/no-such-article:0-10:{'a' * 8}")
    assert "no-such-article" in error_of(gone, 404)["detail"]
    assert error_of(api.get("/api/citations/not-a-key"), 400)["error"] == "malformed_citation"
    assert error_of(api.get(f"/api/citations/{article_id}:5-5:{'a' * 8}"), 400)
    error_of(api.get(f"/api/citations/{key}", params={"context": -1}), 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/citations/../../etc/passwd",
        "/api/citations/..%2F..%2Fetc%2Fpasswd",
        "/api/citations/%2E%2E/%2E%2E/etc/passwd:0-10:aaaaaaaa",
        "/api/citations/doc-x%00:0-10:aaaaaaaa",
        "/api/citations/%00",
    ],
)
def test_citation_keys_that_look_like_paths_are_400(bases: tuple[str, str], path: str) -> None:
    status, text = raw_get(bases[0], path)
    assert status == 400, text
    assert "root:" not in text and json.loads(text)["error"] == "malformed_citation"


def test_citation_page_is_escaped_html(api: httpx.Client, drones_answer: dict) -> None:
    c = drones_answer["citations"][0]
    page = api.get(
        f"/cite/{c['citation']}", params={"quote": f"{c['quote_start']}-{c['quote_end']}"}
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert '<mark class="passage" id="passage">' in page.text
    assert '<strong class="quote" id="quote">' in page.text and c["title"] in page.text
    for status, key in ((404, f"nope:0-10:{'a' * 8}"), (400, "bad"), (410, stale(c["citation"]))):
        response = api.get(f"/cite/{key}")
        assert response.status_code == status and "<h1>This " in response.text  # in words
        assert f"(HTTP {status})" in response.text and "<h1>4" not in response.text


# -- articles ---------------------------------------------------------------------------------
def test_articles_list_and_read(api: httpx.Client) -> None:
    listing = api.get("/api/articles", params={"limit": 1}).json()
    assert listing["limit"] == 1 and listing["total"] >= 2 and len(listing["articles"]) == 1
    row = listing["articles"][0]
    assert {"article_id", "title", "chars", "chunks", "copy_of"} <= set(row)
    article = api.get(f"/api/articles/{row['article_id']}").json()
    assert len(article["text"]) == article["chars"] == row["chars"]
    assert api.get("/api/articles", params={"since": "2999-01-01"}).json()["total"] == 0
    assert error_of(api.get("/api/articles/no-such-id"), 404)["error"] == "unknown_article"
    error_of(api.get("/api/articles", params={"limit": 0}), 422)
    error_of(api.get("/api/articles", params={"until": "soon"}), 400)


def test_writes_need_the_token(api: httpx.Client, empty: httpx.Client) -> None:
    article = {"title": "T", "text": "Some text here."}
    for client, status in ((empty, 403), (api, 401)):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
            post = client.post("/api/articles", json=article, headers=headers)
            delete = client.delete("/api/articles/anything", headers=headers)
            for response in (post, delete):
                body = error_of(response, status)
                if status == 403:
                    assert "NEWSRAG_API_TOKEN" in body["detail"]


def test_ingest_json_then_search_read_and_delete(api: httpx.Client) -> None:
    article = {
        "id": "api-owls",
        "title": "Snowy owls visit Oslo",
        "source": "Nordic Birds",
        "published_at": "2024-03-01",
        "text": "A flock of snowy owls was seen in Oslo on Monday. Birdwatchers counted "
        "seventeen owls near the harbour, a record for the city.",
    }
    added = api.post("/api/articles", json=article, headers=AUTH).json()
    assert added["added"] == 1 and added["articles"] == [
        {"article_id": "api-owls", "title": "Snowy owls visit Oslo"}
    ]
    again = api.post("/api/articles", json=[article], headers=AUTH).json()
    assert again["unchanged"] == 1
    hits = api.get(
        "/api/search", params={"q": "snowy owls Oslo", "k": 1, "source": "Nordic Birds"}
    ).json()["hits"]
    assert hits[0]["article_id"] == "api-owls" and hits[0]["source"] == "Nordic Birds"
    assert api.get("/api/articles/api-owls").json()["text"].startswith("A flock")
    deleted = api.delete("/api/articles/api-owls", headers=AUTH).json()
    assert deleted == {"deleted": ["api-owls"], "warnings": []}
    error_of(api.get("/api/articles/api-owls"), 404)
    error_of(api.delete("/api/articles/api-owls", headers=AUTH), 404)
    error_of(api.post("/api/articles", json={"title": 5}, headers=AUTH), 422)
    error_of(
        api.post(
            "/api/articles",
            content=b"{not json",
            headers={**AUTH, "Content-Type": "application/json"},
        ),
        422,
    )
    error_of(
        api.post("/api/articles", content=b"x", headers={**AUTH, "Content-Type": "text/x"}), 415
    )


def test_upload_files_like_the_cli(api: httpx.Client) -> None:
    otters = (FIXTURES / "server" / "otters.md").read_bytes()
    files = [("file", ("../../../etc/otters.md", otters, "text/markdown"))]
    body = api.post("/api/articles", files=files, headers=AUTH).json()
    assert body["added"] == 1 and body["failed"] == 0
    assert body["articles"][0]["title"] == "Otters return to the Thames estuary"
    hits = api.get("/api/search", params={"q": "otters Thames estuary", "k": 1}).json()["hits"]
    assert hits[0]["title"] == "Otters return to the Thames estuary"
    big = [("file", ("big.txt", b"word " * (MAX_FILE_BYTES // 4), "text/plain"))]
    assert error_of(api.post("/api/articles", files=big, headers=AUTH), 413)["error"] == (
        "too_large"
    )
    error_of(api.post("/api/articles", json=[{"text": "x" * MAX_FILE_BYTES}], headers=AUTH), 413)
    odd = [("file", ("notes.exe", b"MZ", "application/octet-stream"))]
    assert (
        "unsupported" in error_of(api.post("/api/articles", files=odd, headers=AUTH), 415)["detail"]
    )
    empty_json = api.post(
        "/api/articles", files=[("file", ("a.json", b"[]", "application/json"))], headers=AUTH
    ).json()
    assert empty_json["added"] == 0 and "a.json: no articles" in empty_json["problems"][0]
    assert "newsrag-upload" not in json.dumps(empty_json)


def test_articles_ingested_elsewhere_appear_without_restart(
    api: httpx.Client, homes: tuple[Path, Path], embedder: Embedder
) -> None:
    before = api.get("/api/health").json()["generation"]
    ids = {
        h["article_id"] for h in api.get("/api/search", params={"q": "lighthouse"}).json()["hits"]
    }
    assert "xss-probe" not in ids
    index = NewsIndex.open(settings_for(homes[0]).index, embedder=embedder)
    try:  # another process writes, as `newsrag ingest` would
        assert ingest_paths(index, [FIXTURES / "server" / "xss_article.json"]).added == 1
    finally:
        index.close()
    assert api.get("/api/health").json()["generation"] > before
    hits = api.get("/api/search", params={"q": "lighthouse keepers strike", "k": 1}).json()["hits"]
    assert hits and hits[0]["article_id"] == "xss-probe"
    assert "Harbour <b>Gazette</b>" in api.get("/api/stats").json()["sources"]


# -- an empty, read-only server -----------------------------------------------------------------
def test_empty_server_reports_not_ready(empty: httpx.Client) -> None:
    health = empty.get("/api/health").json()
    assert health["ready"] is False and health["articles"] == 0
    response = empty.get("/api/search", params={"q": "drones"})
    assert error_of(response, 503)["error"] == "index_not_ready"
    assert response.headers["retry-after"]
    error_of(empty.post("/api/ask", json={"question": DRONES}), 503)
    error_of(empty.get(f"/api/citations/a:0-1:{'a' * 8}"), 503)
    assert empty.get("/api/articles").json() == {
        "total": 0,
        "limit": 50,
        "offset": 0,
        "articles": [],
    }


# -- gradio_client ----------------------------------------------------------------------------
def test_gradio_client_chat_and_ask_endpoints(bases: tuple[str, str]) -> None:
    from gradio_client import Client

    client = Client(bases[0] + "/", verbose=False, analytics_enabled=False)
    try:
        named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        assert {"/chat", "/ask", "/search", "/citation", "/articles", "/upload", "/delete"} <= set(
            named
        )
        _, messages = client.predict(DRONES, [], None, None, None, 6, api_name="/chat")
        text = _message_text(messages[-1])
        assert messages[-1]["role"] == "assistant" and "188" in text and "](/cite/" in text
        _, messages = client.predict(
            "And how many were shot down?", [], None, None, None, 6, api_name="/chat"
        )
        assert len(messages) == 4 and "Read as a follow-up" in _message_text(messages[-1])
        answer = client.predict(DRONES, api_name="/ask")
        assert answer["citations"] and "[1]" in answer["answer"]
        passage = client.predict(answer["citations"][0]["citation"], 0, api_name="/citation")
        assert "188 drones" in passage["text"]
    finally:
        client.close()


def _message_text(message: dict) -> str:
    content = message["content"]
    return content[0]["text"] if isinstance(content, list) else str(content)


def test_the_server_logs_its_start_and_each_ask_at_info_without_the_question(
    api: httpx.Client, bases: tuple[str, str], drones_answer: dict
) -> None:
    from tests.live_server import server_log

    log = server_log(bases[0])
    assert "INFO ui.server: newsrag serving on http://127.0.0.1:" in log
    assert re.search(r"INFO ui\.services: ask: (\d+ citations|abstained), \d+ passages", log)
    assert DRONES not in log  # the question itself only at DEBUG
    assert "Traceback" not in log
