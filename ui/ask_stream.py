"""One ask on the pool, seen as it happens: its place in the queue, the draft as the engine
writes it, then the checked answer.

The chat and ``POST /api/ask`` with ``stream: true`` both read ``AskStream.events``. The worker
thread hands each piece of the draft to the event loop; nothing waits in a thread meanwhile, so
waiting streams hold no thread a search needs. A streamed question is told its place instead of
being refused after ``ASK_MAX_WAIT_S`` (it is still refused at once when the queue is full). A
reader that goes away (a closed page, a dropped connection) cancels a queued ask and stops a
running model at its next piece.

``with_ticks`` adds a ``Tick`` whenever a second passes without news (the chat's clock), and
``AnswerTimes`` keeps how long the recent answers took here (the chat's expected wait).
"""

from __future__ import annotations

import asyncio
import statistics
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant import Answer, AnswerCancelled

if TYPE_CHECKING:
    from assistant import AskRequest
    from ui.services import Services

WORDS_PER_PIECE = 3  # an answer found whole is shown growing this many words at a time
POLL_S = 0.5  # how often a waiting ask looks at its place in the queue


@dataclass(frozen=True)
class Waiting:
    ahead: int  # questions queued or being answered before this one (0: its turn has come)


@dataclass(frozen=True)
class Token:
    text: str  # a piece of the draft


@dataclass(frozen=True)
class Tick:
    """Time passed without news."""


AskEvent = Waiting | Token | Answer


class AskStream:
    """Queue ``request`` at once (``AskBusy`` when the queue is full); read it with ``events``."""

    def __init__(self, services: Services, request: AskRequest) -> None:
        self._loop = asyncio.get_running_loop()
        self._pieces: asyncio.Queue[str | None] = asyncio.Queue()  # None: the ask has ended
        self._gone = False
        self._pool = services.ask_pool
        self._future = services.submit_ask(request, on_token=self._token, patient=True)
        self._future.add_done_callback(lambda _: self._put(None))

    def _token(self, text: str) -> None:  # on the worker thread
        if self._gone:
            raise AnswerCancelled("the reader went away")
        self._put(text)

    def _put(self, item: str | None) -> None:
        try:
            self._loop.call_soon_threadsafe(self._pieces.put_nowait, item)
        except RuntimeError:  # the event loop is closed: nobody is reading
            self._gone = True

    async def _next(self, timeout: float | None) -> str | None:
        """The next piece, None at the end, "" when ``timeout`` passed first."""
        try:
            return await asyncio.wait_for(self._pieces.get(), timeout)
        except TimeoutError:
            return ""

    async def events(self) -> AsyncGenerator[AskEvent, None]:
        """``Waiting`` whenever the place in the queue changes (and ``Waiting(0)`` when a
        question that waited starts), a ``Token`` per piece of the draft, then the ``Answer``
        (or what the ask raised)."""
        shown = 0  # the place last told
        try:
            while True:
                ahead = self._pool.ahead(self._future) or 0  # 0 once it runs
                waiting = ahead >= self._pool.slots
                if ahead != shown and (waiting or shown):  # a new place, or its turn came
                    shown = ahead if waiting else 0
                    yield Waiting(shown)
                piece = await self._next(POLL_S if waiting else None)
                if piece == "":
                    continue  # no news within POLL_S: look at the place again
                if shown:  # a piece comes only once it runs
                    shown = 0
                    yield Waiting(0)
                if piece is None:
                    break
                yield Token(piece)
            yield self._future.result()
        finally:
            if not self._future.done():
                self._gone = True
                self._future.cancel()


def pieces(text: str, size: int = WORDS_PER_PIECE) -> Iterator[str]:
    """The text in pieces of a few words that join back to exactly ``text``."""
    words = text.split(" ")
    for i in range(0, len(words), size):
        yield " ".join(words[i : i + size]) + (" " if i + size < len(words) else "")


async def with_ticks(
    events: AsyncGenerator[AskEvent, None], every: float
) -> AsyncIterator[AskEvent | Tick]:
    """The events, and a ``Tick`` whenever ``every`` seconds pass without one. Closing (or
    cancelling) the reader closes ``events``: a queued ask is cancelled, a model stops."""
    pending = asyncio.ensure_future(anext(events))
    try:
        while True:
            done, _ = await asyncio.wait({pending}, timeout=every)
            if not done:
                yield Tick()
                continue
            try:
                event = pending.result()
            except StopAsyncIteration:
                return
            yield event
            pending = asyncio.ensure_future(anext(events))
    finally:
        if not pending.done():
            pending.cancel()  # ends ``events`` where it waits, running its ``finally``
        else:
            await events.aclose()


class AnswerTimes:
    """How long the last ``keep`` answers took (seconds), for the wait to expect here."""

    def __init__(self, keep: int = 10) -> None:
        self._times: deque[float] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:
            self._times.append(seconds)

    def typical(self) -> float | None:
        """The median of the recent answers' times; None before the first."""
        with self._lock:
            return statistics.median(self._times) if self._times else None
