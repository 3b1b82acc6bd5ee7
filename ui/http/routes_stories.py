"""``/api/stories``: the stories a query is about (or the latest), and a story's timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from assistant import DEFAULT_STORIES_K, STORIES_K, SearchFilters, StoryRequest
from ui.errors import ApiError
from ui.http.deps import ServicesDep
from ui.http.models import ErrorOut, StoriesOut, TimelineOut
from ui.services import Services

router = APIRouter(prefix="/api/stories", tags=["stories"])


@router.get("", response_model=StoriesOut)
def stories(
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=10_000, description="what about")] = None,
    k: Annotated[int, Query(ge=STORIES_K[0], le=STORIES_K[1])] = DEFAULT_STORIES_K,
    as_of: str | None = None,
) -> dict[str, Any]:
    """The stories whose passages match ``q``, best first; without ``q`` the stories with
    the latest articles. ``as_of`` leaves out what was published after it."""
    return stories_of(services, q, k, as_of)


@router.get(
    "/{story_id}",
    response_model=TimelineOut,
    responses={404: {"model": ErrorOut, "description": "unknown story, or none of it by as_of"}},
)
def timeline(services: ServicesDep, story_id: str, as_of: str | None = None) -> dict[str, Any]:
    """The story's articles oldest first, each with its day, outlet and key sentence."""
    return timeline_of(services, story_id, as_of)


def stories_of(services: Services, q: str | None, k: int, as_of: str | None) -> dict[str, Any]:
    """What ``GET /api/stories`` answers (the MCP tool ``find_stories`` too)."""
    filters = SearchFilters.build((), None, None, as_of, bool(as_of))
    with services.reading() as a:
        found = [s.to_dict() for s in a.stories.for_request(StoryRequest(q, k, filters))]
    return {"query": q, "stories": found}


def timeline_of(services: Services, story_id: str, as_of: str | None) -> dict[str, Any]:
    """What ``GET /api/stories/{id}`` answers (the MCP tool ``get_story`` too); 404
    ``unknown_story`` when there is none (by ``as_of``)."""
    filters = SearchFilters.build((), None, None, as_of, bool(as_of))
    with services.reading() as a:
        found = a.stories.timeline(story_id, filters.as_of)
    if found is None:
        by = f" with an article published by {filters.as_of}" if filters.as_of else ""
        raise ApiError(404, "unknown_story", f"no story {story_id!r}{by} in this index")
    return found.to_dict()
