"""One server for people and programs: the JSON API under ``/api``, the citation pages under
``/cite`` and the Gradio chat mounted at ``/`` (after every other route, so those win).

Safe by default: it binds loopback, refuses any other address unless an API token protects the
writes (or ``--insecure`` says the operator means it: ``check_bind``), and answers no
cross-origin request unless ``NEWSRAG_CORS_ORIGINS`` lists the origin (``cors_origins``).
"""

from __future__ import annotations

import ipaddress
import logging

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from index import Settings
from ui import pages, routes_articles, routes_meta, routes_query
from ui.errors import install_error_handlers
from ui.services import Services

log = logging.getLogger(__name__)

DESCRIPTION = """Semantic search and cited answers over news articles.

Every error is JSON `{"error": ..., "detail": ...}`. Writes (`POST`/`DELETE /api/articles`)
need `Authorization: Bearer <NEWSRAG_API_TOKEN>`. The chat UI is at `/`, citation pages at
`/cite/{key}`.
"""


def create_app(settings: Settings, with_chat: bool = True) -> FastAPI:
    app = FastAPI(title="newsrag", version=_version(), description=DESCRIPTION)
    app.state.services = Services(settings)
    install_error_handlers(app)
    _close_cors(app, cors_origins(settings))
    app.include_router(routes_meta.router())
    app.include_router(routes_query.router())
    app.include_router(routes_articles.router())
    app.include_router(routes_meta.unknown_api_router())
    app.include_router(pages.router())
    if with_chat:
        _mount_chat(app, app.state.services)
    return app


def cors_origins(settings: Settings) -> list[str]:
    """The origins allowed cross-origin: ``NEWSRAG_CORS_ORIGINS``, comma-separated."""
    return [o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip()]


def _close_cors(app: FastAPI, origins: list[str]) -> None:
    """Allow exactly ``origins`` (none by default). The middleware is installed even with an
    empty list: a parent app with its own CORSMiddleware stops the mounted Gradio app from
    adding its own headers (which reflect any Origin when the Host is not a localhost name)."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        allow_credentials=False,
    )


class UnsafeBind(ValueError):
    """A non-loopback address without an API token and without ``--insecure``."""


LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 (bracketed or not, IPv4-mapped too) and ``localhost``."""
    name = host.strip().lower().removeprefix("[").removesuffix("]")
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def check_bind(host: str, api_token: str | None, insecure: bool = False) -> None:
    """Raise ``UnsafeBind`` for a non-loopback ``host`` unless a token is set or ``insecure``."""
    if is_loopback(host) or insecure or (api_token or "").strip():
        return
    raise UnsafeBind(
        f"refusing to serve on {host!r}, which is not a loopback address, without an API "
        "token: set NEWSRAG_API_TOKEN, or pass --insecure to serve read-only to the network"
    )


def _mount_chat(app: FastAPI, services: Services) -> None:
    import gradio as gr

    from ui.chat import CSS, HEAD, build_chat

    blocks = build_chat(services)
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        css=CSS,
        head=HEAD,
        footer_links=["api"],
        run_history=False,
        show_error=True,
        ssr_mode=False,
        mcp_server=False,
        max_file_size=services.settings.max_file_bytes,
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsrag")
    except PackageNotFoundError:
        return "0"


def serve(settings: Settings, insecure: bool = False) -> None:
    import uvicorn

    check_bind(settings.host, settings.api_token, insecure)
    if not is_loopback(settings.host) and not settings.api_token:
        log.warning("--insecure: serving the index read-only to the network, without a token")
    app = create_app(settings)
    app.state.services.warm_up()
    log.warning("newsrag serving on http://%s:%d", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
