"""Rerankers: an optional stage over the top fused hits (``NEWSRAG_RERANK``).

No cross-encoder is packaged for these machines, so the built-in one rescores each passage by
its best sentence's similarity to the question with the packaged embedder (sentence-level
max-sim); a real cross-encoder plugs in through ``CrossEncoderReranker`` when one is given
(``NEWSRAG_RERANK=cross-encoder:/path/to/model``). Either way the new order is fused with the
retrieval order by reciprocal rank, so one noisy signal cannot throw away a strong hit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from index import SearchHit
from index.encoding.embedding import Encoder
from index.text.sentences import sentence_spans

MIN_WORDS = 4


class Reranker(Protocol):
    name: str

    def scores(self, query: str, hits: Sequence[SearchHit]) -> list[float]:
        """One relevance score per hit, higher is better."""
        ...


class SentenceMaxSimReranker:
    name = "sentence"

    def __init__(self, embedder: Encoder) -> None:
        self.embedder = embedder

    def scores(self, query: str, hits: Sequence[SearchHit]) -> list[float]:
        owners: list[int] = []
        sentences: list[str] = []
        for i, hit in enumerate(hits):
            for s, e in sentence_spans(hit.text):
                if len(hit.text[s:e].split()) >= MIN_WORDS:
                    owners.append(i)
                    sentences.append(hit.text[s:e])
        best = [-1.0] * len(hits)
        if not sentences:
            return best
        similarity = self.embedder.encode_sentences(sentences) @ self.embedder.encode_query(query)
        for owner, value in zip(owners, similarity.tolist(), strict=True):
            best[owner] = max(best[owner], value)
        return best


class CrossEncoderReranker:
    """Any model with ``predict(list[(query, passage)]) -> scores`` (sentence-transformers'
    ``CrossEncoder`` and most rerankers)."""

    name = "cross-encoder"

    def __init__(self, model: Any) -> None:
        self.model = model

    @classmethod
    def load(cls, path: str) -> CrossEncoderReranker:
        from sentence_transformers import CrossEncoder

        return cls(CrossEncoder(path, local_files_only=True))

    def scores(self, query: str, hits: Sequence[SearchHit]) -> list[float]:
        return [float(s) for s in self.model.predict([(query, h.text) for h in hits])]


def make_reranker(spec: str, embedder: Encoder) -> Reranker | None:
    """``none`` | ``sentence`` | ``cross-encoder:<model dir>``."""
    kind, _, path = spec.partition(":")
    if kind in ("", "none"):
        return None
    if kind == "sentence":
        return SentenceMaxSimReranker(embedder)
    if kind == "cross-encoder" and path:
        return CrossEncoderReranker.load(path)
    raise ValueError(f"NEWSRAG_RERANK={spec!r}: use none, sentence or cross-encoder:<model dir>")


def rerank(
    reranker: Reranker, query: str, hits: list[SearchHit], weight: float, k: int = 60
) -> list[SearchHit]:
    """Hits reordered by ``1/(k + retrieval rank) + weight/(k + reranker rank)``."""
    if len(hits) < 2:
        return hits
    scores = reranker.scores(query, hits)
    by_model = np.argsort(-np.asarray(scores), kind="stable")
    model_rank = {int(i): r for r, i in enumerate(by_model, start=1)}
    fused = [1.0 / (k + i + 1) + weight / (k + model_rank[i]) for i in range(len(hits))]
    order = sorted(range(len(hits)), key=lambda i: -fused[i])
    return [
        replace(hits[i], score=fused[i], scores={**hits[i].scores, reranker.name: scores[i]})
        for i in order
    ]
