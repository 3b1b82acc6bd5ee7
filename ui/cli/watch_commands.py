"""``newsrag watch add/list/remove/items/run``: following a query or a story (issue #33), and
what ``ingest`` and ``fetch`` do after their write (``after_write``: the watchlists matched
against the new articles, then the webhook deliveries sent)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ui.cli.output import emit
from ui.settings import Settings

if TYPE_CHECKING:
    from index import Library, WatchItem, Watchlist


def watch_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="watch_command", required=True, metavar="ACTION")
    a = actions.add_parser(
        "add", parents=[common], help="follow a query (or --story ID): new matches become items"
    )
    a.add_argument("query", nargs="?", help="what to follow, as you would search for it")
    a.add_argument("--story", help="follow this story instead (an id from newsrag story)")
    a.add_argument("--name", help="what to call it (default: the query or the story's title)")
    a.add_argument("--webhook", metavar="URL", help="POST each new item here, signed")
    a.add_argument(
        "--webhook-secret", help="the HMAC-SHA256 key of the signature (default: generated)"
    )
    actions.add_parser("list", parents=[common], help="the watchlists, their unread items")
    r = actions.add_parser("remove", parents=[common], help="forget a watchlist and its items")
    r.add_argument("id", type=int, help="the watchlist's id (newsrag watch list)")
    i = actions.add_parser("items", parents=[common], help="a watchlist's items, newest first")
    i.add_argument("id", type=int, help="the watchlist's id (newsrag watch list)")
    i.add_argument("--since", help="matched on or after this day (YYYY-MM-DD) or ISO time")
    i.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    i.add_argument("--mark-read", action="store_true", help="then mark them all read")
    actions.add_parser(
        "run",
        parents=[common],
        help="match what was written since each watchlist's cursor, send due webhooks",
    )


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library
    from ui.watching import WatchlistError

    with Library(settings.index) as door:
        try:
            return ACTIONS[args.watch_command](args, settings, door)
        except WatchlistError as exc:
            raise ValueError(str(exc)) from None


def _add(args: argparse.Namespace, settings: Settings, door: Library) -> int:
    from ui.watching import new_watchlist

    made, secret = new_watchlist(
        door, settings, args.query, args.story, args.name, args.webhook, args.webhook_secret
    )
    lines = [f"watching {made.id}: {_what(made)}"]
    if secret:
        lines.append(f"webhook secret (shown this once): {secret}")
    emit(args, {"watchlist": made.to_dict(), "webhook_secret": secret}, "\n".join(lines))
    return 0


def _list(args: argparse.Namespace, settings: Settings, door: Library) -> int:
    found = door.watchlists()
    lines = [f"{len(found)} watchlists"] + [_line(w) for w in found]
    emit(args, {"watchlists": [w.to_dict() for w in found]}, "\n".join(lines))
    return 0


def _remove(args: argparse.Namespace, settings: Settings, door: Library) -> int:
    from ui.watching import known

    known(door, args.id)
    door.unwatch(args.id)
    emit(args, {"deleted": args.id}, f"removed watchlist {args.id}")
    return 0


def _items(args: argparse.Namespace, settings: Settings, door: Library) -> int:
    from ui.watching import known, since_stamp

    watchlist = known(door, args.id)
    found = door.watch_items(args.id, since_stamp(args.since), max(1, args.limit))
    lines = [f"{_what(watchlist)}: {len(found)} items ({watchlist.unread} unread)"]
    lines += [_item_line(i, i.id > watchlist.read_through) for i in found]
    if args.mark_read:
        door.mark_watch_read(args.id)
    data = {"watchlist": watchlist.to_dict(), "items": [i.to_dict() for i in found]}
    emit(args, data, "\n".join(lines))
    return 0


def _run(args: argparse.Namespace, settings: Settings, door: Library) -> int:
    matched, sent = after_write(door, settings, quiet=True)
    data = {"matched": matched, "deliveries": sent}
    total = sum(matched.get("new_items", {}).values())
    text = f"{total} new items; webhooks: {sent.get('sent', 0)} sent, " + (
        f"{sent.get('retrying', 0)} to retry, {sent.get('failed', 0)} failed"
    )
    emit(args, data, text)
    return 0


def after_write(
    door: Library, settings: Settings, quiet: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """After an ingest or a fetch pass: the watchlists matched against the new articles, then
    the due webhook deliveries sent (said on stderr when something was found)."""
    from ui.watching import deliver, match_after

    report = match_after(door, settings)
    sent = deliver(door, settings)
    if report is not None and report.total and not quiet:
        print(f"watchlists: {report.total} new items", file=sys.stderr)
    return (report.to_dict() if report else {}), sent.to_dict()


def _what(w: Watchlist) -> str:
    followed = f"query “{w.query}”" if w.query else f"story {w.story_id}"
    return f"{w.name} ({followed})" if w.name != (w.query or "") else followed


def _line(w: Watchlist) -> str:
    line = f"{w.id}  {_what(w)}  {w.items} items, {w.unread} unread"
    if w.webhook_url:
        states = ", ".join(f"{n} {state}" for state, n in sorted(w.deliveries.items()))
        line += f"\n   webhook {w.to_dict()['webhook_url']}: {states or 'nothing sent yet'}"
        if w.last_delivery_error:
            line += f"; last error: {w.last_delivery_error}"
    return line


def _item_line(item: WatchItem, unread: bool) -> str:
    mark = "*" if unread else " "
    day = (item.published_at or "undated")[:10]
    outlet = f" — {item.source}" if item.source else ""
    return (
        f"{mark}{item.id}  {day}  {item.title[:100]}{outlet}\n"
        f"   “{item.quote[:300]}”\n   {item.citation}"
    )


ACTIONS = {"add": _add, "list": _list, "remove": _remove, "items": _items, "run": _run}
