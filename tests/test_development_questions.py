"""Which questions are about change over time (issue #20, point 3): they are answered as a
dated list; every other question keeps the ordinary answer. The unit tier."""

from __future__ import annotations

import pytest

from assistant.development import is_development

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
    ],
)
def test_other_questions_are_not(question: str) -> None:
    assert not is_development(question)
