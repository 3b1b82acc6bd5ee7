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
from index.models import resolve_model


class ReaderNet(torch.nn.Module):
    def __init__(self, body: Any, tokenizer: Tokenizer) -> None:
        super().__init__()
        self.body = body
        self.head = torch.nn.Linear(body.config.hidden_size, 1)
        self.tokenizer = tokenizer

    @classmethod
    def from_packaged(cls, trainable: bool = False, model: str = "all-MiniLM-L6-v2") -> ReaderNet:
        from transformers import AutoModel

        spec = resolve_model(model)
        body = AutoModel.from_pretrained(
            str(spec.path), attn_implementation="eager", local_files_only=True
        )
        net = cls(body, pair_tokenizer(spec.path))
        layers = body.encoder.layer
        for name, param in net.named_parameters():
            top = any(name.startswith(f"body.encoder.layer.{i}.") for i in _top(len(layers)))
            param.requires_grad = trainable and (top or name.startswith("head."))
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


def _top(layers: int) -> range:
    return range(layers - TRAINED_LAYERS, layers)


def trained_state(net: ReaderNet) -> dict[str, Any]:
    """What ships: the trained layers and the head, in float16."""
    keep = tuple(f"body.encoder.layer.{i}." for i in _top(len(net.body.encoder.layer)))
    return {
        name: tensor.detach().to(torch.float16).contiguous()
        for name, tensor in net.state_dict().items()
        if name.startswith(keep) or name.startswith("head.")
    }


def save_trained(net: ReaderNet, folder: Path) -> Path:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reader.safetensors"
    save_file(trained_state(net), str(path))
    return path


def load_trained(folder: Path, model: str = "all-MiniLM-L6-v2") -> ReaderNet:
    from safetensors.torch import load_file

    net = ReaderNet.from_packaged(model=model)
    state = {
        k: v.to(torch.float32) for k, v in load_file(str(folder / "reader.safetensors")).items()
    }
    missing = set(state) - set(net.state_dict())
    if missing:
        raise ValueError(f"reader weights name unknown tensors: {sorted(missing)[:3]}")
    net.load_state_dict(state, strict=False)
    return net.eval()


__all__ = ["MAX_PAIR_TOKENS", "ReaderNet", "load_trained", "save_trained", "trained_state"]
