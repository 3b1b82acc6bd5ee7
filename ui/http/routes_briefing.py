"""``/api/brief``: the most important stories of a day or a period, each with its key sentences
cited (the object ``newsrag brief --json`` prints)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from assistant import BRIEF_LIMIT, DEFAULT_BRIEF_LIMIT, BriefRequest
from ui.http.deps import ServicesDep
from ui.http.models import CitationOut, ErrorOut

router = APIRouter(prefix="/api/brief", tags=["briefings"])


class PeriodOut(BaseModel):
    since: str
    until: str


class BriefStoryOut(BaseModel):
    story_id: str
    title: str = Field(description="the title of the article its first key sentence is from")
    first_day: str | None = Field(description="the story's first day (up to the period's end)")
    last_day: str | None = Field(description="its latest day (up to the period's end)")
    articles: int = Field(description="its articles published in the period")
    earlier_articles: int = Field(description="its articles in the period before")
    outlets: list[str] = Field(description="who published the period's articles")
    continuing: bool = Field(
        description="the previous period's briefing showed it: only what is new is quoted"
    )
    importance: float = Field(description="what it was ranked by (size, outlets, novelty)")
    key_sentences: list[CitationOut] = Field(description="one or two, cited like an answer's")


class BriefOut(BaseModel):
    since: str
    until: str
    previous: PeriodOut = Field(description="the period it is compared with")
    topic: str | None
    stories_in_period: int = Field(description="stories with an article in the period")
    stories: list[BriefStoryOut] = Field(description="most important first")


@router.get("", response_model=BriefOut, responses={400: {"model": ErrorOut}})
def brief(
    services: ServicesDep,
    day: Annotated[str | None, Query(description="one day, YYYY-MM-DD")] = None,
    since: Annotated[str | None, Query(description="first day of the period")] = None,
    until: Annotated[str | None, Query(description="last day (default: the latest news)")] = None,
    topic: Annotated[str | None, Query(max_length=10_000, description="only stories about")] = None,
    limit: Annotated[int, Query(ge=BRIEF_LIMIT[0], le=BRIEF_LIMIT[1])] = DEFAULT_BRIEF_LIMIT,
) -> dict[str, Any]:
    """The period's stories ranked by importance (articles, outlets, how new), each with its
    key sentences; a story the previous period's briefing showed quotes only what is new.
    Nothing published after the period's end is read. No period: the latest day with news."""
    with services.reading() as a:
        return a.brief(BriefRequest(day, since, until, topic, limit)).to_dict()
