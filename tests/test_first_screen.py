"""The chat's first screen (issue #30, point 5): example questions that read as a person's own
and that the index answers, a question box with the focus and an unclipped placeholder, and an
empty index that leads to the Library's upload.

Fast tier: the drafts from sentences and titles, and the choice among them with a scripted check.
Integration: the examples over the sample index and docs/examples, answered for real. Slow: a
real server in chromium at both sizes, with articles and without.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, settings_for

DOCS_EXAMPLES = REPO / "docs" / "examples"


# -- drafts (fast) ------------------------------------------------------------------------------
@pytest.mark.unit
@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        (
            "Voters in three states moved to protect abortion rights on Tuesday after a push.",
            "How many states moved to protect abortion rights on Tuesday?",
        ),
        (
            "Engineers replaced 46 steel cables and resurfaced the deck.",
            "How many steel cables were replaced?",
        ),
        (
            "More than 20,000 cranes gathered at Lake Hornborga this week, the county board said.",
            "How many cranes gathered at Lake Hornborga this week?",
        ),
        (
            "Meanwhile, four civilians were killed and seven injured.",
            "How many civilians were killed?",
        ),
        (
            "Forty-two lighthouse keepers joined the strike, the union said.",
            "How many lighthouse keepers joined the strike?",
        ),
    ],
)
def test_a_count_becomes_a_how_many_question_in_the_articles_words(
    sentence: str, question: str
) -> None:
    from ui.web.question_drafts import count_questions

    assert [d.question for d in count_questions(sentence)][:1] == [question]


@pytest.mark.unit
@pytest.mark.parametrize(
    "sentence",
    [
        "“Some 1,300 military people died in our country,” Zelensky said.",  # a quotation
        "Some 1,300 of our soldiers died in the fighting.",  # first person
        "The company, founded 25 years ago, hired staff.",  # a measure, not a count
        "In the 2022 midterm elections voters turned out.",  # a year
        "The 40 people killed were named.",  # "killed" is no verb of theirs here
        "One death was reported in Maryland.",  # one: no "how many"
    ],
)
def test_no_count_question_where_it_would_not_read_right(sentence: str) -> None:
    from ui.web.question_drafts import count_questions

    assert list(count_questions(sentence)) == []


@pytest.mark.unit
@pytest.mark.parametrize(
    ("title", "text", "outlet", "questions"),
    [
        (
            "Brittney Griner begins transfer to Russian penal colony, attorneys ...",
            "US basketball star Brittney Griner is being moved to a Russian penal colony.",
            "cnn.com",
            ["What's the latest on Brittney Griner?"],  # "Russian": a demonym
        ),
        (
            "Colts mailbag: Could Sean Payton be the next head coach?",
            "Fans asked about the Colts and coach Sean Payton. The Colts said no.",
            None,
            ["What's the latest on the Colts?", "What's the latest on Sean Payton?"],
        ),
        ("Harbour bridge reopens after repairs", "The harbour bridge reopened.", None, []),
        ("'The Crown' Season 5 review", "Fans of The Crown wait for Season 5.", None, []),
        ("CNN Business — Twitter chaos", "Reporters at CNN Business said so.", "CNN Business", []),
    ],
)
def test_a_name_in_the_title_becomes_a_question_on_it(
    title: str, text: str, outlet: str | None, questions: list[str]
) -> None:
    from ui.web.question_drafts import latest_on

    assert [d.question for d in latest_on(title, text, outlet)] == questions


def _lead(story: str, title: str, text: str) -> Any:
    from ui.web.examples import Lead

    return Lead(story, title, text, None, frozenset({f"{story}-a"}))


@pytest.mark.unit
def test_pick_keeps_answered_drafts_counts_first_one_per_story_then_more() -> None:
    from assistant.records import Answer, Citation
    from ui.web.examples import pick

    leads = [
        _lead(
            "s1", "Snowy owls visit Oslo", "Birdwatchers in Oslo counted 14 owls near the fjord."
        ),
        _lead("s2", "Cranes return to Hornborga", "Cranes came to Lake Hornborga, the board said."),
        _lead("s1", "More owls", "In Oslo, volunteers rescued 3 owls, the society said."),
    ]
    asked: list[str] = []

    def check(question: str, seconds_left: float) -> Answer:
        asked.append(question)
        story = "s2" if "Hornborga" in question else "s1"
        figure = {"owls were counted": "14", "owls were rescued": "3"}
        said = next((v for k, v in figure.items() if k in question), "some")
        cite = Citation(1, "key", f"{story}-a", "t", None, None, None, 0, 5, said, 0, 5)
        return Answer(question, f"{said} [1]", [cite])

    found, finished = pick(leads, check, n=3)
    assert finished
    assert found == [
        "How many owls were counted?",  # counts first, newest stories first
        "What's the latest on Hornborga?",  # another story before a second of s1
        "How many owls were rescued?",
    ]
    assert len(asked) == len(set(asked))  # nothing asked twice


@pytest.mark.unit
def test_pick_stops_at_its_budget() -> None:
    from ui.web.examples import pick

    leads = [_lead("s1", "Snowy owls visit Oslo", "Birdwatchers counted 14 owls in Oslo.")]
    found, finished = pick(leads, lambda q, left: None, n=3, budget_s=0.0)
    assert (found, finished) == ([], False)


# -- examples over real indexes (integration) ---------------------------------------------------
@pytest.fixture(scope="module")
def docs_home(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    from index import NewsIndex, ingest_paths

    home = tmp_path_factory.mktemp("docs-examples")
    index = NewsIndex.open(settings_for(home).index, embedder=embedder, create=True)
    try:
        assert ingest_paths(index, [DOCS_EXAMPLES]).failed == 0
    finally:
        index.close()
    return home


DRAFTED = ("How many ", "What's the latest on ")  # the two kinds of question drafted


def _examples(home: Path) -> list[str]:
    """The examples offered, each checked again here: asked, it is answered (which questions
    pass depends on the encoder path the CPU picks, so the set is not fixed)."""
    from assistant import AskRequest
    from ui.services import Services
    from ui.web.examples import ChatExamples

    services = Services(settings_for(home), readers=1)
    try:
        examples = ChatExamples(services)
        found = [e["text"] for e in examples()]
        assert [e["text"] for e in examples()] == found  # kept for the generation
        for question in found:
            assert not services.ask(AskRequest(question)).abstained, question
        return found
    finally:
        services.ask_pool.shutdown()


def test_the_sample_index_offers_questions_it_answers(sample_home: Path) -> None:
    found = _examples(sample_home)
    assert len(found) >= 2 and all(q.startswith(DRAFTED) and q.endswith("?") for q in found)


def test_docs_examples_offer_questions_they_answer(docs_home: Path) -> None:
    found = _examples(docs_home)
    assert len(found) >= 2 and all(
        q.startswith(("How many ", "What's the latest on ")) for q in found
    )
    assert "How many steel cables were replaced?" in found or "How many owls were counted?" in found


# -- in a browser (slow) ------------------------------------------------------------------------
PLACEHOLDER_FITS = """() => {
  const box = document.querySelector('#question textarea'), style = getComputedStyle(box);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.font;
  const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return ctx.measureText(box.placeholder).width <= room;
}"""
FOCUSED = "document.activeElement && document.activeElement.closest('#question') !== null"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Iterator[list[str]]:
    from tests.live_server import ServerSpec, copy_index, live_servers

    home = copy_index(sample_home, tmp_path_factory.mktemp("first-screen") / "index")
    empty = tmp_path_factory.mktemp("first-screen-empty") / "index"
    with live_servers([ServerSpec(home), ServerSpec(empty, "first-screen-token")]) as urls:
        yield urls


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from tests.chromium import chromium

    with chromium() as b:
        yield b


def _page(browser: Any, url: str, viewport: str, scheme: str = "light") -> Any:
    from tests.chromium import new_context

    page = new_context(browser, viewport, scheme, bypass_csp=True).new_page()
    page.set_default_timeout(120_000)
    page.goto(url + "/")
    page.wait_for_selector("#question textarea")
    return page


SCHEMED = [(v, s) for v in ("desktop", "phone") for s in ("light", "dark")]


@pytest.mark.slow
@pytest.mark.parametrize(("viewport", "scheme"), SCHEMED)
def test_the_first_screen_has_real_questions_the_focus_and_room(
    browser: Any, servers: list[str], viewport: str, scheme: str
) -> None:
    from tests.chromium import AXE, CONTRAST, axe_violations

    page = _page(browser, servers[0], viewport, scheme)
    examples = page.locator("#chat-answers button.example")
    examples.first.wait_for()
    if AXE.exists():  # the example questions readable in both schemes
        assert axe_violations(page, CONTRAST) == []
    texts = examples.all_inner_texts()
    assert texts[0].startswith(DRAFTED) and len(texts) >= 2
    assert page.evaluate(FOCUSED) and page.evaluate(PLACEHOLDER_FITS)
    assert page.locator("#chat-empty .to-library").count() == 0  # articles: no notice
    examples.first.click()
    page.wait_for_function("document.querySelector('#chat-answers').innerText.includes('Sources')")
    chat = page.inner_text("#chat-answers")
    assert texts[0] in chat and "don't say" not in chat  # asked and answered
    page.context.close()


@pytest.mark.slow
@pytest.mark.parametrize(("viewport", "scheme"), SCHEMED)
def test_an_empty_index_leads_to_the_librarys_upload(
    browser: Any, servers: list[str], viewport: str, scheme: str
) -> None:
    from tests.chromium import AXE, CONTRAST, axe_violations

    page = _page(browser, servers[1], viewport, scheme)
    notice = page.wait_for_selector("#chat-empty .chat-empty")
    if AXE.exists():  # the notice readable in both schemes
        assert axe_violations(page, CONTRAST) == []
    assert "No articles yet" in notice.inner_text() and "Library" in notice.inner_text()
    page.fill("#question textarea", "How many drones were launched?")
    page.click("#ask")
    page.wait_for_function(
        "document.querySelector('#chat-answers').innerText.includes('No articles are indexed')"
    )
    assert "Library" in page.inner_text("#chat-answers")
    page.click("#chat-empty .to-library")
    page.wait_for_selector("#library-files", state="visible")  # the upload, on the same page
    assert page.get_by_role("tab", name="Library").get_attribute("aria-selected") == "true"
    page.context.close()
