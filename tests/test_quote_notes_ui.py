"""Notes beside quotes, never inside them (issue #30, point 1), through the real server and a
real browser: the API's answer quotes the article character for character and carries its notes
as records; the chat shows each note as a labelled chip after the quote's ``[n]``, outside the
quotation, with a tooltip saying how it was inferred; the /cite page marks the same date with a
chip inside the passage view (never part of the text or its offsets)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index import NewsIndex, ingest_paths
from tests.chromium import (
    AXE,
    CONTRAST,
    VIEWPORTS,
    axe_violations,
    chromium,
    needs_chromium,
    new_context,
)
from tests.conftest import REPO, settings_for
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = pytest.mark.slow

QUESTION = "How many cranes gathered at Lake Hornborga?"
QUOTE = "More than 20,000 cranes gathered at Lake Hornborga this week, the county board said."
MEANS = "week of 1 Apr 2024"  # published Tuesday 2 April 2024
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Iterator[str]:
    home = copy_index(sample_home, tmp_path_factory.mktemp("notes") / "index")
    index = NewsIndex.open(settings_for(home).index)
    try:
        assert ingest_paths(index, [REPO / "docs" / "examples" / "archive.jsonl"]).added == 2
    finally:
        index.close()
    with live_servers([ServerSpec(home)]) as (url,):
        yield url


@pytest.fixture(scope="module")
def answer(base: str) -> dict[str, Any]:
    reply = httpx.post(base + "/api/ask", json={"question": QUESTION}, timeout=180)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_answer_quotes_verbatim_and_carries_its_notes_as_records(
    answer: dict[str, Any],
) -> None:
    cited = answer["citations"][0]
    assert cited["quote"] == QUOTE and QUOTE in answer["answer"]  # nothing inserted
    assert f"[{MEANS}]" not in answer["answer"]
    note = next(n for n in cited["notes"] if n["phrase"] == "this week")
    assert note["kind"] == "date" and note["means"] == MEANS
    assert "publication date" in note["why"]


@needs_chromium
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_chat_shows_a_labelled_chip_after_the_quote(
    base: str, viewport: str, scheme: str
) -> None:
    with chromium() as browser:
        page = new_context(browser, viewport, scheme, bypass_csp=True).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base + "/")
        page.fill("#question textarea", QUESTION)
        page.click("#ask")
        page.wait_for_function(
            "document.querySelector('#chat-answers').innerText.includes('Sources')"
        )
        chip = page.wait_for_selector("#chat-answers .qnote")
        assert page.locator("#chat-answers .qnote").count() == 1  # beside the quote only
        assert chip.get_attribute("role") == "note"
        assert "publication date" in (chip.get_attribute("title") or "")
        assert chip.inner_text().startswith("note:") and MEANS in chip.inner_text()
        bubble = page.inner_text("#chat-answers")
        assert QUOTE in bubble  # the quote reads exactly as the article
        link = page.locator("#chat-answers a", has_text="[1]").nth(1)  # the quote's, not the lead's
        follows = link.evaluate("a => a.nextElementSibling && a.nextElementSibling.className")
        assert "qnote" in (follows or "")  # beside the quote's [n], not inside the quote
        if AXE.exists():  # the chip readable in this scheme
            assert axe_violations(page, CONTRAST) == []
        page.goto(base + (link.get_attribute("href") or ""))
        passage_chip = page.wait_for_selector("mark.passage .qnote")
        assert MEANS in passage_chip.inner_text()
        assert passage_chip.get_attribute("role") == "note"
        if AXE.exists():
            assert axe_violations(page, CONTRAST) == []
