"""``newsrag mcp``: the MCP server over stdio, for desktop agents (the same server
``newsrag serve`` mounts at ``/mcp``). The SDK loads only when the command runs."""

from __future__ import annotations

import argparse

from ui.settings import Settings

MCP_HELP = (
    "The MCP server over stdio, for agents (Claude Desktop and others): tools search_news, "
    "ask_news, get_citation, find_stories, get_story, brief_news; resources "
    "newsrag://articles/{id} and newsrag://stories/{id}. Read-only unless NEWSRAG_API_TOKEN is "
    "set: then ingest_text is offered, and each call needs NEWSRAG_MCP_TOKEN equal to it in "
    "this process's environment. 'newsrag serve' serves the same at /mcp (streamable HTTP)."
)


def mcp_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.description = MCP_HELP
    p.add_argument(
        "--read-only",
        action="store_true",
        help="a replica of a home another process writes: never writes to it (env "
        "NEWSRAG_READ_ONLY)",
    )


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    from ui.mcp.stdio import run_stdio

    run_stdio(settings)
    return 0
