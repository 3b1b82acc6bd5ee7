"""The reader's plumbing (assistant/reader.py): weights saved as the training script saves them
load on top of the packaged model, export to ONNX once, score like the torch module, do not
depend on batch mates, and drive the extractive engine's sentence choice. No trained reader is
shipped yet (the first one did not beat the fitted scorer on dev: docs/BENCHMARKS.md), so these
tests save the packaged model's own top layers with an untrained head."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.extractive import ExtractiveConfig, ExtractiveEngine
from assistant.reader import Reader, ReaderUnavailable, load_reader, reader_available
from assistant.retrieval import Retriever
from index import Embedder, NewsIndex
from tests.conftest import settings_for

QUESTION = "How many drones did Russia launch?"
TEXTS = [
    "The Russian Ministry of Defense confirmed a large-scale attack with 188 drones.",
    "Five drones instead headed towards Belarus.",
    "February 16 was designated by US intelligence as the day of Russia's potential attack.",
]


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from assistant.reader_net import ReaderNet, save_trained

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("reader-weights")
    save_trained(ReaderNet.from_packaged(trainable=True), folder)
    return folder


@pytest.fixture(scope="module")
def reader(weights: Path, tmp_path_factory: pytest.TempPathFactory) -> Reader:
    return load_reader(tmp_path_factory.mktemp("reader-cache"), folder=weights)


def test_only_the_trained_part_is_saved(weights: Path) -> None:
    assert reader_available(weights)
    assert (weights / "reader.safetensors").stat().st_size <= 10 * 1024 * 1024


def test_onnx_scores_match_the_torch_module(reader: Reader, weights: Path) -> None:
    import torch

    from assistant.reader_net import load_trained

    with torch.no_grad():
        expected = load_trained(weights).score([QUESTION] * len(TEXTS), TEXTS).numpy()
    assert np.allclose(reader.score(QUESTION, TEXTS), expected, atol=1e-4)


def test_scores_do_not_depend_on_batch_mates(reader: Reader) -> None:
    together = reader.score(QUESTION, TEXTS)
    alone = np.array([reader.score(QUESTION, [t])[0] for t in TEXTS])
    assert np.allclose(together, alone, atol=1e-4)


def test_no_weights_is_a_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(ReaderUnavailable, match="no reader weights"):
        load_reader(tmp_path, folder=tmp_path)


def test_the_engine_quotes_the_readers_best_sentence(reader: Reader, sample_home: Path) -> None:
    index = NewsIndex.open(settings_for(sample_home))
    hits = Retriever(index).search(QUESTION, k=6)
    texts = {h.article.id: index.catalog.article_text(h.article.id) or "" for h in hits}
    config = replace(ExtractiveConfig(), reader_threshold=-1e9)
    engine = ExtractiveEngine(Embedder(), config, reader=reader)
    candidates = engine.score(QUESTION, hits)
    answer = engine.answer(QUESTION, hits, texts)
    assert not answer.abstained and len(answer.citations) == 1
    assert answer.citations[0].quote == candidates[0].text
    logits = reader.score(QUESTION, [c.text for c in candidates])
    assert np.isclose(candidates[0].score, logits.max(), atol=1e-4)
    index.close()
