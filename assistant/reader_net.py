"""The reader as a torch module: the packaged MiniLM body with its top layers replaced by the
trained ones, mean pooling, one linear unit. Used to train (``bench/train_reader.py``) and to
export the ONNX model the assistant runs (``assistant.reader``); torch is imported only here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer

from assistant.reader_files import MAX_PAIR_TOKENS, TRAINED_LAYERS, pair_tokenizer
from index.model_sources import resolve_model
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
        self.body = body
        self.head = torch.nn.Linear(body.config.hidden_size, 1)
        self.tokenizer = tokenizer

    @classmethod
    def from_packaged(
        cls, trainable: bool = False, model: str = DEFAULT_MODEL, lora_rank: int = 0
    ) -> ReaderNet:
        from transformers import AutoModel

        spec = resolve_model(model)
        body = AutoModel.from_pretrained(
            str(spec.path), attn_implementation="eager", local_files_only=True
        )
        layers = len(body.encoder.layer)
        if lora_rank:
            add_lora(body, lora_rank, range(layers - TRAINED_LAYERS))
        net = cls(body, pair_tokenizer(spec.path))
        for name, param in net.named_parameters():
            param.requires_grad = trainable and _shipped(name, layers)
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


def _shipped(name: str, layers: int) -> bool:
    """Trained and shipped: the top layers, the low-rank updates below them, the head."""
    top = tuple(f"body.encoder.layer.{i}." for i in range(layers - TRAINED_LAYERS, layers))
    return name.startswith((*top, "head.")) or ".lora_" in name


def trained_state(net: ReaderNet) -> dict[str, Any]:
    """What ships, in float16."""
    layers = len(net.body.encoder.layer)
    return {
        name: tensor.detach().to(torch.float16).contiguous()
        for name, tensor in net.state_dict().items()
        if _shipped(name, layers)
    }


def save_trained(net: ReaderNet, folder: Path) -> Path:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reader.safetensors"
    save_file(trained_state(net), str(path))
    return path


def load_trained(folder: Path, model: str = DEFAULT_MODEL) -> ReaderNet:
    from safetensors.torch import load_file

    stored = load_file(str(folder / "reader.safetensors"))
    rank = next((v.shape[0] for k, v in stored.items() if k.endswith(".lora_a")), 0)
    net = ReaderNet.from_packaged(model=model, lora_rank=rank)
    state = {k: v.to(torch.float32) for k, v in stored.items()}
    missing = set(state) - set(net.state_dict())
    if missing:
        raise ValueError(f"reader weights name unknown tensors: {sorted(missing)[:3]}")
    net.load_state_dict(state, strict=False)
    return net.eval()


__all__ = ["MAX_PAIR_TOKENS", "ReaderNet", "load_trained", "save_trained", "trained_state"]
