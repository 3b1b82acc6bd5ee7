"""Concurrent reads: searches and asks at once on a live server, and the bounded ask pool.

Asks run on ``Services.ask_pool`` (``NEWSRAG_ASK_CONCURRENCY`` workers, each with its own SQLite
connection), never under the readers' lock, so a search does not queue behind an ask; too long a
queue answers 503 ``busy`` with Retry-After instead of timing out.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant import AskRequest, Assistant, SearchRequest
from tests.conftest import LOCAL, settings_for
from tests.live_server import ServerSpec, live_servers
from ui.ask_pool import AskBusy, AskPool
from ui.server import create_app
from ui.services import Services

DRONES = "How many drones were launched?"
SEARCHES = ["drones", "Iskander missile", "Dnipro", "air defence", "Russia", "Ukraine"]


def _get(base: str, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{base}{path}", params=params, timeout=60)


def _ask(base: str, question: str) -> httpx.Response:
    return httpx.post(f"{base}/api/ask", json={"question": question}, timeout=60)


@pytest.mark.slow
def test_live_server_answers_concurrent_searches_and_asks(sample_copy: Path) -> None:
    # ONNX for documents too: the server never loads torch, which keeps the test short
    env = {"NEWSRAG_ASK_CONCURRENCY": "1", "NEWSRAG_ENCODER": "onnx"}
    spec = ServerSpec(sample_copy, env=env)
    with live_servers([spec]) as (base,):
        assert _ask(base, DRONES).status_code == 200  # models loaded before the burst
        with ThreadPoolExecutor(12) as pool:
            searches = [
                pool.submit(_get, base, "/api/search", q=SEARCHES[i % len(SEARCHES)], k=5)
                for i in range(8)
            ]
            asks = [pool.submit(_ask, base, q) for q in [DRONES, "Who fired the missile?"] * 2]
            responses = [f.result() for f in searches + asks]
    assert [r.status_code for r in responses] == [200] * 12, [r.text for r in responses]
    assert all(r.json()["hits"] for r in responses[:8])
    for r in responses[8:]:
        answer = r.json()
        assert answer["answer"] and "queue_ms" in answer["timings"]


def test_reads_run_at_once_on_readers_sharing_one_vector_cache(sample_copy: Path) -> None:
    services = Services(settings_for(sample_copy), readers=2)
    both_in = threading.Barrier(2, timeout=30)  # breaks (fails) if reads were serialised

    def read() -> tuple[Assistant, object]:
        with services.reading() as a:
            both_in.wait()
            return a, a.index.vectors

    with ThreadPoolExecutor(2) as pool:
        (a1, v1), (a2, v2) = [f.result() for f in [pool.submit(read), pool.submit(read)]]
    assert a1 is not a2 and v1 is v2
    with services.reading() as outer, services.reading() as nested:
        assert nested is outer  # a nested read in one thread reuses its reader


class Overlap:
    """Counts how many calls run at once (each held for ``hold_s``)."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self.running = 0
        self.peak = 0
        self.lock = threading.Lock()

    def wrap(self, original: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            try:
                time.sleep(self.hold_s)
                return original(*args, **kwargs)
            finally:
                with self.lock:
                    self.running -= 1

        return counted


def test_ask_bound_is_respected_and_searches_do_not_wait(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services(settings_for(sample_copy, ask_concurrency=2))
    with services.reading() as a:  # load the query encoder before timing anything
        assert a.search(SearchRequest(DRONES, k=3))
    overlap = Overlap(hold_s=0.3)
    monkeypatch.setattr(Assistant, "ask", overlap.wrap(Assistant.ask))
    futures = [services.submit_ask(AskRequest(DRONES)) for _ in range(6)]
    time.sleep(0.1)  # two asks hold their slots, four wait
    with services.reading() as a:
        hits = a.search(SearchRequest("Iskander missile", k=3))
    asks_still_busy = services.ask_pool.pending
    answers = [f.result(timeout=60) for f in futures]
    assert hits and asks_still_busy >= 4  # the search did not wait for the asks
    assert overlap.peak == 2 == services.ask_pool.peak_running
    assert all(a.citations and a.timings["queue_ms"] >= 0 for a in answers)
    assert max(a.timings["queue_ms"] for a in answers) > 500  # the last two waited two turns
    services.ask_pool.shutdown()


def _blocking_pool(max_waiting: int, max_wait_s: float = 60.0) -> tuple[AskPool, threading.Event]:
    release = threading.Event()
    pool = AskPool(1, lambda: cast(Assistant, object()), max_waiting, max_wait_s)
    pool.submit(lambda _: release.wait(30))
    return pool, release


@pytest.mark.unit
def test_full_ask_queue_refuses_at_once() -> None:
    pool, release = _blocking_pool(max_waiting=1)
    waiting = pool.submit(lambda _: "answered")
    with pytest.raises(AskBusy, match="1 at a time"):
        pool.submit(lambda _: "refused")
    release.set()
    assert waiting.result(timeout=30) == "answered"
    pool.shutdown()


@pytest.mark.unit
def test_a_waiting_ask_knows_its_place_in_the_queue() -> None:
    pool, release = _blocking_pool(max_waiting=4)
    second = pool.submit(lambda _: "second")
    third = pool.submit(lambda _: "third")
    assert (pool.ahead(second), pool.ahead(third)) == (1, 2)  # the running one counts
    assert second.cancel()  # a reader gone: the ones behind move up
    assert pool.ahead(third) == 1
    release.set()
    assert third.result(timeout=30) == "third" and pool.ahead(third) is None
    pool.shutdown()


@pytest.mark.unit
def test_ask_that_waited_too_long_is_refused() -> None:
    pool, release = _blocking_pool(max_waiting=4, max_wait_s=0.05)
    late = pool.submit(lambda _: "too late")
    time.sleep(0.2)
    release.set()
    with pytest.raises(AskBusy, match="waited"):
        late.result(timeout=30)
    pool.shutdown()


def test_busy_ask_is_503_with_retry_after(sample_copy: Path) -> None:
    app = create_app(settings_for(sample_copy), with_chat=False)
    pool = app.state.services.ask_pool
    pool.max_waiting = -pool.slots  # every ask finds the queue full
    with TestClient(app, base_url=LOCAL) as client:
        response = client.post("/api/ask", json={"question": DRONES})
        search = client.get("/api/search", params={"q": "drones", "k": 3})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"] == "busy" and "retry" in response.json()["detail"]
    assert search.status_code == 200
