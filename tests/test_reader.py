"""The trained reader (assistant/reader.py): the shipped weights load on top of the packaged
model through ONNX Runtime, read a question with a sentence, and rank the sentence that answers
above those that do not; with ``NEWSRAG_READER=shipped`` the extractive engine answers with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.reader import READER_DIR, Reader, load_reader, reader_available
from tests.conftest import settings_for

pytestmark = pytest.mark.skipif(not reader_available(), reason="no shipped reader weights")

CASES = [
    (
        "How many drones did Russia launch?",
        "The Russian Ministry of Defense confirmed a large-scale attack with 188 drones, the "
        "highest number ever launched since the beginning of the conflict.",
        [
            "Five drones instead headed towards Belarus.",
            "February 16 was designated by US intelligence as the day of Russia's potential "
            "attack on Ukraine.",
            "In the city of Ternopil, Mayor Serhiy Nadal stated that efforts to restore "
            "electricity are incessant.",
        ],
    ),
    (
        "Which missile was fired at Dnipro?",
        "On November 21, Moscow launched a new ballistic weapon, the Orešnik missile, against "
        "Dnipro.",
        [
            "Putin warned that this type of armament could also extend against targets in NATO "
            "countries.",
            "Five drones instead headed towards Belarus.",
            "Nearly 200,000 soldiers are stationed ready to march.",
        ],
    ),
]
# what a reader of the sentences sees at once and this one does not yet (MODEL_CARD.md, limits)
HARD = [
    (
        "How many drones were shot down?",
        "Ukrainian defenses managed to shoot down 76 of them, while others hit sensitive areas.",
        ["The Russian Ministry of Defense confirmed a large-scale attack with 188 drones."],
    ),
    (
        "Which organization called the mines decision shocking?",
        "However, the decision was criticized by Human Rights Watch, which called the event "
        "shocking and devastating.",
        ["US President Joe Biden had authorized the supply of anti-personnel mines to Ukraine."],
    ),
]


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    return load_reader(tmp_path_factory.mktemp("reader-cache"))


def test_the_shipped_weights_are_small_and_documented() -> None:
    weights = READER_DIR / "reader.safetensors"
    assert weights.stat().st_size <= 10 * 1024 * 1024
    card = (READER_DIR / "MODEL_CARD.md").read_text()
    for words in ("bench/train_reader.py", "rtqa-train", "research", "licen"):
        assert words in card


@pytest.mark.parametrize(("question", "right", "wrong"), CASES)
def test_the_answering_sentence_ranks_first(
    reader: Reader, question: str, right: str, wrong: list[str]
) -> None:
    scores = reader.score(question, [*wrong, right])
    assert int(np.argmax(scores)) == len(wrong)


@pytest.mark.xfail(strict=True, reason="known limits of this reader (MODEL_CARD.md)")
@pytest.mark.parametrize(("question", "right", "wrong"), HARD)
def test_the_hard_cases_are_still_missed(
    reader: Reader, question: str, right: str, wrong: list[str]
) -> None:
    scores = reader.score(question, [*wrong, right])
    assert int(np.argmax(scores)) == len(wrong)


def test_scores_do_not_depend_on_batch_mates(reader: Reader) -> None:
    question, right, wrong = CASES[0]
    together = reader.score(question, [*wrong, right])
    alone = np.array([reader.score(question, [t])[0] for t in [*wrong, right]])
    assert np.allclose(together, alone, atol=1e-4)


def test_the_engine_answers_with_the_reader(sample_home: Path) -> None:
    assistant = Assistant(settings_for(sample_home, reader="shipped"))
    answer = assistant.ask("How many drones did Russia launch?")
    assert not answer.abstained and "188" in answer.text and len(answer.citations) == 1
