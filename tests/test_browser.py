"""The chat UI in a real browser: Debian's chromium driven by Playwright against a real server.

One server (with an API token) over a copy of the sample index plus an article full of HTML
and Markdown that must stay text; one browser per module, a fresh page per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import Embedder, NewsIndex, ingest_paths
from tests.chromium import (
    AXE,
    CITE_LINK,
    TIMEOUT_MS,
    VIEWPORTS,
    app_page,
    ask,
    axe_violations,
    chromium,
    needs_chromium,
)
from tests.conftest import FIXTURES, REPO, settings_for
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = [pytest.mark.slow, needs_chromium]

TOKEN = "browser-token-77"
SCREENSHOT = REPO / "docs" / "img" / "chat.png"  # rewritten only by `make screenshots`
SCREENSHOTS = os.environ.get("NEWSRAG_SCREENSHOTS") == "1"
XSS_PROBES = """() => [
  window.__xss,
  document.querySelectorAll('img[src="x"]').length,
  [...document.scripts].filter((s) => s.textContent.includes('__xss')).length,
  document.querySelectorAll('a[href^="javascript"]').length,
]"""


@pytest.fixture(scope="module")
def base(
    tmp_path_factory: pytest.TempPathFactory, sample_home: Path, embedder: Embedder
) -> Iterator[str]:
    home = copy_index(sample_home, tmp_path_factory.mktemp("browser") / "index")
    index = NewsIndex.open(settings_for(home).index, embedder=embedder)
    try:
        assert ingest_paths(index, [FIXTURES / "server" / "xss_article.json"]).added == 1
    finally:
        index.close()
    with live_servers([ServerSpec(home, TOKEN)]) as (url,):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any, base: str) -> Iterator[Any]:
    with app_page(browser.new_context(viewport={"width": 1400, "height": 1000}), base) as page:
        yield page


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _watch_stream(page: Any) -> None:
    page.evaluate(
        """() => {
        window.__lengths = [];
        new MutationObserver(() => {
          const bots = document.querySelectorAll('#chat-answers [data-testid="bot"]');
          if (!bots.length) return;
          const n = bots[bots.length - 1].textContent.length, seen = window.__lengths;
          if (!seen.length || seen[seen.length - 1] !== n) seen.push(n);
        }).observe(document.querySelector('#chat-answers'),
                   {subtree: true, childList: true, characterData: true});
        }"""
    )


def test_chat_streams_a_cited_answer_and_shows_the_passage(page: Any, tmp_path: Path) -> None:
    _watch_stream(page)
    ask(page, "How many drones were launched?")
    assert len(set(page.evaluate("window.__lengths"))) >= 4  # it grew piece by piece
    answer = page.inner_text("#chat-answers")
    assert "188 drones" in answer and "[1]" in answer and "Massacre in Kherson" in answer
    page.locator(CITE_LINK).first.click()
    mark = page.wait_for_selector("#chat-panel mark.passage")
    assert "188 drones" in mark.inner_text()
    assert "Massacre in Kherson" in page.inner_text("#chat-panel h2")
    assert "/cite/" not in page.url  # the panel opened it; the chat stayed
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOT if SCREENSHOTS else tmp_path / "chat.png"))


def test_search_tab_marks_terms_and_opens_passages(page: Any) -> None:
    open_tab(page, "Search")
    page.fill("#search-query textarea", "Iskander ballistic missiles")
    page.click("#search-go")
    page.wait_for_selector("#search-results table.results mark")
    marked = page.locator("#search-results mark").all_inner_texts()
    assert any(m.lower().startswith(("iskander", "ballistic", "missile")) for m in marked)
    page.locator("#search-results a.cite-link").first.click()
    assert page.wait_for_selector("#search-panel mark.passage").inner_text()


def _choose_file(page: Any, path: Path, tries: int = 3) -> None:
    """Set the upload input until the file shows; under heavy load the first change event can
    arrive before Gradio's upload handler is wired, and is then lost — or late, so a retry on
    the same page would upload the file twice ("heron.md" and "heron (2).md"): each retry
    starts from a fresh page."""
    for attempt in range(tries):
        page.set_input_files("#library-files input[type=file]", path)
        try:
            page.wait_for_selector(f"#library-files :text('{path.name}')", timeout=30_000)
            return
        except Exception:
            if attempt == tries - 1:
                raise
            page.reload()
            page.wait_for_selector("#question textarea")
            open_tab(page, "Library")
            page.wait_for_selector("#library-counts strong")


def test_library_upload_with_token_then_search(page: Any) -> None:
    open_tab(page, "Library")
    page.wait_for_selector("#library-counts strong")
    assert "articles" in page.inner_text("#library-counts")
    _choose_file(page, FIXTURES / "server" / "otters.md")
    page.fill("#library-token input", "wrong")
    page.click("#library-upload")
    page.wait_for_selector("#library-result :text('Wrong or missing API token')")
    assert "articles" in page.inner_text("#library-counts")  # the table and counts stay
    assert page.locator("#library-table .error, #library-counts .error").count() == 0
    page.fill("#library-token input", TOKEN)
    page.click("#library-upload")
    page.wait_for_selector("#library-result :text('added 1')")
    assert "Otters return to the Thames estuary" in page.inner_text("#library-table")
    open_tab(page, "Search")
    page.fill("#search-query textarea", "otters in the Thames estuary")
    page.click("#search-go")
    page.wait_for_selector("#search-results :text('Otters return to the Thames estuary')")


def test_library_delete_asks_for_confirmation_first(sized: Any, tmp_path: Path) -> None:
    page = sized
    title = f"Herons nest on the {sized.viewport_size['width']} px quay"  # this test's own
    heron = tmp_path / "heron.md"
    heron.write_text(f"# {title}\n\nA pair of grey herons nested on the old quay this spring.\n")
    open_tab(page, "Library")
    page.wait_for_selector("#library-counts strong")
    _choose_file(page, heron)
    page.fill("#library-token input", TOKEN)
    page.click("#library-upload")
    page.wait_for_selector("#library-result :text('added 1')", timeout=TIMEOUT_MS)
    page.click("#library-doomed input")
    page.get_by_role("option", name=title).click()
    page.click("#library-delete")
    page.wait_for_selector("#library-delete-result :text('cannot be undone')")
    page.click("#library-confirm-no")
    page.wait_for_selector("#library-delete-result :text('Kept.')")
    assert title in page.inner_text("#library-table")
    page.click("#library-delete")
    page.click("#library-confirm-yes")
    page.wait_for_selector("#library-delete-result :text('Deleted')")
    page.wait_for_function(
        "(t) => !document.querySelector('#library-table').innerText.includes(t)", arg=title
    )


def test_article_html_never_runs(page: Any, base: str) -> None:
    ask(page, "How many lighthouse keepers joined the strike?")
    assert "lighthouse keepers" in page.inner_text("#chat-answers").lower()
    page.locator(CITE_LINK).first.click()
    page.wait_for_selector("#chat-panel mark.passage")
    panel = page.inner_text("#chat-panel")
    assert '<img src=x onerror="window.__xss=1">' in panel and "<script>" in panel
    assert page.evaluate(XSS_PROBES) == [None, 0, 0, 0]
    open_tab(page, "Search")
    page.fill("#search-query textarea", "lighthouse keepers strike")
    page.click("#search-go")
    page.wait_for_selector("#search-results table.results")
    open_tab(page, "Library")
    page.wait_for_selector("#library-table :text('Lighthouse keepers')")
    assert page.evaluate(XSS_PROBES) == [None, 0, 0, 0]
    href = page.locator(CITE_LINK).first.get_attribute("href")
    page.goto(base + href)
    assert "Lighthouse keepers <img" in page.inner_text("h2")
    assert page.locator("mark#passage").count() == 1
    assert page.evaluate(XSS_PROBES) == [None, 0, 0, 0]


@pytest.mark.parametrize(
    ("path", "ready"), [("/docs", ".swagger-ui .info"), ("/redoc", ".api-info")]
)
def test_api_docs_render_in_a_browser_without_network(
    browser: Any, base: str, path: str, ready: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if _loads_code(r, base) else None)
    page.goto(base + path)
    assert "newsrag" in page.wait_for_selector(ready, timeout=30_000).inner_text()
    context.close()
    assert not outside, outside  # every script, style and font came from this server


def _loads_code(request: Any, base: str) -> bool:
    """A script, style, font or data request to anywhere but this server (ReDoc's decorative
    "by Redocly" logo image from its CDN is not one: offline it is just not drawn)."""
    kinds = {"script", "stylesheet", "font", "fetch", "xhr", "document"}
    url = request.url
    return request.resource_type in kinds and not url.startswith((base, "blob:", "data:"))


def test_an_empty_chat_offers_example_questions_from_the_index(sized: Any) -> None:
    page = sized
    examples = page.locator("#chat-answers button.example")
    examples.first.wait_for()
    texts = examples.all_inner_texts()
    assert len(texts) == 3 and all(
        t.startswith(("How many ", "What's the latest on ")) for t in texts
    )
    assert page.evaluate(XSS_PROBES) == [None, 0, 0, 0]  # a title with HTML in it stays text
    examples.first.click()  # asks it: the question, then a cited answer from the index
    page.wait_for_selector(CITE_LINK)
    page.wait_for_function("document.querySelector('#chat-answers').innerText.includes('Sources')")
    chat = page.inner_text("#chat-answers")
    assert texts[0] in chat and "don't say" not in chat


IN_VIEW = """([sel, box]) => {
  const q = document.querySelector(sel).getBoundingClientRect();
  const b = box ? document.querySelector(box).getBoundingClientRect()
                : {top: 0, bottom: window.innerHeight, left: 0, right: window.innerWidth};
  const top = Math.max(b.top, 0), bottom = Math.min(b.bottom, window.innerHeight);
  return q.height > 0 && q.top >= top - 1 && q.bottom <= bottom + 1;
}"""


@pytest.fixture(params=list(VIEWPORTS))
def sized(request: Any, browser: Any, base: str) -> Iterator[Any]:
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + "/")
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def test_a_citation_brings_its_quote_into_view(sized: Any, base: str) -> None:
    ask(sized, "What did Biden authorize and why was it criticized?")
    links = sized.locator(CITE_LINK)
    links.nth(1).click()  # [2]: the Human Rights Watch sentence, deep in its passage
    quote = sized.wait_for_selector("#chat-panel strong.quote")
    assert "Human Rights Watch" in quote.inner_text()
    sized.wait_for_timeout(400)
    assert sized.evaluate(IN_VIEW, ["#chat-panel strong.quote", "#chat-panel .panel-scroll"])
    assert sized.evaluate(IN_VIEW, ["#chat-panel strong.quote", None])  # on screen, too
    href = links.nth(1).get_attribute("href")
    sized.goto(base + href)
    assert "Human Rights Watch" in sized.inner_text("strong#quote")
    assert sized.evaluate(IN_VIEW, ["strong#quote", None])


@pytest.mark.parametrize("tab", ["Chat", "Search", "Library"])
def test_no_tab_scrolls_sideways(sized: Any, tab: str) -> None:
    open_tab(sized, tab)
    sized.wait_for_timeout(500)
    wide = sized.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0
    clipped = sized.evaluate(CLIPPED_DATE_BUTTONS, f"#{tab.lower()}-since")
    assert clipped == 0  # every date box shows its calendar button whole


CLIPPED_DATE_BUTTONS = """(first) => {
  const row = document.querySelector(first)?.closest('.date-filters');
  if (!row || !row.offsetParent) return 0;
  return [...row.querySelectorAll('.block')].filter((block) => {
    const button = block.querySelector('button.calendar');
    if (!button) return false;
    const b = block.getBoundingClientRect(), c = button.getBoundingClientRect();
    return c.right > b.right + 1 || c.width < 10;
  }).length;
}"""


def test_filters_are_refused_or_explained_never_dropped(sized: Any) -> None:
    page = sized
    page.fill("#chat-since input.time", "next tuesday")
    page.keyboard.press("Tab")
    assert "invalid" in page.get_attribute("#chat-since input.time", "class")
    hint = page.evaluate(
        "getComputedStyle(document.querySelector('#chat-since'), '::after').content"
    )
    assert "not a date" in hint  # shown beside the field
    page.fill("#question textarea", "How many drones were launched?")
    page.click("#ask")
    page.wait_for_selector("#chat-answers :text('is not an ISO date')")
    answer = page.inner_text("#chat-answers")
    assert "since: 'next tuesday'" in answer and "188" not in answer  # refused, not unfiltered
    page.fill("#chat-since input.time", "2030-01-01")
    page.keyboard.press("Tab")
    page.fill("#question textarea", "How many drones were launched?")
    page.click("#ask")
    page.wait_for_selector("#chat-answers :text('published on or after 2030-01-01')")
    assert "no indexed article matches the filter" in page.inner_text("#chat-answers").lower()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make test`")
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_serious_accessibility_violations(browser: Any, base: str, viewport: str) -> None:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + "/")
    page.wait_for_selector("#question textarea")
    ask(page, "How many drones were launched?")
    page.locator(CITE_LINK).first.click()
    page.wait_for_selector("#chat-panel mark.passage")
    found = {"chat": axe_violations(page)}
    open_tab(page, "Search")
    page.fill("#search-query textarea", "Iskander ballistic missiles")
    page.click("#search-go")
    page.wait_for_selector("#search-results table.results")
    found["search"] = axe_violations(page)
    open_tab(page, "Library")
    page.wait_for_selector("#library-counts strong")
    found["library"] = axe_violations(page)
    page.goto(base + page.locator(CITE_LINK).first.get_attribute("href"))
    found["cite"] = axe_violations(page)
    context.close()
    assert found == {"chat": [], "search": [], "library": [], "cite": []}


def _tab_to(page: Any, selector: str, key: str = "Tab", limit: int = 80) -> None:
    """Press ``key`` until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {key}")


def test_keyboard_alone_asks_opens_a_citation_and_comes_back(page: Any) -> None:
    page.focus("body")
    _tab_to(page, "#question textarea")
    page.keyboard.type("How many drones were launched?")
    page.keyboard.press("Enter")
    page.wait_for_selector(CITE_LINK)
    page.wait_for_function("document.querySelector('#chat-answers').innerText.includes('Sources')")
    _tab_to(page, "#question textarea", "Shift+Tab")  # back in the box after the answer came
    _tab_to(page, "#chat-answers a[href*='/cite/']", "Shift+Tab")
    page.keyboard.press("Enter")
    assert "188 drones" in page.wait_for_selector("#chat-panel strong.quote").inner_text()
    assert "/cite/" not in page.url
    _tab_to(page, "#question textarea")


def test_screenshots_of_answer_panel_and_library(sized: Any, tmp_path: Path) -> None:
    """The README's pictures at both viewports (written to docs/img by `make screenshots`)."""
    name = "desktop" if sized.viewport_size["width"] > 800 else "phone"
    folder = SCREENSHOT.parent if SCREENSHOTS else tmp_path
    ask(sized, "What did Biden authorize and why was it criticized?")
    sized.locator(CITE_LINK).nth(1).click()
    sized.wait_for_selector("#chat-panel strong.quote")
    sized.wait_for_timeout(500)
    sized.screenshot(path=str(folder / f"answer-{name}.png"))
    open_tab(sized, "Library")
    sized.wait_for_selector("#library-counts strong")
    sized.wait_for_timeout(300)
    sized.screenshot(path=str(folder / f"library-{name}.png"), full_page=name == "phone")
