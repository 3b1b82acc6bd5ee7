"""Follow-ups that don't hijack questions (issue #14, point 5): a table of short standalone
questions that are never rewritten, whatever came before, and of real follow-ups that are
rewritten to the right subject; then the chat flow over the sample articles (``ask`` with
history). Written from the sample articles and from the kinds of questions in rtqa-train, not
from the dev questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import AskRequest, Assistant
from assistant.language.followup import follow_up_of, light_stem, needs_context, rewrite
from assistant.records import Answer
from tests.conftest import settings_for


@pytest.fixture(scope="module")
def sample_assistant(sample_home: Path) -> Assistant:
    return Assistant(settings_for(sample_home))


STANDALONE = [
    "Which missile was fired at Dnipro?",
    "What is happening in Kherson?",
    "Who is Italy's prime minister in the article?",
    "How many drones did Russia launch?",
    "How many drones were shot down?",
    "Who is Vladimir Saldo?",
    "What did Biden authorize and why was it criticized?",
    "Where did the bus shelling happen?",
    "When was the Orešnik missile launched?",
    "Who won the 2018 World Cup?",
    "What is the Orešnik?",
    "Why did Human Rights Watch criticize the mines?",
    "How many civilians died in Novaya Kakhovka?",
    "What did the Washington Post report?",
    "Which date did US intelligence give for the attack?",
    "How many soldiers are near the border?",
    "What does Putin want from Europe?",
    "Who is Tsar Alexander I?",
    "What happened in Ternopil?",
    "Why is the armed option unrealistic?",
    "Where is Kuraĥovo?",
    "What are the Kremlin's demands?",
    "Did Zelenskiy accept the conditions?",
    "How did the mines work and why were they criticized?",
    "What is the largest nuclear power plant in Europe?",
    "Who reported the attack on Telegram?",
    "Which villages did Russian troops take?",
    "When is Trump's inauguration?",
    "What weapons did Biden send to Ukraine?",
    "Is there a ceasefire in Ukraine?",
    "Who leads Belarus?",
    "What did Meduza say about Putin?",
    "Which company announced a new phone this week?",
    "Who won the Super Bowl in 2024?",
    "What did the Federal Reserve decide on interest rates?",
    "Which country hosted the climate summit?",
    "How much did the Powerball jackpot reach?",
    "Who was named Time's Person of the Year?",
    "Drones Kyiv attack",
    "Dnipro missile",
    "Why did the Tonkin incident matter?",
    "What is this article about?",
    "Who is Putin and what did he say?",
    "What was the ATACMS decision?",
]
FOLLOW_UPS = [
    ("How many drones did Russia launch?", "And how many were shot down?", "drones"),
    ("Which missile was fired at Dnipro?", "And who fired it?", "Dnipro"),
    ("Which missile was fired at Dnipro?", "When?", "Dnipro"),
    ("What did Biden authorize?", "Why was it criticized?", "Biden"),
    ("What did Biden authorize?", "Who criticized it?", "Biden"),
    ("Who is Vladimir Saldo?", "What did he say?", "Saldo"),
    ("Who is Vladimir Saldo?", "Where is his region?", "Saldo"),
    ("What happened in Novaya Kakhovka?", "How many were injured there?", "Novaya Kakhovka"),
    ("What happened in Novaya Kakhovka?", "Why?", "Novaya Kakhovka"),
    ("How many drones did Russia launch?", "What about missiles?", "drones"),
    ("How many drones did Russia launch?", "And where did they go?", "drones"),
    ("What are the Kremlin's demands?", "Did Zelenskiy accept them?", "Kremlin"),
    ("What are the Kremlin's demands?", "How did he respond?", "Kremlin"),
    ("What did US intelligence predict?", "When was it supposed to happen?", "intelligence"),
    ("What does Putin want from Europe?", "Why?", "Putin"),
    ("What does Putin want from Europe?", "What is his model?", "Putin"),
    ("Who is Tsar Alexander I?", "What did he do?", "Alexander"),
    ("Which company announced a new phone this week?", "How much does it cost?", "phone"),
    ("Who won the Super Bowl in 2024?", "Who did they beat?", "Super Bowl"),
    ("Who won the Super Bowl in 2024?", "And the score?", "Super Bowl"),
    ("Which country hosted the climate summit?", "What did they agree?", "climate"),
    ("How much did the Powerball jackpot reach?", "Where was it sold?", "Powerball"),
    ("How much did the Powerball jackpot reach?", "Who won it?", "Powerball"),
    ("Who was named Time's Person of the Year?", "Why her?", "Time"),
    ("What is the Orešnik?", "How fast is it?", "Orešnik"),
    ("What happened in Ternopil?", "Also, who is the mayor there?", "Ternopil"),
    (
        "What did the Federal Reserve decide on interest rates?",
        "How many times this year?",
        "Federal Reserve",
    ),
    ("Who leads Belarus?", "How long has he been in power?", "Belarus"),
]

UNRELATED = [
    {"role": "user", "content": "Who won the 2018 World Cup?"},
    {"role": "assistant", "content": "The indexed articles don't say."},
]


def _history(previous: str, answer: str = "Italian Russian Washington In") -> list[dict]:
    return [{"role": "user", "content": previous}, {"role": "assistant", "content": answer}]


@pytest.mark.unit
def test_the_tables_are_large_enough() -> None:
    assert len(STANDALONE) >= 40 and len(FOLLOW_UPS) >= 25


@pytest.mark.unit
@pytest.mark.parametrize("question", STANDALONE)
def test_a_standalone_question_is_never_rewritten(question: str) -> None:
    assert not needs_context(question)
    assert rewrite(question, UNRELATED) is None
    assert rewrite(question, _history("How many drones did Russia launch?")) is None


@pytest.mark.unit
@pytest.mark.parametrize(("previous", "question", "subject"), FOLLOW_UPS)
def test_a_follow_up_is_rewritten_to_its_subject(
    previous: str, question: str, subject: str
) -> None:
    assert needs_context(question)
    rewritten = rewrite(question, _history(previous, "It is said [1]."))
    assert rewritten is not None and subject in rewritten
    assert rewrite(question, []) is None  # no conversation (a new one, the API without history)


def _after_drones(assistant: Assistant) -> tuple[Answer, list[dict]]:
    """The drones question answered, and the conversation it leaves."""
    answer = assistant.ask(AskRequest("How many drones were launched?"))
    return answer, _history("How many drones were launched?", answer.text)


def test_short_questions_after_another_question_are_answered_as_asked(
    sample_assistant: Assistant,
) -> None:
    drones, history = _after_drones(sample_assistant)
    missile = sample_assistant.ask(
        AskRequest("Which missile was fired at Dnipro?", history=history)
    )
    assert missile.rewritten_query is None and "Orešnik" in missile.text
    assert missile.text != drones.text
    kherson = sample_assistant.ask(AskRequest("What is happening in Kherson?", history=UNRELATED))
    assert kherson.rewritten_query is None and not kherson.abstained


def test_a_real_follow_up_is_rewritten_when_it_finds_better_evidence(
    sample_assistant: Assistant,
) -> None:
    _, history = _after_drones(sample_assistant)
    follow = sample_assistant.ask(AskRequest("And how many were shot down?", history=history))
    assert follow.rewritten_query and "drones" in follow.rewritten_query
    assert not follow.abstained and follow.citations


def test_the_shot_down_follow_up_leads_with_76(sample_assistant: Assistant) -> None:
    _, history = _after_drones(sample_assistant)
    follow = sample_assistant.ask(AskRequest("And how many were shot down?", history=history))
    assert "76" in follow.text.split("[1]")[0]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("designed", "design", True),
        ("designed", "designated", False),
        ("criticised", "criticized", True),
        ("shot", "shoot", True),
        ("intercepted", "intelligence", False),
        ("raised", "raise", True),
    ],
)
def test_a_follow_ups_words_match_by_their_light_stem(one: str, other: str, same: bool) -> None:
    assert (light_stem(one) == light_stem(other)) is same


@pytest.mark.unit
def test_a_follow_up_is_read_by_its_own_words_and_not_its_previous_answer() -> None:
    previous = "The Russian Ministry of Defense confirmed a large-scale attack with 188 drones. [1]"
    follow = follow_up_of("And how many were shot down?", _history("How many?", previous))
    assert "shoot" in follow.own  # "shot", read as the verb it is
    assert follow.held("Ukrainian defenses managed to shoot down 76 of them.") == 1.0
    assert follow.repeats(
        "The Russian Ministry of Defense confirmed a large-scale attack with 188 drones."
    )
    why = follow_up_of("Why?", [])
    assert why.why and not why.own
    assert why.matches("The move comes after a fatal attack last summer.")
    assert not why.matches("The flag is purple.")
