"""Token-aware, sentence-aligned chunking with exact character offsets.

Every chunk satisfies ``article.text[chunk.start:chunk.end] == chunk.text`` and its embedded
input (title prefix + chunk text + special tokens) fits the model's window, measured with the
model's own tokenizer. Chunks end on sentence boundaries; a sentence longer than the budget is
cut between words. Consecutive chunks share up to ``overlap_tokens`` of whole sentences.

Tokens alone do not bound a passage: the tokenizer reads a run of letters without spaces (Thai,
Lao, Khmer, Burmese, or hostile input) as one ``[UNK]``, so a 1,000,000-character line is one
token. Every chunk is therefore also at most ``max_chars`` characters: a piece longer than that
is cut at white space when there is some, else between characters (never before a combining
mark), and counted with the tokenizer on its own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

from tokenizers import Tokenizer

from index.records import Article, Chunk
from index.settings import IndexSettings
from index.text.sentences import sentence_spans
from index.text.tokenization import SPECIAL_TOKENS, TokenMap

CHUNKER_VERSION = 2  # 2: chunks are also bounded in characters (max_chars)
MIN_BODY_TOKENS = 32
OVERLAP_CHARS_PER_TOKEN = 8
GLUE_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Cf"})  # never cut before these (marks, joiners)


@dataclass(frozen=True)
class ChunkerConfig:
    max_tokens: int = IndexSettings.chunk_tokens  # the embedded input, title prefix included
    overlap_tokens: int = IndexSettings.overlap_tokens
    max_title_tokens: int = 48
    max_chars: int = 2048  # ~8 characters a token: English passages of 256 tokens stay far below
    version: int = CHUNKER_VERSION

    def to_dict(self) -> dict[str, int]:
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
            pieces = (
                [_Unit(start, end, n)]
                if n <= budget
                else _split_long(text, tokens, start, end, budget)
            )
            for piece in pieces:
                if piece.end - piece.start <= self.config.max_chars:
                    units.append(piece)
                else:
                    units.extend(self._split_chars(text, piece, budget))
        return units

    def _split_chars(self, text: str, unit: _Unit, budget: int) -> list[_Unit]:
        """Cut a unit longer than ``max_chars`` characters (one that the tokenizer reads as
        a few ``[UNK]``s) at white space if any, else between characters; each piece is counted
        by the tokenizer alone and cut further while over the token budget."""
        pieces: list[_Unit] = []
        pos, limit = unit.start, self.config.max_chars
        while pos < unit.end:
            end = _char_cut(text, pos, min(pos + limit, unit.end), unit.end)
            n = len(self.tokenizer.encode(text[pos:end], add_special_tokens=False).ids)
            if n > budget and end - pos > 1:  # dense script within the window: halve it
                limit = max(1, (end - pos) // 2)
                continue
            trimmed = len(text[pos:end].rstrip())
            pieces.append(_Unit(pos, pos + trimmed, n))
            pos = end
            while pos < unit.end and text[pos].isspace():
                pos += 1
            limit = self.config.max_chars
        return [p for p in pieces if p.end > p.start]

    def _pack(self, units: list[_Unit], budget: int) -> list[tuple[int, int, int]]:
        spans: list[tuple[int, int, int]] = []
        first, max_chars = 0, self.config.max_chars
        while first < len(units):
            last, total = first, units[first].tokens
            while (
                last + 1 < len(units)
                and total + units[last + 1].tokens <= budget
                and units[last + 1].end - units[first].start <= max_chars
            ):
                last += 1
                total += units[last].tokens
            spans.append((units[first].start, units[last].end, total))
            if last + 1 >= len(units):
                break
            first = self._overlap_start(units, first, last)
        return spans

    def _overlap_start(self, units: list[_Unit], first: int, last: int) -> int:
        """First unit of the next chunk: trailing units of this one within the overlap (in
        tokens, and in characters: ``overlap_tokens`` at ~8 characters a token)."""
        start, carried = last + 1, 0
        max_chars = self.config.overlap_tokens * OVERLAP_CHARS_PER_TOKEN
        while (
            start - 1 > first
            and carried + units[start - 1].tokens <= self.config.overlap_tokens
            and units[last].end - units[start - 1].start <= max_chars
        ):
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
        # the sentence's own ends, not its first and last tokens': characters the tokenizer
        # ignores (control characters) stay in the passage
        piece_start = tokens.starts[first] if pieces else start
        piece_end = end if cut == stop else tokens.ends[cut - 1]
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


def _char_cut(text: str, start: int, cut: int, end: int) -> int:
    """Where a piece from ``start`` ends at most at ``cut``: after the last white space of its
    second half, else at ``cut`` moved back off combining marks and joiners."""
    if cut >= end:
        return end
    space = max(text.rfind(" ", start, cut), text.rfind("\n", start, cut))
    if space > start + (cut - start) // 2:
        return space + 1
    while cut > start + 1 and unicodedata.category(text[cut]) in GLUE_CATEGORIES:
        cut -= 1
    return cut
