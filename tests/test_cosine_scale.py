"""The cosine map that puts multilingual-e5-small on all-MiniLM-L6-v2's scale (the answer
engine's thresholds were fitted on MiniLM): monotone, identity for other encoders."""

from __future__ import annotations

import numpy as np
import pytest

from index.encoding.cosine_scale import E5_KNOTS, on_reference_scale

pytestmark = pytest.mark.unit


def test_the_map_keeps_order_and_hits_its_knots() -> None:
    grid = np.linspace(-1, 1, 401)
    mapped = on_reference_scale("multilingual-e5-small", grid)
    assert np.all(np.diff(mapped) >= 0) and mapped.min() >= -1 and mapped.max() <= 1
    x, y = zip(*E5_KNOTS, strict=True)
    assert np.allclose(on_reference_scale("multilingual-e5-small", np.array(x)), y)
    assert float(on_reference_scale("multilingual-e5-small", 0.70)) < 0.0  # unrelated: far


def test_other_encoders_are_on_the_scale_already() -> None:
    values = np.array([-0.3, 0.1, 0.8])
    assert np.array_equal(on_reference_scale("all-MiniLM-L6-v2", values), values)
