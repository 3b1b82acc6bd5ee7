"""Boilerplate lines are dropped at load time; news sentences never are; offsets stay exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.loaders import iter_articles
from index.loaders.boilerplate import is_boilerplate
from index.records import Article

pytestmark = pytest.mark.unit  # no model: the fast tier

BOILERPLATE = [
    "Get CNN Health's weekly newsletter Sign up here to get The Results Are In with Dr. Sanjay "
    "Gupta every Tuesday from the CNN Health team.",
    '(You can get "5 Things You Need to Know Today" delivered to your inbox daily. Sign up here .)',
    "Video player was slow to load content Video content never loaded Ad froze or did not finish "
    "loading Video content did not start after ad Audio on advertisement was too loud",
    "1. How relevant is this ad to you?",
    "Would you like to receive The WeekDay newsletter ?",
    "Check your local forecast here>>>",
    "Read More",
    "___",
    "***",
    "Follow Jordan Mendoza on Twitter: @jordan_mendoza5.",
    "Thank you for supporting our journalism. You can subscribe to our print edition, ad-free app "
    "or electronic newspaper replica here.",
]
NEWS = [
    "The Russian Ministry of Defense confirmed a large-scale attack with 188 drones.",
    "Netflix announced Sunday that the wildly popular South Korean show is green lit.",
    "Subscribers to the service will pay more from July, the company said.",
    "The senator signed up for the committee hearing on Tuesday.",
    "Read more about the vote in the state legislature on page 4, officials said.",
    "Twitter said it removed 2,000 accounts linked to the campaign.",
]


@pytest.mark.parametrize("line", BOILERPLATE)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", NEWS)
def test_news_sentences_are_kept(line: str) -> None:
    assert not is_boilerplate(line)


def test_a_long_paragraph_mentioning_a_newsletter_is_kept() -> None:
    line = "The newsletter, which readers can sign up for here, " + "reported facts. " * 40
    assert len(line) > 400 and not is_boilerplate(line)


def test_loaded_text_has_no_boilerplate_and_exact_offsets(tmp_path: Path) -> None:
    body = "\n\n".join([NEWS[0], BOILERPLATE[0], NEWS[1], BOILERPLATE[2], NEWS[2]])
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "x", "title": "T", "text": body}) + "\n")
    (article,) = list(iter_articles([src]))
    assert isinstance(article, Article)
    assert article.text == "\n\n".join([NEWS[0], NEWS[1], NEWS[2]])
