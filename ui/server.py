"""One server for people and programs: the JSON API (and, later, the Gradio chat at ``/``)."""

from __future__ import annotations

import html
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index import Settings
from index.stats import index_stats

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="newsrag",
        version=_version(),
        description="Semantic search and cited answers over news articles.",
    )
    _install_error_handlers(app)

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, Any]:
        stats = index_stats(settings)
        return {
            "status": "ok",
            "model": stats["model"],
            "articles": stats["articles"],
            "chunks": stats["chunks"],
            "generation": stats["generation"],
        }

    @app.get("/api/stats", tags=["meta"])
    def stats() -> dict[str, Any]:
        return index_stats(settings)

    @app.api_route(
        "/api/{path:path}",
        methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
        include_in_schema=False,
    )
    def unknown_api(path: str) -> JSONResponse:
        return JSONResponse({"error": "not_found", "detail": f"no API route /api/{path}"}, 404)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        stats = index_stats(settings)
        return _HOME.format(
            articles=stats["articles"],
            chunks=stats["chunks"],
            model=html.escape(str(stats["model"])),
        )

    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": _status_name(exc.status_code), "detail": exc.detail}, exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "validation_error", "detail": exc.errors()}, 422)

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"error": "internal_error", "detail": type(exc).__name__}, 500)


def _status_name(code: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(code).phrase.lower().replace(" ", "_")
    except ValueError:
        return "error"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsrag")
    except PackageNotFoundError:
        return "0"


_HOME = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>newsrag</title>
</head><body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>newsrag</h1><p>{articles} articles, {chunks} passages, model {model}.</p>
<p>JSON API: <a href="/api/health">/api/health</a>, <a href="/api/stats">/api/stats</a>,
<a href="/docs">/docs</a>.</p></body></html>"""


def serve(settings: Settings) -> None:
    import uvicorn

    log.warning("newsrag serving on http://%s:%d", settings.host, settings.port)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
