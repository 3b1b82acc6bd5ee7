"""The Library tab in a real browser (issue #30 point 8): each title is a link to its article's
page, a search box finds articles by title or outlet (the outlet under its one display name),
and the counts line follows a ``serve --watch`` pass without a click.

One real server with ``--watch`` over the sample index plus four articles with outlets; a real
feed (``tests/feed_site.py``) on 127.0.0.1 that the test starts following while the page is
open, through the CLI, as a reader would; Debian's chromium driven by Playwright.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import Embedder, NewsIndex, ingest_paths
from tests.chromium import AXE, axe_violations, chromium, needs_chromium, new_context
from tests.conftest import REPO, settings_for
from tests.feed_site import FixtureSite, fixture_site
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = [pytest.mark.slow, needs_chromium]

TIMEOUT_MS = 120_000
TEXT = (
    "The council voted on Tuesday to rebuild the river bridge. Work starts in spring and will "
    "take two years, the mayor said. The old span closed in March after an inspection found "
    "corroded cables."
)
ARTICLES = [
    ("bridge-cnn", "cnn.com", "Council votes to rebuild the river bridge", "2024-05-03"),
    ("ferry-usa", "usatoday.com", "Ferry service returns for the summer", "2024-05-02"),
    ("gulls-islay", "Islay Courier", "Gulls nest on the distillery roof", "2024-05-01"),
    ("owls-week", "theweek.co.uk", "Owls return to the old barn", "2024-04-30"),
]
WATCH_ENV = {
    "NEWSRAG_FETCH_ALLOW_HOSTS": "127.0.0.1",
    "NEWSRAG_FETCH_HOST_INTERVAL_S": "0",
    "NEWSRAG_WATCH_TICK_S": "0.5",
}
STORY = (
    "The harbour bridge in Port Ellen reopened to traffic on Friday after eight months of "
    "repairs, the city council said. Engineers replaced corroded cables and the deck surface. "
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, sample_home: Path, embedder: Embedder) -> Path:
    folder = tmp_path_factory.mktemp("library-tab")
    rows = [
        {"id": i, "source": s, "title": t, "published_at": d, "text": f"{t}. {TEXT}"}
        for i, s, t, d in ARTICLES
    ]
    path = folder / "sourced.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    home = copy_index(sample_home, folder / "index")
    index = NewsIndex.open(settings_for(home).index, embedder=embedder)
    try:
        assert ingest_paths(index, [path]).added == len(ARTICLES)
    finally:
        index.close()
    return home


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    with fixture_site() as s:
        paragraphs = "".join(f"<p>{STORY} Paragraph {i}.</p>" for i in range(4))
        s.set(
            "/story/1",
            f"<html><head><title>Port Ellen bridge reopens</title></head><body>"
            f"<article><h1>Port Ellen bridge reopens</h1>{paragraphs}</article></body></html>",
        )
        s.set(
            "/feed.xml",
            '<rss version="2.0"><channel><title>Fixture</title><item><title>Port Ellen bridge '
            f"reopens</title><link>{s.url('/story/1')}</link><description>{STORY}</description>"
            "<pubDate>Fri, 21 Nov 2025 09:00:00 GMT</pubDate></item></channel></rss>",
            "application/rss+xml",
        )
        yield s


@pytest.fixture(scope="module")
def base(home: Path) -> Iterator[str]:
    with live_servers([ServerSpec(home, env=WATCH_ENV, args=("--watch",))]) as (url,):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _library(
    browser: Any, base: str, viewport: str = "desktop", scheme: str = "light"
) -> tuple[Any, Any]:
    context = new_context(browser, viewport, scheme, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + "/")
    page.wait_for_selector("#question textarea")
    page.get_by_role("tab", name="Library").click()
    page.wait_for_selector("#library-table a.title")
    return context, page


def _titles(page: Any) -> list[str]:
    return page.locator("#library-table li .title").all_inner_texts()


def _search(page: Any, query: str, expected: str) -> None:
    page.fill("#library-search input", query)
    page.wait_for_function(
        "(t) => document.querySelector('#library-table').innerText.includes(t)", arg=expected
    )


def test_library_titles_open_their_articles(browser: Any, base: str) -> None:
    context, page = _library(browser, base)
    try:
        link = page.get_by_role("link", name="Council votes to rebuild the river bridge")
        href = link.get_attribute("href")
        assert re.fullmatch(r"/cite/bridge-cnn:0-\d+:[0-9a-f]{8}#passage", href), href
        item = page.locator("#library-table li", has=link)
        assert "CNN · 2024-05-03" in item.inner_text()  # the outlet's display name
        assert "cnn.com" not in item.inner_text()
        assert all(
            page.locator("#library-table li a.title").evaluate_all(
                "(links) => links.map((a) => a.getAttribute('href').startsWith('/cite/'))"
            )
        )
        link.click()
        page.wait_for_url("**/cite/bridge-cnn:*")
        assert page.inner_text("h2") == "Council votes to rebuild the river bridge"
        assert "CNN" in page.inner_text(".byline") and "cnn.com" not in page.inner_text(".byline")
        assert "rebuild the river bridge" in page.inner_text("mark#passage")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_library_search_box_finds_by_title_or_outlet(
    browser: Any, base: str, viewport: str, scheme: str
) -> None:
    context, page = _library(browser, base, viewport, scheme)
    try:
        everything = _titles(page)
        assert len(everything) >= 6 and "Gulls nest on the distillery roof" in everything
        _search(page, "usa today", "1 article with “usa today”")  # the display name finds it
        assert _titles(page) == ["Ferry service returns for the summer"]
        _search(page, "RIVER bridge", "1 article with “RIVER bridge”")  # words of the title
        assert _titles(page) == ["Council votes to rebuild the river bridge"]
        _search(page, "islay", "Gulls nest")
        assert _titles(page) == ["Gulls nest on the distillery roof"]
        assert "Islay Courier" in page.inner_text("#library-table")
        _search(page, "zebra crossings", "No article has “zebra crossings”")
        assert _titles(page) == []
        if AXE.exists():
            _search(page, "the", "with “the”")
            assert axe_violations(page) == []
        page.fill("#library-search input", "")
        page.wait_for_function(
            "(n) => document.querySelectorAll('#library-table li .title').length === n",
            arg=len(everything),
        )
    finally:
        context.close()


def _articles(counts: str) -> int:
    match = re.search(r"([\d,]+) articles?", counts)
    assert match, counts
    return int(match.group(1).replace(",", ""))


def test_library_counts_follow_a_watch_pass(
    browser: Any, base: str, home: Path, site: FixtureSite
) -> None:
    context, page = _library(browser, base)
    try:
        before = page.inner_text("#library-counts")
        assert "feed" not in before and "Port Ellen bridge reopens" not in _titles(page)
        env = {**os.environ, "NEWSRAG_HOME": str(home), **WATCH_ENV}
        added = subprocess.run(
            [
                sys.executable,
                "-m",
                "ui.cli",
                "feeds",
                "add",
                site.url("/feed.xml"),
                "--source",
                "Ellen Fixture News",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert added.returncode == 0, added.stderr
        page.wait_for_function(  # no click, no reload: the page notices the pass
            "() => document.querySelector('#library-counts').innerText.includes('feed followed')"
            " && document.querySelector('#library-table').innerText.includes('Port Ellen')",
            timeout=TIMEOUT_MS,
        )
        after = page.inner_text("#library-counts")
        assert _articles(after) == _articles(before) + 1, (before, after)
        assert site.hits["/story/1"] >= 1
        assert "Ellen Fixture News" in page.inner_text("#library-table")
    finally:
        context.close()
