"""Answer typing from the question alone (assistant/language/answer_types.py), on hand-written
questions
(none taken from the rtqa data sets; nothing here reads ../shared)."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.language.answer_type_words import KINDS, LEXICON
from assistant.language.answer_types import AnswerType, answer_type, lookup

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "kind", "subtype"),
    [
        ("Who was elected mayor of the harbour town on Tuesday?", "person", None),
        ("Which veteran actress will star in the new stage adaptation?", "person", None),
        ("The tech giant appointed whom as its new chief executive?", "person", None),
        ("Which airline cancelled hundreds of flights after the outage?", "organisation", None),
        ("What company agreed to buy the struggling chip designer?", "organisation", None),
        ("Which NFL team signed the veteran quarterback this week?", "organisation", None),
        ("Which country will host the next climate summit?", "place", "country"),
        ("In which city did the protesters gather on Sunday?", "place", "city"),
        ("Which US state passed a ban on the sale of flavoured vapes?", "place", "region"),
        ("Where did the cargo ship run aground?", "place", None),
        ("Where did the leaders' summit take place?", "place", None),
        ("Where did the city rank in the quality-of-life survey?", "number", "rank"),
        ("How many passengers were on board the ferry?", "number", None),
        ("What age was the oldest marathon finisher?", "number", "age"),
        ("How much did the painting sell for at the auction?", "amount", "money"),
        ("What percentage of voters backed the measure?", "amount", "percent"),
        ("Mortgage rates rose by how much in the last quarter?", "amount", "percent"),
        ("How long did the power cut last?", "amount", "duration"),
        ("When will the new bridge open to traffic?", "date", None),
        ("How soon could the repairs be finished?", "date", None),
        ("In what year was the lighthouse built?", "date", "year"),
        ("Which month did the council choose for the referendum?", "date", "month"),
        ("Which film topped the box office this weekend?", "event_title", "work"),
        ("Which bill did the senate pass on Thursday night?", "event_title", "law"),
        ("Which tournament did the young golfer win?", "event_title", "event"),
        ("What is the name of the new vaccine approved by regulators?", "event_title", "product"),
        ("Why did the ferry operator suspend its crossings?", "other", None),
        ("What caused the flooding in the valley?", "other", None),
        ("True or false: the museum will reopen next spring.", "other", None),
    ],
)
def test_each_type_from_the_question(question: str, kind: str, subtype: str | None) -> None:
    found = answer_type(question)
    assert (found.type, found.subtype) == (kind, subtype), found


@pytest.mark.parametrize(
    ("question", "kind", "head"),
    [
        (
            "After weeks of talks, which country announced it would send aid first?",
            "place",
            "country",
        ),
        ("The 31-year-old striker is a valued member of which club?", "organisation", "club"),
        ("The singer's new record was produced by which rapper?", "person", "rapper"),
        ("A large storm hit the coast. Which state declared an emergency?", "place", "state"),
        ("Divers found a wreck off the coast of which island on Monday?", "place", "island"),
    ],
)
def test_a_wh_phrase_in_mid_sentence(question: str, kind: str, head: str) -> None:
    found = answer_type(question)
    assert (found.type, found.head) == (kind, head), found


def test_the_head_is_the_last_noun_of_the_phrase_before_the_verb() -> None:
    assert answer_type("Which country music star cancelled her tour?").head == "star"
    assert answer_type("Which team won the league title?").head == "team"
    assert answer_type("Which film star was honoured at the gala?").type == "person"
    assert answer_type("Which Star Wars film is being re-released?").type == "event_title"


def test_a_possessive_ends_the_phrase_and_only_a_copula_opens_one() -> None:
    assert answer_type("Which country's ambassador was expelled?").head == "country"
    assert answer_type("Which of the band's albums went platinum?").type == "event_title"
    assert answer_type("What is the capital of the new province?").subtype == "city"
    assert answer_type("What did the review panel recommend?").type == "other"
    assert answer_type("Which benefactor donated a library to the town?").head == "benefactor"
    assert answer_type("Which newly elected senator gave the speech?").type == "person"


def test_a_relative_which_or_who_is_not_the_question() -> None:
    question = "The fair, which usually draws a million visitors, was cancelled. Where is it held?"
    assert answer_type(question).type == "place"
    question = "The singer, who grew up in a small town, released a song about which city?"
    assert answer_type(question).type == "place"
    assert answer_type("Investigators studied UFOs, which stands for what?").type == "other"


def test_fill_in_questions_without_a_wh_word() -> None:
    found = answer_type("All of these players scored in the final except:")
    assert (found.type, found.rule) == ("person", "fill-in head noun")
    assert answer_type("Name the spacecraft that landed on the moon.").type == "event_title"
    assert answer_type("The club has not won the cup since:").type == "date"
    assert answer_type("The bakery sold out of its bread by noon.").type == "other"
    found = answer_type("Regulators warned that this drug may harm the liver.")
    assert (found.type, found.rule) == ("event_title", "this + head noun")
    assert answer_type("The team scored twice this week and won the:").type == "other"


def test_names_read_the_noun_after_name_of() -> None:
    assert answer_type("What is the name of the rescued dolphin's trainer?").type == "person"
    assert answer_type("A hurricane formed overnight. What is its name?").type == "event_title"
    assert answer_type("The company launched an app. What is it called?").type == "event_title"


def test_the_result_is_a_frozen_record_with_a_rule() -> None:
    found = answer_type("Which carrier will merge with the regional airline?")
    assert found == AnswerType("organisation", None, "carrier", "head noun", 0.85)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.type = "person"  # type: ignore[misc]
    assert 0.0 < found.confidence <= 1.0


def test_the_lexicon_reads_plurals_and_uses_only_known_types() -> None:
    assert lookup("cities") == ("place", "city")
    assert lookup("parties") == ("organisation", None)
    assert lookup("shares") is None  # stock, not a percent
    assert {entry[0] for entry in LEXICON.values()} <= set(KINDS)


def test_empty_or_odd_input_is_other() -> None:
    assert answer_type("").type == "other"
    assert answer_type("???").type == "other"
    assert answer_type("which").type == "other"
