"""An answer as server-sent events: its place in the queue, the draft, the checked answer.

Events, in order (docs/API.md):

- ``queued`` ``{"ahead": n}`` — only while the question waits for an answer slot, each time ``n``
  changes (questions queued or being answered before it);
- ``token`` ``{"text": …}`` — pieces of the text; a writing engine (llm) sends its draft as the
  model writes it, the extractive engine (whose answer is found whole) the answer cut in pieces;
- ``replace`` ``{"text": …}`` — only when the checked answer's text differs from the tokens sent
  (markers repaired, or the model's reply not used and the extractive answer given instead);
- ``citations`` (list) and ``done`` (the whole answer object, as the JSON reply);
- ``error`` ``{"status", "error", "detail"}`` in place of the rest when the ask fails.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from assistant import Answer
from ui.ask_stream import AskEvent, Token, Waiting, pieces

Event = tuple[str, Any]


def answer_events(answer: Answer, draft: str = "") -> Iterator[Event]:
    """After ``draft`` was sent as tokens: the answer's own text in pieces (when nothing was
    sent) or ``replace`` (when it differs), then ``citations`` and ``done``."""
    if not draft:
        for piece in pieces(answer.text):
            yield "token", {"text": piece}
    elif draft != answer.text:
        yield "replace", {"text": answer.text}
    yield "citations", [c.to_dict() for c in answer.citations]
    yield "done", answer.to_dict()


async def stream_events(events: AsyncIterator[AskEvent]) -> AsyncIterator[Event]:
    """An ask's events as named server-sent events."""
    draft = ""
    async for event in events:
        if isinstance(event, Waiting):
            yield "queued", {"ahead": event.ahead}
        elif isinstance(event, Token):
            draft += event.text
            yield "token", {"text": event.text}
        else:
            for named in answer_events(event, draft):
                yield named


async def sse(events: AsyncIterator[Event]) -> AsyncIterator[str]:
    """Server-sent event frames; a failure mid-stream becomes one ``error`` event."""
    try:
        async for name, data in events:
            yield frame(name, data)
    except Exception as exc:  # the status line is gone: report in-band
        from ui.errors import classify

        status, error, detail = classify(exc) or (500, "internal_error", type(exc).__name__)
        yield frame("error", {"status": status, "error": error, "detail": detail})


def frame(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
