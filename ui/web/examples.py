"""Example questions for an empty chat: real questions about the latest stories, each answered
by the index before it is offered (``ui.web.question_drafts`` drafts them from the articles).

The newest articles of each recent story are drafted from (their key sentence, then their
opening), and a story gives one question while other stories have one to give. A draft is kept
when the extractive engine answers it (no abstention) from that story, and a count with its
number: a click on an example never gets "the indexed articles don't say". The checks run on
the ask pool and stop at ``CHECK_BUDGET_S``; what they found is kept until the catalog's
generation moves (an ingest, a delete), so later page loads cost nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from assistant import Answer, AskRequest
from index import NewsIndex, StoryMember
from ui.web.question_drafts import Draft, count_questions, latest_on

if TYPE_CHECKING:
    from ui.services import Services

EXAMPLES = 3
STORIES = 12  # the most recent stories drafted from
DRAFTS_PER_STORY = 2  # counts (and names) drafted per article
CHECK_BUDGET_S = 8.0  # all the checks of one page load together
OPENING = 3000  # characters of an article's opening drafted from

Check = Callable[[str, float], Answer | None]  # (question, seconds left) -> answer, None: late


@dataclass(frozen=True)
class Lead:
    """What one article's questions are drafted from, and which articles may answer them."""

    story: str
    title: str
    text: str  # the key sentence, then the article's opening
    outlet: str | None
    article_ids: frozenset[str]  # the story's articles and their copies


def drafts(lead: Lead) -> list[Draft]:
    """An article's drafts: up to ``DRAFTS_PER_STORY`` counts, then as many names."""
    counts = islice(dict.fromkeys(count_questions(lead.text)), DRAFTS_PER_STORY)
    names = islice(latest_on(lead.title, lead.text, lead.outlet), DRAFTS_PER_STORY)
    return [*counts, *names]


def answered(answer: Answer, draft: Draft, lead: Lead) -> bool:
    """The answer cites the story (and gives the count a count question was made from)."""
    if answer.abstained or not any(c.article_id in lead.article_ids for c in answer.citations):
        return False
    return draft.expect is None or draft.expect.lower() in answer.text.lower()


def pick(
    leads: Iterable[Lead], check: Check, n: int = EXAMPLES, budget_s: float = CHECK_BUDGET_S
) -> tuple[list[str], bool]:
    """Up to ``n`` checked questions, counts before names, one per story while other stories
    have one; and whether the checks finished (False: the budget ran out first)."""
    deadline = time.monotonic() + budget_s
    drafted = [(lead, d) for lead in leads for d in drafts(lead)]
    drafted.sort(key=lambda pair: pair[1].expect is None)  # stable: newest stories first
    found: dict[str, str] = {}  # question -> its story
    tried: set[str] = set()
    for one_per_story in (True, False):
        for lead, draft in drafted:
            if draft.question in tried or (one_per_story and lead.story in found.values()):
                continue
            tried.add(draft.question)
            answer = check(draft.question, deadline - time.monotonic())
            if answer is None:
                return list(found), False
            if answered(answer, draft, lead):
                found[draft.question] = lead.story
                if len(found) == n:
                    return list(found), True
    return list(found), True


def leads(index: NewsIndex, stories: int = STORIES, per_story: int = 3) -> Iterator[Lead]:
    """Leads from the recent stories, newest first: each story's newest articles."""
    catalog = index.catalog
    for story_id in catalog.stories.recent_story_ids(stories):
        story = catalog.stories.story(story_id)
        if story is None:
            continue
        ids = frozenset(i for m in story.members for i in (m.meta.id, *m.meta.copies))
        newest = sorted(story.members, key=lambda m: m.day or "", reverse=True)
        for member in newest[:per_story]:
            meta = member.meta
            yield Lead(story.id, meta.title, _opening(member), meta.source, ids)


def _opening(member: StoryMember) -> str:
    opening = member.text[:OPENING]
    if member.key is None:
        return opening
    start, end = member.key
    return f"{member.text[start:end]}\n\n{opening}"


class ChatExamples:
    """The empty chat's examples for the index as it is now (``[]`` without one), as Gradio's
    Chatbot takes them; found once per catalog generation."""

    def __init__(self, services: Services, n: int = EXAMPLES) -> None:
        self._services = services
        self._n = n
        self._lock = threading.Lock()
        self._kept: tuple[int, list[dict[str, str]]] | None = None  # (generation, examples)

    def __call__(self) -> list[dict[str, str]]:
        if not NewsIndex.exists(self._services.settings.index):
            return []
        with self._lock:
            with self._services.reading() as a:
                generation = a.index.catalog.generation
                if self._kept is not None and self._kept[0] == generation:
                    return self._kept[1]
                found = list(leads(a.index))
            questions, finished = pick(found, self._check, self._n)
            examples = [{"text": q} for q in questions]
            if finished:
                self._kept = (generation, examples)
            return examples

    def _check(self, question: str, seconds_left: float) -> Answer | None:
        """The extractive answer, None when it does not come within ``seconds_left``."""
        if seconds_left <= 0:
            return None
        future = self._services.submit_ask(AskRequest(question, engine="extractive"))
        try:
            return future.result(timeout=seconds_left)
        except FutureTimeout:
            future.cancel()
            return None
