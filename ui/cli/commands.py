"""What each ``newsrag`` subcommand does; each is a few calls into ``index``/``assistant``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import IngestSummary, display_name
from ui import payloads
from ui.cli.brief_commands import cmd_brief
from ui.cli.feed_commands import cmd_feeds, cmd_fetch
from ui.cli.mcp_commands import cmd_mcp
from ui.cli.output import emit
from ui.cli.story_commands import cmd_story
from ui.cli.watch_commands import after_write, cmd_watch
from ui.settings import Settings
from ui.views.article_html import unchanged_run
from ui.views.dateline import dateline, with_dateline

if TYPE_CHECKING:
    from assistant import SearchFilters
    from index import EmbedSummary, UpdateNote


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from index import IngestSummary, Library, LoadProblem, NewsIndex, encoder_for, iter_articles

    if not NewsIndex.exists(settings.index) and not any(Path(p).exists() for p in args.paths):
        summary = IngestSummary()  # nothing to read: no empty index is made for it
        for problem in iter_articles(args.paths):  # each path's "no such file or directory"
            if isinstance(problem, LoadProblem):
                summary.note(problem)
        emit(args, summary.to_dict(), _summary_text(summary))
        return 1
    embedder = encoder_for(settings.index)
    with (
        Library(settings.index, embedder) as door,
        _progress(not args.no_progress, "ingest") as hook,
    ):
        summary = door.ingest(args.paths, on_progress=hook)
        after_write(door, settings)  # watchlists: the new articles matched, webhooks sent
    emit(args, summary.to_dict(), _summary_text(summary))
    return 1 if summary.failed else 0


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library

    with Library(settings.index) as door, _progress(not args.no_progress, "reindex") as hook:
        summary = door.reindex(on_progress=hook, ann=args.ann)
    emit(args, summary.to_dict(), _summary_text(summary))
    return 0


def cmd_embed(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library

    def line(s: EmbedSummary) -> None:
        print(
            f"embed: {s.embedded} passages, {s.remaining} to go, {s.seconds:.0f} s", file=sys.stderr
        )

    with Library(settings.index) as door:
        summary = door.embed_awaiting(args.limit, args.batch, None if args.no_progress else line)
    text = (
        f"embedded {summary.embedded} passages ({summary.encoded} encoded, the rest reused) "
        f"in {summary.seconds:.1f}s; {summary.remaining} still without a vector"
    )
    emit(
        args,
        summary.to_dict(),
        "\n".join([text, *(f"warning: {w}" for w in summary.warnings)]),
    )
    return 0


def _filters(args: argparse.Namespace) -> SearchFilters:
    """The search filters of ``search`` and ``ask`` (ui.cli.options ``_filter_options``)."""
    from assistant import SearchFilters

    where = ",".join(args.source or []), args.since, args.until, args.as_of, args.strict
    return SearchFilters.build(*where, languages=",".join(args.lang or []))


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from assistant import Assistant, SearchMode, SearchRequest
    from ui.views.highlight import snippet

    filters = _filters(args)
    with Assistant(settings) as assistant:
        hits = assistant.search(SearchRequest(args.query, args.k, SearchMode(args.mode), filters))
    lines = [f"{len(hits)} hits for {args.query!r}"]
    for h in hits:
        meta = h.article
        lines.append(f"\n{h.rank:>2}. [{h.score:.3f}] {meta.title}")
        known = dateline(meta.source, meta.published_at, " · ", meta.language)
        lines.append(f"    {known or '-'} · {h.citation}")
        lines.append(f"    {snippet(h.text, args.query)[0]}")
    emit(args, payloads.search_result(args.query, hits), "\n".join(lines))
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from assistant import FALLBACK, AskRequest, Assistant, by_article

    filters = _filters(args)
    with Assistant(settings) as assistant:
        answer = assistant.ask(AskRequest(args.question, (), filters, args.k, args.engine))
    lines = [answer.text]
    if answer.reason and (answer.abstained or answer.reason.startswith(FALLBACK)):
        lines.append(f"({answer.reason})")
    for cited in by_article(answer.citations):
        c = cited[0]
        numbers = "".join(f"[{x.n}]" for x in cited)
        lines.append(f"{numbers} {with_dateline(c.title, c.source, c.published_at, c.language)}")
        lines.extend(f"    [{x.n}] {x.citation}" for x in cited)
    for h in answer.related:
        lines.append(f"related: {h.article.title} — {h.citation}")
    emit(args, answer.to_dict(), "\n".join(lines))
    return 0


def cmd_cite(args: argparse.Namespace, settings: Settings) -> int:
    from index import NewsIndex, lookup_citation

    with NewsIndex.open(settings.index) as index:
        resolved = lookup_citation(index, args.key, args.context)
    meta = resolved.article
    text = (
        f"{with_dateline(meta.title, meta.source, meta.published_at, meta.language)}\n"
        f"{meta.url or ''}\n\n…{resolved.before}>>>{resolved.text}<<<{resolved.after}…"
    )
    if resolved.updated is not None:
        text += "\n\n" + update_note_text(resolved.updated)
    emit(args, resolved.to_dict(), text)
    return 0


def update_note_text(note: UpdateNote) -> str:
    """The plain-text form of a citation's "updated since" note."""
    now = (
        f"now: {note.current_citation}"
        if note.current_citation
        else "the update removed this passage"
    )
    marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
    changes = " ".join(
        marks[p.op].format(unchanged_run(p.text) if p.op == "equal" else p.text) for p in note.diff
    )
    return (
        f"Updated since: this is version {note.cited.version} of {note.current.version}; the "
        f"article was {note.when_updated()} ({now})\n{changes}"
    )


def cmd_versions(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library

    with Library(settings.index) as door:
        found = door.versions(args.id)
    data = {"article_id": args.id, "versions": [v.to_dict() for v in found]}
    lines = [
        f"v{v['version']}  from {(v['valid_from'] or 'publication')[:10]:11}  "
        f"{v['chars']:>7} chars  "
        + ("current" if v["current"] else f"until {v['superseded_at'][:10]}")
        + ("  (text removed by retention)" if v["removed"] else "")
        + f"  {v['title'][:60]}"
        for v in data["versions"]
    ]
    emit(args, data, "\n".join(lines))
    return 0


def cmd_articles(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library

    with Library(settings.index) as door:
        if not door.exists():
            emit(args, {"total": 0, "articles": []}, "no articles")
            return 0
        total, found = door.articles(args.limit, args.offset)
    rows = [r.to_dict() for r in found]
    lines = [f"{total} articles"] + [
        f"{r['article_id']}  {r['published_at'] or 'undated':10}  "
        f"{display_name(r['source']) or '-':18.18}  "
        f"{r['title'][:70]}" + (f"  (copy of {r['copy_of']})" if r["copy_of"] else "")
        for r in rows
    ]
    emit(args, {"total": total, "articles": rows}, "\n".join(lines))
    return 0


def cmd_delete(args: argparse.Namespace, settings: Settings) -> int:
    from index import Library

    with Library(settings.index) as door:
        result = door.delete(args.ids)
    text = "\n".join(
        [f"deleted {i}" for i in result.deleted]
        + [f"unknown article id {i}" for i in result.missing]
        + [f"warning: {w}" for w in result.warnings]
    )
    emit(args, result.to_dict(), text)
    if result.missing:
        print(
            f"newsrag: error: unknown article id(s): {', '.join(result.missing)}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from index import index_stats

    stats = index_stats(settings.index)
    text = "\n".join(f"{k:>13}: {_plain(v)}" for k, v in stats.items())
    emit(args, stats, text)
    return 0


def _plain(value: object) -> str:
    """A value for people: a mapping as ``name value, …`` (an empty name is "no outlet")."""
    if isinstance(value, dict):
        return ", ".join(f"{k or 'no outlet'} {v}" for k, v in value.items()) or "none"
    return str(value)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from index import check_index

    report = check_index(settings.index)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items()) or "no index yet"
    text = f"ok: {counts}" if report.ok else f"problem: {report.problems[0]}"
    text = "\n".join([text, *(f"note: {n}" for n in report.notes)])
    payload = {"ok": report.ok, "problems": report.problems, "counts": report.counts}
    emit(args, {**payload, "notes": report.notes}, text)
    if not report.ok:
        print(f"newsrag: error: {report.problems[0]}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.eval import evaluate, format_report, parse_modes

    report = evaluate(
        settings,
        args.questions,
        parse_modes(args.mode),
        args.as_of_field,
        args.strict,
        args.limit,
        args.out,
        args.answers,
        args.engine,
        args.within_field,
    )
    emit(args, report, format_report(report))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ui.server import serve

    serve(settings, insecure=args.insecure, watch=args.watch)
    return 0


def _summary_text(s: IngestSummary) -> str:
    head = (
        f"added {s.added}, updated {s.updated}, unchanged {s.unchanged}, copies {s.copies}, "
        f"skipped {s.skipped}, failed {s.failed}; {s.chunks} chunks ({s.embedded} embedded) "
        f"in {s.seconds:.1f}s"
    )
    return "\n".join([head, *s.problems, *(f"warning: {w}" for w in s.warnings)])


class _progress:
    """Ingest progress on stderr: a tqdm bar on a terminal, else one line every
    ``LINE_EVERY_S`` seconds (logs and CI see that work goes on) and one at the end."""

    LINE_EVERY_S = 10.0

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.as_bar = sys.stderr.isatty() or _forced()
        self.label = label
        self.bar: Any = None
        self.started = self.last_line = time.monotonic()
        self.latest: IngestSummary | None = None

    def __enter__(self) -> Callable[[IngestSummary], None] | None:
        if not self.enabled:
            return None
        if self.as_bar:
            from tqdm import tqdm

            self.bar = tqdm(desc=self.label, unit=" articles", file=sys.stderr, dynamic_ncols=True)
        return self.update

    def update(self, s: IngestSummary) -> None:
        done = s.added + s.updated + s.unchanged + s.copies + s.skipped + s.failed
        elapsed = max(time.monotonic() - self.started, 1e-9)
        if self.bar is None:
            self.latest = s
            if time.monotonic() - self.last_line >= self.LINE_EVERY_S:
                self._line(s, done, elapsed)
            return
        self.bar.update(done - self.bar.n)
        rate = s.chunks / elapsed
        self.bar.set_postfix(chunks=s.chunks, chunks_per_s=f"{rate:.1f}", refresh=False)

    def _line(self, s: IngestSummary, done: int, elapsed: float) -> None:
        self.last_line = time.monotonic()
        print(
            f"{self.label}: {done} articles, {s.chunks} chunks, "
            f"{s.chunks / elapsed:.1f} chunks/s, {elapsed:.0f} s",
            file=sys.stderr,
            flush=True,
        )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.latest is not None and self.last_line != self.started:
            s = self.latest
            done = s.added + s.updated + s.unchanged + s.copies + s.skipped + s.failed
            self._line(s, done, max(time.monotonic() - self.started, 1e-9))


def _forced() -> bool:
    import os

    return os.environ.get("NEWSRAG_PROGRESS", "") == "1"


HANDLERS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "feeds": cmd_feeds,
    "fetch": cmd_fetch,
    "ingest": cmd_ingest,
    "reindex": cmd_reindex,
    "embed": cmd_embed,
    "search": cmd_search,
    "ask": cmd_ask,
    "cite": cmd_cite,
    "articles": cmd_articles,
    "versions": cmd_versions,
    "story": cmd_story,
    "brief": cmd_brief,
    "watch": cmd_watch,
    "delete": cmd_delete,
    "stats": cmd_stats,
    "check": cmd_check,
    "eval": cmd_eval,
    "serve": cmd_serve,
    "mcp": cmd_mcp,
}
