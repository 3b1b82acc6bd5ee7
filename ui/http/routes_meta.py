"""``/api/health``, ``/api/stats`` and the JSON 404 for every other ``/api`` path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from index import index_stats
from ui.errors import error_response
from ui.http.deps import ServicesDep
from ui.http.models import HealthOut, StatsOut

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health", response_model=HealthOut)
def health(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Model, index size and catalog generation (moves with every write)."""
    services = services
    stats = index_stats(services.settings.index)
    watcher = getattr(request.app.state, "watcher", None)
    feeds = {"watching": False, **services.feed_health()}
    if watcher is not None:
        feeds.update(watcher.state())
    backfill = getattr(request.app.state, "backfill", None)
    vectors = {"awaiting": stats.get("awaiting_vectors", 0), "filling": False, "filled": 0}
    if backfill is not None:
        vectors.update(backfill.state())
    return {
        "status": "ok",
        "ready": stats["articles"] > 0,
        "model": stats["model"],
        "articles": stats["articles"],
        "chunks": stats["chunks"],
        "generation": stats["generation"],
        "read_only": services.settings.index.read_only,
        "feeds": feeds,
        "vectors": vectors,
    }


@router.get("/stats", response_model=StatsOut)
def stats(services: ServicesDep) -> dict[str, Any]:
    """Counts, model, chunker, outlets and size on disk of the index."""
    return index_stats(services.settings.index)


CATCH_ALL = "/api/{path:path}"


# Declared last among the API routes and before the chat is mounted at ``/``: a path no
# route has is 404; a path that exists with other methods is 405 with ``Allow``.
unknown_api_router = APIRouter()


@unknown_api_router.api_route(
    CATCH_ALL,
    methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
    include_in_schema=False,
)
def unknown_api(request: Request, path: str) -> JSONResponse:
    allowed = _methods_for(request)
    if allowed:
        detail = f"/api/{path} does not take {request.method}; it takes {', '.join(allowed)}"
        return error_response(405, "method_not_allowed", detail, {"Allow": ", ".join(allowed)})
    return error_response(404, "not_found", f"no API route /api/{path}")


def _methods_for(request: Request) -> list[str]:
    """The methods of the API routes whose path matches this request's (none: unknown path)."""
    path = request.url.path
    methods: set[str] = set()
    for route in _api_routes(request.app.routes):
        if route.path != CATCH_ALL and route.path_regex.match(path):
            methods |= route.methods or set()
    return sorted(methods)


def _api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also those FastAPI keeps inside included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None) or getattr(route, "router", None)
        if inner is not None and inner is not route:
            yield from _api_routes(getattr(inner, "routes", []))
