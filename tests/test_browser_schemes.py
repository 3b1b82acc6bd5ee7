"""Both colour schemes and a phone, in a real browser (issue #30, points 3 and 4): Debian's
chromium under Playwright against a real server over the sample index, the bridge story
(tests/fixtures/story) and a corrected article (tests/fixtures/versions).

Every surface passes axe-core's contrast rules in the light and the dark scheme (Gradio follows
``prefers-color-scheme``; the citation pages too) at 1366×900 and 390×844: the chat with an
answer and its passage in the panel, the "Updated since" note, search results, a timeline, the
Library and ``/cite`` pages. On a phone a second tap on a ``[n]`` brings its passage back into
view every time, a "Back to answer" button returns to the link (by keyboard too), and the title
takes one line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from assistant import Retriever
from index import Embedder, NewsIndex, ingest_paths
from tests.chromium import (
    AXE,
    CITE_LINK,
    CONTRAST,
    VIEWPORTS,
    app_page,
    ask,
    axe_violations,
    chromium,
    needs_chromium,
)
from tests.chromium import new_context as sized_context
from tests.conftest import FIXTURES, REPO, settings_for
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = [pytest.mark.slow, needs_chromium]

SCREENSHOTS = os.environ.get("NEWSRAG_SCREENSHOTS") == "1"  # `make screenshots`: docs/img

TOKEN = "schemes-token-30"
BACK = "#chat-panel button.back-to-answer"
QUESTION = "What did Biden authorize and why was it criticized?"
IN_VIEW = """([sel, box]) => {
  const q = document.querySelector(sel)?.getBoundingClientRect();
  const b = box ? document.querySelector(box).getBoundingClientRect()
                : {top: 0, bottom: window.innerHeight};
  const top = Math.max(b.top, 0), bottom = Math.min(b.bottom, window.innerHeight);
  return !!q && q.height > 0 && q.top >= top - 1 && q.bottom <= bottom + 1;
}"""
ON_SCREEN = """(el) => {
  const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1;
}"""
OPEN_IN_PANEL = """([zone, key]) => {
  window.__newsragPanels[zone].pending = true;
  window.__newsragPanels[zone].trigger('click', {key: key, quote: ''});
}"""  # a key no link in the page carries (an old version's), as a click on it would


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sample_home: Path, embedder: Embedder
) -> Iterator[tuple[str, str]]:
    """The server's URL and a citation key made before its article was corrected."""
    home = copy_index(sample_home, tmp_path_factory.mktemp("schemes") / "index")
    index = NewsIndex.open(settings_for(home).index, embedder=embedder)
    try:
        versions = FIXTURES / "versions"
        ingest_paths(index, [FIXTURES / "story" / "harwick.jsonl", versions / "bridge_v1.json"])
        found = Retriever(index).search("workers injured when a suspension cable snapped", k=1)
        assert ingest_paths(index, [versions / "bridge_v2.json"]).updated == 1
    finally:
        index.close()
    with live_servers([ServerSpec(home, TOKEN)]) as (url,):
        yield url, found[0].citation


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def open_app(browser: Any, base: str, viewport: str, scheme: str = "light") -> Any:
    """The app in a fresh context at a size and colour scheme (``tests.chromium.app_page``)."""
    return app_page(sized_context(browser, viewport, scheme, bypass_csp=True), base)


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _contrast(page: Any) -> list[str]:
    return axe_violations(page, CONTRAST)


def _screenshot(page: Any, name: str | None) -> None:
    """A picture for the README (docs/img/NAME.png), taken by `make screenshots` only."""
    if SCREENSHOTS and name:
        page.wait_for_timeout(400)
        page.screenshot(path=str(REPO / "docs" / "img" / f"{name}.png"))


def _app_surfaces(page: Any, old_key: str, shot: str | None) -> dict[str, list[str]]:
    """Walk every tab of the app, each with something shown, and check the contrast of each
    (``shot``: the name of the answer's picture, if one is wanted)."""
    ask(page, QUESTION)
    page.locator(CITE_LINK).nth(1).click()
    page.wait_for_selector("#chat-panel strong.quote")
    _screenshot(page, shot)
    found = {"chat and panel": _contrast(page)}
    page.evaluate(OPEN_IN_PANEL, ["#chat-answers", old_key])
    page.wait_for_selector("#chat-panel aside.update-note ins")
    found["updated-since note"] = _contrast(page)
    open_tab(page, "Search")
    page.fill("#search-query textarea", "Iskander ballistic missiles")
    page.click("#search-go")
    page.wait_for_selector("#search-results table.results mark")
    page.locator("#search-results a.cite-link").first.click()
    page.wait_for_selector("#search-panel mark.passage")
    found["search"] = _contrast(page)
    open_tab(page, "Timeline")
    page.fill("#timeline-query textarea", "Old Mill Bridge collapse")
    page.click("#timeline-go")
    page.wait_for_selector("#timeline-view .timeline li")
    page.locator("#timeline-view a.cite-link").first.click()
    page.wait_for_selector("#timeline-panel strong.quote")
    found["timeline"] = _contrast(page)
    open_tab(page, "Library")
    page.wait_for_selector("#library-counts strong")
    page.wait_for_selector("#library-table li")
    found["library"] = _contrast(page)
    return found


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make test`")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_surface_is_readable_in_both_colour_schemes(
    browser: Any, served: tuple[str, str], viewport: str, scheme: str
) -> None:
    base, old_key = served
    with open_app(browser, base, viewport, scheme) as page:
        dark = page.evaluate("document.body.classList.contains('dark')")
        assert dark == (scheme == "dark")  # Gradio followed the system's scheme
        shot = f"answer-dark-{viewport}" if dark else None
        found = _app_surfaces(page, old_key, shot)
        href = page.locator(CITE_LINK).first.get_attribute("href")
        for name, path in [
            ("cite page", href),
            ("cite page, updated since", f"/cite/{quote(old_key, safe=':')}"),
            ("cite page, an error", "/cite/no-such-article:0-10"),
        ]:
            page.goto(base + path)
            page.wait_for_selector("h1, h2")
            found[name] = _contrast(page)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(24, 24, 27)") == dark  # the /cite page follows the scheme too
    assert found == {name: [] for name in found}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_second_tap_on_a_phone_brings_the_passage_back_and_back_returns(
    browser: Any, served: tuple[str, str], scheme: str
) -> None:
    with open_app(browser, served[0], "phone", scheme) as page:
        ask(page, QUESTION)
        link = page.locator(CITE_LINK).nth(1)  # [2]: Human Rights Watch, deep in its passage
        href = link.get_attribute("href")
        for _ in range(3):  # the first tap loads the passage; the others find it shown
            link.click()
            page.wait_for_function(IN_VIEW, arg=["#chat-panel strong.quote", None])
            assert page.evaluate(IN_VIEW, ["#chat-panel strong.quote", "#chat-panel .panel-scroll"])
            assert "Human Rights Watch" in page.inner_text("#chat-panel strong.quote")
            page.wait_for_selector(BACK)  # shown, and focused: Enter goes back too
            assert page.evaluate("document.activeElement.matches('button.back-to-answer')")
            assert _contrast(page) == []  # the button and the passage readable in the scheme
            page.click(BACK)
            page.wait_for_function(ON_SCREEN, arg=link.element_handle())
            assert not page.evaluate(IN_VIEW, ["#chat-panel strong.quote", None])
            assert page.evaluate("document.activeElement.getAttribute('href')") == href
        page.keyboard.press("Enter")  # the keyboard alone: the link, the panel, back again
        page.wait_for_function(IN_VIEW, arg=["#chat-panel strong.quote", None])
        page.keyboard.press("Enter")
        page.wait_for_function(ON_SCREEN, arg=link.element_handle())
        assert page.evaluate("document.activeElement.getAttribute('href')") == href


def test_on_the_desktop_a_second_tap_scrolls_the_panel_back_without_a_jump(
    browser: Any, served: tuple[str, str]
) -> None:
    quote_in_box = ["#chat-panel strong.quote", "#chat-panel .panel-scroll"]
    with open_app(browser, served[0], "desktop") as page:
        ask(page, QUESTION)
        link = page.locator(CITE_LINK).nth(1)
        link.click()
        page.wait_for_selector("#chat-panel strong.quote")
        page.wait_for_function(IN_VIEW, arg=quote_in_box)
        page.evaluate("document.querySelector('#chat-panel .panel-scroll').scrollTop = 0")
        assert not page.evaluate(IN_VIEW, quote_in_box)
        link.click()  # already shown: its text scrolls back to the quote
        page.wait_for_function(IN_VIEW, arg=quote_in_box)
        assert page.locator(BACK).is_hidden()  # beside the answer: no jump, nothing to go back to


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_title_takes_one_line(
    browser: Any, served: tuple[str, str], viewport: str, scheme: str
) -> None:
    with open_app(browser, served[0], viewport, scheme) as page:
        title = page.locator("h1.app-title")
        lines = page.evaluate(
            "(h) => h.getBoundingClientRect().height / parseFloat(getComputedStyle(h).lineHeight)",
            title.element_handle(),
        )
        shown = title.inner_text()
        whole = page.evaluate("(h) => h.scrollWidth <= h.clientWidth", title.element_handle())
    assert lines < 1.5 and whole  # one line, nothing cut off
    assert shown.startswith("newsrag") and "every sentence cited" in shown
    assert ("answers from your news articles" in shown) == (viewport == "desktop")
