"""Conformance suites (issue #31, step 4), Haystack's way: every registered answer engine's
answers pass the citation contract, and every ``Encoder`` passes one suite. The engines run in
the fast tier on the hash encoder (the llm engine on a scripted chat model); the real
``Embedder`` joins the encoder suite in the integration tier."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from assistant import AskRequest, Assistant, SearchRequest
from assistant.engines.extractive import ExtractiveConfig, ExtractiveEngine
from assistant.engines.llm import LlmEngine
from assistant.engines.registry import ENGINES, EngineContext, EngineUnavailable, make_engine, route
from assistant.records import ABSTAIN_TEXT, FALLBACK, AnswerEngine, validate
from assistant.settings import AnswerSettings
from index import Encoder, NewsIndex, ingest_paths
from tests.conftest import SAMPLE, settings_for
from tests.fakes import HashEncoder, ScriptedChatModel

LENIENT = ExtractiveConfig(threshold=-10.0, min_similarity=0.0)
QUESTIONS = (
    "How many drones were launched?",
    "How did the war in Ukraine develop?",
    "Who won the 2018 World Cup?",
)


def _real() -> Encoder:
    from index import Embedder

    return Embedder()


def _e5() -> Encoder:
    from index import IndexSettings, encoder_for

    return encoder_for(IndexSettings(model="multilingual-e5-small"))


ENCODERS = [
    pytest.param(HashEncoder, id="hash", marks=pytest.mark.unit),
    pytest.param(_real, id="embedder", marks=pytest.mark.slow),
    pytest.param(_e5, id="e5", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("make", ENCODERS)
def test_every_encoder_passes_one_suite(make: Callable[[], Encoder]) -> None:
    encoder = make()
    texts = [
        "Russia launched 188 drones.",
        "Cranes gathered at the lake.",
        "Russia launched 188 drones.",
    ]
    for encode in (encoder.encode_documents, encoder.encode_sentences):
        vectors = np.asarray(encode(texts))
        assert vectors.shape == (3, encoder.dim)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=0.02)  # unit vectors
        assert np.allclose(vectors[0], vectors[2], atol=1e-5)  # a function of the text
        assert np.asarray(encode([])).reshape(-1, encoder.dim).shape[0] == 0
    query = np.asarray(encoder.encode_query("How many drones did Russia launch?"))
    assert query.shape == (encoder.dim,) and abs(float(np.linalg.norm(query)) - 1.0) < 0.02
    docs = np.asarray(encoder.encode_documents(texts[:2]))
    assert float(docs[0] @ query) > float(docs[1] @ query)  # nearer the text it is about
    assert encoder.name and encoder.spec.dim == encoder.dim


@pytest.fixture(scope="module")
def hashed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    settings = settings_for(tmp_path_factory.mktemp("conformance") / "index")
    index = NewsIndex.open(settings.index, embedder=HashEncoder(), create=True)
    assert ingest_paths(index, [SAMPLE]).added == 2
    assistant = Assistant(settings, index)
    yield assistant
    assistant.close()


def _engine(name: str, assistant: Assistant) -> AnswerEngine:
    extractive = ExtractiveEngine(assistant.index.embedder, LENIENT)
    context = EngineContext(assistant.index, AnswerSettings(), extractive)
    if name == "llm":  # its factory needs a configured model; a scripted one stands in
        with pytest.raises(EngineUnavailable):
            make_engine(name, context)
        reply = "Russia launched 188 drones [1]."
        return LlmEngine(ScriptedChatModel(responses=[reply]), fallback=extractive)
    return make_engine(name, context)


@pytest.mark.unit
@pytest.mark.parametrize("name", list(ENGINES))
@pytest.mark.parametrize("question", QUESTIONS)
def test_every_engine_keeps_the_citation_contract(
    hashed: Assistant, name: str, question: str
) -> None:
    engine = _engine(name, hashed)
    hits = hashed.search(SearchRequest(question, k=8))
    texts = {
        h.article.id: hashed.index.catalog.articles.article_text(h.article.id) or "" for h in hits
    }
    answer = engine.answer(question, hits, texts)
    validate(answer, texts.get)  # every marker resolves, every quote verbatim at its offsets
    fell_back = (answer.reason or "").startswith(FALLBACK)  # the extractive answer, said so
    assert engine.name == name and answer.engine == ("extractive" if fell_back else name)
    if answer.abstained:
        assert answer.text == ABSTAIN_TEXT and answer.reason and not answer.citations


@pytest.mark.unit
def test_a_development_question_is_routed_to_the_timeline_engine(hashed: Assistant) -> None:
    assert route("How did the war in Ukraine develop?", None) == "timeline"
    assert route("How did the war in Ukraine develop?", "extractive") == "timeline"
    assert route("How did the war in Ukraine develop?", "llm") == "llm"
    assert route("How many drones were launched?", None) == "extractive"
    named = hashed.ask(AskRequest("Kherson", engine="timeline"))  # named outright
    assert named.engine == "timeline"
