"""``/api/watchlists``: followed queries and stories (issue #33) — add, list, remove (writes
need the token, like uploads), their items (``?since=``), marking them read, and each one as an
Atom feed any feed reader can subscribe to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from index import Watchlist
from ui.errors import ApiError
from ui.http.auth import require_token
from ui.http.deps import ServicesDep
from ui.http.models import ErrorOut
from ui.services import Services
from ui.views.watch_atom import CONTENT_TYPE, atom_feed
from ui.watching import WatchlistError, since_stamp

router = APIRouter(prefix="/api/watchlists", tags=["watchlists"])

MAX_ITEMS = 500
MAX_ID = 2**63 - 1  # SQLite's integers
WatchlistId = Annotated[int, Path(ge=1, le=MAX_ID, description="the watchlist's id")]
WRITES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing or wrong token"},
    403: {"model": ErrorOut, "description": "no NEWSRAG_API_TOKEN configured: read-only"},
    507: {"model": ErrorOut, "description": "the index could not be written"},
}
UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such watchlist (unknown_watchlist)"}
}


class WatchlistIn(BaseModel):
    query: str | None = Field(None, max_length=10_000, description="follow this query, or")
    story_id: str | None = Field(None, max_length=600, description="follow this story")
    name: str | None = Field(None, max_length=200, description="default: the query/story title")
    webhook: str | None = Field(None, max_length=2048, description="POST each new item here")
    webhook_secret: str | None = Field(
        None, max_length=512, description="HMAC key of the signature (default: generated)"
    )


class WatchlistOut(BaseModel):
    id: int
    name: str
    kind: str = Field(description="query or story")
    query: str | None
    story_id: str | None
    created_at: str
    matched_through: int = Field(description="cursor: the last passage (chunk id) matched")
    read_through: int = Field(description="read cursor: the last item id read")
    matched_at: str | None = Field(description="when its last new item was matched")
    webhook_url: str | None = Field(description="the webhook's origin only (its path is secret)")
    items: int
    unread: int
    deliveries: dict[str, int] = Field(description="webhook deliveries per state")
    last_delivery_error: str | None


class WatchlistAddedOut(BaseModel):
    watchlist: WatchlistOut
    webhook_secret: str | None = Field(description="generated secret, shown this once only")


class WatchlistsOut(BaseModel):
    watchlists: list[WatchlistOut]


class WatchItemOut(BaseModel):
    id: int
    watchlist_id: int
    article_id: str
    version: int
    citation: str = Field(description="the passage's key, as search hits carry it")
    title: str
    source: str | None
    published_at: str | None
    url: str | None
    start: int
    end: int
    quote: str = Field(description="the matched sentence, verbatim")
    quote_start: int
    quote_end: int
    score: float | None
    matched_at: str
    delivery: str | None = Field(description="webhook state; null without a webhook")


class WatchItemsOut(BaseModel):
    watchlist: WatchlistOut
    items: list[WatchItemOut] = Field(description="newest first")


class ReadIn(BaseModel):
    through: int | None = Field(
        None, ge=0, le=MAX_ID, description="the last item id read; null: all"
    )


class ReadOut(BaseModel):
    id: int
    read_through: int
    unread: int


class DeletedOut(BaseModel):
    deleted: int


def _known(error: WatchlistError) -> ApiError:
    status = 404 if error.kind.startswith("unknown") else 400
    return ApiError(status, error.kind, str(error))


@router.post(
    "",
    response_model=WatchlistAddedOut,
    status_code=201,
    responses={**WRITES, 404: {"model": ErrorOut, "description": "no such story"}},
)
def add(request: Request, services: ServicesDep, body: WatchlistIn) -> dict[str, Any]:
    """Follow a query or a story: articles written from now on that match it become items."""
    require_token(services.settings, request)
    try:
        made, secret = services.watchlists.add(
            query=body.query,
            story_id=body.story_id,
            name=body.name,
            webhook=body.webhook,
            secret=body.webhook_secret,
        )
    except WatchlistError as exc:
        raise _known(exc) from None
    return {"watchlist": made.to_dict(), "webhook_secret": secret}


@router.get("", response_model=WatchlistsOut)
def list_all(services: ServicesDep) -> dict[str, Any]:
    """Every watchlist with its items, unread items and webhook deliveries."""
    return {"watchlists": [w.to_dict() for w in services.watchlists.all()]}


@router.get("/{watchlist_id}", response_model=WatchlistOut, responses=UNKNOWN)
def one(services: ServicesDep, watchlist_id: WatchlistId) -> dict[str, Any]:
    return _one(services, watchlist_id).to_dict()


@router.delete("/{watchlist_id}", response_model=DeletedOut, responses={**WRITES, **UNKNOWN})
def remove(request: Request, services: ServicesDep, watchlist_id: WatchlistId) -> dict[str, Any]:
    """Forget a watchlist and its items (the articles stay)."""
    require_token(services.settings, request)
    if not services.watchlists.remove(watchlist_id):
        raise ApiError(404, "unknown_watchlist", f"no watchlist {watchlist_id} in this index")
    return {"deleted": watchlist_id}


@router.get("/{watchlist_id}/items", response_model=WatchItemsOut, responses=UNKNOWN)
def items(
    services: ServicesDep,
    watchlist_id: WatchlistId,
    since: Annotated[str | None, Query(description="matched on or after (YYYY-MM-DD)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ITEMS)] = 100,
) -> dict[str, Any]:
    """The watchlist's items, newest first (reading them marks nothing: POST …/read)."""
    watchlist = _one(services, watchlist_id)
    found = services.watchlists.items(watchlist_id, _since(since), limit)
    return {"watchlist": watchlist.to_dict(), "items": [i.to_dict() for i in found]}


@router.post("/{watchlist_id}/read", response_model=ReadOut, responses={**WRITES, **UNKNOWN})
def mark_read(
    request: Request, services: ServicesDep, watchlist_id: WatchlistId, body: ReadIn | None = None
) -> dict[str, Any]:
    """Mark its items read, up to ``through`` (an item id; none: all)."""
    require_token(services.settings, request)
    _one(services, watchlist_id)
    cursor = services.watchlists.mark_read(watchlist_id, body.through if body else None)
    return {
        "id": watchlist_id,
        "read_through": cursor,
        "unread": _one(services, watchlist_id).unread,
    }


@router.get(
    "/{watchlist_id}/feed.atom",
    response_class=Response,
    responses={
        200: {"content": {"application/atom+xml": {}}, "description": "an Atom 1.0 feed"},
        **UNKNOWN,
    },
)
def feed(request: Request, services: ServicesDep, watchlist_id: WatchlistId) -> Response:
    """The watchlist as an Atom 1.0 feed: its latest items, each linking to its /cite page."""
    watchlist = _one(services, watchlist_id)
    found = services.watchlists.items(watchlist_id, None, MAX_ITEMS)
    base = str(request.base_url).rstrip("/")
    body = atom_feed(watchlist, found, base, str(request.url))
    return Response(body, media_type=CONTENT_TYPE)


def _one(services: Services, watchlist_id: WatchlistId) -> Watchlist:
    try:
        return services.watchlists.get(watchlist_id)
    except WatchlistError as exc:
        raise _known(exc) from None


def _since(raw: str | None) -> str | None:
    try:
        return since_stamp(raw)
    except ValueError as exc:
        raise ApiError(400, "bad_filter", f"since: {exc}") from None
