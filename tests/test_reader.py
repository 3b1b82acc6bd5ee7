"""The reader's plumbing (assistant/models/reader.py): weights saved as the training script
saves them
(the full layout, in parts) load on top of the packaged model, export to ONNX once, score like
the torch module, do not depend on batch mates, and drive the extractive engine's sentence
choice. These tests save the packaged model's own layers with an untrained head, so they never
depend on which trained weights ship (or on an accelerator)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.engines.extractive import ExtractiveEngine
from assistant.models.reader import Reader, ReaderUnavailable, load_reader, reader_available
from assistant.retrieval.retriever import Retriever
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

    from assistant.models.reader_net import ReaderNet, save_trained

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("reader-weights")
    save_trained(ReaderNet.from_packaged(trainable=True, full=True), folder)
    return folder


@pytest.fixture(scope="module")
def reader(weights: Path, tmp_path_factory: pytest.TempPathFactory) -> Reader:
    return load_reader(tmp_path_factory.mktemp("reader-cache"), folder=weights)


def test_the_full_layout_ships_every_layer_but_the_word_embeddings_in_parts(
    weights: Path,
) -> None:
    from assistant.models.reader_files import weight_files
    from assistant.models.reader_net import stored_state

    assert reader_available(weights)
    files = weight_files(weights)
    assert [f.name for f in files] == ["reader-1.safetensors", "reader-2.safetensors"]
    assert all(f.stat().st_size < 16 * 1024 * 1024 for f in files)  # one file back from a GPU
    assert sum(f.stat().st_size for f in files) < 25 * 1024 * 1024  # fp16, no word embeddings
    names = set(stored_state(weights))
    assert {f"body.encoder.layer.{i}.output.dense.weight" for i in range(6)} <= names
    assert "head.weight" in names and "body.embeddings.position_embeddings.weight" in names
    assert not any("word_embeddings" in n or "pooler" in n for n in names)


def test_a_missing_part_is_a_clear_refusal(weights: Path, tmp_path: Path) -> None:
    import shutil

    from assistant.models.reader_net import load_trained

    folder = tmp_path / "one-part"
    shutil.copytree(weights, folder)
    (folder / "reader-2.safetensors").unlink()
    with pytest.raises(ValueError, match="expected 2"):
        load_trained(folder)
    with pytest.raises(ReaderUnavailable, match="expected 2"):
        load_reader(tmp_path / "cache", folder=folder)


def test_the_first_rounds_layout_still_loads(tmp_path: Path) -> None:
    """Top layers + LoRA (the first rounds' readers, and the baseline of this one)."""
    import torch

    from assistant.models.reader_net import ReaderNet, load_trained, save_trained

    torch.manual_seed(1)
    net = ReaderNet.from_packaged(trainable=True, lora_rank=2)
    with torch.no_grad():
        for name, param in net.named_parameters():
            if name.endswith("lora_b"):
                param.normal_(0, 0.01)  # a trained update, not the zero it starts from
        expected = net.eval().score([QUESTION] * len(TEXTS), TEXTS).numpy()
    paths = save_trained(net, tmp_path)
    assert [p.name for p in paths] == ["reader.safetensors"]
    with torch.no_grad():
        got = load_trained(tmp_path).score([QUESTION] * len(TEXTS), TEXTS).numpy()
    assert np.allclose(got, expected, atol=2e-2)  # float16 storage


def test_onnx_scores_match_the_torch_module(reader: Reader, weights: Path) -> None:
    import torch

    from assistant.models.reader_net import load_trained

    with torch.no_grad():
        expected = load_trained(weights).score([QUESTION] * len(TEXTS), TEXTS).numpy()
    assert np.allclose(reader.score(QUESTION, TEXTS), expected, atol=1e-4)


def test_passages_are_read_whole_as_trained(reader: Reader, weights: Path) -> None:
    """Passages are cut at PASSAGE_TOKENS (256), sentences at MAX_PAIR_TOKENS (160)."""
    import torch

    from assistant.models.reader import OnnxReader
    from assistant.models.reader_files import PASSAGE_TOKENS
    from assistant.models.reader_net import load_trained

    assert isinstance(reader, OnnxReader)
    passage = " ".join(TEXTS * 12)  # ~330 tokens
    net = load_trained(weights)
    net.tokenizer.enable_truncation(PASSAGE_TOKENS, strategy="longest_first")
    with torch.no_grad():
        expected = net.score([QUESTION], [passage]).numpy()
    got = reader.score_passages(QUESTION, [passage])
    assert np.allclose(got, expected, atol=1e-4)
    assert not np.allclose(reader.score(QUESTION, [passage]), got, atol=1e-4)


def test_scores_do_not_depend_on_batch_mates(reader: Reader) -> None:
    together = reader.score(QUESTION, TEXTS)
    alone = np.array([reader.score(QUESTION, [t])[0] for t in TEXTS])
    assert np.allclose(together, alone, atol=1e-4)


def test_no_weights_is_a_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(ReaderUnavailable, match="no reader weights"):
        load_reader(tmp_path, folder=tmp_path)


def test_the_readers_logit_joins_the_sentence_score(reader: Reader, sample_home: Path) -> None:
    index = NewsIndex.open(settings_for(sample_home).index)
    hits = Retriever(index).search(QUESTION, k=6)
    texts = {h.article.id: index.catalog.articles.article_text(h.article.id) or "" for h in hits}
    plain = ExtractiveEngine(Embedder())
    engine = ExtractiveEngine(Embedder(), reader=reader)  # no combiner: the logit at weight 1
    read, unread = engine.score(QUESTION, hits), plain.score(QUESTION, hits)
    logits = reader.score(QUESTION, [c.text for c in read])
    by_text = {c.text: c for c in unread}
    for cand, logit in zip(read, logits, strict=True):
        if cand.text in by_text:
            assert np.isclose(cand.score, by_text[cand.text].score + logit, atol=1e-4)
            assert np.isclose(cand.evidence, by_text[cand.text].evidence)  # abstention as before
    answer = engine.answer(QUESTION, hits, texts)
    assert answer.citations[0].quote == read[0].text
    index.close()


def test_a_combiner_sets_the_weights_and_must_name_every_feature(
    weights: Path, tmp_path: Path
) -> None:
    import json
    import shutil

    from assistant.engines.extractive import FEATURES
    from assistant.models.reader import read_combiner

    folder = tmp_path / "with-combiner"
    shutil.copytree(weights, folder)
    combiner = {name: float(i) for i, name in enumerate(FEATURES)} | {"reader": 0.5}
    (folder / "combiner.json").write_text(json.dumps({"weights": combiner}))
    reader = load_reader(tmp_path / "cache", folder=folder)
    engine = ExtractiveEngine(Embedder(), reader=reader)
    assert engine.w_reader == 0.5 and list(engine.ordering) == list(range(len(FEATURES)))
    assert read_combiner(folder) == combiner
    (folder / "combiner.json").write_text(json.dumps({"weights": {"reader": 1.0}}))
    with pytest.raises(ValueError, match="lacks weights"):
        ExtractiveEngine(Embedder(), reader=load_reader(tmp_path / "cache2", folder=folder))
