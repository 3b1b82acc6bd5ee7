"""``newsrag feeds add/list/remove`` and ``newsrag fetch``: following feeds and one pass over
the due ones, with where each feed's revalidation of its recent entries' pages stands."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from index import FeedSource
from ui.cli.output import emit
from ui.cli.watch_commands import after_write
from ui.settings import Settings

if TYPE_CHECKING:
    from index import Library
    from index.feeds import FeedOutcome, Outlook


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library

    with Library(settings.index) as door:
        if args.feeds_command == "list":
            return _list(args, settings, door)
        if args.feeds_command == "add":
            return _add(args, settings, door)
        return _remove(args, settings, door)


def _list(args: argparse.Namespace, settings: Settings, door: Library) -> int:
    from index.feeds import revalidation_outlook

    feeds = door.feeds()
    views = [(f, revalidation_outlook(door.index, f, settings.fetch)) for f in feeds]
    lines = [f"{len(feeds)} feeds"] + [_feed_line(f, o) for f, o in views]
    emit(args, {"feeds": [f.to_dict() | o.to_dict() for f, o in views]}, "\n".join(lines))
    return 0


def _add(args: argparse.Namespace, settings: Settings, door: Library) -> int:
    """Follow a feed; one followed already takes the ``--every``, ``--source`` and
    ``--revalidate`` given, at once (a new interval counts from its last fetch), and says so."""
    from index.feeds import DEFAULT_EVERY, new_feed

    allow = settings.fetch.fetch_allow_hosts
    feed = new_feed(args.url, args.every or DEFAULT_EVERY, args.source, allow, args.revalidate)
    given = frozenset(
        name
        for name, value in (
            ("every_s", args.every),
            ("source", args.source),
            ("revalidate", args.revalidate),
        )
        if value is not None
    )
    before = _stored(door, feed.url)
    added = door.follow(feed, given)
    after = _stored(door, feed.url) or feed
    changed = _changes(before, after) if before is not None else {}
    if added:
        said = f"following: {feed.url}"
    elif not given:
        said = f"already followed: {feed.url}"
    else:
        what = "; ".join(f"{name} {new} (was {old})" for name, (old, new) in changed.items())
        due = ""
        if "every" in changed:
            due = f", next fetch {after.next_try_at or 'at the next pass'}"
        said = f"already followed; updated: {feed.url}" + (
            f"  ({what}; in effect now{due})" if what else "  (nothing changed)"
        )
    payload = {
        "added": added,
        "feed": after.to_dict(),
        "changed": {name: {"was": old, "now": new} for name, (old, new) in changed.items()},
    }
    emit(args, payload, said)
    return 0


def _stored(door: Library, url: str) -> FeedSource | None:
    return next((f for f in door.feeds() if f.url == url), None)


def _changes(before: FeedSource, after: FeedSource) -> dict[str, tuple[Any, Any]]:
    """What ``feeds add`` changed of a followed feed, as the user reads it."""
    shown = {
        "every": (_every(before.every_s), _every(after.every_s)),
        "source": (before.source or "-", after.source or "-"),
        "revalidate": (before.revalidate or "default", after.revalidate or "default"),
    }
    return {name: pair for name, pair in shown.items() if pair[0] != pair[1]}


def _every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _remove(args: argparse.Namespace, settings: Settings, door: Library) -> int:
    from index.feeds import feed_url

    url = feed_url(args.url, settings.fetch.fetch_allow_hosts)
    removed = door.unfollow(url)
    emit(
        args, {"removed": removed, "url": url}, f"{'removed' if removed else 'not followed'}: {url}"
    )
    return 0 if removed else 1


def cmd_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library
    from index.feeds import Fetcher

    with Library(settings.index) as door:
        if not door.exists():
            emit(args, {"feeds": []}, "no feeds followed (newsrag feeds add URL)")
            return 0
        fetcher = Fetcher(settings.fetch)
        try:
            outcomes = door.fetch(fetcher, every_feed=args.all)
        finally:
            fetcher.close()
        after_write(door, settings)  # watchlists: the new articles matched, webhooks sent
    lines = [f"{len(outcomes)} feeds fetched"] + [_outcome_line(o) for o in outcomes]
    emit(args, {"feeds": [o.to_dict() for o in outcomes]}, "\n".join(lines))
    failed = any(o.status not in ("ok", "not_modified") for o in outcomes)
    return 1 if failed else 0


def _outcome_line(o: FeedOutcome) -> str:
    checks = o.revalidation
    return (
        f"{o.url}  {o.status}  {o.new} new of {o.entries}, added {o.summary.added}"
        + (f", {o.changed} changed, updated {o.summary.updated}" if o.changed else "")
        + (f", {o.from_entry} from the entry text" if o.from_entry else "")
        + (f"; revalidated {checks.text()}" if checks.checked or checks.left else "")
        + (f"  ({o.error})" if o.error else "")
    )


def _feed_line(f: FeedSource, o: Outlook) -> str:
    every = f"every {f.every_s // 60} min"
    state = f.last_status or "not fetched yet"
    error = f" ({f.last_error})" if f.last_error else ""
    due = f", next {f.next_try_at}" if f.next_try_at else ""
    return f"{f.url}  {f.source or '-'}  {every}  {state}{error}{due}\n  " + _revalidation(f, o)


def _revalidation(f: FeedSource, o: Outlook) -> str:
    if o.schedule == "off":
        said = "revalidate off"
    else:
        own = "" if f.revalidate else " (default)"
        said = f"revalidate {o.schedule}{own}: {o.pending} awaiting, {o.due} due"
        said += f", next {o.next_at}" if o.next_at else ""
    if f.revalidated_at:
        said += f"; last {f.revalidated_at}: {f.revalidation}"
    return said
