"""Where the shipped reader lives and how its input is tokenised (no torch here)."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer

READER_DIR = Path(__file__).resolve().parent / "reader_model"
TRAINED_LAYERS = 2  # the top layers of the packaged model that the reader retrains
MAX_PAIR_TOKENS = 160  # [CLS] question [SEP] text [SEP], the longer side cut first


def pair_tokenizer(model_dir: Path) -> Tokenizer:
    """The packaged model's tokenizer set up for pairs: cut to ``MAX_PAIR_TOKENS``, padded."""
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_PAIR_TOKENS, strategy="longest_first")
    tokenizer.enable_padding()
    return tokenizer
