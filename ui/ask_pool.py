"""The ask pool: at most so many questions answered at once, on worker threads that each keep
their own ``Assistant``, at a lower priority than the searches; the rest wait in a bounded
queue, and one that cannot be served in time is refused (``AskBusy``: HTTP 503 + Retry-After)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from assistant import Assistant

log = logging.getLogger(__name__)

T = TypeVar("T")

ASK_WAITING_PER_SLOT = 32  # asks queued per slot before new ones are refused at once
ASK_MAX_WAIT_S = 25.0  # an ask that waited longer for a slot is refused (before 30 s timeouts)
RETRY_AFTER_S = 5  # what ui.errors sends with every 503


class AskBusy(RuntimeError):
    """Too many asks queued, or this one waited too long for a slot; retry later."""


@dataclass(eq=False)
class _Ticket:
    started: bool = False


class AskPool:
    """At most ``slots`` jobs at once, on worker threads that each keep their own ``Assistant``.

    Up to ``max_waiting`` more wait in order; beyond that ``submit`` raises ``AskBusy`` at once,
    and a job that waited longer than ``max_wait_s`` raises it when its turn comes (so a client
    hears 503 + Retry-After instead of timing out). ``ahead`` tells a waiting job its place.
    """

    def __init__(
        self,
        slots: int,
        make_assistant: Callable[[], Assistant],
        max_waiting: int,
        max_wait_s: float = ASK_MAX_WAIT_S,
        nice: int = 0,
    ) -> None:
        self.slots = max(1, slots)
        self.max_waiting = max_waiting
        self.max_wait_s = max_wait_s
        self.peak_running = 0  # the most jobs seen running at once
        self.last_done = time.monotonic()  # when the latest job ended (or the pool began)
        self._make_assistant = make_assistant
        self._pending = 0  # queued or running
        self._running = 0
        self._count_lock = threading.Lock()
        self._local = threading.local()
        self._live: dict[Future[Any], _Ticket] = {}  # queued or running, in submission order
        self._executor = ThreadPoolExecutor(
            self.slots,
            thread_name_prefix="newsrag-ask",
            initializer=lower_priority,
            initargs=(nice,),
        )

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        return self._pending

    def submit(self, job: Callable[[Assistant], T], patient: bool = False) -> Future[T]:
        """Queue ``job``; a ``patient`` one (its caller is told its place) waits as long as its
        turn takes instead of being refused after ``max_wait_s``."""
        with self._count_lock:
            if self._pending >= self.slots + self.max_waiting:
                raise AskBusy(
                    f"{self._pending} questions are being answered or waiting "
                    f"({self.slots} at a time); retry in {RETRY_AFTER_S} s"
                )
            self._pending += 1
            ticket = _Ticket()
            limit = None if patient else self.max_wait_s
            future = self._executor.submit(self._run, job, time.monotonic(), ticket, limit)
            self._live[future] = ticket
        future.add_done_callback(self._finished)
        return future

    def ahead(self, future: Future[Any]) -> int | None:
        """How many jobs submitted before this one are still queued or running; None once it
        runs (or is gone)."""
        with self._count_lock:
            ticket = self._live.get(future)
            if ticket is None or ticket.started:
                return None
            return list(self._live).index(future)

    def _finished(self, future: Future[Any]) -> None:
        with self._count_lock:
            self._pending -= 1
            self._live.pop(future, None)
            self.last_done = time.monotonic()

    def _run(
        self, job: Callable[[Assistant], T], queued_at: float, ticket: _Ticket, limit: float | None
    ) -> T:
        ticket.started = True
        waited = time.monotonic() - queued_at
        if limit is not None and waited > limit:
            raise AskBusy(
                f"the question waited {waited:.0f} s for one of {self.slots} answer slots; "
                f"retry in {RETRY_AFTER_S} s"
            )
        with self._count_lock:
            self._running += 1
            self.peak_running = max(self.peak_running, self._running)
        try:
            return job(self._assistant())
        finally:
            with self._count_lock:
                self._running -= 1

    def _assistant(self) -> Assistant:
        assistant: Assistant | None = getattr(self._local, "assistant", None)
        if assistant is None:
            assistant = self._local.assistant = self._make_assistant()
        return assistant

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def lower_priority(nice: int) -> None:
    """Raise this thread's niceness by ``nice`` (Linux threads have their own; where that is
    not so, or not allowed, the thread keeps the process's)."""
    if nice <= 0 or not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
    except OSError as exc:
        log.info("%s keeps the server's priority: %s", threading.current_thread().name, exc)
