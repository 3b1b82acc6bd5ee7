"""The Library's list as HTML (all article and feed text escaped): the articles, each title a
link to the article's page (its first passage's ``/cite`` page), what the search box found, and
the feeds followed with how their last fetch went."""

from __future__ import annotations

from typing import Any

from index import display_name
from ui.views.article_html import esc
from ui.views.cite_urls import cite_url
from ui.views.dateline import dateline

LIST_LIMIT = 500


def found_line(query: str, total: int) -> str:
    """How many articles the box found, naming what was typed (escaped)."""
    typed = esc(" ".join(query.split()))
    if not total:
        said = f"No article has “{typed}” in its title or outlet."
    else:
        listed = f" (newest {LIST_LIMIT} listed)" if total > LIST_LIMIT else ""
        said = f"{count(total, 'article')} with “{typed}” in the title or outlet{listed}"
    return f'<p class="found" role="status">{said}</p>'


def article_list_html(rows: list[dict[str, Any]], empty: str = "No articles yet.") -> str:
    """The articles as an escaped HTML list: title (a link to the article's first passage when
    the row has its key, ``cite``), then outlet · date · size, then the id."""
    if not rows:
        return f'<p class="empty">{esc(empty)}</p>' if empty else ""
    items = []
    for r in rows:
        known = dateline(r["source"], r["published_at"], " · ", r.get("language"))
        size = f"{r['chars']:,} characters · {count(r['chunks'], 'passage')}"
        if r.get("version", 1) > 1:
            since = f" {r['modified_at'][:10]}" if r.get("modified_at") else ""
            size += f" · updated{since} (version {r['version']})"
        meta = f"{known} · {size}" if known else size
        items.append(
            f"<li>{_title(r)}"
            f'<span class="meta">{esc(meta)}</span>'
            f'<code class="id">{esc(r["article_id"])}</code></li>'
        )
    # a scroll box (max-height) must be reachable by keyboard: focusable and named (axe)
    return f'<ul class="articles" tabindex="0" aria-label="Indexed articles">{"".join(items)}</ul>'


def _title(row: dict[str, Any]) -> str:
    """The title, a link to the article's page when it has a passage to open."""
    if not row.get("cite"):
        return f'<span class="title">{esc(row["title"])}</span>'
    return f'<a class="title" href="{esc(cite_url(row["cite"]))}">{esc(row["title"])}</a>'


def feed_list_html(feeds: list[dict[str, Any]]) -> str:
    """The feeds followed, each with how its last fetch went (nothing when none are)."""
    if not feeds:
        return ""
    items = []
    for f in feeds:
        state = f["last_status"] or "not fetched yet"
        when = f" at {f['last_fetch_at'][:16].replace('T', ' ')}" if f["last_fetch_at"] else ""
        retry = f", next try {f['next_try_at'][:16].replace('T', ' ')}" if f["next_try_at"] else ""
        error = f'<span class="meta error">{esc(f["last_error"])}</span>' if f["last_error"] else ""
        items.append(
            f'<li><span class="title">{esc(display_name(f["source"]) or f["url"])}</span>'
            f'<span class="meta">{esc(state + when + retry)}</span>{error}'
            f'<code class="id">{esc(f["url"])}</code></li>'
        )
    return (
        f'<details class="feeds"><summary>Feeds followed ({len(feeds)})</summary>'
        f'<ul class="articles feed-list" aria-label="Feeds followed">{"".join(items)}</ul>'
        "</details>"
    )


def copies_count(n: int) -> str:
    return f"{n:,} exact {'copy' if n == 1 else 'copies'}"


def count(n: int, noun: str, mark: str = "") -> str:
    """``1 passage``, ``2 passages`` (``mark``: around the number, e.g. ``**`` for bold)."""
    return f"{mark}{n:,}{mark} {noun}{'' if n == 1 else 's'}"
