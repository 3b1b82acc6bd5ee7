"""The OpenAPI document, completed: every status a route can answer, the JSON body schema of
``POST /api/articles`` (declared by hand there, so FastAPI does not collect ``ArticleIn``), and
patterns for dates and citation keys. ``tests/test_openapi.py`` runs schemathesis against it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ui.http.models import DATE_PATTERN, ArticleIn, ErrorOut

KEY_PATTERN = r"^.+:[0-9]{1,12}-[0-9]{1,12}:[0-9a-f]{8}$"
DATE_PARAMS = frozenset({"since", "until", "as_of", "day"})
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}

REASONS = {
    400: "bad query, filter, form or citation key; a Host that is not served (bad_host)",
    401: "missing or wrong token",
    403: "no NEWSRAG_API_TOKEN configured: read-only",
    404: "unknown article",
    410: "stale: the article changed",
    413: "a file or body too large, too many files",
    414: "the URL is too long",
    415: "not JSON or multipart, or an unsupported file type",
    422: "a parameter or body field out of its schema",
    431: "the request headers are too large",
    503: "no index yet, index busy or damaged; for asks also: too many waiting",
    507: "the index could not be written (disk full, read-only): nothing was saved",
}
READS = (400, 414, 422, 431, 503)  # 414 and 431: any request (ui.http.protocol)
STATUSES: dict[tuple[str, str], tuple[int, ...]] = {
    ("get", "/api/health"): (400, 414, 431, 503),
    ("get", "/api/stats"): (400, 414, 431, 503),
    ("get", "/api/search"): READS,
    ("post", "/api/ask"): READS,
    ("get", "/api/citations/{key}"): (*READS, 404, 410),
    ("get", "/api/articles"): READS,
    ("post", "/api/articles"): (*READS, 401, 403, 413, 415, 507),
    ("get", "/api/articles/{article_id}"): (*READS, 404),
    ("delete", "/api/articles/{article_id}"): (*READS, 401, 403, 404, 507),
    ("get", "/cite/{key}"): (*READS, 404, 410),
}


def complete_openapi(app: FastAPI) -> dict[str, Any]:
    """``app.openapi`` replacement: FastAPI's document plus what it cannot infer, built once."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["ArticleIn"] = ArticleIn.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            _statuses(operation, STATUSES.get((method, path), READS), path.startswith("/cite"))
            _patterns(operation)
    app.openapi_schema = doc
    return doc


def _statuses(operation: dict[str, Any], statuses: tuple[int, ...], html: bool) -> None:
    responses = operation.setdefault("responses", {})
    kind = "text/html" if html else "application/json"
    for status in statuses:
        entry = responses.setdefault(str(status), {"description": REASONS[status]})
        entry["content"] = {kind: {"schema": {"type": "string"} if html else ERROR_REF}}


def _patterns(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        name = parameter.get("name")
        if name in DATE_PARAMS:
            parameter["schema"] = {"type": "string", "pattern": DATE_PATTERN}
        elif name == "key":
            parameter["schema"] = {"type": "string", "pattern": KEY_PATTERN}
