"""Which questions are about change over time (issue #20, point 3): they are answered as a
dated list; every other question keeps the ordinary answer. The unit tier."""

from __future__ import annotations

import pytest

from assistant.engines.timeline import is_development, worth_a_line

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "question",
    [
        "How did the war in Ukraine develop?",
        "how has the Old Mill Bridge story evolved",
        "How did the negotiations unfold after the summit?",
        "What changed since the ceasefire?",
        "What has changed after the election in Brazil?",
        "Timeline of the Harwick bridge collapse",
        "Give me a chronology of the strike",
        "What happened with the Twitter deal since April?",
        "How have prices changed over the year?",
    ],
)
def test_questions_about_change_over_time_are_recognised(question: str) -> None:
    assert is_development(question)


@pytest.mark.parametrize(
    "question",
    [
        "How many drones were launched?",
        "What did the mayor say about the bridge?",
        "Who won the basketball title?",
        "How does the new phone work?",
        "Which team does Damar Hamlin play for?",
        "What happened in Kherson?",
        "How many seats changed hands in the election?",
        "How much has the price changed?",
        "How does the Fed change interest rates?",
        "How do plants grow?",
    ],
)
def test_other_questions_are_not(question: str) -> None:
    assert not is_development(question)


@pytest.mark.parametrize(
    ("sentence", "worth"),
    [
        ("Governor Ruth Alvarez signed emergency funding to replace the bridge.", True),
        ("Zelensky said: we will fight on until the very end.", True),  # a claim, not a label
        ("The meeting at 3:30 pm was cancelled by the mayor.", True),
        ("Full coverage: Updates, analysis, commentary on Ukraine.", False),
        ("Photos: Russia invades Ukraine Young people swing in front of ruins.", False),
        ("USA TODAY ON TELEGRAM: Join our Russia-Ukraine war channel today.", False),
        ("Survival of the monarchy:Why Queen Elizabeth II's funeral is more.", False),
        ("Speaking ill of the dead?:We can't ignore the complicated legacy.", False),
        ("Will the bridge be rebuilt before the winter comes?", False),
        ("The bridge fell.", False),
    ],
)
def test_a_timeline_line_is_a_sentence_of_news_not_a_label_link_or_question(
    sentence: str, worth: bool
) -> None:
    assert worth_a_line(sentence) is worth
