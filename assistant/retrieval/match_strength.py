"""When a search hit is only "the closest" and not a match: search's "nothing matches well".

A hit is weak when keyword search did not find it (no query word in the passage) and its
embedding similarity to the query — on MiniLM's scale whatever the encoder
(``index.encoding.cosine_scale``) — is below the answer engine's floor (``ExtractiveConfig
.min_similarity``: below it the engine abstains). The Search tab says "Nothing matches … well"
when every hit is weak; a watchlist (``assistant.watch``) keeps no weak hit as an item.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.encoding.cosine_scale import on_reference_scale
from index.records import SearchHit
from index.settings import DEFAULT_MODEL

WEAK_SIMILARITY = 0.25  # ExtractiveConfig.min_similarity: below it a passage is only "closest"


def weak_hit(hit: SearchHit, model: str = DEFAULT_MODEL) -> bool:
    """No query word in the passage and a low embedding similarity (``model``: the index's
    encoder, whose cosines are read on MiniLM's scale)."""
    if "keyword" in hit.scores:
        return False
    return float(on_reference_scale(model, hit.scores.get("dense", 0.0))) < WEAK_SIMILARITY


def nothing_matches_well(hits: Sequence[SearchHit], model: str = DEFAULT_MODEL) -> bool:
    """Every hit is weak (none at all counts too)."""
    return all(weak_hit(h, model) for h in hits)
