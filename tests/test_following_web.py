"""Following in a real browser (issue #33, point 2): on a server with a write token, follow a
story from the Timeline and a query from the Following tab; a new matching article uploaded
through the API becomes an unread item there, its quote opens in the tab's panel, "Mark read"
clears it; at 1366×900 and 390×844, axe clean. Without a token no Follow button is shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import test_stories
from tests.chromium import AXE, VIEWPORTS, axe_violations, chromium, needs_chromium
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = pytest.mark.slow
home = test_stories.home  # the samples and the bridge story
TOKEN = "following-test-token"
TIMEOUT_MS = 120_000
PHONE = {
    "id": "linden-phone-review",
    "title": "Review: Linden Labs' repairable phone lets you swap its battery in a minute",
    "source": "techdaily.example",
    "published_at": "2025-03-24",
    "text": "The repairable phone from Linden Labs opens with one screw, and its battery comes "
    "out in under a minute. Linden Labs says spare batteries will cost 29 dollars. The phone "
    "ships in April.",
}


@pytest.fixture(scope="module")
def base(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    target = copy_index(home, tmp_path_factory.mktemp("following") / "index")
    with live_servers([ServerSpec(target, TOKEN)]) as (url,):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _page(browser: Any, base: str, viewport: tuple[int, int]) -> Any:
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + "/")
    return page


def _toast(page: Any, text: str) -> None:
    page.wait_for_function(f"document.body.innerText.includes({text!r})")


@needs_chromium
def test_follow_a_story_and_a_query_then_read_the_new_match(base: str, browser: Any) -> None:
    page = _page(browser, base, (1400, 1000))
    page.get_by_role("tab", name="Timeline").click()
    page.fill("#timeline-query textarea", "Old Mill Bridge collapse")
    page.click("#timeline-go")
    page.wait_for_selector("#timeline-view .timeline li")
    page.click("#timeline-follow")
    _toast(page, "Following “Old Mill Bridge")
    page.get_by_role("tab", name="Following").click()
    page.fill("#following-query textarea", "repairable phone battery")
    page.click("#following-add")
    _toast(page, "Following “repairable phone battery”")
    with httpx.Client(base_url=base, timeout=120) as api:
        lists = api.get("/api/watchlists").json()["watchlists"]
        assert {w["kind"] for w in lists} == {"story", "query"}
        added = api.post("/api/articles", json=PHONE, headers={"Authorization": f"Bearer {TOKEN}"})
        assert added.status_code == 200, added.text
        phone = next(w for w in api.get("/api/watchlists").json()["watchlists"] if w["query"])
        assert phone["unread"] == 1
    page.reload()
    page.get_by_role("tab", name="Following").click()
    page.wait_for_selector("#following-view .following li")
    assert "1 unread" in page.inner_text("#following-view")
    assert page.locator("#following-view .new").count() == 1
    page.locator("#following-view a.cite-link").first.click()
    quote = page.wait_for_selector("#following-panel strong.quote")
    assert quote.inner_text().strip() in PHONE["text"]
    page.click("#following-read")
    page.wait_for_function(
        "document.querySelector('#following-view').innerText.includes('0 unread')"
    )
    page.context.close()


@needs_chromium
@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make test`")
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_following_tab_fits_and_passes_axe_on_desktop_and_phone(
    base: str, browser: Any, viewport: str
) -> None:
    width, height = VIEWPORTS[viewport]
    page = _page(browser, base, (width, height))
    page.get_by_role("tab", name="Following").click()
    page.wait_for_selector("#following-view .following, #following-view .panel-empty")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    page.context.close()


@needs_chromium
def test_without_a_token_nothing_offers_to_follow(home: Path, browser: Any, tmp_path: Path) -> None:
    target = copy_index(home, tmp_path / "index")
    with live_servers([ServerSpec(target)]) as (url,):
        page = _page(browser, url, (1400, 1000))
        page.get_by_role("tab", name="Following").click()
        page.wait_for_selector("#following-view .panel-empty")
        for button in ("#chat-follow", "#timeline-follow", "#following-add", "#following-read"):
            assert page.locator(button).is_visible() is False
        page.context.close()
