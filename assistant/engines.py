"""The answer engines by name, each built on first use by its factory (txtai's pattern: a name
and a builder). This registry is what ``Answering`` builds from, what ``newsrag ask --engine``
offers and what the HTTP API accepts (``assistant.requests.ENGINE_NAMES`` lists the same names,
importable without any model library)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.extractive import ExtractiveEngine
from assistant.records import AnswerEngine
from assistant.requests import ENGINE_NAMES
from assistant.settings import AnswerSettings
from index.store import NewsIndex


class EngineUnavailable(RuntimeError):
    """The requested engine is not configured; the message says how to enable it."""


@dataclass(frozen=True)
class EngineContext:
    """What an engine's factory may use: the index, the answer settings and the extractive
    engine (the judge of abstention and the fallback of every other engine)."""

    index: NewsIndex
    settings: AnswerSettings
    extractive: ExtractiveEngine


EngineFactory = Callable[[EngineContext], AnswerEngine]


def _extractive(context: EngineContext) -> AnswerEngine:
    return context.extractive


def _llm(context: EngineContext) -> AnswerEngine:
    from assistant.llm_engine import LlmEngine
    from assistant.llm_providers import LlmNotConfigured, chat_model

    try:
        model = chat_model(context.settings, context.index.settings.cache_dir)
    except LlmNotConfigured as exc:
        raise EngineUnavailable(str(exc)) from None
    timeout = context.settings.llm_timeout_s
    return LlmEngine(model, fallback=context.extractive, timeout_s=timeout)


ENGINES: dict[str, EngineFactory] = {"extractive": _extractive, "llm": _llm}
assert tuple(ENGINES) == ENGINE_NAMES, "assistant.requests.ENGINE_NAMES must list ENGINES"


def make_engine(name: str, context: EngineContext) -> AnswerEngine:
    try:
        factory = ENGINES[name]
    except KeyError:
        raise EngineUnavailable(
            f"engine: {name!r} is not one of {', '.join(ENGINE_NAMES)}"
        ) from None
    return factory(context)
