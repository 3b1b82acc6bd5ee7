"""All configuration in one place: a frozen dataclass read from ``NEWSRAG_*`` env vars.

CLI flags override fields with ``dataclasses.replace``; nothing else holds defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any


class EncoderBackend(StrEnum):
    AUTO = "auto"  # documents: int8 ONNX, or torch bf16 on CPUs with AMX; queries: ONNX fp32
    TORCH = "torch"  # sentence-transformers for everything
    ONNX = "onnx"  # ONNX Runtime fp32 for everything
    ONNX_INT8 = "onnx-int8"  # documents through int8 ONNX (~1.4x less CPU), queries fp32 ONNX


class Precision(StrEnum):
    AUTO = "auto"  # probe bf16 once per machine, keep it only where it pays
    FP32 = "fp32"
    BF16 = "bf16"


DEFAULT_CACHE_DIR = Path("~/.cache/newsrag").expanduser()


@dataclass(frozen=True)
class Settings:
    home: Path = Path("data/index")
    model: str = "all-MiniLM-L6-v2"  # a packaged model name or a local model directory
    precision: Precision = Precision.AUTO
    encoder: EncoderBackend = EncoderBackend.AUTO
    cache_dir: Path = DEFAULT_CACHE_DIR  # exported ONNX models
    batch_size: int = 32
    encoder_threads: int = 0  # intra-op threads for document batches; 0 = every available core
    workers: int = 0  # ingest processes (shard and merge); 1 = one process, encoder in a thread;
    # 0 = one per core for big inputs on the ONNX path, else 1 (index.sharding.auto_workers)
    chunk_tokens: int = 256  # model window the embedded input (title prefix included) fits in
    overlap_tokens: int = 32
    commit_chunks: int = 256  # chunks embedded and written per transaction during ingest
    max_file_bytes: int = 50 * 1024 * 1024
    max_upload_files: int = 50  # files per upload request (HTTP API); more is 413
    # retrieval (assistant/retrieval.py)
    candidates: int = 50  # dense and keyword lists fused, each this long
    candidate_pool: int = 200  # each backend's list before the cut; as-of recent lists come from it
    rrf_k: int = 60
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    per_article: int = 2  # at most this many passages of one article in a result list
    time_weight: float = 1.0  # strength of the as-of recency prior, in RRF units of rank 1
    time_half_life_days: float = 7.0
    recent_days: int = 7  # with as_of: candidates of these days before it are fused as extra lists
    recent_weight: float = 1.0  # weight of those recent lists (0 turns them off)
    dedup: bool = True  # fold near-duplicate passages of other articles into one hit
    rerank: str = "none"  # none | sentence | cross-encoder:<model dir> (assistant/rerank.py)
    rerank_depth: int = 25
    rerank_weight: float = 1.0
    reader: str = "none"  # none | shipped: the trained reader picks answer sentences
    # the optional llm answer engine (assistant/llm_providers.py)
    llm_provider: str = "none"  # none | local (embedded 1.5B) | openai (any OpenAI-compatible
    # server) | gguf (a local file through transformers)
    llm_model: str = ""  # model name for openai; a .gguf path, or "smollm2", for gguf
    llm_base_url: str = ""  # e.g. http://127.0.0.1:11434/v1 for Ollama
    llm_api_key: str = ""
    llm_max_tokens: int = 160
    llm_timeout_s: float = 60.0  # a reply slower than this falls back to the extractive answer
    ask_concurrency: int = 1  # asks answered at once by the server (ui/services.py AskPool)
    host: str = "127.0.0.1"
    port: int = 7860
    api_token: str | None = None
    cors_origins: str = ""  # comma-separated origins allowed cross-origin; empty: none
    allowed_hosts: str = ""  # comma-separated Host names answered besides loopback; * = any
    log_level: str = "WARNING"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``NEWSRAG_<FIELD>`` env vars, then non-None keyword overrides."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"NEWSRAG_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _parse(f.name, raw)
        settings = cls(**values)
        clean = {k: _coerce(k, v) for k, v in overrides.items() if v is not None}
        return replace(settings, **clean) if clean else settings

    def __repr__(self) -> str:
        """Every field, secrets (``SECRET_FIELDS``) masked, so logging a Settings leaks nothing."""
        shown = (f"{f.name}={_shown(f.name, getattr(self, f.name))}" for f in fields(self))
        return f"Settings({', '.join(shown)})"

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite3"

    @property
    def vectors_path(self) -> Path:
        return self.home / "vectors.faiss"


SECRET_FIELDS = frozenset({"api_token", "llm_api_key"})


def _shown(name: str, value: object) -> str:
    """``repr(value)``; a set secret as ``'***'``."""
    return "'***'" if name in SECRET_FIELDS and value else repr(value)


def _coerce(name: str, value: Any) -> Any:
    if isinstance(value, str):
        return _parse(name, value)
    return value


_TYPES = {f.name: str(f.type) for f in fields(Settings)}
_ENUMS: dict[str, type[StrEnum]] = {"encoder": EncoderBackend, "precision": Precision}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_NUMBERS: dict[str, tuple[type, str]] = {"int": (int, "an integer"), "float": (float, "a number")}


def _parse(name: str, raw: str) -> Any:
    if name in ("home", "cache_dir"):
        return Path(raw).expanduser()
    if name in _ENUMS:
        enum = _ENUMS[name]
        try:
            return enum(raw.lower())
        except ValueError:
            choices = ", ".join(e.value for e in enum)
            raise ValueError(f"NEWSRAG_{name.upper()}={raw!r}: expected one of {choices}") from None
    if _TYPES[name] == "bool":
        if raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise ValueError(f"NEWSRAG_{name.upper()}={raw!r}: expected true or false")
    if _TYPES[name] in _NUMBERS:
        kind, label = _NUMBERS[_TYPES[name]]
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"NEWSRAG_{name.upper()}={raw!r}: expected {label}") from None
    return raw
