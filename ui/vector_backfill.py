"""``serve`` fills the vectors a bulk ingest left for later, while it has nothing else to do.

A bulk ingest encodes each article's lead and leaves the other passages without a vector
(``NEWSRAG_EMBED``, issue #34): they are found by their words until they get one. A writable
server gives them theirs itself, as ``newsrag embed`` would: once ``NEWSRAG_BACKFILL_IDLE_S``
seconds (default 5; 0: never) have passed without a search, a lookup or an ask, it encodes
``STEP`` passages at a time, newest first, on a thread at the lowest priority, and stops at the
next request, which shares the cores with the step in flight only (a search landing mid-step
took 55 ms instead of 30 at the median on two cores: docs/BENCHMARKS.md, "Late vectors").

Each step is one short write under the server's write lock, so an upload or a feed pass waits at
most one step; the vector cache is saved every ``SAVE_STEPS`` steps and when nothing is left, so
the readers, a restart and replicas catch up from it. ``/api/stats`` counts what is left
(``awaiting_vectors``) and ``/api/health`` (``vectors``) what the filler has done. While it fills
it holds its own index (the document encoder and a copy of the vector cache), closed when
nothing is left.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from index import IndexSettings, Library
from ui.ask_pool import lower_priority

log = logging.getLogger(__name__)

STEP = 32  # passages encoded and written per step
SAVE_STEPS = 64  # steps between saves of the vector cache
RECHECK_S = 30.0  # how often an index with nothing left is looked at again
NICE = 19  # the filler's niceness above the server's (Linux)


class VectorBackfill:
    """The filler thread: ``idle_s`` tells how long the server has been idle (0: busy);
    ``writing`` is the server's write lock."""

    def __init__(
        self,
        settings: IndexSettings,
        idle_s: Callable[[], float],
        writing: AbstractContextManager[Any],
        after_s: float,
        tick_s: float = 0.5,
    ) -> None:
        self.settings = settings
        self.after_s = after_s
        self.filled = 0  # passages given a vector by this server
        self.last_error: str | None = None
        self._idle_s = idle_s
        self._writing = writing
        self._tick_s = tick_s
        self._door: Library | None = None
        self._steps = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsrag-backfill", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            return  # mid-step past the timeout: the door is still in use
        if self._door is not None:
            self._save(self._door)  # a restart reads the cache file instead of catching up
        self._close()

    def state(self) -> dict[str, Any]:
        return {
            "filling": self._door is not None,
            "filled": self.filled,
            "last_error": self.last_error,
        }

    def _run(self) -> None:
        lower_priority(NICE)
        wait = self._tick_s
        while not self._stop.wait(wait):
            wait = self._tick_s
            if self._idle_s() < self.after_s:
                continue
            try:  # steps follow each other while idle; nothing left: look again later
                wait = 0.0 if self.step() else RECHECK_S
            except Exception as exc:  # a failed step must not stop the server
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("filling vectors failed: %s", self.last_error)
                self._close()
                wait = RECHECK_S

    def step(self) -> int:
        """Encode one step's passages; how many are left (0: nothing to do, the door closed)."""
        door = self._door = self._door or Library(self.settings)
        if not door.awaiting_vectors():
            self._close()
            return 0
        with self._writing:
            done = door.embed_awaiting(STEP, STEP, save=False)
        self.filled += done.embedded
        self._steps += 1
        if not done.remaining or self._steps % SAVE_STEPS == 0:
            self._save(door)
        if not done.remaining:
            log.info("vectors: every passage has one (%d filled by this server)", self.filled)
            self._close()
        return done.remaining

    def _save(self, door: Library) -> None:
        problem = door.save_vectors()
        if problem:
            log.warning("vector cache not saved: %s", problem)

    def _close(self) -> None:
        if self._door is not None:
            self._door.close()
            self._door = None
