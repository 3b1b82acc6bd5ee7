"""The one MCP server definition both transports run: ``build_server`` adds the read tools,
the resources and (with a token configured) the write tool to a ``NewsMCP`` over a
``Services`` — the HTTP API's own when mounted on ``newsrag serve``, a fresh one for
``newsrag mcp`` on stdio.

Refusals carry the HTTP API's words: a tool call whose arguments do not match their schema
answers ``{"error": "validation_error", "detail": [{loc, msg, type}]}`` as a 422 does, and a
known error of ``index``/``assistant`` (or an ``ApiError``) answers ``{"error", "detail"}`` as
``ui.errors.classify`` names it, as an MCP tool error (``isError``). A resource read that
fails the same way is an MCP error whose message is that JSON (invalid params for 404/410).
Anything else is a bug: the SDK's generic message, the trace in the server's log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import (
    ResourceError,
    ResourceNotFoundError,
    ToolError,
    UnexpectedResourceError,
)
from mcp_types import CallToolResult, ContentBlock, InputRequiredResult, TextContent
from pydantic import AnyUrl, ValidationError

from ui.errors import classify, validation_problems
from ui.mcp.resources import register_resources
from ui.mcp.tools import register_reads
from ui.mcp.writes import WriteRule, register_writes
from ui.services import Services

INSTRUCTIONS = """newsrag: search and cited answers over an index of news articles.
Use search_news for passages on a topic, ask_news for an answer that quotes the articles
verbatim with [n] citations (or abstains, saying why), and get_citation to open a citation key
(from a hit, an answer or a story) as its exact passage. find_stories and get_story follow one
event over time; brief_news lists a day's or a period's most important stories. Dates are
YYYY-MM-DD; as_of reads the news as of that day. Quote only what a tool returned, with its key."""


class NewsMCP(MCPServer[Any]):
    """``MCPServer`` whose refusals are the HTTP API's error objects (module docstring)."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            body = refusal(exc.__cause__)
            if body is None:
                raise
            text = json.dumps(body, ensure_ascii=False)
            content: list[ContentBlock] = [TextContent(type="text", text=text)]
            return CallToolResult(content=content, structured_content=body, is_error=True)

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        try:
            return await super().read_resource(uri, context)
        except UnexpectedResourceError as exc:
            cause = exc.__cause__
            found = classify(cause) if isinstance(cause, Exception) else None
            if found is None:
                raise
            status, error, detail = found
            kind = ResourceNotFoundError if status in (404, 410) else ResourceError
            body = json.dumps({"error": error, "detail": detail}, ensure_ascii=False)
            raise kind(body) from cause


def refusal(cause: BaseException | None) -> dict[str, Any] | None:
    """The HTTP API's error object for what a tool raised, or None for a bug."""
    if isinstance(cause, ValidationError):
        return {"error": "validation_error", "detail": validation_problems(cause.errors())}
    found = classify(cause) if isinstance(cause, Exception) else None
    if found is None:
        return None
    _, error, detail = found
    return {"error": error, "detail": detail}


def build_server(services: Services, writes: WriteRule) -> NewsMCP:
    """The newsrag MCP server over ``services``: six read tools, two resources, and
    ``ingest_text`` when a token is configured (``ui.mcp.writes``)."""
    server = NewsMCP(
        "newsrag",
        title="newsrag news search",
        instructions=INSTRUCTIONS,
        version=_version(),
        log_level="WARNING",
    )
    register_reads(server, services)
    register_resources(server, services)
    register_writes(server, writes)
    return server


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsrag")
    except PackageNotFoundError:
        return "0"
