"""Briefings (issue #33, point 1): the period and the one before it, ranking by importance, key
sentences, "what is new" in a story the previous briefing showed, the as-of rule and topics.
Real SQLite and FAISS with the hash encoder (texts sharing words are close): the unit tier."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.briefing import Briefer
from assistant.briefing.key_sentences import key_sentences
from assistant.briefing.periods import Period, period_of
from assistant.briefing.ranking import RankWeights, importance, ranked
from assistant.requests import BriefRequest, QueryError
from assistant.retrieval.retriever import Retriever
from index import Article, Ingestor, NewsIndex
from index.catalog.activity import StoryActivity
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

STRIKE = (
    "Dock workers at the port of Harwick strike over pay and the container terminal stays "
    "closed while the dock workers union and the port authority argue about wages. "
)
FLOOD = (
    "Heavy rain floods the valley villages of Ostrava county and rescuers evacuate families "
    "from flooded houses along the swollen river banks. "
)
FAIR = "The county fair in Lindell opens with a pumpkin contest and a tractor parade downtown. "


def _article(article_id: str, day: str, lead: str, body: str, source: str) -> Article:
    return Article(
        id=article_id,
        title=f"{source.split('.')[0].title()} report {article_id}",
        text=f"{lead} {body * 3}",
        published_at=day,
        source=source,
    )


ARTICLES = [
    _article(
        "strike-1", "2025-03-01", "Dock workers at the port of Harwick walked out on Saturday.",
        STRIKE, "harwickherald.example",
    ),
    _article(
        "strike-2", "2025-03-05", "Talks failed as the Harwick dock strike entered its fifth day.",
        STRIKE, "statewire.example",
    ),
    _article(
        "strike-3", "2025-03-09", "The Harwick dock strike ended with a 7 percent pay deal.",
        STRIKE, "harwickherald.example",
    ),
    _article(
        "flood-1", "2025-03-04", "Rescuers evacuated 300 families as the Ostrava river flooded.",
        FLOOD, "valleynews.example",
    ),
    _article(
        "fair-1", "2025-03-06", "The Lindell county fair opened on Thursday.", FAIR, "x.example"
    ),
    _article(
        "later", "2025-03-20", "The Harwick dock workers returned to the container terminal.",
        STRIKE, "statewire.example",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    home: Path = tmp_path_factory.mktemp("brief")
    opened = NewsIndex.open(settings_for(home).index, embedder=HashEncoder(), create=True)
    with opened.write_lock():
        Ingestor(opened).run(ARTICLES)
    return opened


@pytest.fixture(scope="module")
def briefer(index: NewsIndex) -> Briefer:
    return Briefer(index, Retriever(index))


def test_a_period_is_a_day_or_since_until_and_the_previous_has_its_length() -> None:
    assert period_of("2025-03-05", None, None, "2025-03-09") == Period("2025-03-05", "2025-03-05")
    assert period_of(None, "2025-03-01", None, "2025-03-09") == Period("2025-03-01", "2025-03-09")
    assert period_of(None, None, None, "2025-03-09") == Period("2025-03-09", "2025-03-09")
    week = Period("2025-03-08", "2025-03-14")
    assert week.days == 7 and week.previous() == Period("2025-03-01", "2025-03-07")
    for bad in (("2025-03-05", "2025-03-01", None), (None, "2025-03-09", "2025-03-01")):
        with pytest.raises(QueryError):
            period_of(*bad, "2025-03-09")
    with pytest.raises(QueryError, match="day: '5 March'"):
        period_of("5 March", None, None, "2025-03-09")
    with pytest.raises(QueryError, match="limit"):
        BriefRequest(limit=0)


def test_size_outlets_and_novelty_rank_a_story() -> None:
    weights = RankWeights()
    big = StoryActivity("big", 6, 0, 4, "2025-03-01", "2025-03-07")
    old = StoryActivity("old", 6, 30, 4, "2025-02-01", "2025-03-07")
    small = StoryActivity("small", 1, 0, 1, "2025-03-03", "2025-03-03")
    assert importance(big, weights) > importance(old, weights) > importance(small, weights)
    assert [a.story_id for a in ranked([small, old, big], weights)] == ["big", "old", "small"]


def test_the_briefing_ranks_stories_and_cites_their_key_sentences(
    briefer: Briefer, index: NewsIndex
) -> None:
    briefing = briefer.brief(BriefRequest(since="2025-03-01", until="2025-03-07"))
    first = briefing.items[0]
    assert first.story_id == _story(index, "strike-1") and first.articles == 2
    assert set(first.outlets) == {"harwickherald.example", "statewire.example"}
    assert {i.story_id for i in briefing.items} == {
        _story(index, a) for a in ("strike-1", "flood-1", "fair-1")
    }
    numbers = [c.n for i in briefing.items for c in i.key_sentences]
    assert numbers == list(range(1, len(numbers) + 1))
    for item in briefing.items:
        for c in item.key_sentences:
            text = index.catalog.articles.article_text(c.article_id) or ""
            assert text[c.quote_start : c.quote_end] == c.quote  # verbatim
            assert c.citation.startswith(f"{c.article_id}:")
    said = " ".join(c.quote for i in briefing.items for c in i.key_sentences)
    assert "7 percent" not in said and "returned" not in said  # nothing after the period


def test_a_story_the_last_briefing_showed_quotes_only_what_is_new(
    briefer: Briefer, index: NewsIndex
) -> None:
    week = briefer.brief(BriefRequest(since="2025-03-08", until="2025-03-14"))
    strike = next(i for i in week.items if i.story_id == _story(index, "strike-1"))
    assert strike.continuing and strike.articles == 1 and strike.earlier_articles == 2
    assert [c.article_id for c in strike.key_sentences] == ["strike-3"]
    assert "7 percent" in strike.key_sentences[0].quote
    first_week = briefer.brief(BriefRequest(since="2025-03-01", until="2025-03-07"))
    assert not any(i.continuing for i in first_week.items)  # nothing before 1 March


def test_a_topic_keeps_only_its_stories_and_the_limit_cuts(briefer: Briefer) -> None:
    flood = briefer.brief(
        BriefRequest(since="2025-03-01", until="2025-03-07", topic="flooded river")
    )
    assert [c.article_id for i in flood.items for c in i.key_sentences] == ["flood-1"]
    one = briefer.brief(BriefRequest(since="2025-03-01", until="2025-03-07", limit=1))
    assert len(one.items) == 1 and one.stories_in_period == 3
    empty = briefer.brief(BriefRequest(day="2025-02-01"))
    assert empty.items == () and empty.to_dict()["stories"] == []


def test_the_latest_day_with_news_is_the_default(briefer: Briefer) -> None:
    latest = briefer.brief(BriefRequest())
    assert (latest.period.since, latest.period.until) == ("2025-03-20", "2025-03-20")
    assert [c.article_id for i in latest.items for c in i.key_sentences] == ["later"]


def test_key_sentences_put_the_most_shared_first_and_skip_what_was_said(index: NewsIndex) -> None:
    story = index.catalog.stories.story(_story(index, "strike-1") or "", "2025-03-09")
    assert story is not None
    leads = key_sentences(story.members)
    assert 1 <= len(leads) <= 2 and len({lead.member.meta.id for lead in leads}) == len(leads)
    again = key_sentences(story.members, [lead.citation.quote for lead in leads])
    assert not {lead.citation.quote for lead in again} & {lead.citation.quote for lead in leads}


def _story(index: NewsIndex, article_id: str) -> str | None:
    return index.catalog.stories.story_ids_of([article_id]).get(article_id)
