"""A corrected article in a real server and a real browser (issue #18, point 3): a citation key
made before the correction still opens — on ``/cite`` and in the chat's panel — with the
"Updated since" note, the dates, a word diff and a link to the passage as it reads now; the API
lists the versions and says 410 only for a deleted article. The packaged model, the sample
index plus fixture articles, chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from assistant import Retriever
from index import Embedder, NewsIndex, delete_articles, ingest_paths
from tests.chromium import AXE, VIEWPORTS, axe_violations, chromium, needs_chromium
from tests.conftest import FIXTURES, settings_for
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = [pytest.mark.slow, needs_chromium]

VERSIONS = FIXTURES / "versions"
ARTICLE = "port-ellen-bridge"
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sample_home: Path, embedder: Embedder
) -> Iterator[tuple[str, dict[str, str]]]:
    """The server's URL and the keys made before the correction and before the deletion."""
    home = copy_index(sample_home, tmp_path_factory.mktemp("versions") / "index")
    index = NewsIndex.open(settings_for(home).index, embedder=embedder)
    try:
        first = ["bridge_v1.json", "retracted.json", "desk_versions.json"]
        ingest_paths(index, [VERSIONS / name for name in first])
        keys = {
            "old": _key(index, "workers injured when a suspension cable snapped"),
            "gone": _key(index, "winter ferry timetable Sunday crossing"),
        }
        assert ingest_paths(index, [VERSIONS / "bridge_v2.json"]).updated == 1
        delete_articles(index, ["retracted-ferry-story"])
    finally:
        index.close()
    with live_servers([ServerSpec(home)]) as (url,):
        yield url, keys


def _key(index: NewsIndex, query: str) -> str:
    return Retriever(index).search(query, k=1)[0].citation


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


def test_the_api_keeps_old_citations_open_and_lists_versions(
    served: tuple[str, dict[str, str]],
) -> None:
    base, keys = served
    cited = httpx.get(f"{base}/api/citations/{quote(keys['old'], safe=':')}").json()
    assert "Two workers" in cited["text"] and cited["article"]["version"] == 1
    note = cited["updated_since"]
    assert (note["cited_version"], note["current_version"]) == (1, 2)
    assert note["current_valid_from"] == "2025-11-03" and "Three workers" in note["current_text"]
    assert {"op": "delete", "text": "Two"} in note["diff"]
    now = httpx.get(f"{base}/api/citations/{quote(note['current_citation'], safe=':')}").json()
    assert now["updated_since"] is None and now["article"]["version"] == 2

    versions = httpx.get(f"{base}/api/articles/{ARTICLE}/versions").json()["versions"]
    assert [(v["version"], v["current"], v["valid_from"]) for v in versions] == [
        (1, False, None),
        (2, True, "2025-11-03"),
    ]
    gone = httpx.get(f"{base}/api/citations/{quote(keys['gone'], safe=':')}")
    assert gone.status_code == 410 and gone.json()["error"] == "deleted_article"
    assert "was deleted" in gone.json()["detail"]
    assert httpx.get(f"{base}/api/articles/retracted-ferry-story/versions").status_code == 410

    desk = httpx.get(f"{base}/api/articles/desk/versions")  # an id ending in /versions
    assert desk.status_code == 200 and desk.json()["article_id"] == "desk/versions"
    listed = httpx.get(f"{base}/api/articles/desk/versions/versions").json()
    assert [v["version"] for v in listed["versions"]] == [1]

    as_of = httpx.get(
        f"{base}/api/search",
        params={"q": "workers injured suspension cable", "k": 3, "as_of": "2025-11-02"},
    ).json()["hits"]
    bridge = [h for h in as_of if h["article_id"] == ARTICLE]
    assert bridge and bridge[0]["version"] == 1 and "Two workers" in bridge[0]["text"]


def test_the_cite_page_marks_an_old_version_and_links_the_current_one(
    served: tuple[str, dict[str, str]], page: Any
) -> None:
    base, keys = served
    page.goto(f"{base}/cite/{quote(keys['old'], safe=':')}#passage")
    note = page.wait_for_selector("aside.update-note")
    text = note.inner_text()
    assert "Updated since" in text and "version 1 of 2" in text and "2025-11-03" in text
    assert page.inner_text("aside.update-note del") and page.inner_text("aside.update-note ins")
    assert "Two workers" in page.inner_text("mark.passage")
    page.click("aside.update-note a.current-link")
    page.wait_for_selector("mark.passage")
    assert "Three workers" in page.inner_text("mark.passage")
    assert page.locator("aside.update-note").count() == 0
    page.goto(f"{base}/cite/{quote(keys['gone'], safe=':')}")
    assert "was deleted" in page.inner_text("body")


def test_the_chat_panel_shows_the_update_note_of_an_as_of_hit(
    served: tuple[str, dict[str, str]], page: Any
) -> None:
    base, _ = served
    page.goto(base + "/")
    page.get_by_role("tab", name="Search").click()
    page.fill("#search-as-of input.time", "2025-11-02")
    page.keyboard.press("Tab")
    page.fill("#search-query textarea", "workers injured suspension cable Port Ellen")
    page.click("#search-go")
    page.wait_for_selector("#search-results table.results")
    link = page.locator("#search-results tr:has-text('Port Ellen') a.cite-link").first
    link.click()
    note = page.wait_for_selector("#search-panel aside.update-note")
    assert "version 1 of 2" in note.inner_text()
    assert "Two workers" in page.inner_text("#search-panel mark.passage")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make test`")
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_update_note_fits_and_passes_axe_on_desktop_and_phone(
    served: tuple[str, dict[str, str]], browser: Any, viewport: str, tmp_path: Path
) -> None:
    base, keys = served
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/cite/{quote(keys['old'], safe=':')}#passage")
    page.wait_for_selector("aside.update-note")
    note = page.locator("aside.update-note").bounding_box()
    assert note is not None and note["x"] >= 0 and note["x"] + note["width"] <= width + 0.5
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    page.screenshot(path=str(tmp_path / f"update-note-{viewport}.png"), full_page=True)
    assert axe_violations(page) == []
    context.close()
