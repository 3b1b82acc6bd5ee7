"""The read tools: search, answers, citations, stories and briefings, each built from the same
request types as the HTTP API's route (``SearchRequest``, ``AskIn`` → ``AskRequest``,
``StoryRequest``, ``BriefRequest``, ``SearchFilters.build``, ``lookup_citation``) and returning
the same JSON object. A number's bounds come from the constants the routes read
(``SEARCH_K``, ``STORIES_K``, ``BRIEF_LIMIT``, ``CONTEXT_CHARS``); dates, queries and keys
are judged by the request types themselves, so a refusal carries the API's words."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from assistant import (
    BRIEF_LIMIT,
    DEFAULT_BRIEF_LIMIT,
    DEFAULT_SEARCH_K,
    DEFAULT_STORIES_K,
    SEARCH_K,
    STORIES_K,
    BriefRequest,
    SearchFilters,
    SearchMode,
    SearchRequest,
)
from index import DEFAULT_CONTEXT, lookup_citation
from ui.http.models import AskIn, Turn
from ui.http.routes_query import ask_request, search_payload
from ui.http.routes_stories import stories_of, timeline_of
from ui.limits import CONTEXT_CHARS
from ui.services import Services
from ui.views.cite_urls import checked_key

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
Day = Annotated[str | None, Field(description="a day, YYYY-MM-DD")]
AsOf = Annotated[
    str | None,
    Field(description="YYYY-MM-DD: the news as it stood that day (nothing published later)"),
]
Favour = Annotated[
    str | None, Field(description="YYYY-MM-DD: favour articles published shortly before")
]


def bounded(bounds: tuple[int, int], description: str) -> Any:
    """A whole number within ``bounds`` (the constant the HTTP route reads), for the schema and
    for the same refusal as the API's (``Input should be less than or equal to …``)."""
    return Field(ge=bounds[0], le=bounds[1], description=f"{description}, {bounds[0]}-{bounds[1]}")


def register_reads(server: MCPServer[Any], services: Services) -> None:
    """Add the six read tools, each over ``services`` (the server's readers and ask pool)."""
    for tool in (search_tools, answer_tools, story_tools):
        tool(server, services)


def search_tools(server: MCPServer[Any], services: Services) -> None:
    @server.tool(annotations=READ)
    def search_news(
        query: Annotated[str, Field(description="what to look for, in any words")],
        k: Annotated[int, bounded(SEARCH_K, "passages to return")] = DEFAULT_SEARCH_K,
        source: Annotated[
            list[str] | None, Field(description="only these outlets (exact names)")
        ] = None,
        since: Annotated[str | None, Field(description="published on or after, YYYY-MM-DD")] = None,
        until: Annotated[
            str | None, Field(description="published on or before, YYYY-MM-DD")
        ] = None,
        as_of: Favour = None,
        strict: Annotated[
            bool, Field(description="with as_of: never anything published after it")
        ] = False,
    ) -> dict[str, Any]:
        """Search the indexed news articles (hybrid: meaning and keywords) and return the best
        passages, each with its exact text, article title, outlet, date, URL and `citation`
        key. Quote a passage with its key; `get_citation` opens a key again. Same object as
        GET /api/search."""
        filters = SearchFilters.build(source or (), since, until, as_of, strict)
        hits = services.search(SearchRequest(query, k, SearchMode.HYBRID, filters))
        return search_payload(query, hits, SearchMode.HYBRID.value)

    @server.tool(annotations=READ)
    def get_citation(
        key: Annotated[str, Field(description="a citation key, article_id:start-end:hash")],
        context: Annotated[
            int, bounded(CONTEXT_CHARS, "characters shown before and after the passage")
        ] = DEFAULT_CONTEXT,
    ) -> dict[str, Any]:
        """The exact passage a citation key names (from a search hit, an answer's citation or a
        story's key sentence), with text before and after it and its article's metadata.
        `updated_since` is null unless the article was corrected after the key was made: then
        it gives the dates and the passage as it reads now. Same object as
        GET /api/citations/{key}."""
        with services.reading() as a:
            return lookup_citation(a.index, checked_key(key), context).to_dict()


def answer_tools(server: MCPServer[Any], services: Services) -> None:
    @server.tool(annotations=READ)
    async def ask_news(
        question: Annotated[str, Field(description="the question, in plain words")],
        as_of: Favour = None,
        history: Annotated[
            list[Turn] | None,
            Field(description="the conversation so far, oldest first, for a follow-up"),
        ] = None,
    ) -> dict[str, Any]:
        """Answer a question from the indexed news only: `answer` quotes sentences verbatim
        with [n] markers, each [n] a `citations` entry with its `citation` key, `quote` and
        article. When the articles do not say, `abstained` is true and `reason` says why
        (nothing invented). Pass earlier turns as `history` to ask a follow-up. Same object
        as POST /api/ask."""
        body = AskIn.model_validate(
            {"question": question, "history": history or [], "as_of": as_of}
        )
        return (await services.ask_async(ask_request(body))).to_dict()

    @server.tool(annotations=READ)
    def brief_news(
        day: Day = None,
        since: Annotated[str | None, Field(description="first day of a period, YYYY-MM-DD")] = None,
        until: Annotated[str | None, Field(description="last day (default: latest news)")] = None,
        topic: Annotated[str | None, Field(description="only stories about this")] = None,
        limit: Annotated[int, bounded(BRIEF_LIMIT, "stories")] = DEFAULT_BRIEF_LIMIT,
    ) -> dict[str, Any]:
        """A news briefing: the most important stories of one `day` or of `since`…`until`
        (neither: the latest day with news), each with one or two key sentences quoted and
        cited. Nothing published after the period is read. Same object as GET /api/brief."""
        with services.reading() as a:
            return a.brief(BriefRequest(day, since, until, topic, limit)).to_dict()


def story_tools(server: MCPServer[Any], services: Services) -> None:
    @server.tool(annotations=READ)
    def find_stories(
        query: Annotated[
            str | None, Field(description="what the stories are about; none: the latest")
        ] = None,
        as_of: AsOf = None,
        k: Annotated[int, bounded(STORIES_K, "stories to return")] = DEFAULT_STORIES_K,
    ) -> dict[str, Any]:
        """Find the stories (articles about one event, grouped as they are indexed) a query
        is about, best first, each with its days, outlets and matched articles; pass a
        `story_id` to `get_story` for its timeline. Same object as GET /api/stories."""
        return stories_of(services, query, k, as_of)

    @server.tool(annotations=READ)
    def get_story(
        story_id: Annotated[str, Field(description="a story_id from find_stories")],
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        """A story's timeline: its articles oldest first, each with its day, outlet and cited
        lead sentence. Same object as GET /api/stories/{id}."""
        return timeline_of(services, story_id, as_of)
