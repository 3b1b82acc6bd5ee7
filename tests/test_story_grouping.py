"""Stories grouped at ingest (issue #20, point 1): the signals an article is grouped by, the
link rule, and the catalog's incremental grouping — a new article joins a story or starts one,
a deleted or rewritten one leaves it, a copy inherits its primary's place, a rebuild groups
oldest first, an older catalog is grouped when it is upgraded. Real SQLite and FAISS with the
hash encoder (texts that share words are close): the unit tier."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index import Article, Ingestor, NewsIndex, check_index, delete_articles
from index.catalog.catalog import Catalog, CatalogError
from index.stories.grouping import (
    LINK,
    WINDOW_DAYS,
    Grouped,
    Neighbourhood,
    best_link,
    similarity,
    window,
)
from index.stories.signals import StorySignals, entities, key_sentence
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

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


def test_names_are_capitalised_runs_lower_cased_and_a_lone_sentence_opener_is_not_one() -> None:
    found = entities(
        "Putin pushes for escalation",
        "Officials met in Kyiv. According to Meduza, Vladimir Putin wants results before "
        "Donald Trump takes office. The Kremlin denied it.",
    )
    assert "vladimir putin" in found and "donald trump" in found and "meduza" in found
    assert "officials" not in found  # a sentence's first word, alone
    assert "the kremlin" not in found and "kremlin" in found  # "The" is trimmed


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


def test_a_rebuild_groups_oldest_first_whatever_order_articles_came_in(tmp_path: Path) -> None:
    index = _index(tmp_path / "home")
    days = ["2025-03-20", "2025-03-12", "2025-03-04"]
    _ingest(index, [_article(f"b{n}", d, BRIDGE + f"Part {n}. ") for n, d in enumerate(days)])
    assert index.regroup_stories() == 1
    story = index.catalog.stories.story(_story(index, "b0") or "")
    assert story is not None and [m.meta.id for m in story.members] == ["b2", "b1", "b0"]
    assert story.members[0].linked_to is None  # the oldest started it
    index.close()


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
    assert reopened.catalog.meta()["schema_version"] == "7"
    assert _story(reopened, "b1") is not None and _story(reopened, "b1") == _story(reopened, "b2")
    reopened.close()


def _stored_schema(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
    finally:
        conn.close()


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
