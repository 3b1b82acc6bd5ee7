"""Every error the API returns is JSON ``{error, detail}`` with a fitting status; never a trace.

Domain errors raised by ``assistant`` and ``index`` map to statuses here, so routes just call
through and let them propagate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import EngineUnavailable, FilterError, QueryError
from index import DeletedArticleError, MalformedCitation, StaleCitation, UnknownArticle
from ui.ask_pool import AskBusy

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with its HTTP status, name and reason (raised by the routes themselves)."""

    def __init__(
        self, status: int, error: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers


def _index_errors() -> list[tuple[type[Exception], int, str]]:
    from index import (
        CatalogError,
        IndexBusy,
        IndexMismatch,
        IndexNotFound,
        IndexReadOnly,
        IndexWriteError,
    )

    return [
        (IndexReadOnly, 403, "read_only_replica"),
        (IndexNotFound, 503, "index_not_ready"),
        (IndexMismatch, 503, "index_mismatch"),
        (IndexBusy, 503, "index_busy"),
        (CatalogError, 503, "catalog_unusable"),  # damaged or unreadable catalog.sqlite3
        (IndexWriteError, 507, "index_not_writable"),  # disk full, read-only: nothing saved
    ]


DOMAIN_ERRORS: list[tuple[type[Exception], int, str]] = [
    (QueryError, 400, "bad_query"),
    (FilterError, 400, "bad_filter"),
    (MalformedCitation, 400, "malformed_citation"),
    (EngineUnavailable, 400, "engine_unavailable"),
    (UnknownArticle, 404, "unknown_article"),
    (StaleCitation, 410, "stale_citation"),
    (DeletedArticleError, 410, "deleted_article"),
    (AskBusy, 503, "busy"),  # too many questions waiting: retry later
]


def classify(exc: Exception) -> tuple[int, str, str] | None:
    """``(status, error, detail)`` for a known error, None for a bug."""
    if isinstance(exc, ApiError):
        return exc.status, exc.error, exc.detail
    for kind, status, name in DOMAIN_ERRORS + _index_errors():
        if isinstance(exc, kind):
            return status, name, str(exc) or name
    return None


def error_response(
    status: int, error: str, detail: object, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, status_name(exc.status_code), exc.detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "validation_error", validation_problems(exc.errors()))

    async def domain_error(_: Request, exc: Exception) -> JSONResponse:
        status, error, detail = classify(exc) or (500, "internal_error", type(exc).__name__)
        headers = exc.headers if isinstance(exc, ApiError) else None
        if status == 503:
            headers = {**(headers or {}), "Retry-After": "5"}
        return error_response(status, error, detail, headers)

    kinds: list[type[Exception]] = [ApiError, *(k for k, _, _ in DOMAIN_ERRORS + _index_errors())]
    for kind in kinds:
        app.add_exception_handler(kind, domain_error)

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return error_response(500, "internal_error", type(exc).__name__)


def validation_problems(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """A request that does not match its model, as the 422 ``detail``: ``{loc, msg, type}``."""
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in errors
    ]


def status_name(code: int) -> str:
    try:
        return HTTPStatus(code).phrase.lower().replace(" ", "_")
    except ValueError:
        return "error"
