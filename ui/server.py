"""One server for people and programs: the JSON API under ``/api``, the citation pages under
``/cite`` and the Gradio chat mounted at ``/`` (after every other route, so those win)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

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
    app.include_router(routes_meta.router())
    app.include_router(routes_query.router())
    app.include_router(routes_articles.router())
    app.include_router(routes_meta.unknown_api_router())
    app.include_router(pages.router())
    if with_chat:
        _mount_chat(app, app.state.services)
    return app


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


def serve(settings: Settings) -> None:
    import uvicorn

    app = create_app(settings)
    app.state.services.warm_up()
    log.warning("newsrag serving on http://%s:%d", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
