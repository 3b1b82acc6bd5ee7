"""The answer engines by name, each built on first use by its factory (txtai's pattern: a name
and a builder). This registry is what ``Answering`` builds from, what ``newsrag ask --engine``
offers and what the HTTP API accepts (``assistant.requests.ENGINE_NAMES`` lists the same names,
importable without any model library). Beside it, the routing rule (``route``: a question about
change over time asked of the default engine goes to the timeline engine) and what an engine
needs from retrieval (``NEEDS``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.engines.extractive import ExtractiveEngine
from assistant.engines.timeline import READ_PASSAGES, TimelineEngine, is_development
from assistant.records import AnswerEngine
from assistant.requests import DEFAULT_ENGINE, ENGINE_NAMES
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
    from assistant.engines.llm import LlmEngine
    from assistant.models.llm_providers import LlmNotConfigured, chat_model

    try:
        model = chat_model(context.settings, context.index.settings.cache_dir)
    except LlmNotConfigured as exc:
        raise EngineUnavailable(str(exc)) from None
    timeout = context.settings.llm_timeout_s
    return LlmEngine(model, fallback=context.extractive, timeout_s=timeout)


def _timeline(context: EngineContext) -> AnswerEngine:
    return TimelineEngine(context.index)


ENGINES: dict[str, EngineFactory] = {
    "extractive": _extractive,
    "llm": _llm,
    "timeline": _timeline,
}
assert tuple(ENGINES) == ENGINE_NAMES, "assistant.requests.ENGINE_NAMES must list ENGINES"


@dataclass(frozen=True)
class RetrievalNeeds:
    """What an engine needs from retrieval: at least ``passages`` passages, and ``as_of``
    bounding strictly (nothing published after it, not even ranked lower)."""

    passages: int = 0
    strict_as_of: bool = False


NEEDS: dict[str, RetrievalNeeds] = {"timeline": RetrievalNeeds(READ_PASSAGES, True)}


def route(question: str, requested: str | None) -> str:
    """The engine that answers: the one asked for, but a question about change over time
    ("How did … develop?", "Timeline of …") asked of the default engine goes to "timeline"."""
    name = requested or DEFAULT_ENGINE
    return "timeline" if name == DEFAULT_ENGINE and is_development(question) else name


def make_engine(name: str, context: EngineContext) -> AnswerEngine:
    try:
        factory = ENGINES[name]
    except KeyError:
        raise EngineUnavailable(
            f"engine: {name!r} is not one of {', '.join(ENGINE_NAMES)}"
        ) from None
    return factory(context)
