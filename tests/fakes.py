"""Deterministic stand-ins for the fast unit tier (``pytest -m unit``): no model weights, no
torch. Everything else in a unit test is real (SQLite, FAISS, the chunker's tokenizer, the
engines' code); the integration tier runs the same code on the real packaged model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from index.encoding.model_sources import ModelSpec, resolve_model
from index.settings import DEFAULT_MODEL

_WORD = re.compile(r"\w+")


class HashEncoder:
    """``index.Encoder`` by hashing: each lower-cased word picks one dimension and a sign, a
    text is the normalised sum of its words, so texts that share words are close (a keyword
    model). Chunking still counts the packaged model's tokens (its tokenizer file only); the
    name differs from the real model's, so an index built with it refuses the real one."""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        real = resolve_model(model)
        self.spec = ModelSpec(f"hash-{real.name}", real.path, real.dim, real.max_tokens)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def dim(self) -> int:
        return self.spec.dim

    def _one(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dim
            vector[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def encode_query(self, text: str) -> np.ndarray:
        return self._one(text)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def encode_sentences(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_documents(texts)


class ScriptedChatModel(FakeListChatModel):
    """A LangChain chat model that replies with ``responses`` in turn, streamed a few
    characters at a time (as a real model's tokens arrive), optionally failing instead."""

    fail_with: str | None = None
    piece: int = 4

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        if self.fail_with:
            raise TimeoutError(self.fail_with)
        from langchain_core.messages import AIMessageChunk
        from langchain_core.outputs import ChatGenerationChunk

        reply = self.responses[self.i % len(self.responses)]
        self.i += 1
        for at in range(0, len(reply), self.piece):
            yield ChatGenerationChunk(message=AIMessageChunk(content=reply[at : at + self.piece]))
