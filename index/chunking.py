"""Token-aware, sentence-aligned chunking with exact character offsets.

Every chunk satisfies ``article.text[chunk.start:chunk.end] == chunk.text`` and its embedded
input (title prefix + chunk text + special tokens) fits the model's window, measured with the
model's own tokenizer. Chunks end on sentence boundaries; a sentence longer than the budget is
cut between words. Consecutive chunks share up to ``overlap_tokens`` of whole sentences.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tokenizers import Tokenizer

from index.records import Article, Chunk
from index.sentences import sentence_spans
from index.tokenization import SPECIAL_TOKENS, TokenMap

CHUNKER_VERSION = 1
MIN_BODY_TOKENS = 32


@dataclass(frozen=True)
class ChunkerConfig:
    max_tokens: int = 256  # the embedded input, title prefix and special tokens included
    overlap_tokens: int = 32
    max_title_tokens: int = 48
    version: int = CHUNKER_VERSION

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


class Chunker:
    def __init__(self, tokenizer: Tokenizer, config: ChunkerConfig) -> None:
        if config.max_tokens - SPECIAL_TOKENS - config.max_title_tokens < MIN_BODY_TOKENS:
            raise ValueError(f"chunk window of {config.max_tokens} tokens is too small")
        self.tokenizer = tokenizer
        self.config = config

    def title_prefix(self, title: str) -> str:
        """The title as prepended to every embedded chunk, cut to ``max_title_tokens``."""
        title = " ".join(title.split())
        if not title:
            return ""
        encoding = self.tokenizer.encode(title, add_special_tokens=False)
        if len(encoding.ids) > self.config.max_title_tokens:
            title = title[: encoding.offsets[self.config.max_title_tokens - 1][1]]
        return title + "\n"

    def embed_text(self, title: str, chunk_text: str) -> str:
        return self.title_prefix(title) + chunk_text

    def chunk(self, article: Article) -> list[Chunk]:
        prefix = self.title_prefix(article.title)
        prefix_tokens = len(self.tokenizer.encode(prefix, add_special_tokens=False).ids)
        budget = self.config.max_tokens - SPECIAL_TOKENS - prefix_tokens
        tokens = TokenMap(self.tokenizer, article.text)
        units = self._units(article.text, tokens, budget)
        spans = self._pack(units, budget)
        return [
            Chunk(
                article_id=article.id,
                ordinal=i,
                start=s,
                end=e,
                text=article.text[s:e],
                n_tokens=SPECIAL_TOKENS + prefix_tokens + n,
            )
            for i, (s, e, n) in enumerate(spans)
        ]

    def _units(self, text: str, tokens: TokenMap, budget: int) -> list[_Unit]:
        units: list[_Unit] = []
        for start, end in sentence_spans(text):
            n = tokens.count(start, end)
            if n <= budget:
                units.append(_Unit(start, end, n))
            else:
                units.extend(_split_long(text, tokens, start, end, budget))
        return units

    def _pack(self, units: list[_Unit], budget: int) -> list[tuple[int, int, int]]:
        spans: list[tuple[int, int, int]] = []
        first = 0
        while first < len(units):
            last, total = first, units[first].tokens
            while last + 1 < len(units) and total + units[last + 1].tokens <= budget:
                last += 1
                total += units[last].tokens
            spans.append((units[first].start, units[last].end, total))
            if last + 1 >= len(units):
                break
            first = self._overlap_start(units, first, last)
        return spans

    def _overlap_start(self, units: list[_Unit], first: int, last: int) -> int:
        """First unit of the next chunk: trailing units of this one within the overlap."""
        start, carried = last + 1, 0
        while start - 1 > first and carried + units[start - 1].tokens <= self.config.overlap_tokens:
            start -= 1
            carried += units[start].tokens
        return start


def _split_long(text: str, tokens: TokenMap, start: int, end: int, budget: int) -> list[_Unit]:
    """Cut an over-long sentence into pieces of at most ``budget`` tokens, between words."""
    pieces: list[_Unit] = []
    first = tokens.first_index(start)
    stop = tokens.first_index(end)
    while first < stop:
        cut = min(first + budget, stop)
        if cut < stop:
            cut = _word_cut(text, tokens, first, cut)
        piece_start, piece_end = tokens.starts[first], tokens.ends[cut - 1]
        pieces.append(_Unit(piece_start, piece_end, cut - first))
        first = cut
    return pieces


def _word_cut(text: str, tokens: TokenMap, first: int, cut: int) -> int:
    """Move ``cut`` back to a token that starts a word (not a ``##`` piece), if one is near."""
    floor = first + max(1, (cut - first) * 2 // 3)
    for candidate in range(cut, floor, -1):
        begin = tokens.starts[candidate]
        if begin > 0 and text[begin - 1].isspace():
            return candidate
    return cut
