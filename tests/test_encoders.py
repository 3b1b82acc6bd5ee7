"""Encoder backends agree: ONNX fp32 queries match torch; int8 ONNX documents stay ≥ 0.99."""

from __future__ import annotations

import numpy as np

from index import Embedder
from index.encoding.embedding import cpu_has_amx
from index.settings import EncoderBackend, Precision
from tests.conftest import SAMPLE

QUESTION = "How many drones did Russia launch against Ukraine in the attack last week?"


def _passages() -> list[str]:
    text = (SAMPLE / "000_ed452931e0cea98c.txt").read_text()
    return [p for p in text.split("\n\n") if len(p) > 200][:8]


def test_onnx_query_matches_torch(embedder: Embedder) -> None:
    """fp32 against fp32: forced, since AUTO runs torch in bf16 on CPUs with bf16 units."""
    torch_only = Embedder(backend=EncoderBackend.TORCH, precision=Precision.FP32)
    onnx = Embedder(backend=EncoderBackend.ONNX)
    assert float(torch_only.encode_query(QUESTION) @ onnx.encode_query(QUESTION)) > 0.9999
    docs = _passages()
    cos = np.sum(torch_only.encode_documents(docs) * onnx.encode_documents(docs), axis=1)
    assert cos.min() > 0.9999 and onnx.document_path == "onnx-fp32"


def test_int8_documents_stay_close_to_fp32(embedder: Embedder) -> None:
    docs = _passages()
    int8 = Embedder(backend=EncoderBackend.ONNX_INT8)
    fp32 = Embedder(backend=EncoderBackend.TORCH, precision=Precision.FP32).encode_documents(docs)
    vectors = int8.encode_documents(docs)
    assert int8.document_path == "onnx-int8"
    assert np.sum(vectors * fp32, axis=1).min() >= 0.99
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_encode_keeps_input_order(embedder: Embedder) -> None:
    docs = ["short", "a much longer text about the harbour bridge and its opening day", "mid one"]
    onnx = Embedder(backend=EncoderBackend.ONNX)
    together = onnx.encode_documents(docs)
    alone = np.stack([onnx.encode_documents([d])[0] for d in docs])
    assert np.allclose(together, alone, atol=1e-4)


def test_batches_sorted_by_token_count_carry_less_padding(embedder: Embedder) -> None:
    from index.encoding.onnx_encoder import OnnxEncoder, SessionConfig, model_files

    spec = embedder.spec
    encoder = OnnxEncoder(spec, model_files(spec, embedder.cache_dir, False), SessionConfig(1))
    docs = [p[: 40 + 60 * (i % 4)] for i, p in enumerate(_passages() * 2)]
    sorted_vectors = encoder.encode(docs, 4)
    sorted_share = encoder.stats.padding_share
    encoder.sort_by_length, encoder.stats = False, type(encoder.stats)()
    plain_vectors = encoder.encode(docs, 4)
    assert encoder.stats.texts == len(docs) and encoder.stats.batches == 4
    assert 0 <= sorted_share < encoder.stats.padding_share
    assert np.allclose(sorted_vectors, plain_vectors, atol=1e-4)  # order never changes a vector


def test_int8_vector_is_a_function_of_its_text(embedder: Embedder) -> None:
    """int8 activations share one scale per run: texts run alone, so batch mates never matter."""
    docs = _passages()
    int8 = Embedder(backend=EncoderBackend.ONNX_INT8)
    together = int8.encode_documents(docs)
    alone = np.stack([int8.encode_documents([d])[0] for d in docs])
    assert np.allclose(together, alone, atol=1e-6)


def test_auto_picks_the_fastest_document_path_that_keeps_quality() -> None:
    """AUTO: int8 ONNX documents, or torch (bf16 probe) where the CPU has AMX tiles (not on
    AVX-512 BF16 alone: no faster there, docs/BENCHMARKS.md); an explicit precision wins (fp32
    through the same-vector fp32 export)."""
    expected = "torch-auto" if cpu_has_amx() else "onnx-int8"
    assert Embedder().document_path == expected
    assert Embedder(precision=Precision.FP32).document_path == "onnx-fp32"
    assert Embedder(precision=Precision.BF16).document_path == "torch-bf16"
    assert Embedder(backend=EncoderBackend.TORCH).document_path == "torch-auto"
