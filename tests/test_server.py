"""The server answers on 127.0.0.1: a real uvicorn process, real HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.live_server import ServerSpec, live_servers


def test_health_home_and_unknown_api(sample_copy: Path) -> None:
    with live_servers([ServerSpec(sample_copy)]) as (server,):
        health = httpx.get(f"{server}/api/health").json()
        assert health["status"] == "ok" and health["articles"] == 2
        assert health["model"] == "all-MiniLM-L6-v2" and health["chunks"] > 0
        page = httpx.get(f"{server}/")
        assert page.status_code == 200 and "newsrag" in page.text.lower()
        missing = httpx.get(f"{server}/api/nope")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
        assert httpx.get(f"{server}/api/stats").json()["articles"] == 2
