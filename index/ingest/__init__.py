"""Ingest: articles in, passages and vectors written. ``ingestor`` is the one writer
(``Ingestor``, ``ingest_paths``); ``embed_stage`` encodes beside it; ``sharding`` and
``ray_executor`` spread the encoding over local processes or Ray actors (an ``EmbedStage``:
``submit(batch)``, ``results()``); ``maintenance`` deletes and reindexes. Writes reach it
through ``index.library.Library``.
"""
