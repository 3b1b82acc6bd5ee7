"""Stories grouped at ingest (issue #20, point 1; #33): the signals an article is grouped by, the
link rule, and the catalog's incremental grouping — a new article joins a story or starts one,
an article that bridges two close stories merges them under the older one's id, a deleted or
rewritten one leaves it, a copy inherits its primary's place, a rebuild groups oldest first, an
older catalog is grouped when it is upgraded. Real SQLite and FAISS with the hash encoder (texts
that share words are close): the unit tier. Last, events told in short articles days apart in
other words (a strike, an election, a wildfire) grouped with the real packaged model."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index import Article, Embedder, Ingestor, NewsIndex, check_index, delete_articles
from index.catalog.catalog import Catalog, CatalogError
from index.catalog.schema import SCHEMA_VERSION
from index.stories.grouping import (
    LINK,
    MERGE,
    STORY_LINK,
    WINDOW_DAYS,
    Grouped,
    Neighbourhood,
    best_link,
    founded_story_id,
    keeper,
    similarity,
    window,
)
from index.stories.signals import StorySignals, entities, key_sentence
from tests.conftest import settings_for
from tests.fakes import HashEncoder

unit = pytest.mark.unit  # the real-model tests at the end are the integration tier

BRIDGE = (
    "The Old Mill Bridge over the Wren River in Harwick partly collapsed and engineers "
    "inspected the steel pier while the mayor asked the state for money to repair the bridge "
    "crossing the river. "
)
MATCH = (
    "Harwick Hawks basketball team won the state championship final in overtime with a late "
    "three pointer from a senior guard in a packed gym on a cold night. "
)


def _signals(article_id: str, day: str, vector: list[float], names: tuple[str, ...] = ()):
    v = np.asarray(vector, dtype=np.float32)
    return StorySignals(article_id, day, v / np.linalg.norm(v), names, None)


@unit
def test_names_are_capitalised_runs_lower_cased_and_a_lone_sentence_opener_is_not_one() -> None:
    found = entities(
        "Putin pushes for escalation",
        "Officials met in Kyiv. According to Meduza, Vladimir Putin wants results before "
        "Donald Trump takes office. The Kremlin denied it.",
    )
    assert "vladimir putin" in found and "donald trump" in found and "meduza" in found
    assert "officials" not in found  # a sentence's first word, alone
    assert "the kremlin" not in found and "kremlin" in found  # "The" is trimmed


@unit
def test_the_key_sentence_is_the_first_real_sentence_not_a_label_or_the_title() -> None:
    text = (
        "Politics\n\nBridge falls in Harwick\n\n"
        "A section of the bridge fell into the river late on Sunday night."
    )
    start, end = key_sentence(text, "Bridge falls in Harwick") or (0, 0)
    assert text[start:end] == "A section of the bridge fell into the river late on Sunday night."
    assert key_sentence("Too short. Also short.") is None
    wire = "HARWICK, Vt. (AP) — Engineers began inspecting the remains of the bridge on Tuesday."
    start, end = key_sentence(wire) or (0, 0)
    assert wire[start:end].startswith("Engineers began")
    named = "Rep. Liz Cheney (R-Wyo.) — who lost her primary in August — said the vote was wrong."
    assert key_sentence(named) == (0, len(named))  # a party label is not a dateline
    cnn = "(CNN) Charles has become Britain's new King following the death of his mother."
    start, end = key_sentence(cnn) or (0, 0)
    assert cnn[start:end].startswith("Charles has become")


@unit
def test_an_article_joins_the_most_similar_story_in_its_window_or_starts_one() -> None:
    a = _signals("a", "2025-03-03", [1, 0, 0])
    near = _signals("b", "2025-03-05", [1, 0.2, 0])
    other = _signals("c", "2025-03-04", [0, 1, 0])
    link = best_link(near, [Grouped(a, "s-a"), Grouped(other, "s-c")])
    assert link is not None and (link.story_id, link.article_id) == ("s-a", "a")
    assert link.score == pytest.approx(similarity(near, a)) and link.score >= LINK
    assert best_link(_signals("d", "2025-03-05", [0, 0, 1]), [Grouped(a, "s-a")]) is None
    first, last = window("2025-03-03")
    assert (first, last) == ("2025-02-21", "2025-03-13") if WINDOW_DAYS == 10 else first < last


@unit
def test_shared_names_lift_a_borderline_pair_over_the_line() -> None:
    angle = np.arccos(LINK - 0.03)  # cosine just under the line
    a = _signals("a", "2025-03-03", [1, 0, 0], ("harwick", "ellen park", "wren river"))
    b_plain = _signals("b", "2025-03-04", [np.cos(angle), np.sin(angle), 0])
    b_named = StorySignals("b", "2025-03-04", b_plain.centroid, a.entities, None)
    assert best_link(b_plain, [Grouped(a, "s")]) is None
    assert best_link(b_named, [Grouped(a, "s")]) is not None


def _index(home: Path) -> NewsIndex:
    return NewsIndex.open(settings_for(home).index, embedder=HashEncoder(), create=True)


def _article(article_id: str, day: str, body: str, title: str = "Report") -> Article:
    return Article(id=article_id, title=title, text=body * 3, published_at=day)


def _ingest(index: NewsIndex, articles: list[Article]) -> None:
    with index.write_lock():
        Ingestor(index).run(articles)


def _story(index: NewsIndex, article_id: str) -> str | None:
    return index.catalog.stories.story_ids_of([article_id]).get(article_id)


@unit
def test_stories_are_grouped_at_ingest_and_follow_deletions_updates_and_copies(
    tmp_path: Path,
) -> None:
    index = _index(tmp_path / "home")
    _ingest(
        index,
        [
            _article("b1", "2025-03-03", BRIDGE + "Police said no one was hurt. ", "Bridge falls"),
            _article("m1", "2025-03-05", MATCH),
            _article(
                "b2", "2025-03-07", BRIDGE + "Inspectors blamed corrosion. ", "Corrosion found"
            ),
            _article("b3", "2025-06-01", BRIDGE + "Months later a new span opened. "),
        ],
    )
    story = _story(index, "b1")
    assert story is not None and _story(index, "b2") == story
    assert _story(index, "m1") not in (None, story)
    assert _story(index, "b3") not in (None, story)  # outside the window: a story of its own
    found = index.catalog.stories.story(story)
    assert found is not None and [m.meta.id for m in found.members] == ["b1", "b2"]
    assert (found.first_day, found.last_day, found.articles) == ("2025-03-03", "2025-03-07", 2)
    assert found.members[1].linked_to == "b1" and found.members[0].key is not None
    assert found.title == "Bridge falls"

    _ingest(
        index,
        [
            Article(
                id="b2-copy",
                title="Report",
                text=(BRIDGE + "Inspectors blamed corrosion. ") * 3,
                published_at="2025-03-07",
            )
        ],
    )
    assert _story(index, "b2-copy") is None  # a copy is read through its primary
    delete_articles(index, ["b2"])
    assert _story(index, "b2-copy") == story  # …and inherits its place

    then = index.catalog.stories.story(
        story, until="2025-03-05"
    )  # as it stood: b2 not yet published
    assert then is not None and [m.meta.id for m in then.members] == ["b1"]
    assert (then.first_day, then.last_day, then.articles) == ("2025-03-03", "2025-03-03", 1)
    assert index.catalog.stories.story(story, until="2025-03-01") is None  # nothing of it by then
    assert [
        s.id for s in index.catalog.stories.summaries([story, "s-none"], until="2025-03-01")
    ] == []
    listed = index.catalog.stories.summaries([story], until="2025-03-05")
    assert [(s.articles, s.last_day) for s in listed] == [(1, "2025-03-03")]

    delete_articles(index, ["b1"])  # the founder goes: the story stays, under its id
    after = index.catalog.stories.story(story)
    assert after is not None and after.articles == 1 and after.first_day == "2025-03-07"
    assert after.title == "Report" == index.catalog.stories.summaries([story])[0].title  # b2-copy's

    _ingest(index, [_article("b2-copy", "2025-03-07", MATCH + "Rewritten. ")])
    assert index.catalog.stories.story(story) is None  # its last member moved to the match's story
    assert _story(index, "b2-copy") == _story(index, "m1")
    assert check_index(index.settings, HashEncoder()).ok
    index.close()


@unit
def test_a_rebuild_groups_oldest_first_whatever_order_articles_came_in(tmp_path: Path) -> None:
    index = _index(tmp_path / "home")
    days = ["2025-03-20", "2025-03-12", "2025-03-04"]
    _ingest(index, [_article(f"b{n}", d, BRIDGE + f"Part {n}. ") for n, d in enumerate(days)])
    assert index.regroup_stories() == 1
    story = index.catalog.stories.story(_story(index, "b0") or "")
    assert story is not None and [m.meta.id for m in story.members] == ["b2", "b1", "b0"]
    assert story.members[0].linked_to is None  # the oldest started it
    index.close()


@unit
def test_a_schema_3_catalog_is_grouped_when_it_is_upgraded(tmp_path: Path) -> None:
    home = tmp_path / "home"
    index = _index(home)
    _ingest(
        index,
        [_article("b1", "2025-03-03", BRIDGE), _article("b2", "2025-03-04", BRIDGE + "More. ")],
    )
    path = index.settings.catalog_path
    index.close()
    conn = sqlite3.connect(path)
    conn.executescript(
        "DELETE FROM story_articles; DELETE FROM stories; "
        "UPDATE meta SET value='3' WHERE key='schema_version';"
    )
    conn.commit()
    conn.close()
    with pytest.raises(CatalogError, match="made before stories"):
        Catalog(path)  # the catalog decides no story: without a grouping it cannot upgrade…
    assert _stored_schema(path) == "3"  # …and leaves the file as it was
    reopened = _index(home)  # NewsIndex.open hands it index.stories' grouping
    assert reopened.catalog.meta()["schema_version"] == str(SCHEMA_VERSION)
    assert _story(reopened, "b1") is not None and _story(reopened, "b1") == _story(reopened, "b2")
    reopened.close()


def _stored_schema(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
    finally:
        conn.close()


@unit
def test_a_neighbourhood_compares_only_within_the_window_and_forgets_what_fell_out() -> None:
    a = _signals("a", "2025-03-03", [1, 0, 0])
    late = _signals("z", "2025-03-20", [1, 0.1, 0])  # the same direction, 17 days on
    hood = Neighbourhood([Grouped(a, "s-a")])
    assert hood.best_link(late) is None and hood.best_link(_signals("b", "2025-03-12", [1, 0.1, 0]))
    hood.forget_before("2025-03-20")
    assert len(hood) == 0
    many = Neighbourhood(
        Grouped(_signals(f"x{n}", "2025-03-03", [0, 1, n]), f"s{n}") for n in range(40)
    )
    link = many.best_link(_signals("y", "2025-03-04", [0, 1, 0]))
    assert len(many) == 40 and link is not None and link.story_id == "s0"


@unit
def test_a_block_of_one_day_groups_as_the_same_articles_one_by_one(tmp_path: Path) -> None:
    """Grouping reads a block's neighbourhood once and adds to it as it places articles (as
    stored: float16 centroids); the result never depends on where a block ended."""
    bodies = [BRIDGE, MATCH, BRIDGE + "More. ", MATCH + "Again. ", BRIDGE + "Later. "]
    articles = [_article(f"a{n}", "2025-03-03", body) for n, body in enumerate(bodies)]
    together, apart = _index(tmp_path / "one"), _index(tmp_path / "two")
    _ingest(together, articles)
    for article in articles:
        _ingest(apart, [article])
    ids = [a.id for a in articles]
    assert together.catalog.stories.story_ids_of(ids) == apart.catalog.stories.story_ids_of(ids)
    assert together.regroup_stories() == apart.catalog.stories.count() == 2
    assert together.catalog.stories.story_ids_of(ids) == apart.catalog.stories.story_ids_of(ids)
    together.close()
    apart.close()


def _unit(x: float, y: float, z: float = 0.0) -> list[float]:
    return [x, y, z]


@unit
def test_an_article_that_bridges_two_close_stories_merges_them_under_the_older_id() -> None:
    cos = 0.68  # the two stories' articles: close, but under the line on their own
    a = _signals("a", "2025-03-02", _unit(1, 0))
    b = _signals("b", "2025-03-03", _unit(cos, np.sqrt(1 - cos**2)))
    assert cos < LINK and cos >= MERGE
    hood = Neighbourhood([Grouped(a, "s-a"), Grouped(b, "s-b")])
    bridge = _signals("c", "2025-03-03", list(a.centroid + b.centroid))  # between the two
    placed = hood.place(bridge)
    assert placed.link is not None and placed.link.story_id == "s-b"  # the closer (same day)
    assert placed.merged == ("s-a",)
    assert keeper(["s-b", "s-a"], {"s-a": "2025-03-02", "s-b": "2025-03-03"}) == "s-a"
    hood.merge("s-b", "s-a")
    later = hood.place(_signals("d", "2025-03-04", list(b.centroid)))
    assert later.link is not None and later.link.story_id == "s-a"  # b is in the older story now

    far = _signals("f", "2025-03-03", _unit(0.3, np.sqrt(1 - 0.09)))  # another story entirely
    apart = Neighbourhood([Grouped(a, "s-a"), Grouped(far, "s-f")])
    placed = apart.place(_signals("g", "2025-03-03", list(a.centroid + far.centroid)))
    assert placed.link is not None and placed.merged == ()  # it joins one; they stay two


@unit
def test_an_article_close_to_one_member_but_not_to_the_story_does_not_join_it() -> None:
    """A digest of the day's news reads like one article of many stories: it joins none of them
    through that one article, so it cannot chain them together."""
    story = [
        _signals("m1", "2025-03-03", _unit(0, 1)),
        _signals("m2", "2025-03-03", _unit(0, 1, 0.1)),
        _signals("m3", "2025-03-03", _unit(0.75, np.sqrt(1 - 0.75**2))),
    ]
    hood = Neighbourhood(Grouped(m, "s") for m in story)
    digest = _signals("d", "2025-03-03", _unit(1, 0))
    assert similarity(digest, story[2]) >= LINK  # close to one member…
    centre = np.mean([m.centroid for m in story], axis=0)
    assert float(digest.centroid @ centre) / float(np.linalg.norm(centre)) < STORY_LINK  # …only
    assert hood.place(digest).link is None


# -- events told days apart, in other words: the real packaged model ---------------------------
EVENTS = {
    "dock strike": [
        (
            "dock-1",
            "2025-03-01",
            "Dock workers walk out at the Port of Brennan",
            "Dock workers at the Port of Brennan walked out on Saturday after their union rejected "
            "the latest pay offer from the port operators. The Brennan Dockers Union said about "
            "2,000 members stopped work, and pickets formed at the gates of the container "
            "terminal. Ships began to queue offshore as the cranes stood idle.",
        ),
        (
            "dock-2",
            "2025-03-05",
            "Talks fail as Brennan port strike enters fifth day",
            "Talks between the Brennan Dockers Union and the port operators broke down on "
            "Wednesday with no new meeting set. Dozens of container ships are waiting to unload, "
            "and retailers warn of empty shelves within a week. Union leader Maria Kovac said her "
            "members would stay out until wages keep pace with prices.",
        ),
        (
            "dock-3",
            "2025-03-09",
            "Brennan strike ends with 7 percent deal",
            "The strike at the Port of Brennan ended on Sunday after dock workers accepted a 7 "
            "percent pay rise over two years. The Brennan Dockers Union said members voted to "
            "return to work on Monday. The operators said it would take two weeks to clear the "
            "backlog of ships.",
        ),
    ],
    "election": [
        (
            "vote-1",
            "2025-03-02",
            "Polls open in Veldoria's presidential election",
            "Polls opened across Veldoria on Sunday as voters choose a new president after a "
            "bitter campaign between former finance minister Anna Weiss and incumbent Tomas "
            "Brandt. Queues formed outside schools in the capital, Ostrava Nova, before dawn, and "
            "the electoral commission expects turnout above 70 percent.",
        ),
        (
            "vote-2",
            "2025-03-04",
            "Weiss leads as Veldoria counts the votes",
            "With most ballots counted, Anna Weiss holds 54 percent of the vote against 43 "
            "percent for Tomas Brandt, Veldoria's electoral commission said on Tuesday. Weiss "
            "told cheering supporters in Ostrava Nova that the country had chosen change.",
        ),
        (
            "vote-3",
            "2025-03-06",
            "Brandt concedes defeat to Weiss",
            "Tomas Brandt conceded on Thursday and congratulated Anna Weiss on her victory, "
            "ending two days of uncertainty after he had questioned the count. Weiss will be "
            "sworn in as Veldoria's president next month.",
        ),
    ],
    "wildfire": [
        (
            "fire-1",
            "2025-03-03",
            "Wildfire breaks out near Pine Hollow",
            "A wildfire broke out on Monday in the hills above Pine Hollow and spread across 500 "
            "acres of dry brush, fanned by strong winds. Crews from the Larch County fire "
            "department and two air tankers fought the flames into the night.",
        ),
        (
            "fire-2",
            "2025-03-05",
            "Thousands evacuated as Pine Hollow fire spreads",
            "Thousands of residents of Pine Hollow were ordered to leave their homes on Wednesday "
            "as the fire grew to 4,000 acres and jumped Route 9. Larch County opened shelters at "
            "two high schools, and the sheriff said 30 houses had burned.",
        ),
        (
            "fire-3",
            "2025-03-10",
            "Pine Hollow fire contained after a week",
            "Firefighters have fully contained the Pine Hollow fire, Larch County officials said "
            "on Monday, a week after it broke out. Evacuation orders were lifted and residents "
            "began returning to see what was left of their homes.",
        ),
    ],
    "another strike": [  # the same week, another city, another union: another story
        (
            "rail-1",
            "2025-03-04",
            "Rail workers walk out in Calder",
            "Rail workers in Calder walked out on Tuesday after their union rejected a pay offer "
            "from the city's transit authority, halting most commuter trains. The Calder Rail "
            "Workers Association said the 48-hour strike was a warning and more could follow.",
        ),
    ],
}
EVENT_ARTICLES = [
    Article(id=i, title=title, text=text, published_at=day)
    for told in EVENTS.values()
    for i, day, title, text in told
]


def _stories_of(index: NewsIndex) -> dict[str, str]:
    return index.catalog.stories.story_ids_of([a.id for a in EVENT_ARTICLES])


def _assert_one_story_per_event(stories: dict[str, str], oldest_first: bool = True) -> None:
    for event, told in EVENTS.items():
        ids = [i for i, *_ in told]
        assert len({stories[i] for i in ids}) == 1, event
        if oldest_first:  # the story keeps the id its first article gave it
            assert stories[ids[0]] == founded_story_id(ids[0]), event
    assert len(set(stories.values())) == len(EVENTS)


@pytest.mark.parametrize("order", ["as published", "newest first", "in one block"])
def test_short_articles_days_apart_about_one_event_are_one_story(
    tmp_path: Path, embedder: Embedder, order: str
) -> None:
    """A strike that starts, stalls and ends; an election's polls, count and concession; a
    wildfire's outbreak, evacuations and containment: each told in other words days apart, one
    story whatever order they come in (under the id its first article gave it when they come
    oldest first); a strike in another city the same week stays apart."""
    index = NewsIndex.open(settings_for(tmp_path / "home").index, embedder=embedder, create=True)
    by_day = sorted(EVENT_ARTICLES, key=lambda a: (a.published_at or "", a.id))
    with index.write_lock():
        if order == "in one block":
            Ingestor(index).run(EVENT_ARTICLES)
        else:
            for article in by_day if order == "as published" else by_day[::-1]:
                Ingestor(index).run([article])
    _assert_one_story_per_event(_stories_of(index), oldest_first=order != "newest first")
    assert index.regroup_stories() == len(EVENTS)
    _assert_one_story_per_event(_stories_of(index))
    index.close()
