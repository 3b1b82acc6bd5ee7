"""``newsrag`` command line: a thin layer over the ``index`` and ``assistant`` APIs.

JSON goes to stdout, progress bars and logs to stderr. Heavy libraries (torch,
sentence-transformers, gradio) are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ui.cli.options import COMMANDS
from ui.settings import Settings

log = logging.getLogger("newsrag")

Handler = Callable[[argparse.Namespace, Settings], int]


class UsageError(ValueError):
    """A command line argparse refused; its usage line is already on stderr."""


class _Parser(argparse.ArgumentParser):
    """Usage errors end like every other failure (exit 1, ``newsrag: error: …``; README), not
    with argparse's exit 2; subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _common(parser: _Parser | None = None, sub: bool = True) -> _Parser:
    """The options every command takes, before or after its name (``newsrag --home X search``
    and ``newsrag search --home X`` alike). A subcommand's copy has no defaults of its own
    (``sub``), so it never overwrites a value given before the subcommand."""
    common = parser or _Parser(add_help=False)
    unset: dict[str, Any] = {"default": argparse.SUPPRESS} if sub else {}
    common.add_argument(
        "--home", help="index directory (env NEWSRAG_HOME, default ./data/index)", **unset
    )
    common.add_argument(
        "--model",
        help="embedding model: a packaged name or a local directory "
        "(env NEWSRAG_MODEL, default all-MiniLM-L6-v2)",
        **unset,
    )
    common.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout", **unset
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        help="more log output on stderr (-v info, -vv debug)",
        **(unset or {"default": 0}),
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsrag", description="Semantic search and cited answers over news articles."
    )
    _common(parser, sub=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common()
    for name, (help_text, options) in COMMANDS.items():
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        if options is not None:
            options(p, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(words)
    except UsageError as exc:
        return _fail(exc, as_json="--json" in words)
    try:
        settings = Settings.from_env(
            home=args.home,
            model=args.model,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            chunk_tokens=getattr(args, "chunk_tokens", None),
            overlap_tokens=getattr(args, "overlap_tokens", None),
            workers=getattr(args, "workers", None),
            executor=getattr(args, "executor", None),
            ray_address=getattr(args, "ray_address", None),
            embed=getattr(args, "embed", None),
            read_only=getattr(args, "read_only", None) or None,
        )
    except ValueError as exc:
        return _fail(exc, args.json)
    _setup_logging(settings, args.verbose)
    from ui.cli.commands import HANDLERS

    try:
        return HANDLERS[args.command](args, settings)
    except KeyboardInterrupt:
        print("newsrag: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the user; the trace only with -vv
        log.debug("command failed", exc_info=True)
        return _fail(exc, args.json)


def _fail(exc: BaseException, as_json: bool = False) -> int:
    """One line on stderr; with ``--json`` also ``{"error": …}`` on stdout. Exit status 1."""
    message = str(exc) or type(exc).__name__
    print(f"newsrag: error: {message}", file=sys.stderr)
    if as_json and not isinstance(exc, BrokenPipeError):
        with contextlib.suppress(OSError):
            print(json.dumps({"error": message}))
    return 1


def _setup_logging(settings: Settings, verbose: int) -> None:
    level = {0: settings.server.log_level.upper(), 1: "INFO"}.get(verbose, "DEBUG")
    logging.basicConfig(
        stream=sys.stderr, level=level, format="%(levelname)s %(name)s: %(message)s"
    )
