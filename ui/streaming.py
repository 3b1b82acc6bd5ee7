"""An answer as a stream: text pieces, then its citations, then the whole answer.

The extractive engine finds the whole answer at once, so the pieces are cut from the finished
text, as ``assistant.answering.Answering.stream`` does; with a generating engine the same events
would carry its tokens. The HTTP API sends them as server-sent events; the chat shows them as
they come.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from assistant.answers import Answer
from ui import payloads

WORDS_PER_PIECE = 3

Event = tuple[str, Any]


def pieces(text: str, size: int = WORDS_PER_PIECE) -> Iterator[str]:
    """The text in pieces of a few words that join back to exactly ``text``."""
    words = text.split(" ")
    for i in range(0, len(words), size):
        yield " ".join(words[i : i + size]) + (" " if i + size < len(words) else "")


def answer_events(answer: Answer) -> Iterator[Event]:
    """``token`` pieces, one ``citations`` list, and ``done`` with the full answer object."""
    for piece in pieces(answer.text):
        yield "token", {"text": piece}
    yield "citations", [payloads.citation(c) for c in answer.citations]
    yield "done", payloads.answer(answer)


def sse(events: Iterable[Event]) -> Iterator[str]:
    """Server-sent event frames; a failure mid-stream becomes one ``error`` event."""
    try:
        for name, data in events:
            yield frame(name, data)
    except Exception as exc:  # the status line is gone: report in-band
        from ui.errors import classify

        status, error, detail = classify(exc) or (500, "internal_error", type(exc).__name__)
        yield frame("error", {"status": status, "error": error, "detail": detail})


def frame(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
