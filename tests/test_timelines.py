"""Timelines on a real corpus (issue #30, point 6): captions, credits, editor's notes and
promotions are never a key sentence nor a timeline entry; a development answer lists only
entries about the question's topic and abstains when none is. The unit tier (HashEncoder)."""

from __future__ import annotations

import pytest

from assistant.engines.timeline import TimelineEngine, worth_a_line
from assistant.engines.timeline_relevance import development_topic, names_topic, topic_names
from index.records import ArticleMeta, SearchHit
from index.stories.signals import key_sentence
from index.text.sentence_roles import SentenceRole, is_news, sentence_role
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "sentence",
    [
        "Soldiers rest near Bakhmut on Monday. (Photo by Aris Messinis/AFP via Getty Images)",
        "Shaun Botterill/Getty Images England celebrates their victory at Wembley.",
        "Rich Fury/Invision/AP Loretta Lynn performs in 2016 during South By Southwest in Austin.",
        "Dominika Zarzycka/NurPhoto/Getty Images Graves of fallen soldiers in Lychakiv Cemetery.",
        "Firefighters battle the Oak Fire near Mariposa. (AP Photo/Noah Berger)",
        "Photo: Residents wait for bottled water in Jackson, Mississippi.",
        "Photos: Russia invades Ukraine People wait on a bus to leave Kyiv on February 24.",
        "Hide Caption 17 of 21 Photos: Hurricane Fiona slams the Caribbean Residents wait.",
        "FILE - Former President Donald Trump speaks at a rally in Delaware, Ohio, on April 23.",
        "File photo of the Capitol dome at dusk, taken before the hearings began.",
        "In this photo of 2016, a student looks at questions during a test preparation class.",
        "Credit: NASA/Joel Kowsky The Artemis I rocket stands on launch pad 39B.",
        "The Space Launch System rocket sits on the pad at sunrise. (Credit: NASA/Bill Ingalls)",
        "Story by Ian James | Photos and video by Steve Elfers | Dec. 10, 2015",
    ],
)
def test_captions_and_credits_are_captions(sentence: str) -> None:
    assert sentence_role(sentence) is SentenceRole.CAPTION


@pytest.mark.parametrize(
    "sentence",
    [
        "Editor's note: This page recaps the news from Ukraine on Tuesday, April 19.",
        "Editor’s Note: Peter Bergen is CNN’s national security analyst.",
        "EDITOR'S NOTE: The Tennessean is on the ground in Humphreys County.",
        "Corrections & clarifications: A previous version of this story misstated the date.",
        "Correction: An earlier version of this story misspelled the mayor's name.",
        "This story has been updated with additional developments.",
        "This is a recap of updates out of the war in Ukraine for Friday, June 17.",
        "This story covers Hurricane Ian news from Monday, Sept. 26.",
    ],
)
def test_editors_notes_are_notes(sentence: str) -> None:
    assert sentence_role(sentence) is SentenceRole.NOTE


@pytest.mark.parametrize(
    "sentence",
    [
        "MUST WATCH Watch what Liz Cheney told supporters after conceding primary 03:12",
        "JUST WATCHED See the severe flooding that shut down Yellowstone Replay More Videos ...",
        "Video Ad Feedback 02:29 - Source: CNN Hurricane Fiona passing by Bermuda",
        "Sign up for our newsletter to get the latest on the war in Ukraine.",
        "Follow here for the latest updates and news from Sunday, March 13.",
        "READ MORE: Complete coverage of Arizona wildfires",
    ],
)
def test_promotions_are_promotions(sentence: str) -> None:
    assert sentence_role(sentence) is SentenceRole.PROMO


@pytest.mark.parametrize(
    "sentence",
    [
        "Getty Images agreed to buy the photo archive for $200 million, the company said.",
        "A photo by a bystander showed officers kneeling on the man's back.",
        "A Reuters/Ipsos poll found that 40% of Americans approve of the president.",
        "The Fox/CNN debate drew 12 million viewers on Tuesday night.",
        "The editor of the paper said the note had been sent in error.",
        "Update on the storm: it weakened to a Category 1 hurricane overnight.",
        "The meeting at 3:30 pm was cancelled by the mayor.",
        "More than 2 million are without power in Florida, according to PowerOutage.us.",
        "Watchdog groups said the sale of the files broke the law.",
        "Griner was arrested at a Moscow airport on February 17.",
    ],
)
def test_news_is_news(sentence: str) -> None:
    assert is_news(sentence)


def test_a_key_sentence_is_never_a_note_or_a_caption() -> None:
    text = (
        "Editor's note: This page recaps the news from Ukraine on Sunday, May 8.\n\n"
        "Shaun Botterill/Getty Images Crowds gather in Kyiv's central square on Sunday.\n\n"
        "Canadian Prime Minister Justin Trudeau made an unexpected visit to Ukraine on Sunday."
    )
    start, end = key_sentence(text, "Ukraine updates: May 8 recap") or (0, 0)
    assert text[start:end].startswith("Canadian Prime Minister Justin Trudeau")


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("How did the war in Ukraine develop?", "the war in Ukraine"),
        ("How have gas prices changed over the past months?", "gas prices"),
        (
            "What happened with the January 6 investigation since June?",
            "the January 6 investigation",
        ),
        ("How has Twitter changed since Elon Musk took over?", "Twitter since Elon Musk took over"),
        ("Timeline of the Harwick bridge collapse", "the Harwick bridge collapse"),
        ("Give me a chronology of the strike", "the strike"),
        ("What changed since the ceasefire?", "the ceasefire"),
        ("How did Liz Cheney's primary race play out?", "Liz Cheney's primary race"),
    ],
)
def test_the_topic_is_the_question_without_its_frame(question: str, topic: str) -> None:
    assert development_topic(question) == topic


def test_an_article_must_name_the_topic() -> None:
    assert topic_names("Brittney Griner's detention in Russia") == ["Brittney", "Griner", "Russia"]
    assert names_topic("Hurricane Ian", "", "Ian's winds reached 150 mph at landfall.")
    assert not names_topic("the Harwick bridge collapse", "Bridges", "A bridge in Baltimore fell.")
    assert names_topic("gas prices", "", "Prices at the pump rose for a 15th day.")  # no names


@pytest.mark.parametrize(
    "sentence",
    [
        "Here's how the latest chapter in the city's water disaster has unfolded:",
        "Here's what travelers planning to visit Yellowstone this summer should know.",
        "'IT'S SHAMEFUL':Flooding broke open Jackson's water crisis but it can't be disentangled",
        "Liz Truss resigns:45 photos highlight her 45 days as Britain's prime minister",
        "HOW DOES HURRICANE IAN COMPARE:Category 5 hurricanes are rare.",
        "MUST WATCH This is what determines the price of gas 01:57",
    ],
)
def test_signposts_links_and_promotions_are_not_timeline_lines(sentence: str) -> None:
    assert not worth_a_line(sentence)


class _Index:
    embedder = HashEncoder()


def _hit(rank: int, article: str, day: str, text: str, title: str = "") -> SearchHit:
    meta = ArticleMeta(article, title or article, None, "example.com", (), day, None)
    return SearchHit(rank, rank, meta, 0, len(text), text, 1.0 / rank)


FLOOD = [
    _hit(1, "a1", "2022-06-13", "Record floods in Yellowstone National Park washed out roads."),
    _hit(
        2,
        "a2",
        "2022-06-14",
        "Shaun Botterill/Getty Images Floods in Yellowstone National Park wash out a bridge.\n"
        "Yellowstone National Park closed all entrances as the floods in the park rose.",
    ),
    _hit(3, "a3", "2022-06-12", "The Dow fell 900 points as traders feared a Fed rate hike."),
]


def test_a_development_lists_only_entries_about_its_topic() -> None:
    engine = TimelineEngine(_Index())  # type: ignore[arg-type]
    texts = {h.article.id: h.text for h in FLOOD}
    answer = engine.answer("How did the floods in Yellowstone National Park develop?", FLOOD, texts)
    assert not answer.abstained
    assert [c.article_id for c in answer.citations] == ["a1", "a2"]  # oldest first, no Dow
    assert answer.citations[1].quote.startswith("Yellowstone National Park closed")  # no credit


def test_a_development_about_nothing_retrieved_abstains() -> None:
    engine = TimelineEngine(_Index())  # type: ignore[arg-type]
    texts = {h.article.id: h.text for h in FLOOD}
    answer = engine.answer("How did the Harwick bridge collapse unfold?", FLOOD, texts)
    assert answer.abstained and "Harwick bridge collapse" in (answer.reason or "")
