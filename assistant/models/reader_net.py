"""The reader as a torch module: the packaged MiniLM body with its trained layers put in place,
mean pooling, one linear unit. Used to train (``bench/train_reader.py``) and to export the ONNX
model the assistant runs (``assistant.models.reader``); torch is imported only here.

Two layouts of what is trained and shipped (the stored tensor names tell which at load):
- **full** (the shipped reader): every transformer layer, the position and type embeddings,
  the embeddings' layer norm and the head; only the word embeddings stay the packaged ones
  (they are most of the model's size and barely move in fine-tuning);
- **top**: the top ``TRAINED_LAYERS`` layers and the head, optionally with low-rank (LoRA)
  updates on the lower layers' attention (the first rounds' readers).
Weights are stored in float16, in parts of at most ``PART_BYTES`` (``reader.safetensors`` when
one part suffices, else ``reader-1.safetensors``, ``reader-2.safetensors``…)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer

from assistant.models.reader_files import (
    MAX_PAIR_TOKENS,
    TRAINED_LAYERS,
    pair_tokenizer,
    weight_files,
)
from index.encoding.model_sources import resolve_model
from index.settings import DEFAULT_MODEL


class LoRALinear(torch.nn.Module):
    """A frozen linear layer plus a trained low-rank update ``B @ A`` (B starts at zero, so
    training starts from the packaged model exactly)."""

    def __init__(self, base: torch.nn.Linear, rank: int) -> None:
        super().__init__()
        self.base = base
        self.lora_a = torch.nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
        self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x: Any) -> Any:
        return self.base(x) + (x @ self.lora_a.T) @ self.lora_b.T


def add_lora(body: Any, rank: int, layers: range) -> None:
    """Low-rank updates on the query, key and value projections of ``layers``."""
    for i in layers:
        attention = body.encoder.layer[i].attention.self
        for name in ("query", "key", "value"):
            setattr(attention, name, LoRALinear(getattr(attention, name), rank))


class ReaderNet(torch.nn.Module):
    def __init__(self, body: Any, tokenizer: Tokenizer) -> None:
        super().__init__()
        self.full = False  # which layout is trained and shipped (module docstring)
        self.body = body
        self.head = torch.nn.Linear(body.config.hidden_size, 1)
        self.tokenizer = tokenizer

    @classmethod
    def from_packaged(
        cls,
        trainable: bool = False,
        model: str = DEFAULT_MODEL,
        lora_rank: int = 0,
        full: bool = False,
    ) -> ReaderNet:
        """The packaged body (float32 whatever it is stored in) with a fresh head; with
        ``trainable``, the parameters of the layout (``full`` or top layers) require grad."""
        from transformers import AutoModel

        spec = resolve_model(model)
        body = AutoModel.from_pretrained(
            str(spec.path),
            attn_implementation="eager",
            local_files_only=True,
            dtype=torch.float32,
        )
        layers = len(body.encoder.layer)
        if lora_rank and not full:
            add_lora(body, lora_rank, range(layers - TRAINED_LAYERS))
        net = cls(body, pair_tokenizer(spec.path))
        net.full = full
        for name, param in net.named_parameters():
            param.requires_grad = trainable and _shipped(name, layers, full)
        return net

    def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
        hidden = self.body(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def score(self, questions: Sequence[str], texts: Sequence[str]) -> Any:
        encodings = self.tokenizer.encode_batch(list(zip(questions, texts, strict=True)))
        ids = torch.tensor([e.ids for e in encodings])
        mask = torch.tensor([e.attention_mask for e in encodings])
        types = torch.tensor([e.type_ids for e in encodings])
        return self(ids, mask, types)


PART_BYTES = 12 * 1024 * 1024  # one weights file at most (files from the accelerator: 16 MiB)
FROZEN = ("body.embeddings.word_embeddings.",)  # the full layout keeps the packaged ones


def _shipped(name: str, layers: int, full: bool = False) -> bool:
    """Trained and shipped. Full: all but the word embeddings (and the pooler, unused). Top:
    the top layers, the low-rank updates below them, the head."""
    if full:
        return not name.startswith((*FROZEN, "body.pooler."))
    top = tuple(f"body.encoder.layer.{i}." for i in range(layers - TRAINED_LAYERS, layers))
    return name.startswith((*top, "head.")) or ".lora_" in name


def trained_state(net: ReaderNet) -> dict[str, Any]:
    """What ships, in float16."""
    layers = len(net.body.encoder.layer)
    return {
        name: tensor.detach().to(torch.float16).contiguous()
        for name, tensor in net.state_dict().items()
        if _shipped(name, layers, net.full)
    }


def save_trained(net: ReaderNet, folder: Path, part_bytes: int = PART_BYTES) -> list[Path]:
    """Write what ships into ``folder`` in parts of at most ``part_bytes`` (replacing any
    weights there): ``reader.safetensors`` alone, or ``reader-1.safetensors``, …"""
    from safetensors.torch import save_file

    state = trained_state(net)
    parts: list[dict[str, Any]] = [{}]
    size = 0
    for name, tensor in state.items():
        nbytes = tensor.numel() * tensor.element_size()
        if parts[-1] and size + nbytes > part_bytes:
            parts.append({})
            size = 0
        parts[-1][name] = tensor
        size += nbytes
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("reader.safetensors"), *folder.glob("reader-*.safetensors")]:
        old.unlink()
    names = (
        ["reader.safetensors"]
        if len(parts) == 1
        else [f"reader-{i + 1}.safetensors" for i in range(len(parts))]
    )
    paths = [folder / name for name in names]
    for part, path in zip(parts, paths, strict=True):
        save_file(part, str(path), metadata={"parts": str(len(parts))})
    return paths


def stored_state(folder: Path) -> dict[str, Any]:
    """The tensors of every weights file in ``folder`` (float16, as stored)."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    files = weight_files(folder)
    if not files:
        raise FileNotFoundError(f"no reader weights in {folder}")
    with safe_open(str(files[0]), "pt") as handle:
        expected = int((handle.metadata() or {}).get("parts", len(files)))
    if expected != len(files):
        raise ValueError(f"{folder}: {len(files)} reader weight files, expected {expected}")
    stored: dict[str, Any] = {}
    for path in files:
        stored.update(load_file(str(path)))
    return stored


def load_trained(folder: Path, model: str = DEFAULT_MODEL) -> ReaderNet:
    stored = stored_state(folder)
    rank = next((v.shape[0] for k, v in stored.items() if k.endswith(".lora_a")), 0)
    full = "body.encoder.layer.0.attention.self.query.weight" in stored
    net = ReaderNet.from_packaged(model=model, lora_rank=rank, full=full)
    state = {k: v.to(torch.float32) for k, v in stored.items()}
    missing = set(state) - set(net.state_dict())
    if missing:
        raise ValueError(f"reader weights name unknown tensors: {sorted(missing)[:3]}")
    net.load_state_dict(state, strict=False)
    return net.eval()


__all__ = [
    "MAX_PAIR_TOKENS",
    "ReaderNet",
    "load_trained",
    "save_trained",
    "stored_state",
    "trained_state",
]
