"""``/api/articles``: list, read, ingest (JSON or file upload) and delete articles.

Ingest and delete need the API token (``ui.http.auth``). Uploads go through the CLI's loaders from a
private temporary directory (``ui.uploads``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from assistant import SearchFilters
from index import UnknownArticle
from ui import uploads
from ui.errors import ApiError
from ui.http.auth import require_token
from ui.http.deps import ServicesDep
from ui.http.models import (
    ArticleIn,
    ArticleListOut,
    ArticleOut,
    DeleteOut,
    ErrorOut,
    IngestOut,
    VersionsOut,
)
from ui.http.routes_query import split_sources
from ui.limits import LIST_LIMIT, LIST_OFFSET

WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing or wrong token"},
    403: {"model": ErrorOut, "description": "no NEWSRAG_API_TOKEN configured: read-only"},
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/ArticleIn"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/ArticleIn"}},
                    ]
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            },
        },
    }
}
_ARTICLES = TypeAdapter(ArticleIn | list[ArticleIn])


router = APIRouter(prefix="/api/articles", tags=["articles"])


@router.get("", response_model=ArticleListOut)
def list_articles(
    services: ServicesDep,
    source: Annotated[list[str], Query(description="outlet; repeat or comma-separate")] = [],  # noqa: B006
    since: str | None = None,
    until: str | None = None,
    limit: Annotated[int, Query(ge=LIST_LIMIT[0], le=LIST_LIMIT[1])] = 50,
    offset: Annotated[int, Query(ge=LIST_OFFSET[0], le=LIST_OFFSET[1])] = 0,
) -> dict[str, Any]:
    """Indexed articles, newest first, with their size in characters and passages."""
    filters = SearchFilters.build(split_sources(source), since, until)
    total, rows = services.list_articles(filters, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "articles": rows}


@router.get(
    "/{article_id:path}/versions",
    response_model=VersionsOut | ArticleOut,
    responses={
        404: {"model": ErrorOut, "description": "unknown article"},
        410: {"model": ErrorOut, "description": "the article was deleted"},
    },
)
def get_versions(services: ServicesDep, article_id: str) -> dict[str, Any]:
    """Every version of an article (corrections keep the old text), oldest first; the
    current one last. A citation key made against any kept version still resolves.
    (An article whose own id ends in ``/versions`` is read here when ``article_id`` is no
    article: its versions are at ``…/versions/versions``.)"""
    services = services
    try:
        return services.versions(article_id)
    except UnknownArticle:
        try:
            return services.article(f"{article_id}/versions")
        except UnknownArticle:
            pass
        raise


@router.get(
    "/{article_id:path}",
    response_model=ArticleOut,
    responses={404: {"model": ErrorOut, "description": "unknown article"}},
)
def get_article(services: ServicesDep, article_id: str) -> dict[str, Any]:
    """One article: metadata and the full text every citation offset refers to."""
    return services.article(article_id)


@router.post(
    "",
    response_model=IngestOut,
    openapi_extra=UPLOAD_BODY,
    responses={
        **WRITE_ERRORS,
        413: {"model": ErrorOut, "description": "a file or body too large, too many files"},
    },
)
async def add_articles(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Ingest a JSON article (or a list), or uploaded files (.txt .md .html .json .jsonl)."""
    services = services
    require_token(services.settings, request)
    limit = services.settings.index.max_file_bytes
    with uploads.staging(services.settings.index.home) as folder:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            staged = [uploads.stage_json(folder, await _json_articles(request, limit), limit)]
        elif kind == "multipart/form-data":
            staged = await _staged_files(
                request, folder, limit, services.settings.server.max_upload_files
            )
        else:
            raise ApiError(
                415, "unsupported_media_type", "send application/json or multipart/form-data"
            )
        summary, seen = await run_in_threadpool(services.ingest, [s.path for s in staged])
    result = summary.to_dict()
    home = services.settings.index.home
    result["problems"] = uploads.readable(summary.problems, staged, home)
    result["warnings"] = uploads.readable(summary.warnings, staged, home)
    return {**result, "articles": seen}


@router.delete(
    "/{article_id:path}",
    response_model=DeleteOut,
    responses={**WRITE_ERRORS, 404: {"model": ErrorOut, "description": "unknown"}},
)
def delete_article(request: Request, services: ServicesDep, article_id: str) -> dict[str, Any]:
    """Delete an article (an exact copy of it, if any, keeps the passages)."""
    services = services
    require_token(services.settings, request)
    result = services.delete([article_id])
    if result["missing"]:
        raise UnknownArticle(f"no article {article_id!r} in the index")
    return {"deleted": result["deleted"], "warnings": result["warnings"]}


async def _json_articles(request: Request, limit: int) -> list[dict[str, Any]]:
    body = bytearray()
    async for block in request.stream():
        body += block
        if len(body) > limit:
            raise uploads.too_large("request body", limit)
    try:
        parsed = _ARTICLES.validate_json(bytes(body))
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        raise ApiError(400, "no_articles", "the list of articles is empty")
    return [a.model_dump(exclude_none=True) for a in items]


async def _staged_files(
    request: Request, folder: Any, limit: int, max_files: int
) -> list[uploads.Staged]:
    form = await _form(request, uploads.max_form_bytes(max_files, limit), max_files)
    try:
        files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
        if not files:
            raise ApiError(400, "no_files", "no file in the multipart form (use the field 'file')")
        uploads.check_count(len(files), max_files)
        names = uploads.unique_names([f.filename for f in files])
        return [
            await run_in_threadpool(uploads.stage_stream, folder, n, name, f.file, limit)
            for n, (name, f) in enumerate(zip(names, files, strict=True), start=1)
        ]
    finally:
        await form.close()


async def _form(request: Request, max_bytes: int, max_files: int) -> FormData:
    """The multipart form, read no further than ``max_bytes`` (declared or streamed: 413) and
    ``max_files`` files (413); any other malformed form is 400 ``bad_form``."""
    if int(request.headers.get("content-length") or 0) > max_bytes:
        raise uploads.form_too_large(max_bytes)
    capped = Request(request.scope, _capped_receive(request, max_bytes))
    try:
        return await capped.form(max_files=max_files)
    except HTTPException as exc:  # starlette's MultiPartException, as a 400
        if "too many files" in str(exc.detail).lower():
            raise uploads.too_many_files(max_files) from None
        raise ApiError(400, "bad_form", str(exc.detail)) from None


def _capped_receive(request: Request, max_bytes: int) -> Any:
    """``request.receive`` that stops with 413 once the body passes ``max_bytes``."""
    seen = 0

    async def receive() -> Message:
        nonlocal seen
        message = await request.receive()
        seen += len(message.get("body", b""))
        if seen > max_bytes:
            raise uploads.form_too_large(max_bytes)
        return message

    return receive
