"""Which ``Encoder`` runs a model: a registry keyed by ``ModelSpec.engine``, so the index, the
ingest workers and the server build the right one from settings alone."""

from __future__ import annotations

from collections.abc import Callable

from index.encoding.embedding import Embedder, Encoder
from index.encoding.model_sources import E5_ENGINE, resolve_model
from index.settings import IndexSettings


def _e5(settings: IndexSettings) -> Encoder:
    from index.encoding.e5_encoder import E5Encoder

    return E5Encoder.from_settings(settings)


ENCODERS: dict[str, Callable[[IndexSettings], Encoder]] = {
    "sentence-transformers": Embedder.from_settings,
    E5_ENGINE: _e5,
}


def encoder_for(settings: IndexSettings) -> Encoder:
    """The encoder for ``settings.model`` (a packaged name or a local directory)."""
    return ENCODERS[resolve_model(settings.model).engine](settings)
