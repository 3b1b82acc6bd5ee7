"""Real servers for end-to-end tests: ``python -m ui.cli serve`` on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import REPO

START_TIMEOUT_S = 180
LOGS: dict[str, Path] = {}  # base URL -> the server's stderr (a file: a pipe nobody reads fills)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ServerSpec:
    home: Path
    token: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # more serve flags (e.g. --watch)


def copy_index(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _spawn(spec: ServerSpec) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "NEWSRAG_HOME": str(spec.home), "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("NEWSRAG_API_TOKEN", None)
    if spec.token:
        env["NEWSRAG_API_TOKEN"] = spec.token
    env.update(spec.env)
    log = Path(tempfile.mkstemp(prefix="newsrag-server-", suffix=".log")[1])
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), *spec.args],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    LOGS[base] = log
    return proc, base


def _wait(proc: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = server_log(base)
            raise AssertionError(f"server exited with {proc.returncode}: {err[-3000:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"server at {base} not up after {START_TIMEOUT_S}s")


@contextmanager
def live_servers(specs: Sequence[ServerSpec]) -> Iterator[list[str]]:
    """Start every server at once (they load in parallel), yield their base URLs, stop them."""
    with live_processes(specs) as started:
        yield [base for _, base in started]


@contextmanager
def live_processes(
    specs: Sequence[ServerSpec],
) -> Iterator[list[tuple[subprocess.Popen[bytes], str]]]:
    """``live_servers`` that also yields each server's process (to signal it, or to see it
    exit); a process already gone when the block ends is left as it is."""
    started = [_spawn(s) for s in specs]
    try:
        for proc, base in started:
            _wait(proc, base)
        yield started
    finally:
        for proc, _ in started:
            if proc.poll() is None:
                proc.terminate()
        for proc, base in started:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            LOGS.pop(base).unlink(missing_ok=True)


def server_log(base: str) -> str:
    """What the server at ``base`` wrote to stderr so far."""
    return LOGS[base].read_text(encoding="utf-8", errors="replace")


def error_of(response: httpx.Response, status: int) -> dict:
    """The JSON error body of a response that must have ``status`` (and no stack trace)."""
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    body = response.json()
    assert set(body) == {"error", "detail"}
    return body
