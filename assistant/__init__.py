"""newsrag's assistant: retrieve, rerank, answer and cite over an index.

The public API the CLI, HTTP API and chat use: ``Assistant`` (search now; ask comes with the
answering engine), ``SearchMode`` and the errors they raise.
"""

from assistant.retrieval import QueryError, RetrievalOptions, Retriever, SearchMode, SearchResult
from assistant.service import Assistant
from index.filters import FilterError, SearchFilters

__all__ = [
    "Assistant",
    "FilterError",
    "QueryError",
    "RetrievalOptions",
    "Retriever",
    "SearchFilters",
    "SearchMode",
    "SearchResult",
]
