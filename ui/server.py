"""One server for people and programs: the JSON API under ``/api``, the citation pages under
``/cite`` and the Gradio chat mounted at ``/`` (after every other route, so those win).

Safe by default: it binds loopback, refuses any other address unless an API token protects the
writes (or ``--insecure`` says the operator means it: ``check_bind``), and answers no
cross-origin request unless ``NEWSRAG_CORS_ORIGINS`` lists the origin (``cors_origins``).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.middleware.cors import CORSMiddleware

from ui import uploads
from ui.errors import install_error_handlers
from ui.http import (
    cite_pages,
    routes_articles,
    routes_briefing,
    routes_meta,
    routes_query,
    routes_stories,
    routes_watchlists,
)
from ui.http.hosts import is_loopback
from ui.http.openapi_doc import complete_openapi
from ui.http.protocol import MAX_HEAD_BYTES, JsonErrorsH11
from ui.http.request_guard import RequestGuard
from ui.mcp.http import mount_mcp
from ui.services import Services
from ui.settings import Settings
from ui.stopping import GRACE_S, Cleanup, PromptServer, end_streams

log = logging.getLogger(__name__)

DESCRIPTION = """Semantic search and cited answers over news articles.

Every error is JSON `{"error": ..., "detail": ...}`. Writes (`POST`/`DELETE /api/articles`,
`POST`/`DELETE /api/watchlists`) need `Authorization: Bearer <NEWSRAG_API_TOKEN>`. The chat UI
is at `/`, citation pages at `/cite/{key}`.
"""


def create_app(settings: Settings, with_chat: bool = True) -> FastAPI:
    # Swagger UI and ReDoc from files in the fastapi-offline package, not a CDN: /docs works
    # offline (its assets under /static-offline-docs)
    app = FastAPIOffline(title="newsrag", version=_version(), description=DESCRIPTION)
    app.state.services = Services(settings)
    install_error_handlers(app)
    _close_cors(app, cors_origins(settings))
    app.add_middleware(RequestGuard, settings=settings)  # added last: runs first
    app.include_router(routes_meta.router)
    app.include_router(routes_query.router)
    app.include_router(routes_articles.router)
    app.include_router(routes_stories.router)
    app.include_router(routes_briefing.router)
    app.include_router(routes_watchlists.router)
    app.include_router(routes_meta.unknown_api_router)
    app.include_router(cite_pages.router)
    mount_mcp(app, app.state.services, cors_origins(settings))  # /mcp: ui/mcp/http.py
    app.openapi = lambda: complete_openapi(app)  # type: ignore[method-assign]
    if with_chat:
        _mount_chat(app, app.state.services)
    return app


def cors_origins(settings: Settings) -> list[str]:
    """The origins allowed cross-origin: ``NEWSRAG_CORS_ORIGINS``, comma-separated."""
    return [o.strip().rstrip("/") for o in settings.server.cors_origins.split(",") if o.strip()]


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


GRADIO_DIR = ".gradio"  # Gradio's upload cache, under the index home
GRADIO_CACHE_CLEANUP = (600, 3600)  # every 10 min, files older than an hour


class UnsafeBind(ValueError):
    """A non-loopback address without an API token and without ``--insecure``."""


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

    from ui.web.app import CSS, HEAD, build_chat

    blocks = build_chat(services)
    blocks.delete_cache = GRADIO_CACHE_CLEANUP  # read when the Gradio app is created
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
        max_file_size=services.settings.index.max_file_bytes,
    )


def gradio_cache(settings: Settings) -> Path | None:
    """Point Gradio's upload cache at ``<home>/.gradio`` (unless ``GRADIO_TEMP_DIR`` is set),
    emptied at start; Gradio then drops its files older than an hour (``delete_cache``). A
    read-only replica writes nothing in the home: a private temporary folder instead. Returns
    the folder it made (removed when the server stops), None when it made none."""
    if "GRADIO_TEMP_DIR" in os.environ:
        return None
    if settings.index.read_only:
        private = Path(tempfile.mkdtemp(prefix="newsrag-gradio-"))
        os.environ["GRADIO_TEMP_DIR"] = str(private)
        return private
    folder = settings.index.home / GRADIO_DIR
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir(mode=0o700, parents=True)
    except OSError as exc:  # a read-only home: Gradio keeps its default, /tmp/gradio
        log.warning("cannot create %s (%s); Gradio keeps its default cache", folder, exc)
        return None
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    return folder


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsrag")
    except PackageNotFoundError:
        return "0"


def _activity_log(settings: Settings) -> None:
    """A server says what it does: its start and one line per ask, upload and delete at INFO
    (the question itself only at DEBUG). Shown unless NEWSRAG_LOG_LEVEL asks for less."""
    if "NEWSRAG_LOG_LEVEL" not in os.environ and logging.getLogger().level > logging.INFO:
        logging.getLogger("ui").setLevel(logging.INFO)


def serve(settings: Settings, insecure: bool = False, watch: bool = False) -> None:
    check_bind(settings.server.host, settings.server.api_token, insecure)
    if watch and settings.index.read_only:
        raise ValueError("--watch writes (it fetches feeds): a --read-only replica cannot watch")
    if not is_loopback(settings.server.host) and not settings.server.api_token:
        log.warning("--insecure: serving the index read-only to the network, without a token")
    cleanup = Cleanup(settings, gradio_cache(settings))
    try:
        app = _app_to_serve(settings, watch)
        log.info("newsrag serving on http://%s:%d", settings.server.host, settings.server.port)
        PromptServer(uvicorn_config(app, settings), lambda: end_streams(app), cleanup).run()
    finally:
        cleanup()


def _app_to_serve(settings: Settings, watch: bool) -> FastAPI:
    if not settings.index.read_only:
        uploads.purge_stale(settings.index.home)
    app = create_app(settings)
    app.state.services.warm_up()
    if watch:
        from ui.feed_watch import FeedWatcher

        app.state.watcher = FeedWatcher(app.state.services, settings.server.watch_tick_s)
        app.state.watcher.start()
    if not settings.index.read_only and settings.server.backfill_idle_s > 0:
        from ui.vector_backfill import VectorBackfill

        services = app.state.services
        app.state.backfill = VectorBackfill(
            settings.index, services.idle_s, services.write_lock, settings.server.backfill_idle_s
        )
        app.state.backfill.start()
    _activity_log(settings)
    return app


def uvicorn_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    """h11 with JSON refusals and a bounded request head (``ui.http.protocol``), and a graceful
    shutdown of at most ``GRACE_S`` seconds (``ui.stopping``)."""
    return uvicorn.Config(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_level="warning",
        http=JsonErrorsH11,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        timeout_graceful_shutdown=GRACE_S,
    )
