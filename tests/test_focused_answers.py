"""Focused answers on the sample articles, as a person asks them in the chat (issue #14, point 4):
the sentence that answers comes first, a second quote only for a part of the question the first
does not answer, off-topic sentences never, and the sources name each article once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import AskRequest, Assistant
from tests.conftest import settings_for
from ui.web.render import full_answer

UNRELATED = [
    {"role": "user", "content": "Who won the 2018 World Cup?"},
    {"role": "assistant", "content": "The indexed articles don't say."},
]


@pytest.fixture(scope="module")
def assistant(sample_home: Path) -> Assistant:
    return Assistant(settings_for(sample_home))


def _quotes(text: str) -> list[str]:
    """The answer's quoted sentences, one per ``[n]`` group (after its short answer, if one
    leads: it stands in a paragraph of its own)."""
    quoted = text.split("\n\n", 1)[-1]
    return [q.strip() for q in re.split(r"(?:\s*\[\d+\])+", quoted) if q.strip()]


def test_the_drones_question_quotes_the_one_sentence_with_the_count(assistant: Assistant) -> None:
    answer = assistant.ask(AskRequest("How many drones were launched?"))
    assert len(answer.citations) == 1 and "188 drones" in answer.text
    assert "February 16" not in answer.text  # the sentence that padded 4 of 5 answers
    short = answer.short_answer  # issue #29: the count leads, verbatim from its sentence
    assert short is not None and (short.text, short.type, short.citation) == ("188", "number", 1)
    assert answer.text.startswith("188 [1]\n\n") and "188" in answer.citations[0].quote


def test_a_short_question_after_the_drones_is_answered_as_asked(assistant: Assistant) -> None:
    drones = assistant.ask(AskRequest("How many drones were launched?"))
    history = [
        {"role": "user", "content": "How many drones were launched?"},
        {"role": "assistant", "content": drones.text},
    ]
    missile = assistant.ask(AskRequest("Which missile was fired at Dnipro?", history=history))
    assert missile.rewritten_query is None
    assert missile.short_answer is not None and missile.short_answer.text == "Orešnik"
    assert _quotes(missile.text) == [
        "On November 21, Moscow launched a new ballistic weapon, the Orešnik missile, against "
        "Dnipro."
    ]


def test_who_is_answered_by_the_sentence_that_names_the_person(assistant: Assistant) -> None:
    answer = assistant.ask(AskRequest("Who is Italy's prime minister in the article?"))
    assert "Mario Draghi" in _quotes(answer.text)[0]


def test_a_two_part_question_is_answered_part_by_part(assistant: Assistant) -> None:
    answer = assistant.ask(AskRequest("What did Biden authorize and why was it criticized?"))
    first, second = _quotes(answer.text)
    assert "authorized the supply of anti-personnel mines" in first
    assert "criticized by Human Rights Watch" in second
    text = full_answer(answer)
    sources = text.split("**Sources**")[1].strip().splitlines()
    assert len(sources) == 1  # both quotes come from one article: it is listed once
    assert "[\\[1\\]]" in sources[0] and "[\\[2\\]]" in sources[0]


def test_kherson_after_an_unrelated_question_is_answered_about_kherson(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(AskRequest("What is happening in Kherson?", history=UNRELATED))
    assert answer.rewritten_query is None and not answer.abstained
    assert "Kherson" in _quotes(answer.text)[0]
