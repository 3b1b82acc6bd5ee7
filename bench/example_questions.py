"""The empty chat's example questions over an index: what they are, how long the first page
load takes to find them (later loads reuse them), and how many drafts the index answered.

    NEWSRAG_READ_ONLY=1 python bench/example_questions.py HOME [STORIES]
"""

from __future__ import annotations

import sys
import time

from assistant import AskRequest
from ui.services import Services
from ui.settings import Settings
from ui.web.examples import ChatExamples, answered, drafts, leads


def main(home: str, stories: int = 40) -> None:
    services = Services(Settings.from_env(home=home))
    try:
        services.ask(AskRequest("warm up", engine="extractive"))  # models loaded, as when served
        examples = ChatExamples(services)
        started = time.monotonic()
        found = examples()
        print(f"first load {time.monotonic() - started:.2f} s: {[e['text'] for e in found]}")
        started = time.monotonic()
        examples()
        print(f"next load {1000 * (time.monotonic() - started):.1f} ms")
        with services.reading() as a:
            found_leads = list(leads(a.index, stories, per_story=1))
        tried = [(lead, d) for lead in found_leads for d in drafts(lead)]
        ok = sum(
            answered(services.ask(AskRequest(d.question, engine="extractive")), d, lead)
            for lead, d in tried
        )
        print(f"{len(found_leads)} stories, {len(tried)} drafts, {ok} answered from their story")
    finally:
        services.ask_pool.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
