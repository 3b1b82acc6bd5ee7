"""The assistant's settings: how to retrieve (``RetrievalSettings``) and how to answer
(``AnswerSettings``), each field read from ``NEWSRAG_<FIELD>``; ``AssistantSettings`` puts them
beside the index's. Defaults are written once, here."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Self, get_type_hints

from index.settings import EnvSettings, IndexSettings, Secret


@dataclass(frozen=True)
class RetrievalSettings(EnvSettings):
    candidates: int = 50  # dense and keyword lists fused, each this long
    candidate_pool: int = 200  # each backend's list before the cut; as-of recent lists come from it
    rrf_k: int = 60
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    per_article: int = 2  # at most this many passages of one article in a result list
    time_weight: float = 1.0  # strength of the as-of recency prior, in RRF units of rank 1
    time_half_life_days: float = 7.0
    recent_days: int = 7  # with as_of: candidates of these days before it are fused as extra lists
    recent_weight: float = 1.0  # weight of those recent lists (0 turns them off)
    dedup: bool = True  # fold near-duplicate passages of other articles into one hit
    rerank: str = "none"  # none | sentence | cross-encoder:<model dir> (retrieval/rerank.py)
    rerank_depth: int = 25  # hits the reranker (if any) reorders before the cut to k
    rerank_weight: float = 1.0

    @property
    def pool(self) -> int:
        """How many each backend returns (never fewer than are fused)."""
        return max(self.candidates, self.candidate_pool)


@dataclass(frozen=True)
class AnswerSettings(EnvSettings):
    reader: str = "none"  # none | shipped: the trained reader picks answer sentences
    short_answers: bool = True  # the extractive answer leads with its short answer when clear
    # the optional llm answer engine (assistant/models/llm_providers.py)
    llm_provider: str = "none"  # none | local (embedded 1.5B) | openai (any OpenAI-compatible
    # server) | gguf (a local file through transformers)
    llm_model: str = ""  # model name for openai; a .gguf path, or "smollm2", for gguf
    llm_base_url: str = ""  # e.g. http://127.0.0.1:11434/v1 for Ollama
    llm_api_key: Secret | None = None
    llm_max_tokens: int = 160
    llm_timeout_s: float = 60.0  # a reply slower than this falls back to the extractive answer


@dataclass(frozen=True)
class AssistantSettings:
    """The index's settings and the assistant's, each section read from the same variables."""

    index: IndexSettings = field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    answers: AnswerSettings = field(default_factory=AnswerSettings)

    @classmethod
    def from_env(cls, env: Any = None, **overrides: Any) -> Self:
        """Every section from ``NEWSRAG_*`` variables; each keyword override (a field name of
        any section, e.g. ``home=``, ``port=``) goes to the section that has that field."""
        by_section = cls._by_section(overrides)
        sections: dict[str, Any] = {
            name: kind.from_env(env, **by_section.get(name, {}))
            for name, kind in cls._sections().items()
        }
        return cls(**sections)

    def with_values(self, **values: Any) -> Self:
        """A copy with the named fields changed, each in the section that has it."""
        changed = {
            name: replace(getattr(self, name), **mine)
            for name, mine in self._by_section(values).items()
        }
        return replace(self, **changed)

    @classmethod
    def _by_section(cls, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """``values`` (field name → value) grouped by the section that has each field."""
        owners = cls._owners()
        unknown = set(values) - set(owners)
        if unknown:
            raise TypeError(f"no setting named {', '.join(sorted(unknown))}")
        grouped: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            grouped.setdefault(owners[key], {})[key] = value
        return grouped

    @classmethod
    def _sections(cls) -> dict[str, type[EnvSettings]]:
        hints = get_type_hints(cls)
        return {f.name: hints[f.name] for f in fields(cls)}

    @classmethod
    def _owners(cls) -> dict[str, str]:
        """Field name -> the section that has it (a name is in exactly one section)."""
        owners: dict[str, str] = {}
        for section, kind in cls._sections().items():
            for name in kind.field_names():
                if name in owners:
                    raise TypeError(f"setting {name!r} is in {owners[name]} and {section}")
                owners[name] = section
        return owners
