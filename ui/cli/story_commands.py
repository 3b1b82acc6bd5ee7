"""``newsrag story``: the stories a query is about and the best one's timeline; the latest
stories without a query; ``--rebuild`` groups every article again."""

from __future__ import annotations

import argparse
from typing import Any

from ui.cli.output import emit
from ui.settings import Settings


def cmd_story(args: argparse.Namespace, settings: Settings) -> int:
    from assistant import Assistant, SearchFilters, StoryRequest

    if args.rebuild:
        return _rebuild(args, settings)
    filters = SearchFilters.build((), None, None, args.as_of, bool(args.as_of))
    with Assistant(settings) as assistant:
        stories = assistant.stories
        matches: list[dict[str, Any]] = []
        chosen = args.id
        if not args.id:
            matches = [
                s.to_dict() for s in stories.for_request(StoryRequest(args.query, args.k, filters))
            ]
            chosen = matches[0]["story_id"] if matches and args.query else None
        timeline = stories.timeline(chosen, filters.as_of) if chosen else None
    if args.id and timeline is None:
        emit(
            args,
            {"error": "unknown_story", "detail": f"no story {args.id!r}"},
            f"no story {args.id!r}",
        )
        return 1
    data = {
        "query": args.query,
        "stories": matches,
        "timeline": timeline.to_dict() if timeline else None,
    }
    emit(args, data, "\n".join(_lines(data)))
    return 0


def _lines(data: dict[str, Any]) -> list[str]:
    out = []
    timeline = data["timeline"]
    if timeline:
        out.append(_story_line(timeline))
        for entry in timeline["entries"]:
            key = entry["key_sentence"]
            out.append(
                f"  {entry['day'] or 'undated'}  {entry['outlet'] or '-'}  {entry['title'][:80]}"
            )
            if key:
                out.append(f"      “{key['quote'][:240]}”")
                out.append(f"      {key['citation']}")
    others = [s for s in data["stories"] if not timeline or s["story_id"] != timeline["story_id"]]
    if others:
        out.append("other stories:" if timeline else "stories:")
        out.extend("  " + _story_line(s) for s in others)
    return out or ["no story matches"]


def _story_line(story: dict[str, Any]) -> str:
    first, last = story["first_day"] or "undated", story["last_day"] or "undated"
    days = first if first == last else f"{first} … {last}"
    return f"{story['story_id']}  {days}  {story['articles']} articles  {story['title'][:80]}"


def _rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library

    with Library(settings.index) as door:
        count = door.regroup_stories()
    emit(args, {"rebuilt_stories": count}, f"{count} stories")
    return 0
