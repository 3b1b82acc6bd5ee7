"""Results kept per index generation (#34): a repeated question skips the ask queue and a
repeated search the retriever, any write makes every kept result stale, a follow-up (its
history) or the llm engine is never kept; and the vectors of texts already encoded (questions,
answer sentences) are remembered per model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Answer, AnswerCache, AskRequest, Assistant, SearchFilters, SearchRequest
from index import Library
from index.encoding.embedding import RecentVectors
from tests.conftest import settings_for
from ui.services import Services

DRONES = "How many drones did Russia launch?"


def _answer(engine: str = "extractive") -> Answer:
    return Answer(DRONES, "188 drones [1].", engine=engine, timings={"total_ms": 900.0})


@pytest.mark.unit
def test_a_kept_answer_is_a_copy_for_the_same_request_and_generation_only() -> None:
    cache = AnswerCache(size=2)
    key = cache.key(AskRequest(DRONES), generation=7)
    assert key is not None
    cache.put(key, _answer())
    kept = cache.get(cache.key(AskRequest(DRONES), generation=7) or "")
    assert kept is not None and kept.text == "188 drones [1]."
    assert kept.timings == {"cached": 1.0, "queue_ms": 0.0, "total_ms": 0.0}
    assert cache.get(cache.key(AskRequest(DRONES), generation=8) or "") is None
    other = AskRequest(DRONES, filters=SearchFilters.build(as_of="2022-10-10"))
    assert cache.get(cache.key(other, generation=7) or "") is None
    assert (cache.hits, cache.misses) == (1, 2)


@pytest.mark.unit
def test_follow_ups_and_llm_answers_are_not_kept_and_the_oldest_leaves_first() -> None:
    cache = AnswerCache(size=2)
    follow_up = AskRequest("And how many missiles?", history=[{"role": "user", "content": "x"}])
    assert cache.key(follow_up, generation=1) is None
    assert cache.key(AskRequest("a first question", history=[]), 1) is not None  # the API's []
    assert AnswerCache(size=0).key(AskRequest(DRONES), 1) is None  # NEWSRAG_ANSWER_CACHE=0
    llm = cache.key(AskRequest("llm?"), 1)
    cache.put(llm or "", _answer(engine="llm"))
    assert cache.get(llm or "") is None
    keys = [cache.key(AskRequest(f"q{i}"), 1) or "" for i in range(3)]
    for key in keys:
        cache.put(key, _answer())
    assert cache.get(keys[0]) is None and cache.get(keys[2]) is not None


@pytest.mark.unit
def test_recent_vectors_encode_each_missing_text_once_and_keep_the_latest() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.asarray([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    memo = RecentVectors(size=3)
    first = memo.vectors(["a", "bb", "a"], encode)
    assert calls == [["a", "bb"]] and first[:, 0].tolist() == [1.0, 2.0, 1.0]
    memo.vectors(["bb", "ccc", "dddd"], encode)  # "a" is now the least recently used
    assert calls[-1] == ["ccc", "dddd"]
    memo.vectors(["a"], encode)
    assert calls[-1] == ["a"]
    assert RecentVectors.shared("m", "q", size=3) is RecentVectors.shared("m", "q", size=3)


def test_a_repeated_question_skips_the_pool_until_the_index_changes(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services(settings_for(sample_copy))
    searched: list[str] = []
    search = Assistant.search
    monkeypatch.setattr(
        Assistant, "search", lambda self, r: searched.append(r.query) or search(self, r)
    )
    try:
        hits = services.search(SearchRequest("drones", k=3))
        assert services.search(SearchRequest("drones", k=3)) == hits and searched == ["drones"]
        first = services.ask(AskRequest(DRONES, history=[]))
        assert "cached" not in first.timings and first.citations
        again = services.ask(AskRequest(DRONES))
        assert again.timings.get("cached") == 1.0
        assert again.text == first.text and again.citations == first.citations
        note = tmp_path / "note.txt"
        note.write_text("Harbour news\n\nThe harbour bridge reopened on Monday after repairs.\n")
        with Library(services.settings.index) as door:
            assert door.ingest([note]).added == 1  # a write: the generation moves on
        after = services.ask(AskRequest(DRONES))
        assert "cached" not in after.timings and after.text == first.text
        services.search(SearchRequest("drones", k=3))
        assert searched == ["drones", "drones"]  # searched again over the new generation
    finally:
        services.ask_pool.shutdown()
