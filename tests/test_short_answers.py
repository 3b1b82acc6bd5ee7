"""Short answers (issue #29 points 3 and 5): candidates in a sentence, voting across sentences,
and the answer that leads with them — verbatim, cited, in bold in the chat, in the API's
``short_answer``. Unit tier: hand-written sentences, no model."""

from __future__ import annotations

import pytest

from assistant.engines.short_answer import Scored, choose
from assistant.language.answer_spans import spans
from assistant.records import Answer, Citation, ContractViolation, ShortAnswer, validate

pytestmark = pytest.mark.unit


def kinds(sentence: str) -> list[tuple[str, str]]:
    return [(s.text, s.kind) for s in spans(sentence)]


def test_names_numbers_amounts_dates_and_titles_are_found_with_their_kind() -> None:
    found = kinds(
        "President Maria Lopez said on March 3, 2024 that the Harbor Authority of Portsmouth "
        "would spend $4.5 million, 12% more, on 31 new ferries for “Island Link” in Norway."
    )
    assert ("Maria Lopez", "person") in found
    assert ("March 3, 2024", "date") in found
    assert ("Harbor Authority of Portsmouth", "organisation") in found
    assert ("$4.5 million", "amount") in found and ("12%", "amount") in found
    assert ("31", "number") in found and ("Island Link", "event_title") in found
    assert ("Norway", "place") in found


def test_spans_are_the_sentences_own_characters() -> None:
    sentence = "In  Kherson, the  Ukrainian Army said three people died on Friday."
    for span in spans(sentence):
        assert sentence[span.start : span.end] == span.text


def test_a_leading_function_word_or_title_is_not_part_of_a_name() -> None:
    found = kinds("The Wilmington Tigers beat them; Coach Dana Reyes praised NATO.")
    assert ("Wilmington Tigers", "person") in found or ("Wilmington Tigers", "name") in found
    assert ("Dana Reyes", "person") in found and ("NATO", "organisation") in found


def sentences(*texts: str, scores: tuple[float, ...] = ()) -> list[Scored]:
    scores = scores or tuple(-0.1 * i for i in range(len(texts)))
    return [Scored(i, t, scores[i], f"a{i}") for i, t in enumerate(texts)]


def test_the_candidate_most_sentences_agree_on_wins() -> None:
    choice = choose(
        "Which country will host the 2031 sailing championship?",
        sentences(
            "Officials in Lisbon said Portugal will host the 2031 sailing championship.",
            "Portugal beat Spain and Italy in the final vote, the federation said.",
            "Portugal last hosted the event in 1998.",
        ),
    )
    assert choice is not None and choice.span.text == "Portugal" and choice.expected == "place"
    assert choice.sentence == 0


def test_no_short_answer_without_a_clear_lead_or_for_an_open_question() -> None:
    assert (
        choose(
            "Who will lead the new agency?",
            sentences("Anna Berg and Jonas Lind were both named to lead it, the ministry said."),
        )
        is None
    )  # two names, one vote each
    assert (
        choose(
            "Why did the council delay the vote?",
            sentences("The council delayed the vote because 14 members were ill."),
        )
        is None
    )  # no short answer to a why


def test_a_candidate_made_of_the_questions_words_never_wins() -> None:
    choice = choose(
        "How many ferries did Oslo Ferries order?",
        sentences("Oslo Ferries ordered 31 new ferries from a yard in Norway on Monday."),
    )
    assert choice is not None and choice.span.text == "31"


def _answer(short: ShortAnswer) -> tuple[Answer, dict[str, str]]:
    article = "Intro. Officials said Portugal will host the 2031 championship. More."
    start = article.index("Officials")
    end = article.index(" More.")
    citation = Citation(1, "a:0-70:x", "a", "T", None, None, None, 0, len(article),
                        article[start:end], start, end)  # fmt: skip
    answer = Answer(
        "q", f"{short.text} [1]\n\n{citation.quote} [1]", [citation], short_answer=short
    )
    return answer, {"a": article}


def test_a_short_answer_must_be_verbatim_inside_its_quote() -> None:
    article = "Intro. Officials said Portugal will host the 2031 championship. More."
    at = article.index("Portugal")
    good = ShortAnswer("Portugal", "place", 1, at, at + 8)
    answer, texts = _answer(good)
    answer.hits = []
    with pytest.raises(ContractViolation, match="not retrieved"):
        validate(answer, texts.get)  # (the passage check comes first; hits are set below)
    for bad, why in (
        (ShortAnswer("Portugal", "place", 2, at, at + 8), "no citation"),
        (ShortAnswer("Intro", "place", 1, 0, 5), "outside"),
        (ShortAnswer("Spain", "place", 1, at, at + 5), "not verbatim"),
    ):
        answer, _ = _answer(bad)
        answer.hits = _hits_for(answer)
        with pytest.raises(ContractViolation, match=why):
            validate(answer, texts.get)
    answer, _ = _answer(good)
    answer.hits = _hits_for(answer)
    validate(answer, texts.get)
    assert answer.to_dict()["short_answer"] == {
        "text": "Portugal", "type": "place", "citation": 1, "start": at, "end": at + 8,
    }  # fmt: skip


def _hits_for(answer: Answer) -> list:
    from types import SimpleNamespace

    c = answer.citations[0]
    return [SimpleNamespace(article=SimpleNamespace(id=c.article_id), start=c.start, end=c.end)]


def test_the_chat_shows_the_short_answer_in_bold_then_the_quote() -> None:
    from ui.web.render import full_answer

    article = "Intro. Officials said Portugal will host the 2031 championship. More."
    at = article.index("Portugal")
    answer, _ = _answer(ShortAnswer("Portugal", "place", 1, at, at + 8))
    shown = full_answer(answer)
    assert shown.startswith("**Portugal** [\\[1\\]](")
    assert "Officials said Portugal will host the 2031 championship" in shown
