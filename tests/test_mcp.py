"""Issue #35, through real parts: the SDK's own client starts ``newsrag mcp`` over stdio on a
copy of the sample index, and talks streamable HTTP to ``/mcp`` of a real ``newsrag serve`` on
127.0.0.1; every tool is called and both resources read, a citation key from ``ask_news``
opens with ``get_citation``, the write tool is refused without the token and works with it,
hostile inputs get the HTTP API's own error objects, and a foreign Host or Origin is refused
at ``/mcp`` as at the API."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.conftest import REPO
from tests.live_server import ServerSpec, copy_index, error_of, live_servers

pytestmark = pytest.mark.slow

TOKEN = "mcp-test-token"
DRONES = "How many drones did Russia launch?"
READ_TOOLS = {"search_news", "ask_news", "get_citation", "find_stories", "get_story", "brief_news"}
NEW_ARTICLE = {
    "title": "Lighthouse keepers return to Skerry Point",
    "text": "Two lighthouse keepers moved back to Skerry Point on Monday, the first in forty "
    "years, to look after the restored lamp and its fog bell.",
    "source": "Coast Courier",
    "published_at": "2024-11-20",
}
HOSTILE = [  # (arguments of search_news, the same as GET /api/search's query)
    ({"query": "drones", "k": 100_000}, {"q": "drones", "k": 100_000}),
    ({"query": "\u200b\u200d\ufeff"}, {"q": "\u200b\u200d\ufeff"}),
    ({"query": "drones", "since": "2024-13-45"}, {"q": "drones", "since": "2024-13-45"}),
    ({"query": "drones", "until": "yesterday"}, {"q": "drones", "until": "yesterday"}),
]

Session = Callable[[], Any]


# -- the two transports --------------------------------------------------------------------------
def _env(home: Path, configured: str | None, given: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSRAG_")}
    env["NEWSRAG_HOME"] = str(home)
    if configured:
        env["NEWSRAG_API_TOKEN"] = configured
    if given:
        env["NEWSRAG_MCP_TOKEN"] = given
    return env


def stdio(home: Path, configured: str | None = TOKEN, given: str | None = TOKEN) -> Client:
    """``newsrag mcp`` as a desktop agent starts it (its config's command, args and env)."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "ui.cli", "mcp", "--home", str(home)],
        env=_env(home, configured, given),
        cwd=REPO,
    )
    return Client(params, read_timeout_seconds=300)


@asynccontextmanager
async def over_http(base: str, token: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = httpx2.Timeout(30, read=300)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
        Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
    ):
        yield client


def run(job: Callable[[], Awaitable[Any]]) -> Any:
    return anyio.run(job)


async def call(client: Client, tool: str, **arguments: Any) -> tuple[bool, dict[str, Any]]:
    """(is_error, the JSON object the tool answered)."""
    result = await client.call_tool(tool, arguments)
    return bool(result.is_error), json.loads(result.content[0].text)


async def read(client: Client, uri: str) -> dict[str, Any]:
    (content,) = (await client.read_resource(uri)).contents
    assert content.mime_type == "application/json"
    return json.loads(content.text)


# -- what every transport must do ----------------------------------------------------------------
async def every_read(client: Client) -> dict[str, Any]:
    """Call every read tool and read both resources; what came back, checked on the way."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) >= READ_TOOLS
    assert tools["search_news"].input_schema["properties"]["k"]["maximum"] == 100
    assert all(tools[n].description and len(tools[n].description) > 80 for n in READ_TOOLS)
    out: dict[str, Any] = {"tools": set(tools)}
    failed, out["search"] = await call(client, "search_news", query=DRONES, k=3)
    assert not failed and len(out["search"]["hits"]) == 3
    failed, out["ask"] = await call(client, "ask_news", question=DRONES)
    assert not failed and "188" in out["ask"]["answer"] and not out["ask"]["abstained"]
    cited = out["ask"]["citations"][0]
    failed, out["cite"] = await call(client, "get_citation", key=cited["citation"], context=80)
    assert not failed and cited["quote"] in out["cite"]["text"]
    history = [{"role": "user", "content": DRONES}, {"role": "assistant", "content": "188 [1]"}]
    failed, follow = await call(client, "ask_news", question="And how many were shot down?",
                                history=history, as_of="2024-11-30")  # fmt: skip
    assert not failed and follow["rewritten_query"]
    failed, out["stories"] = await call(client, "find_stories", query="war in Ukraine")
    assert not failed and out["stories"]["stories"]
    story_id = out["stories"]["stories"][0]["story_id"]
    failed, out["story"] = await call(client, "get_story", story_id=story_id)
    assert not failed and out["story"]["entries"]
    failed, out["brief"] = await call(client, "brief_news", limit=3)
    assert not failed and out["brief"]["stories"]
    out["article_resource"] = await read(client, f"newsrag://articles/{cited['article_id']}")
    out["story_resource"] = await read(client, f"newsrag://stories/{story_id}")
    return out


def check_reads(out: dict[str, Any]) -> None:
    cited = out["ask"]["citations"][0]
    assert out["cite"]["citation"] == cited["citation"] and out["cite"]["updated_since"] is None
    text = out["article_resource"]["text"]
    assert text[cited["quote_start"] : cited["quote_end"]] == cited["quote"]
    assert out["story_resource"] == out["story"]
    key = out["brief"]["stories"][0]["key_sentences"][0]
    assert key["citation"] and key["quote"]


async def refusals(client: Client) -> list[dict[str, Any]]:
    """search_news on each hostile input, and an unknown story, an unknown article."""
    found = []
    for arguments, _ in HOSTILE:
        failed, body = await call(client, "search_news", **arguments)
        assert failed, arguments
        found.append(body)
    failed, body = await call(client, "get_story", story_id="s-none")
    unknown = {"error": "unknown_story", "detail": "no story 's-none' in this index"}
    assert failed and body == unknown
    with pytest.raises(MCPError, match="unknown_article"):
        await client.read_resource("newsrag://articles/no-such-article")
    return found


def check_hostile(bodies: list[dict[str, Any]]) -> None:
    huge, blank, month, word = bodies
    assert huge["error"] == "validation_error" and huge["detail"][0]["loc"] == ["k"]
    assert "less than or equal to 100" in huge["detail"][0]["msg"]
    assert blank == {"error": "bad_query", "detail": "the query is empty"}
    assert month["error"] == word["error"] == "bad_filter"
    assert "since" in month["detail"] and "until" in word["detail"]


async def writes(client: Client) -> dict[str, Any]:
    failed, body = await call(client, "ingest_text", **NEW_ARTICLE)
    assert not failed, body
    assert body["added"] == 1 and body["failed"] == 0
    failed, found = await call(client, "search_news", query="lighthouse keepers Skerry Point")
    assert not failed and found["hits"][0]["title"] == NEW_ARTICLE["title"]
    return body


# -- stdio -----------------------------------------------------------------------------------------
@pytest.fixture
def home(tmp_path: Path, sample_home: Path) -> Path:
    return copy_index(sample_home, tmp_path / "index")


def test_stdio_serves_every_tool_resource_and_the_write_with_the_token(home: Path) -> None:
    async def job() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        async with stdio(home) as client:
            return await every_read(client), await refusals(client), await writes(client)

    out, bodies, written = run(job)
    assert "ingest_text" in out["tools"]
    check_reads(out)
    check_hostile(bodies)
    assert written["articles"][0]["title"] == NEW_ARTICLE["title"]


def test_stdio_write_needs_the_token_given_and_is_not_offered_without_one(home: Path) -> None:
    async def job() -> tuple[tuple[bool, dict[str, Any]], set[str]]:
        async with stdio(home, given=None) as client:
            refused = await call(client, "ingest_text", **NEW_ARTICLE)
        async with stdio(home, configured=None, given=TOKEN) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
        return refused, listed

    (failed, body), listed = run(job)
    assert failed and body["error"] == "unauthorized" and "NEWSRAG_MCP_TOKEN" in body["detail"]
    assert listed == READ_TOOLS  # read-only: no write tool at all


# -- streamable HTTP on newsrag serve --------------------------------------------------------------
@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Iterator[list[str]]:
    """One server with a token (writes), one without (read-only)."""
    root = tmp_path_factory.mktemp("mcp")
    specs = [
        ServerSpec(copy_index(sample_home, root / "writable"), TOKEN),
        ServerSpec(copy_index(sample_home, root / "plain")),
    ]
    with live_servers(specs) as bases:
        yield bases


def test_http_serves_every_tool_resource_and_the_write_with_the_token(
    servers: list[str],
) -> None:
    base = servers[0]

    async def job() -> tuple[dict[str, Any], tuple[bool, dict[str, Any]], dict[str, Any]]:
        async with over_http(base) as client:
            out = await every_read(client)
            refused = await call(client, "ingest_text", **NEW_ARTICLE)
        async with over_http(base, TOKEN) as client:
            return out, refused, await writes(client)

    out, (failed, body), written = run(job)
    check_reads(out)
    assert "ingest_text" in out["tools"]
    assert failed and body["error"] == "unauthorized" and "Authorization: Bearer" in body["detail"]
    assert written["added"] == 1


def test_http_answers_and_refuses_as_the_api_does(servers: list[str]) -> None:
    base = servers[1]

    async def job() -> tuple[list[dict[str, Any]], set[str], dict[str, Any]]:
        async with over_http(base) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            _, found = await call(client, "search_news", query=DRONES, k=3)
            return await refusals(client), tools, found

    bodies, tools, found = run(job)
    assert tools == READ_TOOLS  # no token configured: read-only
    api = httpx.get(f"{base}/api/search", params={"q": DRONES, "k": 3}).json()
    assert found == api  # the same object as the HTTP API's
    check_hostile(bodies)
    for body, (_, query) in zip(bodies[1:], HOSTILE[1:], strict=True):
        assert body == error_of(httpx.get(f"{base}/api/search", params=query), 400)
    api = error_of(httpx.get(f"{base}/api/search", params=HOSTILE[0][1]), 422)
    assert bodies[0]["detail"][0]["msg"] == api["detail"][0]["msg"]


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


def test_http_refuses_a_foreign_host_or_origin_like_the_api(servers: list[str]) -> None:
    base = servers[1]
    port = base.rsplit(":", 1)[1]
    with httpx.Client(base_url=base, timeout=30) as http:

        def post(**headers: str) -> httpx.Response:
            return http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **headers})

        assert post().status_code == 200
        assert post(Origin=f"http://127.0.0.1:{port}").status_code == 200  # its own page
        evil = {"Host": f"evil.example:{port}"}
        rebound = error_of(post(**evil), 400)
        assert rebound == error_of(http.get("/api/health", headers=evil), 400)
        assert rebound["error"] == "bad_host"
        for origin in ("https://evil.example", "null", f"http://localhost:{int(port) + 1}"):
            assert error_of(post(Origin=origin), 403)["error"] == "cross_origin"


def test_mcp_help_names_the_tools_and_the_write_rule(capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["mcp", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert all(tool in text for tool in READ_TOOLS)
    assert "NEWSRAG_MCP_TOKEN" in text and "/mcp" in text and "--home" in text
