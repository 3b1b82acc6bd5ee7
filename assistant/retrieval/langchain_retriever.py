"""newsrag's retriever as a LangChain ``BaseRetriever``: drop it into any LangChain chain.

Each ``Document`` carries the passage text and, in its metadata, the citation key, article
metadata, offsets and scores.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.requests import SearchMode
from assistant.retrieval.retriever import Retriever
from index import SearchHit
from index.filters import SearchFilters


def hit_to_document(hit: SearchHit) -> Document:
    meta = hit.article
    return Document(
        page_content=hit.text,
        metadata={
            "citation": hit.citation,
            "rank": hit.rank,
            "score": hit.score,
            "scores": dict(hit.scores),
            "article_id": meta.id,
            "title": meta.title,
            "source": meta.source,
            "published_at": meta.published_at,
            "url": meta.url,
            "authors": list(meta.authors),
            "copies": list(meta.copies),
            "start": hit.start,
            "end": hit.end,
            "chunk_id": hit.chunk_id,
        },
    )


class NewsragRetriever(BaseRetriever):
    """``NewsragRetriever(retriever=Retriever(index), k=5).invoke("question")``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any  # assistant.retrieval.Retriever (Any keeps pydantic from inspecting it)
    k: int = 10
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        engine: Retriever = self.retriever
        hits = engine.search(query, k=self.k, mode=self.mode, filters=self.filters)
        return [hit_to_document(h) for h in hits]
