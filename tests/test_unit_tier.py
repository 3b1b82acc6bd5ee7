"""The whole path on fakes, in seconds and without torch: the sample articles ingested with the
hash encoder (real chunker, SQLite, FAISS), searched, answered with cited and verified quotes,
a citation resolved, and the llm engine streaming a scripted model's reply."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from assistant import AskRequest, Assistant, SearchRequest
from assistant.engines.extractive import ExtractiveConfig, ExtractiveEngine
from assistant.engines.llm import LlmEngine
from assistant.engines.registry import EngineContext
from assistant.pipeline import Answering
from assistant.records import AnswerCancelled, validate
from index import NewsIndex, check_index, ingest_paths, lookup_citation
from tests.conftest import SAMPLE, settings_for
from tests.fakes import HashEncoder, ScriptedChatModel

pytestmark = pytest.mark.unit
LENIENT = ExtractiveConfig(threshold=-10.0, min_similarity=0.0)
DRONES = "How many drones were launched?"


@pytest.fixture(scope="module")
def hashed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    settings = settings_for(tmp_path_factory.mktemp("hashed") / "index")
    encoder = HashEncoder()
    index = NewsIndex.open(settings.index, embedder=encoder, create=True)
    summary = ingest_paths(index, [SAMPLE])
    assert summary.added == 2 and summary.failed == 0 and summary.chunks > 2
    assistant = Assistant(settings, index)
    # abstention is calibrated on the real model's similarities; hash vectors score lower
    assistant._answering().extractive = ExtractiveEngine(encoder, LENIENT)
    yield assistant
    assistant.close()


def test_search_finds_the_passage_sharing_the_words(hashed: Assistant) -> None:
    hits = hashed.search(SearchRequest("drones launched Iskander missiles", k=3))
    assert hits and "188 drones" in hits[0].text
    assert hits[0].citation.startswith(hits[0].article.id + ":")


def test_an_answer_quotes_and_cites_verbatim(hashed: Assistant) -> None:
    answer = hashed.ask(AskRequest(DRONES))
    assert not answer.abstained and "188 drones" in answer.text and answer.citations
    texts = {
        h.article.id: hashed.index.catalog.articles.article_text(h.article.id) for h in answer.hits
    }
    validate(answer, texts.get)
    resolved = lookup_citation(hashed.index, answer.citations[0].citation)
    assert "188 drones" in resolved.text


def test_the_llm_engine_streams_a_scripted_reply(hashed: Assistant) -> None:
    answering = Answering(hashed.index, hashed.retriever)
    answering.extractive = ExtractiveEngine(hashed.index.embedder, LENIENT)
    hits = hashed.search(SearchRequest(DRONES, k=4))
    n = next(i for i, h in enumerate(hits, start=1) if "188 drones" in h.text)
    reply = f"Russia launched 188 drones [{n}]."
    engine = LlmEngine(ScriptedChatModel(responses=[reply]), fallback=answering.extractive)
    answering._engines["llm"] = engine  # the registry's slot, filled with the scripted model
    drafts: list[str] = []
    answer = answering.ask(AskRequest(DRONES, engine="llm", k=4), on_token=drafts.append)
    assert "".join(drafts) == reply and len(drafts) > 3
    assert answer.engine == "llm" and answer.citations[0].n == n
    failing = ScriptedChatModel(responses=[reply], fail_with="no reply")
    context = EngineContext(hashed.index, answering.settings, answering.extractive)
    fallback = LlmEngine(failing, fallback=context.extractive)
    hits = answering.retriever.search(DRONES, k=4)
    texts = {
        h.article.id: hashed.index.catalog.articles.article_text(h.article.id) or "" for h in hits
    }
    assert "the model did not finish" in (fallback.answer(DRONES, hits, texts).reason or "")


def test_a_reader_gone_cancels_instead_of_falling_back(hashed: Assistant) -> None:
    answering = Answering(hashed.index, hashed.retriever)
    answering.extractive = ExtractiveEngine(hashed.index.embedder, LENIENT)
    model = ScriptedChatModel(responses=["Russia launched 188 drones [1]."])
    answering._engines["llm"] = LlmEngine(model, fallback=answering.extractive)

    def gone(_: str) -> None:
        raise AnswerCancelled("the reader went away")

    with pytest.raises(AnswerCancelled):
        answering.ask(AskRequest(DRONES, engine="llm", k=4), on_token=gone)


def test_the_index_checks_out(hashed: Assistant) -> None:
    assert check_index(hashed.settings.index, embedder=HashEncoder()).ok


def test_no_model_library_was_loaded(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("markexpr", "") != "unit":
        pytest.skip("other tiers load the model; checked when the unit tier runs alone")
    assert "torch" not in sys.modules and "sentence_transformers" not in sys.modules
