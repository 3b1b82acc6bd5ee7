"""The server's vector filler (#34) steps only while the server is idle: reads and asks in
progress, or ended less than ``after_s`` ago, hold it back; polls do not. Fast unit tier (the
filler's step is stubbed; tests/test_late_vectors.py runs the real one in a real server)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from index import NewsIndex
from tests.conftest import settings_for
from ui.services import Services
from ui.vector_backfill import VectorBackfill


def _until(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


@pytest.mark.unit
def test_the_filler_steps_only_after_the_server_is_idle_long_enough(tmp_path: Path) -> None:
    idle = [0.0]
    steps: list[float] = []
    filler = VectorBackfill(
        settings_for(tmp_path).index, lambda: idle[0], threading.Lock(), after_s=1.0, tick_s=0.01
    )
    filler.step = lambda: steps.append(idle[0]) or 1  # type: ignore[method-assign]
    filler.start()
    try:
        time.sleep(0.2)
        assert steps == []  # busy
        idle[0] = 0.5
        time.sleep(0.2)
        assert steps == []  # not idle long enough
        idle[0] = 1.5
        assert _until(lambda: len(steps) >= 3)
    finally:
        filler.stop()


@pytest.mark.unit
def test_without_an_index_the_filler_has_nothing_to_do(tmp_path: Path) -> None:
    filler = VectorBackfill(settings_for(tmp_path).index, lambda: 9.0, threading.Lock(), 1.0)
    assert filler.step() == 0
    assert filler.state() == {"filling": False, "filled": 0, "last_error": None}


@pytest.mark.unit
def test_reads_make_the_server_busy_and_polls_do_not(tmp_path: Path) -> None:
    NewsIndex.open(settings_for(tmp_path).index, create=True).close()  # an empty catalog
    services = Services(settings_for(tmp_path), readers=2)
    services.vectors.attach = lambda index: None  # type: ignore[method-assign]  # no model here
    try:
        with services.reading(busy=False):
            assert services.idle_s() > 0
        with services.reading():
            assert services.idle_s() == 0.0
            with services.reading(busy=False):  # nested: the same read
                assert services.idle_s() == 0.0
        time.sleep(0.05)
        assert 0.04 < services.idle_s() < 5
    finally:
        services.ask_pool.shutdown()
