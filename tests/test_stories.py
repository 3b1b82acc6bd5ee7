"""Stories and timelines end to end (issue #20): the sample articles plus a small fixture story
(tests/fixtures/story: five articles on one bridge collapse, a basketball final in the same
town, a phone launch) ingested with the real model, served by a real server on 127.0.0.1.

Grouping puts the five bridge articles in one story and nothing else; ``/api/stories`` finds
it, ``/api/stories/{id}`` lists it oldest first with outlets (the AP copy as AP) and key
sentences whose keys resolve; "how did … develop?" is answered as a dated, cited list, bounded
by ``as_of``, with relative dates resolved and claims attributed; ``newsrag story`` prints the
same timeline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index import NewsIndex, ingest_paths
from tests.chromium import AXE, VIEWPORTS, axe_violations, chromium, needs_chromium
from tests.conftest import FIXTURES, REPO, settings_for
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = pytest.mark.slow

BRIDGE = [
    "harwick-collapse",
    "harwick-inspection-ap",
    "harwick-corrosion",
    "harwick-replacement-plan",
    "harwick-funding",
]
GROUPED = [a for a in BRIDGE if a != "harwick-corrosion"]
DEVELOP = "How did the Old Mill Bridge collapse in Harwick develop?"
TIMEOUT_MS = 120_000
SCREENSHOTS = os.environ.get("NEWSRAG_SCREENSHOTS") == "1"  # `make screenshots`
SCREENSHOTS_DIR = REPO / "docs" / "img"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Path:
    target = copy_index(sample_home, tmp_path_factory.mktemp("stories") / "index")
    index = NewsIndex.open(settings_for(target).index)
    try:
        ingest_paths(index, [FIXTURES / "story" / "harwick.jsonl"])
    finally:
        index.close()
    return target


@pytest.fixture(scope="module")
def api(home: Path) -> Iterator[httpx.Client]:
    with (
        live_servers([ServerSpec(home)]) as (base,),
        httpx.Client(base_url=base, timeout=180) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def bridge_story(api: httpx.Client) -> dict:
    found = api.get("/api/stories", params={"q": "Old Mill Bridge collapse"})
    assert found.status_code == 200, found.text
    story_id = found.json()["stories"][0]["story_id"]
    timeline = api.get(f"/api/stories/{story_id}")
    assert timeline.status_code == 200, timeline.text
    return timeline.json()


def test_the_bridge_articles_are_one_story_and_the_others_are_not(home: Path) -> None:
    index = NewsIndex.open(settings_for(home).index)
    try:
        stories = index.catalog.stories.story_ids_of(
            [*BRIDGE, "harwick-hawks-title", "linden-phone-launch"]
        )
    finally:
        index.close()
    grouped = [a for a in BRIDGE if stories[a] == stories[BRIDGE[0]]]
    assert grouped == GROUPED  # the corrosion piece (cosine 0.68 to the nearest) stays apart:
    # recall is grouping's weak side (docs/BENCHMARKS.md), precision its strong one
    assert stories["harwick-hawks-title"] != stories[BRIDGE[0]]  # same town, another story
    assert stories["linden-phone-launch"] != stories[BRIDGE[0]]


def test_a_query_finds_its_story_with_the_matching_articles(api: httpx.Client) -> None:
    body = api.get("/api/stories", params={"q": "Old Mill Bridge collapse", "k": 3}).json()
    best = body["stories"][0]
    assert (best["first_day"], best["last_day"], best["articles"]) == (
        "2025-03-03",
        "2025-03-20",
        len(GROUPED),
    )
    assert best["rank"] == 1 and best["matched"][0]["article_id"] in BRIDGE
    assert "valleynews.example" in best["sources"] and len(body["stories"]) <= 3


def test_a_timeline_lists_the_story_oldest_first_with_outlets_and_resolvable_keys(
    api: httpx.Client, bridge_story: dict
) -> None:
    entries = bridge_story["entries"]
    assert [e["article_id"] for e in entries] == GROUPED
    assert [e["day"] for e in entries] == sorted(e["day"] for e in entries)
    wire = entries[1]
    assert wire["outlet"] == "AP (via valleynews.example)"
    for entry in entries:
        key = entry["key_sentence"]
        resolved = api.get(f"/api/citations/{key['citation']}")
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["text"] == key["quote"]
    first = entries[0]["key_sentence"]
    assert first["quote"].startswith("A section of the Old Mill Bridge")
    assert first["dates"] == first["notes"] == []  # "late on Sunday": weekday notes are off


def test_as_of_bounds_a_timeline_and_an_unknown_story_is_404(
    api: httpx.Client, bridge_story: dict
) -> None:
    bounded = api.get(f"/api/stories/{bridge_story['story_id']}", params={"as_of": "2025-03-08"})
    assert [e["article_id"] for e in bounded.json()["entries"]] == GROUPED[:2]
    missing = api.get("/api/stories/s-nothing")
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_story"
    bad = api.get("/api/stories", params={"as_of": "March"})
    assert bad.status_code == 400


def test_without_a_query_the_latest_stories_come_first(api: httpx.Client) -> None:
    stories = api.get("/api/stories").json()["stories"]
    days = [s["last_day"] for s in stories]
    dated = [d for d in days if d is not None]
    assert days[: len(dated)] == sorted(dated, reverse=True) and len(stories) >= 3
    assert set(days[len(dated) :]) <= {None}  # the undated samples last, never "today"


def test_how_did_it_develop_is_a_dated_cited_list_oldest_first(api: httpx.Client) -> None:
    answer = api.post("/api/ask", json={"question": DEVELOP}).json()
    assert answer["engine"] == "timeline" and not answer["abstained"], answer
    lines = answer["answer"].splitlines()
    assert lines[0].startswith("How it developed")
    citations = answer["citations"]
    assert len({c["article_id"] for c in citations}) >= 3
    assert {c["article_id"] for c in citations} <= set(BRIDGE)
    days = [c["published_at"] for c in citations]
    assert days == sorted(days)
    for line, c in zip(lines[1:], citations, strict=True):
        assert line.endswith(f"[{c['n']}]") and c["outlet"] in line
        assert not c["quote"].startswith("("), c["quote"]  # quoted after a "(AP) — " dateline
    corrosion = next((c for c in citations if c["article_id"] == "harwick-corrosion"), None)
    if corrosion is not None and "yesterday" in corrosion["quote"]:
        assert corrosion["quote"] in answer["answer"]  # verbatim: no note inside it
        assert not [d for d in corrosion["dates"] if d["kind"] == "day"]  # a kind noted off
        assert corrosion["claim_by"] and "inspectors" in corrosion["claim_by"].lower()


def test_as_of_bounds_a_development_answer(api: httpx.Client) -> None:
    answer = api.post("/api/ask", json={"question": DEVELOP, "as_of": "2025-03-08"}).json()
    assert answer["citations"] and all(
        c["published_at"] <= "2025-03-08" for c in answer["citations"]
    )


def test_newsrag_story_prints_the_timeline(home: Path) -> None:
    env = {**os.environ, "NEWSRAG_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "story", "Old Mill Bridge collapse", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [e["article_id"] for e in data["timeline"]["entries"]] == GROUPED
    text = subprocess.run(
        [sys.executable, "-m", "ui.cli", "story", "Old Mill Bridge collapse"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    assert "2025-03-03" in text and "AP (via valleynews.example)" in text


# -- the Timeline tab in a real browser ---------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _timeline(browser: Any, base: str, viewport: tuple[int, int]) -> Any:
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + "/")
    page.get_by_role("tab", name="Timeline").click()
    page.fill("#timeline-query textarea", "Old Mill Bridge collapse")
    page.click("#timeline-go")
    page.wait_for_selector("#timeline-view .timeline li")
    return page


@needs_chromium
def test_the_timeline_tab_lists_the_story_and_opens_each_passage_in_its_panel(
    api: httpx.Client, browser: Any
) -> None:
    page = _timeline(browser, str(api.base_url).rstrip("/"), (1400, 1000))
    entries = page.locator("#timeline-view .timeline li")
    assert entries.count() == len(GROUPED)
    days = [entries.nth(i).locator(".when").inner_text() for i in range(len(GROUPED))]
    assert days == ["3 Mar 2025", "4 Mar 2025", "12 Mar 2025", "20 Mar 2025"]
    assert "AP (via valleynews.example)" in entries.nth(1).inner_text()
    quoted = entries.nth(0).locator("blockquote").inner_text()  # "late on Sunday": verbatim
    assert "late on Sunday, cutting" in quoted and "[2 Mar 2025]" not in quoted
    entries.nth(1).locator("a.cite-link").click()
    quote = page.wait_for_selector("#timeline-panel strong.quote")
    assert quote.inner_text().startswith("Engineers began inspecting")
    assert "on Tuesday," in page.inner_text("#timeline-panel mark.passage")  # never noted inside
    page.context.close()


@needs_chromium
@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make test`")
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_timeline_fits_and_passes_axe_on_desktop_and_phone(
    api: httpx.Client, browser: Any, viewport: str, tmp_path: Path
) -> None:
    width, height = VIEWPORTS[viewport]
    page = _timeline(browser, str(api.base_url).rstrip("/"), (width, height))
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    box = page.locator("#timeline-view .timeline").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    folder = SCREENSHOTS_DIR if SCREENSHOTS else tmp_path
    page.screenshot(path=str(folder / f"timeline-{viewport}.png"), full_page=viewport == "phone")
    assert axe_violations(page) == []
    page.context.close()
