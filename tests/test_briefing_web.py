"""Briefings end to end (issue #33, point 1): the sample articles plus the fixture story
(tests/fixtures/story: a bridge collapse over March 2025, a basketball final, a phone launch),
through ``GET /api/brief`` on a real server, ``newsrag brief --json`` and the Briefing tab in a
real browser (reached from the chat's first screen), at 1366×900 and 390×844, axe clean."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import test_stories
from tests.chromium import AXE, VIEWPORTS, axe_violations, chromium, needs_chromium
from tests.conftest import REPO

pytestmark = pytest.mark.slow
home, api = test_stories.home, test_stories.api  # the same fixtures: this module's own index

MARCH = {"since": "2025-03-01", "until": "2025-03-31"}
TIMEOUT_MS = 120_000


def test_the_month_leads_with_the_bridge_and_every_key_sentence_resolves(
    api: httpx.Client,
) -> None:
    got = api.get("/api/brief", params=MARCH)
    assert got.status_code == 200, got.text
    brief = got.json()
    assert (brief["since"], brief["until"]) == ("2025-03-01", "2025-03-31")
    assert brief["previous"] == {"since": "2025-01-29", "until": "2025-02-28"}
    first = brief["stories"][0]
    assert "Bridge" in first["title"] or "bridge" in first["title"]
    assert first["articles"] >= 3 and "harwickherald.example" in first["outlets"]
    assert 1 <= len(first["key_sentences"]) <= 2
    for story in brief["stories"]:
        for key in story["key_sentences"]:
            cited = api.get(f"/api/citations/{key['citation']}")
            assert cited.status_code == 200, cited.text
            assert key["quote"] in cited.json()["text"]


def test_a_topic_a_day_and_bad_periods(api: httpx.Client) -> None:
    phone = api.get("/api/brief", params={**MARCH, "topic": "repairable phone"}).json()
    assert [s["title"] for s in phone["stories"]] == ["Linden Labs launches a repairable phone"]
    day = api.get("/api/brief", params={"day": "2025-03-05"}).json()
    assert [s["articles"] for s in day["stories"]] == [1]
    assert (
        api.get("/api/brief", params={"day": "2025-03-05", "since": "2025-03-01"}).status_code
        == 400
    )
    assert (
        api.get("/api/brief", params={"since": "2025-03-09", "until": "2025-03-01"}).status_code
        == 400
    )
    assert api.get("/api/brief", params={"limit": 0}).status_code == 422


def test_newsrag_brief_prints_what_the_api_returns(api: httpx.Client, home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "brief", "--home", str(home), "--json",
         "--since", MARCH["since"], "--until", MARCH["until"]],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    assert json.loads(done.stdout) == api.get("/api/brief", params=MARCH).json()


# -- the Briefing tab in a real browser ---------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _briefing(browser: Any, base: str, viewport: tuple[int, int]) -> Any:
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + "/")
    page.click("#chat-empty .to-briefing")  # the chat's first screen offers it
    page.wait_for_selector("#briefing-view .briefing li")  # the latest day's, on load
    page.fill("#briefing-since textarea", MARCH["since"])
    page.fill("#briefing-until textarea", MARCH["until"])
    page.click("#briefing-go")
    page.wait_for_function(
        "document.querySelector('#briefing-view').innerText.includes('1 Mar 2025')"
    )
    return page


@needs_chromium
def test_the_briefing_tab_lists_the_stories_and_opens_a_key_sentence_in_its_panel(
    api: httpx.Client, browser: Any
) -> None:
    page = _briefing(browser, str(api.base_url).rstrip("/"), (1400, 1000))
    stories = page.locator("#briefing-view .briefing li")
    assert stories.count() >= 3
    assert "Bridge" in stories.nth(0).locator(".headline").inner_text()
    quote = stories.nth(0).locator("blockquote").first.inner_text()
    stories.nth(0).locator("a.cite-link").first.click()
    shown = page.wait_for_selector("#briefing-panel strong.quote")
    assert shown.inner_text().strip() and shown.inner_text()[:30] in quote
    page.context.close()


@needs_chromium
@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make test`")
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_briefing_fits_and_passes_axe_on_desktop_and_phone(
    api: httpx.Client, browser: Any, viewport: str
) -> None:
    width, height = VIEWPORTS[viewport]
    page = _briefing(browser, str(api.base_url).rstrip("/"), (width, height))
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    box = page.locator("#briefing-view .briefing").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    assert axe_violations(page) == []
    page.context.close()
