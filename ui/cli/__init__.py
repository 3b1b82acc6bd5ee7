"""The ``newsrag`` command line: ``parser`` (arguments, ``main``), ``commands`` (one handler per
subcommand, over the Python API), ``output`` (JSON or text)."""

from ui.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
