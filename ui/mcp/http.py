"""``/mcp`` on ``newsrag serve``: the MCP server (``ui.mcp.server``) over streamable HTTP, on
the server's own ``Services`` (its readers and ask pool, so MCP asks wait in the same queue as
the API's), as a route of the FastAPI app itself: ``RequestGuard`` (Host, methods, sizes) and
the closed CORS run before it, as for every other path.

On top, an ``Origin`` header must name this very server or one of ``NEWSRAG_CORS_ORIGINS``
(the MCP spec's rule against DNS rebinding; a client that sends none, as programs do, is
served): any other is 403 ``cross_origin``. Stateless, with JSON replies: no session is kept
between requests, so a client costs nothing once answered. Request bodies are bounded like an
upload's JSON body. The SDK's own Host/Origin check is left off: the server's rules above
apply instead (``NEWSRAG_ALLOWED_HOSTS`` included).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route

from ui import uploads
from ui.http.asgi import Receive, Scope, Send, headers_of, refuse
from ui.mcp.server import NewsMCP, build_server
from ui.mcp.writes import WriteRule
from ui.services import Services

MCP_PATH = "/mcp"
NOT_STARTED = "the MCP endpoint is not running (the server is starting or stopping)"


class McpEndpoint:
    """The ASGI app behind ``/mcp``; ``running`` starts a session manager for the app's life
    (a new one each time the app starts: a manager runs once)."""

    def __init__(self, server: NewsMCP, origins: list[str], max_body: int) -> None:
        self.server = server
        self.origins = frozenset(o.lower() for o in origins)
        self.max_body = max_body
        self.manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            max_request_body_size=self.max_body,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = headers_of(scope)
        origin = headers.get("origin")
        if origin is not None and not self.origin_allowed(origin, headers.get("host", "")):
            await refuse(scope, send, 403, "cross_origin", _foreign(origin))
        elif self.manager is None:
            await refuse(scope, send, 503, "mcp_not_ready", NOT_STARTED, {"Retry-After": "5"})
        else:
            await self.manager.handle_request(scope, receive, send)

    def origin_allowed(self, origin: str, host: str) -> bool:
        value = origin.strip().lower().rstrip("/")
        if value in self.origins:
            return True
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(host) and parts.netloc == host.lower()


def _foreign(origin: str) -> str:
    return (
        f"Origin {origin[:100]!r} is neither this server nor in NEWSRAG_CORS_ORIGINS: /mcp "
        "answers programs (no Origin) and pages of the allowed origins only"
    )


def mount_mcp(app: FastAPI, services: Services, origins: list[str]) -> McpEndpoint:
    """Serve MCP at ``/mcp`` of ``app`` (before the chat's catch-all mount), its session
    manager run by the app's lifespan around whatever lifespan it has."""
    settings = services.settings
    max_body = settings.index.max_file_bytes + uploads.FORM_OVERHEAD
    endpoint = McpEndpoint(build_server(services, WriteRule(services)), origins, max_body)
    app.router.routes.append(Route(MCP_PATH, endpoint=endpoint))
    before = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with endpoint.running(), before(application) as state:
            yield state

    app.router.lifespan_context = lifespan
    return endpoint
