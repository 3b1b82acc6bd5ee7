"""The resources: an article by id (``newsrag://articles/{id}``, as GET /api/articles/{id}) and a
story by id (``newsrag://stories/{id}``, as GET /api/stories/{id}), JSON both. Reads run on a
worker thread (a reader may have to wait for a free connection: never on the event loop)."""

from __future__ import annotations

import json
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer

from ui.http.routes_stories import timeline_of
from ui.services import Services

ARTICLE_URI = "newsrag://articles/{+article_id}"  # "+": an id may hold a "/" (not "..")
STORY_URI = "newsrag://stories/{story_id}"
JSON = "application/json"


def register_resources(server: MCPServer[Any], services: Services) -> None:
    @server.resource(ARTICLE_URI, name="article", mime_type=JSON)
    async def article(article_id: str) -> str:
        """One article: its metadata and full text (every citation's offsets refer to it)."""
        found = await anyio.to_thread.run_sync(services.article, article_id)
        return json.dumps(found, ensure_ascii=False)

    @server.resource(STORY_URI, name="story", mime_type=JSON)
    async def story(story_id: str) -> str:
        """One story's timeline: its articles oldest first, each with a cited lead sentence."""
        found = await anyio.to_thread.run_sync(timeline_of, services, story_id, None)
        return json.dumps(found, ensure_ascii=False)
