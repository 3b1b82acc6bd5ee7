"""Encoding: passages and queries to vectors, and the vector cache. Its Protocol is
``embedding.Encoder`` (``encode_query``, ``encode_documents``, ``encode_sentences``, ``name``,
``dim``, ``spec``): ``embedding.Embedder`` is the real one over the packaged model (torch or ONNX
Runtime, ``onnx_encoder``; the models it may load, ``model_sources``); ``ann.VectorIndex`` is the
FAISS cache (flat, IVF-PQ or HNSW) rebuilt from the catalog when stale.
"""
