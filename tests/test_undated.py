"""Undated articles are "undated" everywhere (issue #30, point 1): a story never shows an
undated article on the day it was ingested, its days count dated articles only, an undated
article comes last in its timeline, and a story of undated articles only comes last among the
latest stories. Real model, real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from index import NewsIndex, ingest_paths
from tests.conftest import settings_for
from tests.live_server import copy_index

pytestmark = pytest.mark.slow

ARTICLES = [
    {
        "id": "ferry-strike-1",
        "headline": "Ferry crews walk out in Kalmar over pay",
        "outlet": "Baltic Wire",
        "date": "2023-03-01",
        "body": "Ferry crews in Kalmar walked out on Wednesday after pay talks with the "
        "operator broke down. The strike halted crossings to Öland for thousands of commuters.",
    },
    {
        "id": "ferry-strike-2",
        "headline": "Kalmar ferry strike enters fifth day as pay talks fail",
        "outlet": "Baltic Wire",
        "date": "2023-03-05",
        "body": "The ferry strike in Kalmar entered its fifth day after pay talks between the "
        "crews and the operator failed again. Crossings to Öland remain halted.",
    },
    {
        "id": "ferry-strike-undated",
        "headline": "Kalmar ferry crews strike over pay, halting Öland crossings",
        "outlet": "Island Post",
        "body": "Ferry crews in Kalmar are on strike over pay, and crossings to Öland are "
        "halted while talks between the crews and the operator continue.",
    },
    {
        "id": "orchard-undated",
        "headline": "Apple growers on Gotland report a record harvest",
        "outlet": "Island Post",
        "body": "Apple growers on Gotland reported a record harvest this autumn, with orchards "
        "picking almost twice as many apples as in an ordinary year.",
    },
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Assistant:
    root = tmp_path_factory.mktemp("undated")
    home = copy_index(sample_home, root / "index")
    source = root / "ferries.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    index = NewsIndex.open(settings_for(home).index)
    try:
        assert ingest_paths(index, [source]).added == len(ARTICLES)
    finally:
        index.close()
    return Assistant(settings_for(home))


def test_an_undated_article_has_no_day_and_comes_last_in_its_story(
    assistant: Assistant,
) -> None:
    story_id = assistant.index.catalog.stories.story_ids_of(["ferry-strike-1"])["ferry-strike-1"]
    timeline = assistant.stories.timeline(story_id)
    assert timeline is not None
    days = {e.member.meta.id: e.day for e in timeline.entries}
    assert days["ferry-strike-1"] == "2023-03-01"
    if "ferry-strike-undated" in days:  # grouped with the strike: listed last, undated
        assert timeline.entries[-1].member.meta.id == "ferry-strike-undated"
        assert days["ferry-strike-undated"] is None
    dated = [d for d in days.values() if d is not None]
    assert (timeline.story.first_day, timeline.story.last_day) == (min(dated), max(dated))


def test_a_story_of_undated_articles_only_comes_last_among_the_latest(
    assistant: Assistant,
) -> None:
    recent = assistant.stories.recent(k=50)
    orchard = next(s for s in recent if s.title.startswith("Apple growers on Gotland"))
    assert (orchard.first_day, orchard.last_day) == (None, None)
    dated = [s for s in recent if s.last_day is not None]
    assert recent[: len(dated)] == dated  # every dated story before any undated one
    assert [s.last_day for s in dated] == sorted((s.last_day for s in dated), reverse=True)
