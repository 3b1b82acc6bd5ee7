"""Where the shipped reader lives and how its input is tokenised (no torch here)."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer

READER_DIR = Path(__file__).resolve().parent / "reader_model"
TRAINED_LAYERS = 2  # the top layers of the packaged model that the reader retrains
MAX_PAIR_TOKENS = 160  # [CLS] question [SEP] text [SEP], the longer side cut first
PASSAGE_TOKENS = 256  # the same for a passage (a chunk is at most 256 tokens with its title)


def weight_files(folder: Path) -> list[Path]:
    """The reader's weight files in ``folder``: ``reader.safetensors``, or its parts
    ``reader-1.safetensors``, ``reader-2.safetensors``… in order (empty: no reader)."""
    single = folder / "reader.safetensors"
    if single.exists():
        return [single]
    parts = [p for p in folder.glob("reader-*.safetensors") if p.stem[7:].isdigit()]
    return sorted(parts, key=lambda p: int(p.stem[7:]))


def pair_tokenizer(model_dir: Path, max_tokens: int = MAX_PAIR_TOKENS) -> Tokenizer:
    """The packaged model's tokenizer set up for pairs: cut to ``max_tokens``, padded."""
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_tokens, strategy="longest_first")
    tokenizer.enable_padding()
    return tokenizer
