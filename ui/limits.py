"""Bounds of the numbers the interfaces accept beyond a request's own (``assistant.ASK_K`` and
``SEARCH_K`` are the request's), written once for the CLI and the HTTP API."""

from __future__ import annotations

CONTEXT_CHARS = (0, 5000)  # characters shown around a cited passage
LIST_LIMIT = (1, 1000)  # articles per page of the library
LIST_OFFSET = (0, 1_000_000_000)  # far past any index, far below SQLite's 64-bit integers
PORT = (1, 65535)
CHUNK_TOKENS = (64, 512)
OVERLAP_TOKENS = (0, 256)
