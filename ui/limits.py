"""Bounds of every number a request or a command line may carry, written once for both."""

from __future__ import annotations

SEARCH_K = (1, 100)  # hits per search
ASK_K = (1, 50)  # passages read per answer
CONTEXT_CHARS = (0, 5000)  # characters shown around a cited passage
LIST_LIMIT = (1, 1000)  # articles per page of the library
LIST_OFFSET = (0, 1_000_000_000)  # far past any index, far below SQLite's 64-bit integers
PORT = (1, 65535)
CHUNK_TOKENS = (64, 512)
OVERLAP_TOKENS = (0, 256)
