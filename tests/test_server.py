"""The server answers on 127.0.0.1: a real uvicorn process, real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server(sample_copy: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "NEWSRAG_HOME": str(sample_copy)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
            try:
                httpx.get(f"{base}/api/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_health_home_and_unknown_api(server: str) -> None:
    health = httpx.get(f"{server}/api/health").json()
    assert health["status"] == "ok" and health["articles"] == 2
    assert health["model"] == "all-MiniLM-L6-v2" and health["chunks"] > 0
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and "newsrag" in page.text
    missing = httpx.get(f"{server}/api/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert httpx.get(f"{server}/api/stats").json()["articles"] == 2
