"""What a person reads when the assistant abstains (issue #14, point 6): "The indexed articles
don't say." with the closest articles, each once, and no internal score; when the filters left
nothing to read, that reason in plain words instead. The JSON keeps the details in ``reason``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import AskRequest, Assistant, SearchFilters, SearchRequest
from tests.conftest import settings_for
from ui.web.render import full_answer


@pytest.fixture(scope="module")
def assistant(sample_home: Path) -> Assistant:
    return Assistant(settings_for(sample_home))


def test_an_abstention_lists_the_closest_articles_once_and_no_scores(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(AskRequest("Who won the 2018 World Cup?"))
    assert answer.abstained and answer.related
    assert "evidence" in (answer.reason or "")  # the details stay in the JSON
    text = full_answer(answer)
    assert text.startswith("The indexed articles don't say.")
    assert "**Closest articles**" in text
    assert "evidence" not in text and "similarity" not in text
    assert not re.search(r"\d\.\d\d", text)  # no score
    links = re.findall(r"^- \[(.+?)\]\(", text, re.MULTILINE)
    assert links and len(links) == len(set(links)) == len({h.article.id for h in answer.related})


def test_filters_that_exclude_everything_are_the_reason_shown(assistant: Assistant) -> None:
    filters = SearchFilters.build(["nowhere.example"], since="2024-01-01")
    answer = assistant.ask(AskRequest("How many drones were launched?", filters=filters))
    assert answer.abstained and not answer.related and not answer.citations
    assert answer.reason == (
        "no indexed article matches the filters (outlet nowhere.example, published on or after "
        "2024-01-01)"
    )
    text = full_answer(answer)
    assert "The indexed articles don't say." in text
    assert "No indexed article matches the filters \\(outlet nowhere.example" in text  # escaped


def test_the_reason_names_the_filter_that_alone_matches_nothing(assistant: Assistant) -> None:
    filters = SearchFilters.build(["nowhere.example"], as_of="2030-01-01", strict=True)
    answer = assistant.ask(AskRequest("How many drones were launched?", filters=filters))
    assert answer.abstained
    assert answer.reason == "no indexed article matches the filter outlet nowhere.example"


def test_search_results_say_when_nothing_matches_well(assistant: Assistant) -> None:
    from ui.web.render import results_html

    gibberish = results_html("qwzx blorft", assistant.search(SearchRequest("qwzx blorft", k=4)))
    assert "Nothing matches “qwzx blorft” well" in gibberish
    good = results_html(
        "Iskander missiles", assistant.search(SearchRequest("Iskander missiles", k=4))
    )
    assert "Nothing matches" not in good and "<mark>" in good


@pytest.mark.parametrize(("provider", "shown"), [("none", False), ("local", True)])
def test_the_engine_choice_shows_only_when_a_model_is_configured(
    sample_home: Path, provider: str, shown: bool
) -> None:

    from ui.services import Services
    from ui.web.app import build_chat

    settings = settings_for(sample_home).with_values(llm_provider=provider)
    blocks = build_chat(Services(settings))
    (radio,) = [c for c in blocks.blocks.values() if getattr(c, "elem_id", None) == "chat-engine"]
    assert radio.visible is shown and "the time so far" in (radio.info or "")  # measured here
