"""Hostile and broken input against one real server (``python -m ui.cli serve``, token set,
``NEWSRAG_MAX_FILE_BYTES`` 200 kB, ``NEWSRAG_MAX_UPLOAD_FILES`` 3) over a copy of the sample
index.

Every case gets its documented answer (a status with JSON ``{error, detail}``, or an ingest
summary whose ``problems`` name the client's file, line and field), never a stack trace, and
after every case the articles indexed before are all still there and the known question still
has the same top hit (the autouse ``intact`` fixture). docs/SECURITY.md lists the cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from assistant.records import MARKER
from tests.hostile import inputs as h
from tests.hostile.api_cases import (
    CITATION_KEYS,
    LIMIT,
    MAX_FILES,
    REFUSED,
    REPORTED,
    TOKEN,
    Send,
    post_json,
    raw_request,
    upload,
)
from tests.live_server import ServerSpec, copy_index, error_of, live_servers

pytestmark = pytest.mark.slow

DRONES = "How many drones were launched?"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Iterator[str]:
    home = copy_index(sample_home, tmp_path_factory.mktemp("hostile") / "index")
    env = {"NEWSRAG_MAX_FILE_BYTES": str(LIMIT), "NEWSRAG_MAX_UPLOAD_FILES": str(MAX_FILES)}
    with live_servers([ServerSpec(home, TOKEN, env)]) as (url,):
        yield url


@pytest.fixture(scope="module")
def api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=180) as client:
        yield client


@dataclass(frozen=True)
class Baseline:
    ids: frozenset[str]
    top: str  # citation key of the top hit for DRONES


def article_ids(api: httpx.Client) -> set[str]:
    listing = api.get("/api/articles", params={"limit": 1000}).json()
    return {row["article_id"] for row in listing["articles"]}


def top_hit(api: httpx.Client) -> str:
    hits = api.get("/api/search", params={"q": DRONES, "k": 1}).json()["hits"]
    return str(hits[0]["citation"])


@pytest.fixture(scope="module")
def baseline(api: httpx.Client) -> Baseline:
    ids = article_ids(api)
    assert len(ids) == 2
    return Baseline(frozenset(ids), top_hit(api))


@pytest.fixture(autouse=True)
def intact(api: httpx.Client, baseline: Baseline) -> Iterator[None]:
    """After each case: nothing indexed before is lost, the known search is unchanged."""
    yield
    assert baseline.ids <= article_ids(api)
    assert top_hit(api) == baseline.top


@pytest.mark.parametrize(
    ("send", "status", "error", "detail"),
    REFUSED,
)
def test_refused_with_json_error(
    api: httpx.Client, send: Send, status: int, error: str, detail: str
) -> None:
    body = error_of(send(api), status)
    assert body["error"] == error
    assert detail.lower() in str(body["detail"]).lower()
    assert TOKEN not in str(body) and "guess-123" not in str(body)


@pytest.mark.parametrize(
    ("key", "status", "error"), [pytest.param(*c[1:], id=c[0]) for c in CITATION_KEYS]
)
def test_bad_citation_keys(api: httpx.Client, key: str, status: int, error: str) -> None:
    response = raw_request(api, "GET", f"/api/citations/{key}")
    assert error_of(response, status)["error"] == error
    assert "root:" not in response.text
    page = raw_request(api, "GET", f"/cite/{key}")
    assert page.status_code == status and "Traceback" not in page.text


@pytest.mark.parametrize(("send", "counts", "problem"), REPORTED)
def test_bad_files_are_reported_not_fatal(
    api: httpx.Client, send: Send, counts: dict[str, int], problem: str
) -> None:
    response = send(api)
    assert response.status_code == 200 and "Traceback" not in response.text
    summary = response.json()
    assert {k: summary[k] for k in counts} == counts
    assert any(problem in p for p in summary["problems"]), summary["problems"]
    assert "newsrag-upload" not in response.text  # the client's name, never the staging path


# -- read as well as they can be: stored text is clean ------------------------------------------
def stored(api: httpx.Client, summary: dict) -> dict:
    assert summary["added"] + summary["updated"] == 1, summary
    return api.get(f"/api/articles/{summary['articles'][0]['article_id']}").json()


def test_invalid_utf8_is_replaced(api: httpx.Client) -> None:
    doc = stored(api, upload(("cafe.txt", h.invalid_utf8()))(api).json())
    assert "\ufffd" in doc["text"] and "opened on Monday" in doc["text"]


def test_utf16_with_bom_is_decoded(api: httpx.Client) -> None:
    doc = stored(api, upload(("zebra.txt", h.utf16_with_bom()))(api).json())
    assert doc["title"] == "Zebra crossing in Nairobi" and "\x00" not in doc["text"]


def test_nul_in_json_fields_is_dropped(api: httpx.Client) -> None:
    payload = h.article(
        "hostile-nul", "Owls\x00 at\x00 dusk", "Owls\x00 hunt at dusk over the moor."
    )
    doc = stored(api, post_json(payload)(api).json())
    assert "\x00" not in doc["title"] + doc["text"] and doc["title"] == "Owls at dusk"


def test_html_scripts_iframes_and_forms_are_dropped(api: httpx.Client) -> None:
    doc = stored(api, upload(("falcons.html", h.SCRIPT_HTML))(api).json())
    assert "peregrine falcons" in doc["text"]
    for marker in h.SCRIPT_MARKERS:
        assert marker not in doc["text"] and marker not in doc["title"]
    hits = api.get("/api/search", params={"q": "falcons Prague tower", "k": 1}).json()["hits"]
    assert hits[0]["article_id"] == doc["article_id"] and "<" not in hits[0]["snippet"]


@pytest.mark.parametrize("day", h.FAR_DATES)
def test_far_past_and_future_dates_are_kept_undated(api: httpx.Client, day: str) -> None:
    payload = h.article(f"hostile-date{day}", f"Valley fair {day}", f"A fair was held ({day}).")
    doc = stored(api, post_json({**payload, "published_at": day})(api).json())
    assert doc["published_at"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"since": "0001-01-01"},
        {"until": "9999-12-31"},
        {"as_of": "9999-12-31", "strict": "true"},
        {"as_of": "0001-01-01"},
    ],
)
def test_far_dates_in_filters(api: httpx.Client, params: dict[str, str]) -> None:
    dated = h.article("hostile-dated", "Tram strike in Lisbon", h.TRAMS, published_at="2024-05-02")
    assert post_json(dated)(api).status_code == 200
    response = api.get("/api/search", params={"q": "tram strike Lisbon", **params})
    assert response.status_code == 200, response.text
    assert "hostile-dated" in {hit["article_id"] for hit in response.json()["hits"]}


def test_duplicate_ids_with_different_text_last_wins_and_say_so(api: httpx.Client) -> None:
    first = h.article("hostile-dup", "Apples", "Apple growers in Kent expect a record harvest.")
    second = h.article("hostile-dup", "Pears", "Pear growers in Kent expect a poor harvest.")
    summary = post_json([first, second])(api).json()
    assert (summary["added"], summary["updated"], summary["failed"]) == (1, 1, 0)
    assert len(summary["warnings"]) == 1, summary  # said, not silent (issue #13)
    assert "'hostile-dup'" in summary["warnings"][0] and "replaced" in summary["warnings"][0]
    assert api.get("/api/articles/hostile-dup").json()["title"] == "Pears"
    third = h.article("hostile-dup", "Plums", "Plum growers in Kent expect an average harvest.")
    assert post_json(third)(api).json()["updated"] == 1


# -- uploads keep their id by client file name (issue #6) -----------------------------------------
@pytest.mark.parametrize("traversal", ["../../hostile-notes.txt", "..\\..\\hostile-notes.txt"])
def test_reupload_by_name_updates_and_ignores_directories(
    api: httpx.Client, traversal: str
) -> None:
    v1 = b"Harbour notes\n\nThe ferry to the island runs twice a day in winter."
    v2 = b"Harbour notes\n\nThe ferry to the island runs four times a day in summer."
    before = len(article_ids(api))
    first = upload(("hostile-notes.txt", v1))(api).json()
    assert first["added"] + first["unchanged"] + first["updated"] == 1
    article_id = first["articles"][0]["article_id"]
    again = upload((traversal, v1))(api).json()
    assert again["unchanged"] == 1 and again["articles"][0]["article_id"] == article_id
    changed = upload(("hostile-notes.txt", v2))(api).json()
    assert changed["updated"] == 1 and changed["articles"][0]["article_id"] == article_id
    assert "four times" in api.get(f"/api/articles/{article_id}").json()["text"]
    assert len(article_ids(api)) <= before + 1
    upload(("hostile-notes.txt", v1))(api)  # back to v1 for the second parameter


# -- queries ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "dense"])
@pytest.mark.parametrize("query", h.FTS5_SOUP, ids=range(len(h.FTS5_SOUP)))
def test_fts5_operator_soup_is_plain_text(api: httpx.Client, query: str, mode: str) -> None:
    response = api.get("/api/search", params={"q": query, "mode": mode})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["hits"], list)


@pytest.mark.parametrize("question", [h.FTS5_SOUP[0], "x" * 10_000])
def test_odd_questions_answer_or_abstain(api: httpx.Client, question: str) -> None:
    response = api.post("/api/ask", json={"question": question})
    assert response.status_code == 200, response.text
    body = response.json()
    assert {int(n) for n in MARKER.findall(body["answer"])} == {c["n"] for c in body["citations"]}


# -- prompt injection is data -----------------------------------------------------------------
@pytest.fixture(scope="module")
def injected(api: httpx.Client) -> str:
    summary = post_json(h.INJECTION_ARTICLE)(api).json()
    assert summary["added"] == 1
    return str(h.INJECTION_ARTICLE["id"])


@pytest.mark.parametrize("question", h.INJECTION_QUESTIONS)
def test_prompt_injection_does_not_change_citing(
    api: httpx.Client, injected: str, question: str
) -> None:
    response = api.post("/api/ask", json={"question": question})
    assert response.status_code == 200, response.text
    body = response.json()
    markers = {int(n) for n in MARKER.findall(body["answer"])}
    assert markers == {c["n"] for c in body["citations"]} <= {1, 2, 3}  # the engine's own
    retrieved = {
        hit["citation"] for hit in api.get("/api/search", params={"q": question}).json()["hits"]
    }
    for c in body["citations"]:
        assert c["citation"] in retrieved
        text = api.get(f"/api/articles/{c['article_id']}").json()["text"]
        assert text[c["quote_start"] : c["quote_end"]] == c["quote"]
        assert api.get(f"/api/citations/{c['citation']}").status_code == 200
    if body["citations"]:  # the injected article, quoted as data: its [n] are not markers
        assert body["citations"][0]["article_id"] == injected


# -- CORS closed by default ---------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/search?q=drones", "/api/articles", "/config", "/"])
@pytest.mark.parametrize("host", [None, "newsrag.example.org"])
def test_no_cross_origin_access(api: httpx.Client, path: str, host: str | None) -> None:
    origin = {"Origin": "https://evil.example", **({"Host": host} if host else {})}
    preflight = api.options(
        path,
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = api.get(path, headers=origin)
    assert "access-control-allow-origin" not in simple.headers
    assert "Traceback" not in preflight.text + simple.text
