"""Answers with verified citations: the contract, abstention, follow-ups, disagreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import AskRequest, Assistant
from assistant.language.followup import needs_context, rewrite
from assistant.records import MARKER, Answer
from assistant.retrieval.retriever import normalize_query
from index import Embedder, NewsIndex, ingest_paths
from tests.conftest import FIXTURES, settings_for


@pytest.fixture(scope="module")
def sample_assistant(sample_home: Path) -> Assistant:
    return Assistant(settings_for(sample_home))


@pytest.fixture(scope="module")
def fixture_assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    home = tmp_path_factory.mktemp("answers-index")
    index = NewsIndex.open(settings_for(home).index, embedder=embedder, create=True)
    assert ingest_paths(index, [FIXTURES / "answers.jsonl"]).added == 3
    return Assistant(settings_for(home), index)


def _check_contract(assistant: Assistant, answer: Answer) -> None:
    numbers = {c.n for c in answer.citations}
    assert {int(n) for n in MARKER.findall(answer.text)} <= numbers
    retrieved = {(h.article.id, h.start, h.end) for h in answer.hits}
    for c in answer.citations:
        text = assistant.index.catalog.articles.article_text(c.article_id)
        assert text is not None and text[c.quote_start : c.quote_end] == c.quote
        assert (c.article_id, c.start, c.end) in retrieved
        assert c.citation.startswith(f"{c.article_id}:{c.start}-{c.end}:")
    if answer.abstained:
        assert not answer.citations and answer.text.startswith("The indexed articles don't say")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many drones did Russia launch?", "188 drones"),
        ("Which missile was fired at Dnipro?", "Orešnik"),
        ("Who is Italy's prime minister in the article?", "Draghi"),
    ],
)
def test_sample_questions_are_answered_with_a_citation(
    sample_assistant: Assistant, question: str, expected: str
) -> None:
    answer = sample_assistant.ask(AskRequest(question))
    assert not answer.abstained and expected in answer.text
    assert MARKER.search(answer.text) and answer.citations
    assert any(expected in c.quote for c in answer.citations)  # one of the 1-3 quoted sentences
    _check_contract(sample_assistant, answer)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(question=st.text(min_size=1, max_size=80).filter(normalize_query))  # not blank
def test_contract_holds_for_any_question(sample_assistant: Assistant, question: str) -> None:
    _check_contract(sample_assistant, sample_assistant.ask(AskRequest(question)))


def test_out_of_scope_question_abstains(sample_assistant: Assistant) -> None:
    answer = sample_assistant.ask(AskRequest("Who won the 2018 World Cup?"))
    assert answer.abstained and not answer.citations and answer.reason
    assert answer.related  # the closest passages, shown separately


def test_follow_up_is_rewritten_from_the_conversation(sample_assistant: Assistant) -> None:
    history = [
        {"role": "user", "content": "Which missile was fired at Dnipro?"},
        {"role": "assistant", "content": "Moscow launched the Orešnik missile against Dnipro. [1]"},
    ]
    answer = sample_assistant.ask(AskRequest("and who fired it?", history=history))
    assert answer.rewritten_query and "Dnipro" in answer.rewritten_query
    _check_contract(sample_assistant, answer)
    assert rewrite("Which missile was fired at Dnipro on November 21 by Russia?", history) is None
    assert needs_context("who said that?") and needs_context("And what about Kherson?")


def test_disagreeing_outlets_are_both_shown(fixture_assistant: Assistant) -> None:
    answer = fixture_assistant.ask(AskRequest("How many people did the storm kill?"))
    assert not answer.abstained
    assert "CNN reports" in answer.text and "USA Today reports" in answer.text
    assert "12 people" in answer.text and "15 people" in answer.text
    assert len(answer.citations) == 2
    _check_contract(fixture_assistant, answer)


def test_instructions_inside_an_article_do_not_change_the_format(
    fixture_assistant: Assistant,
) -> None:
    answer = fixture_assistant.ask(
        AskRequest("What did the city council approve for the riverside?")
    )
    assert not answer.abstained and answer.text.strip() != "HACKED"
    assert MARKER.search(answer.text) and "park" in answer.text
    _check_contract(fixture_assistant, answer)


def test_the_extractive_engine_hands_no_draft(sample_assistant: Assistant) -> None:
    drafts: list[str] = []
    answer = sample_assistant.ask(
        AskRequest("Which missile was fired at Dnipro?"), on_token=drafts.append
    )
    assert answer.citations and not drafts  # found whole: the caller shows the answer itself


def test_questions_in_articles_never_answer() -> None:
    from assistant.language.sentence_features import asks as _asks

    assert _asks("Which iconic landmark is riddled with rust?")
    assert _asks("“Who said that?”")
    assert not _asks("The Eiffel Tower is riddled with rust, a report says.")


def test_which_questions_favour_sentences_with_new_names_or_numbers() -> None:
    from assistant.language.sentence_features import content_words as _content_words
    from assistant.language.sentence_features import has_kind as _has_kind
    from assistant.language.sentence_features import question_kind as _question_kind

    question = "Which wildly popular show was renewed for a new season?"
    assert _question_kind(question) == "entity"
    words = _content_words(question)
    assert _has_kind("entity", "Netflix renewed Squid Game on Sunday.", words) == 1.0
    assert _has_kind("entity", "the popular show was renewed for a new season.", words) == 0.0


def test_a_second_sentence_is_quoted_only_for_what_the_question_asked_that_the_first_lacks(
    embedder: Embedder,
) -> None:
    import numpy as np

    from assistant.engines.extractive import Candidate, ExtractiveConfig, ExtractiveEngine

    def cand(text: str, evidence: float, axis: int) -> Candidate:
        return Candidate(axis, 0, 10, text, 5 - axis, evidence, 0.6, np.eye(5)[axis])

    engine = ExtractiveEngine(embedder, ExtractiveConfig(max_support=3, support_evidence=3.0))
    question = "How many drones did Russia launch at Kyiv?"
    best = cand("Russia launched 188 drones overnight.", 4, 0)
    same = cand("The drones were launched from Russia.", 4, 1)  # adds nothing asked
    kyiv = cand("Most of them flew towards Kyiv.", 3.5, 2)  # adds "Kyiv"
    weak = cand("Kyiv said little else.", 2, 3)  # adds it, without the evidence
    assert engine._support([best, same, kyiv], question) == [best, kyiv]
    assert engine._support([best, weak, same], question) == [best]
    two_parts = "What did Biden authorize and why was it criticized?"
    authorized = cand("Biden authorized the supply of mines.", 4, 0)
    off_topic = cand("Biden met the press on Monday.", 3.8, 1)
    criticized = cand("The decision was criticized by Human Rights Watch.", 1.0, 4)
    chosen = engine._support([authorized, off_topic, criticized], two_parts)
    assert chosen == [authorized, criticized]  # the second part answered, whatever its rank


def test_sentence_features_follow_the_documented_order() -> None:
    from assistant.engines.extractive import FEATURES, ExtractiveConfig

    weights = ExtractiveConfig().weights()
    assert len(weights) == len(FEATURES) and FEATURES[0] == "similarity"
    assert weights[FEATURES.index("recency")] == ExtractiveConfig().w_recency
