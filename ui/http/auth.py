"""Writes (ingest, delete) need ``Authorization: Bearer <NEWSRAG_API_TOKEN>``.

With no token configured the server is read-only: writes answer 403 saying how to enable them.
Tokens are compared in constant time.
"""

from __future__ import annotations

from fastapi import Request

from ui.errors import ApiError
from ui.settings import Settings

NO_TOKEN = (
    "writes are disabled on this server: set NEWSRAG_API_TOKEN and restart it, then send "
    "'Authorization: Bearer <token>'"
)
READ_ONLY = (
    "this server is a read-only replica (serve --read-only): send writes to the process that "
    "writes its index"
)


def require_token(all_settings: Settings, request: Request) -> None:
    """Raise 403 (a read-only replica; no token configured), 401 (missing or wrong token);
    return when allowed."""
    check_authorization(all_settings, request.headers.get("authorization", ""))


def check_authorization(all_settings: Settings, header: str) -> None:
    """``require_token`` on an ``Authorization`` header's value (the MCP write tool's too)."""
    if all_settings.index.read_only:
        raise ApiError(403, "read_only_replica", READ_ONLY)
    settings = all_settings.server
    if not settings.api_token:
        raise ApiError(403, "writes_disabled", NO_TOKEN)
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(
            401,
            "unauthorized",
            "this endpoint needs 'Authorization: Bearer <NEWSRAG_API_TOKEN>'",
            {"WWW-Authenticate": "Bearer"},
        )
    if not settings.token_matches(given.strip()):
        raise ApiError(401, "unauthorized", "wrong API token", {"WWW-Authenticate": "Bearer"})
