"""The one write tool, ``ingest_text``: listed only when ``NEWSRAG_API_TOKEN`` is configured,
and each call allowed by the same rule as the HTTP API's writes (``ui.http.auth``):

- over HTTP (``/mcp`` on ``newsrag serve``): the request carries
  ``Authorization: Bearer <NEWSRAG_API_TOKEN>``;
- over stdio (``newsrag mcp``): the token is given at launch, ``NEWSRAG_MCP_TOKEN`` in the
  environment of the process (the agent's config), equal to ``NEWSRAG_API_TOKEN``;
- never on a read-only replica (``--read-only``).

The article goes where an upload's JSON body goes: staged under the index home
(``ui.uploads``), then written through ``index.Library`` by ``Services.ingest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from ui import uploads
from ui.errors import ApiError
from ui.http.auth import check_authorization
from ui.services import Services

TOKEN_ENV = "NEWSRAG_MCP_TOKEN"
WRITE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
NO_STDIO_TOKEN = (
    f"writes over stdio need {TOKEN_ENV} set to the server's NEWSRAG_API_TOKEN in the "
    "environment 'newsrag mcp' starts with (the agent's config)"
)


@dataclass(frozen=True)
class WriteRule:
    """Who may write: over stdio the token given at launch; over HTTP each request's header."""

    services: Services
    stdio: bool = False
    stdio_token: str | None = None

    @property
    def listed(self) -> bool:
        """The write tool is offered only by a server with a token configured."""
        return bool(self.services.settings.server.api_token)

    def check(self, headers: Mapping[str, str] | None) -> None:
        """Return when this call may write; else ApiError as the HTTP API's (401, 403)."""
        settings = self.services.settings
        if not self.stdio:
            check_authorization(settings, (headers or {}).get("authorization", ""))
            return
        given = (self.stdio_token or "").strip()
        try:
            check_authorization(settings, f"Bearer {given}" if given else "")
        except ApiError as exc:
            if exc.status == 401 and not given:
                raise ApiError(401, "unauthorized", NO_STDIO_TOKEN) from None
            raise

    def ingest(self, article: dict[str, Any]) -> dict[str, Any]:
        """Index one article as ``POST /api/articles`` does a JSON body; its answer."""
        home = self.services.settings.index.home
        limit = self.services.settings.index.max_file_bytes
        with uploads.staging(home) as folder:
            staged = [uploads.stage_json(folder, [article], limit)]
            summary, seen = self.services.ingest([s.path for s in staged])
        result = summary.to_dict()
        result["problems"] = uploads.readable(summary.problems, staged, home)
        result["warnings"] = uploads.readable(summary.warnings, staged, home)
        return {**result, "articles": seen}


def register_writes(server: MCPServer[Any], rule: WriteRule) -> None:
    if not rule.listed:
        return

    @server.tool(annotations=WRITE)
    def ingest_text(
        title: Annotated[str, Field(description="the article's headline")],
        text: Annotated[str, Field(description="the article's full text")],
        ctx: Context,
        source: Annotated[str | None, Field(description="the outlet")] = None,
        published_at: Annotated[
            str | None, Field(description="publication date, YYYY-MM-DD")
        ] = None,
        url: Annotated[
            str | None, Field(description="where it was published (gives it a stable id)")
        ] = None,
    ) -> dict[str, Any]:
        """Add an article to the index (needs the server's API token, see the README): it is
        chunked, embedded and searchable at once. Returns counts (`added`, `updated`,
        `unchanged`), `problems` and the `articles` written with their `article_id`. Same
        object as POST /api/articles."""
        rule.check(ctx.headers)
        fields = {"source": source, "published_at": published_at, "url": url}
        article = {"title": title, "text": text, **{k: v for k, v in fields.items() if v}}
        return rule.ingest(article)
