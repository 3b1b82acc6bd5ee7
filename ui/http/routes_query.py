"""``/api/search``, ``/api/ask`` (JSON or server-sent events) and ``/api/citations/{key}``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from assistant import (
    DEFAULT_SEARCH_K,
    SEARCH_K,
    AskRequest,
    SearchFilters,
    SearchMode,
    SearchRequest,
)
from index import DEFAULT_CONTEXT, lookup_citation
from ui import payloads
from ui.ask_stream import AskStream
from ui.http.deps import ServicesDep
from ui.http.models import AnswerOut, AskIn, ErrorOut, ResolvedCitationOut, SearchOut
from ui.http.sse import Event, sse, stream_events
from ui.limits import CONTEXT_CHARS
from ui.views.cite_urls import checked_key
from ui.views.highlight import snippet

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "bad query, filter or citation key"},
    503: {"model": ErrorOut, "description": "no index yet; for asks also: too many waiting"},
}
SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "JSON, or with stream=true / Accept: text/event-stream: events "
        "'queued' ({ahead}) while waiting, 'token' ({text}) as the answer is written, "
        "'replace' ({text}) when the checked text differs from the tokens, 'citations' "
        "(list), 'done' (the full answer), 'error' ({status, error, detail})",
    }
}


def split_sources(values: list[str]) -> list[str]:
    return [s.strip() for v in values for s in v.split(",") if s.strip()]


def ask_request(body: AskIn) -> AskRequest:
    f = body.filters
    filters = SearchFilters.build(
        f.sources if f else (),
        f.since if f else None,
        f.until if f else None,
        body.as_of,
        f.strict if f else False,
        languages=f.languages if f else (),
    )
    history = [t.model_dump() for t in body.history]
    return AskRequest(body.question, history, filters, body.k, body.engine)


def search_payload(query: str, hits: list[Any], mode: str) -> dict[str, Any]:
    result = payloads.search_result(query, hits, mode=mode)
    for h in result["hits"]:
        h["snippet"], h["highlights"] = snippet(h["text"], query)
    return result


async def _then(first: Event, rest: AsyncIterator[Event]) -> AsyncIterator[Event]:
    yield first
    async for event in rest:
        yield event


router = APIRouter(prefix="/api", responses=ERRORS)


@router.get("/search", response_model=SearchOut, tags=["search"])
def search(
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=10_000, description="the query")],
    k: Annotated[int, Query(ge=SEARCH_K[0], le=SEARCH_K[1])] = DEFAULT_SEARCH_K,
    mode: SearchMode = SearchMode.HYBRID,
    source: Annotated[list[str], Query(description="outlet; repeat or comma-separate")] = [],  # noqa: B006
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
    strict: bool = False,
    lang: Annotated[list[str], Query(description="ISO 639-1 code; repeat or comma-separate")] = [],  # noqa: B006
) -> dict[str, Any]:
    """Ranked passages, as ``newsrag search --json``, each with a highlighted snippet."""
    filters = SearchFilters.build(
        split_sources(source), since, until, as_of, strict, languages=split_sources(lang)
    )
    hits = services.search(SearchRequest(q, k, mode, filters))
    return search_payload(q, hits, mode.value)


@router.post("/ask", response_model=AnswerOut, tags=["answers"], responses=SSE_DOC)
async def ask(request: Request, services: ServicesDep, body: AskIn) -> Any:
    """An answer with [n] markers and verified citations, as ``newsrag ask --json``.

    Answers run on a pool of ``NEWSRAG_ASK_CONCURRENCY`` workers, never in the request
    threadpool, so waiting asks hold no thread a search needs. Streamed, the llm engine's
    tokens are sent as the model writes them; an error before the first event keeps its
    HTTP status, a later one is an ``error`` event."""
    services, ask = services, ask_request(body)
    if not (body.stream or "text/event-stream" in request.headers.get("accept", "")):
        return (await services.ask_async(ask)).to_dict()
    events = stream_events(AskStream(services, ask).events())
    first = await anext(events)  # raises here (a proper status) when the ask fails at once
    return StreamingResponse(
        sse(_then(first, events)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/citations/{key:path}",
    response_model=ResolvedCitationOut,
    tags=["citations"],
    responses={
        404: {"model": ErrorOut, "description": "unknown article"},
        410: {"model": ErrorOut, "description": "stale: the article changed"},
    },
)
def citation(
    services: ServicesDep,
    key: str,
    context: Annotated[int, Query(ge=CONTEXT_CHARS[0], le=CONTEXT_CHARS[1])] = DEFAULT_CONTEXT,
) -> dict[str, Any]:
    """The exact passage behind a citation key, its article and context around it."""
    with services.reading() as a:
        resolved = lookup_citation(a.index, checked_key(key), context)
    return resolved.to_dict()
