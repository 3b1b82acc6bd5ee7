"""``/api/health``, ``/api/stats`` and the JSON 404 for every other ``/api`` path."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from index.stats import index_stats
from ui.api_models import HealthOut, StatsOut
from ui.errors import error_response


def router() -> APIRouter:
    r = APIRouter(prefix="/api", tags=["meta"])

    @r.get("/health", response_model=HealthOut)
    def health(request: Request) -> dict[str, Any]:
        """Model, index size and catalog generation (moves with every write)."""
        stats = index_stats(request.app.state.services.settings)
        return {
            "status": "ok",
            "ready": stats["articles"] > 0,
            "model": stats["model"],
            "articles": stats["articles"],
            "chunks": stats["chunks"],
            "generation": stats["generation"],
        }

    @r.get("/stats", response_model=StatsOut)
    def stats(request: Request) -> dict[str, Any]:
        """Counts, model, chunker, outlets and size on disk of the index."""
        return index_stats(request.app.state.services.settings)

    return r


def unknown_api_router() -> APIRouter:
    """Declared last among the API routes and before the chat is mounted at ``/``."""
    r = APIRouter()

    @r.api_route(
        "/api/{path:path}",
        methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
        include_in_schema=False,
    )
    def unknown_api(path: str) -> JSONResponse:
        return error_response(404, "not_found", f"no API route /api/{path}")

    return r
