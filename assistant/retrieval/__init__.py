"""Retrieval: the passages a question is answered from. ``retriever.Retriever`` runs hybrid,
time-aware search over an index (dense and keyword results fused, ``fusion``; spread over
articles, ``diversity``; optionally re-ranked, ``rerank``; as of a day, ``as_of_versions``);
``stories.Stories`` finds the stories those passages belong to; ``langchain_retriever`` offers
the same search as a LangChain retriever.

Its Protocol is the reranker's (``rerank.Reranker``): ``rerank(query, hits) -> hits``, chosen by
name from ``rerank.RERANKERS``.
"""
