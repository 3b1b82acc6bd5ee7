"""Model loaders: the optional trained reader (``reader``, its files and network) and the chat
models the llm engine writes with (``llm_providers``, ``local_llm``).

Their Protocols: ``reader.Reader`` (``score(question, sentences) -> logits``) and a LangChain
``BaseChatModel`` from ``llm_providers.PROVIDERS`` by name.
"""
