"""The options of each ``newsrag`` command, one function a command, and ``COMMANDS``: each
command's name, help line and options, in the order ``--help`` lists them."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from assistant import (
    ASK_K,
    BRIEF_LIMIT,
    DEFAULT_ASK_K,
    DEFAULT_BRIEF_LIMIT,
    DEFAULT_SEARCH_K,
    DEFAULT_STORIES_K,
    ENGINE_NAMES,
    SEARCH_K,
    STORIES_K,
)
from ui.cli.mcp_commands import MCP_HELP, mcp_options
from ui.cli.watch_commands import watch_options
from ui.limits import (
    CHUNK_TOKENS,
    CONTEXT_CHARS,
    LIST_LIMIT,
    LIST_OFFSET,
    OVERLAP_TOKENS,
    PORT,
)


def _ingest_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="chunk and embed in N local processes, merged by one writer "
        "(env NEWSRAG_WORKERS; default: one per core for inputs of 4 MB or more, "
        "else one process with the encoder on a thread); with --executor ray: N encoder actors "
        "(default: as many as the cluster's CPUs allow)",
    )
    p.add_argument(
        "--executor",
        choices=["local", "ray"],
        help="where blocks are chunked and embedded: local processes, or encoder actors on Ray "
        "(pip install 'newsrag[ray]'); this process stays the only writer (env NEWSRAG_EXECUTOR; "
        "default local)",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="the Ray cluster to use: auto, or HOST:PORT of its head (env NEWSRAG_RAY_ADDRESS; "
        "default: a private Ray on this machine for the ingest)",
    )
    p.add_argument(
        "--embed",
        choices=["auto", "leads", "all"],
        help="passages run through the encoder now: each article's first three (leads: about a "
        "quarter of the work; the rest are searched by keyword until 'newsrag embed' gives them "
        "vectors), every one (all), or leads for inputs of 4 MB or more and all below (auto, "
        "the default) (env NEWSRAG_EMBED)",
    )


def _embed_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--no-progress", action="store_true", help="no progress line")
    p.add_argument(
        "--limit", type=_positive_int, metavar="N", help="embed at most N passages (default: all)"
    )
    p.add_argument(
        "--batch",
        type=_positive_int,
        default=256,
        metavar="N",
        help="passages per write (default 256); a stop loses at most the batch in flight",
    )


def _search_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("query", metavar="QUERY")
    p.add_argument(
        "-k",
        "--k",
        type=_int_in(*SEARCH_K),
        default=DEFAULT_SEARCH_K,
        help=f"number of hits (default {DEFAULT_SEARCH_K})",
    )
    p.add_argument(
        "--mode",
        choices=["hybrid", "dense", "keyword"],
        default="hybrid",
        help="hybrid (default): dense + keyword fused by reciprocal rank",
    )
    _filter_options(p)


def _eval_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("questions", metavar="QUESTIONS.jsonl")
    p.add_argument(
        "--mode",
        default="hybrid",
        help="hybrid, dense, keyword, a comma list, or 'all' (default hybrid)",
    )
    p.add_argument(
        "--as-of-field",
        metavar="FIELD",
        help="question field used as the as-of date (e.g. question_date)",
    )
    p.add_argument("--strict", action="store_true", help="with --as-of-field: nothing newer")
    p.add_argument(
        "--within-field",
        metavar="FIELD",
        help="question field listing the only article ids its search may read (e.g. "
        "result_ids: reading alone, over each question's own search results)",
    )
    p.add_argument("--limit", type=_positive_int, help="only the first N questions")
    p.add_argument(
        "--answers",
        action="store_true",
        help="also ask each question: answer accuracy, citation precision, abstention, and "
        "where each answerable question's answer was lost (its fate; --out writes it)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        help="with --answers: the answer engine (default extractive)",
    )
    p.add_argument("--out", metavar="FILE", help="also write per-question results (JSONL)")


def _ask_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("question", metavar="QUESTION")
    p.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        default=None,
        help="extractive (default, offline; a 'how did … develop?' question goes to timeline), "
        "llm (needs a configured model) or timeline",
    )
    p.add_argument(
        "-k",
        "--k",
        type=_int_in(*ASK_K),
        default=DEFAULT_ASK_K,
        help=f"passages to read (default {DEFAULT_ASK_K})",
    )
    _filter_options(p)


def _cite_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("key", metavar="KEY", help="article_id:start-end:hash")
    p.add_argument(
        "--context", type=_int_in(*CONTEXT_CHARS), default=300, help="characters before/after"
    )


def _articles_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--limit", type=_int_in(*LIST_LIMIT), default=50, help="at most this many (default 50)"
    )
    p.add_argument("--offset", type=_int_in(*LIST_OFFSET), default=0, help="skip this many")


def _versions_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="the article id")


def _story_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", metavar="QUERY", help="what the story is about")
    p.add_argument("--id", metavar="STORY_ID", help="show this story's timeline")
    p.add_argument("--as-of", metavar="DATE", help="nothing published after this day")
    p.add_argument(
        "--k",
        type=_int_in(*STORIES_K),
        default=DEFAULT_STORIES_K,
        help=f"stories listed (default {DEFAULT_STORIES_K})",
    )
    p.add_argument("--rebuild", action="store_true", help="group every article into stories again")


def _brief_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--day", metavar="DATE", help="the briefing of this day (YYYY-MM-DD)")
    p.add_argument("--since", metavar="DATE", help="the briefing of the days from this one")
    p.add_argument("--until", metavar="DATE", help="... to this one (default: the latest news)")
    p.add_argument("--topic", metavar="QUERY", help="only the stories about this")
    p.add_argument(
        "--limit",
        type=_int_in(*BRIEF_LIMIT),
        default=DEFAULT_BRIEF_LIMIT,
        help=f"stories in the briefing (default {DEFAULT_BRIEF_LIMIT})",
    )


def _delete_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="+", metavar="ID")


def _reindex_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--chunk-tokens", type=_int_in(*CHUNK_TOKENS), help="chunk window in tokens, title included"
    )
    p.add_argument(
        "--overlap-tokens", type=_int_in(*OVERLAP_TOKENS), help="overlap between chunks in tokens"
    )
    p.add_argument(
        "--ann",
        choices=["auto", "flat", "ivfpq", "hnsw"],
        help="the vector index: exact flat, IVF-PQ with exact re-ranking, or an HNSW graph "
        "(only when forced: more memory than flat); auto (the default "
        "for a new index) picks IVF-PQ from 300,000 chunks; without --ann the index keeps its "
        "choice",
    )


def _feeds_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    feeds = p.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    f = feeds.add_parser("add", parents=[common], help="follow a feed or sitemap URL")
    f.add_argument("url", metavar="URL")
    f.add_argument(
        "--every",
        help="how often it is due: 30m, 2h, 1d (default 30m; 1m to 7d); a feed followed "
        "already takes a new one at once",
    )
    f.add_argument("--source", metavar="NAME", help="the outlet its articles are filed under")
    f.add_argument(
        "--revalidate",
        metavar="TIMES",
        help="read each recent entry's page again (a conditional GET) this long after its "
        "publication, to catch corrections the feed does not announce: e.g. 1h,6h,24h,3d,7d "
        "(the default, NEWSRAG_FETCH_REVALIDATE), or off",
    )
    feeds.add_parser("list", parents=[common], help="the feeds followed and how they stand")
    f = feeds.add_parser("remove", parents=[common], help="stop following a URL (articles stay)")
    f.add_argument("url", metavar="URL")


def _fetch_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--all", action="store_true", help="every feed, due or not")


def _serve_options(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host",
        help="address to bind (default 127.0.0.1); a non-loopback address needs "
        "NEWSRAG_API_TOKEN or --insecure",
    )
    p.add_argument("--port", type=_int_in(*PORT), help="port (default 7860)")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-loopback --host without an API token (read-only to the network)",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="also fetch the followed feeds when due (newsrag feeds add), one writer at a time",
    )
    p.add_argument(
        "--read-only",
        action="store_true",
        help="serve as a replica of a home another process writes: never writes to it, picks "
        "up each commit without a restart, refuses uploads and deletes (env NEWSRAG_READ_ONLY)",
    )


Options = Callable[[argparse.ArgumentParser, argparse.ArgumentParser], None]
# each command: its help line and the function adding its options (in the order listed)
COMMANDS: dict[str, tuple[str, Options | None]] = {
    "ingest": ("Index files or folders (.txt .md .html .json .jsonl).", _ingest_options),
    "search": ("Search the index; prints ranked passages with citation keys.", _search_options),
    "eval": ("Score retrieval on a question file (rtqa-news dev.jsonl format).", _eval_options),
    "ask": ("Answer a question from the index, with numbered, verified citations.", _ask_options),
    "cite": ("Show the exact passage behind a citation key, with context.", _cite_options),
    "articles": ("List indexed articles, newest first.", _articles_options),
    "versions": ("List an article's versions (corrections keep the old text).", _versions_options),
    "story": (
        "Stories a query is about, with the best one's timeline (no query: latest).",
        _story_options,
    ),
    "brief": (
        "A briefing: the most important stories of a day or period, with cited key sentences "
        "(no period: the latest day with news).",
        _brief_options,
    ),
    "delete": ("Delete articles by id (their copies keep the passages).", _delete_options),
    "stats": ("Counts, model and size of the index.", None),
    "check": ("Verify the index; exit 1 naming the first problem found.", None),
    "reindex": ("Rebuild chunks and vectors (after a model or chunker change).", _reindex_options),
    "embed": (
        "Compute the vectors a bulk ingest left for later (NEWSRAG_EMBED), newest first; safe "
        "to stop and run again, beside searches and ingests.",
        _embed_options,
    ),
    "feeds": (
        "Follow feeds and sitemaps: add, list or remove one (newsrag fetch reads them).",
        _feeds_options,
    ),
    "fetch": (
        "One pass over the feeds that are due: new articles fetched and indexed.",
        _fetch_options,
    ),
    "watch": (
        "Watchlists: follow a query or a story; new matching articles become items "
        "(add, list, remove, items, run).",
        watch_options,
    ),
    "serve": ("Serve the web UI and JSON API.", _serve_options),
    "mcp": (MCP_HELP.split(": tools")[0] + ".", mcp_options),
}


def _filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--source",
        action="append",
        metavar="SOURCE",
        help="only this outlet (repeat or comma-separate for several)",
    )
    p.add_argument(
        "--lang",
        action="append",
        metavar="CODE",
        help="only articles in this language, an ISO 639-1 code such as en, uk, zh "
        "(repeat or comma-separate)",
    )
    p.add_argument("--since", metavar="DATE", help="published on or after (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="published on or before (YYYY-MM-DD)")
    p.add_argument("--as-of", metavar="DATE", help="favour articles published shortly before")
    p.add_argument("--strict", action="store_true", help="with --as-of: never anything newer")


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {raw!r}")
    return value


def _int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, else a one-line error."""

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low} to {high}, got {raw[:40]!r}"
            )
        return value

    return parse
