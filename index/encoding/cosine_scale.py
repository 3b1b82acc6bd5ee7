"""Cosines on all-MiniLM-L6-v2's scale, whatever the encoder: the answer engine's weights and
thresholds (a sentence's similarity to the question, two sentences agreeing, the timeline's
topic floor) were fitted on MiniLM's cosines, and multilingual-e5-small puts every pair higher
(unrelated text near 0.7). Its cosines pass through a monotone piecewise-linear map: quantile
matching of the two encoders over the same 9,418 (question, sentence) pairs of rtqa-train
(``bench/similarity_map.py --questions 300``; dev never read). Rankings by one encoder never
change; only what the thresholds see does. An encoder without a map is on the scale already."""

from __future__ import annotations

import numpy as np

E5_KNOTS = (  # (e5 cosine, MiniLM cosine at the same quantile), 0 %, 5 %, ..., 100 %
    (0.671, -0.1776), (0.7264, 0.0073), (0.7377, 0.0466), (0.7454, 0.0763), (0.7522, 0.1041),
    (0.7581, 0.1314), (0.7636, 0.1583), (0.7693, 0.1881), (0.7749, 0.2156), (0.7804, 0.2451),
    (0.7862, 0.2734), (0.7917, 0.301), (0.7978, 0.3297), (0.8037, 0.3604), (0.8103, 0.3898),
    (0.8173, 0.4241), (0.8256, 0.4638), (0.8354, 0.5125), (0.8472, 0.5624), (0.8651, 0.6351),
    (0.9479, 0.8954),
)  # fmt: skip
COSINE_MAPS: dict[str, tuple[tuple[float, float], ...]] = {"multilingual-e5-small": E5_KNOTS}


def on_reference_scale(encoder_name: str, cosines: np.ndarray | float) -> np.ndarray:
    """``cosines`` of encoder ``encoder_name`` as MiniLM would put them (beyond the last knots,
    the end segments continue, capped to [-1, 1])."""
    values = np.asarray(cosines, dtype=np.float64)
    knots = COSINE_MAPS.get(encoder_name)
    if knots is None:
        return values
    x, y = (np.array(side) for side in zip(*knots, strict=True))
    mapped = np.interp(values, x, y)
    low, high = values < x[0], values > x[-1]
    slope_low = (y[1] - y[0]) / (x[1] - x[0])
    slope_high = (y[-1] - y[-2]) / (x[-1] - x[-2])
    mapped = np.where(low, y[0] + (values - x[0]) * slope_low, mapped)
    mapped = np.where(high, y[-1] + (values - x[-1]) * slope_high, mapped)
    return np.clip(mapped, -1.0, 1.0)


# per encoder and language: where the encoder puts an English question against a sentence in
# that language, and where against the same sentence in English — the medians over unrelated
# and over matching pairs of a calibration set of 30 rtqa-train questions with hand-translated
# answering sentences (``bench/across_languages.py``): a line through the two knots maps one onto
# the other (a translation costs a matching pair more than an unrelated one). "*": their mean,
# for the languages not calibrated.
ACROSS_KNOTS: dict[str, dict[str, tuple[tuple[float, float], tuple[float, float]]]] = {
    "multilingual-e5-small": {
        "uk": ((0.7111, 0.74), (0.8106, 0.8663)),
        "ru": ((0.7136, 0.74), (0.8105, 0.8663)),
        "de": ((0.7206, 0.74), (0.8184, 0.8663)),
        "fr": ((0.721, 0.74), (0.8148, 0.8663)),
        "es": ((0.7228, 0.74), (0.8182, 0.8663)),
        "zh": ((0.7088, 0.74), (0.7931, 0.8663)),
        "ja": ((0.7138, 0.74), (0.7939, 0.8663)),
        "*": ((0.7160, 0.74), (0.8085, 0.8663)),
    }
}


def across_languages(
    encoder_name: str, cosines: np.ndarray, languages: list[str | None]
) -> np.ndarray:
    """``cosines`` of sentences in ``languages`` (None: the question's own, unchanged) as the
    encoder would put the same sentences in the question's language (an encoder without a
    calibration: unchanged)."""
    values = np.asarray(cosines, dtype=np.float64).copy()
    maps = ACROSS_KNOTS.get(encoder_name)
    if not maps:
        return values
    for i, language in enumerate(languages):
        if language:
            (x0, y0), (x1, y1) = maps.get(language, maps["*"])
            values[i] = y0 + (values[i] - x0) * (y1 - y0) / (x1 - x0)
    return values
