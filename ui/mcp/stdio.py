"""``newsrag mcp``: the MCP server (``ui.mcp.server``) on stdin/stdout, for a desktop agent that
starts it. The SDK's stdio transport owns the real stdout (stray prints go to stderr, so they
cannot corrupt the protocol); logs go to stderr. Writes: ``ui.mcp.writes`` (the token given in
``NEWSRAG_MCP_TOKEN``)."""

from __future__ import annotations

import os

from ui import uploads
from ui.mcp.server import build_server
from ui.mcp.writes import TOKEN_ENV, WriteRule
from ui.services import Services
from ui.settings import Settings

STDIO_READERS = 2  # one agent: a search may run beside a resource read


def run_stdio(settings: Settings) -> None:
    """Serve until the client closes stdin."""
    services = Services(settings, readers=STDIO_READERS)
    rule = WriteRule(services, stdio=True, stdio_token=os.environ.get(TOKEN_ENV))
    if rule.listed and not settings.index.read_only and settings.index.home.is_dir():
        uploads.purge_stale(settings.index.home)  # staging folders of a killed process
    services.warm_up()
    try:
        build_server(services, rule).run("stdio")
    finally:
        services.ask_pool.shutdown()
