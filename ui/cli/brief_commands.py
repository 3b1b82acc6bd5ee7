"""``newsrag brief``: the most important stories of a day or a period, each with its key
sentences quoted and cited (``--json``: the same object as ``GET /api/brief``)."""

from __future__ import annotations

import argparse
from typing import Any

from ui.cli.output import emit
from ui.settings import Settings


def cmd_brief(args: argparse.Namespace, settings: Settings) -> int:
    from assistant import Assistant, BriefRequest

    request = BriefRequest(args.day, args.since, args.until, args.topic, args.limit)
    with Assistant(settings) as assistant:
        data = assistant.brief(request).to_dict()
    emit(args, data, "\n".join(brief_lines(data)))
    return 0


def brief_lines(data: dict[str, Any]) -> list[str]:
    period = (
        data["since"] if data["since"] == data["until"] else f"{data['since']} … {data['until']}"
    )
    about = f" about “{data['topic']}”" if data["topic"] else ""
    out = [
        f"Briefing {period}{about}: {len(data['stories'])} of {data['stories_in_period']} stories"
    ]
    for n, story in enumerate(data["stories"], start=1):
        days = story["first_day"] or "undated"
        if story["last_day"] and story["last_day"] != story["first_day"]:
            days = f"{days} … {story['last_day']}"
        more = " (continuing: what is new)" if story["continuing"] else ""
        out.append(f"\n{n}. {story['title'][:100]}{more}")
        out.append(
            f"   {days}  {story['articles']} articles  {', '.join(story['outlets'][:5]) or '-'}"
        )
        for key in story["key_sentences"]:
            out.append(f"   “{key['quote'][:300]}” [{key['n']}]")
            out.append(f"      {key['citation']}")
    if not data["stories"]:
        out.append("no story in this period")
    return out
