"""``.json`` (object, list, or wrapped list) and ``.jsonl`` (one object per line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.loaders.build import Origin
from index.loaders.fields import ALIASES, record_to_article
from index.records import Article, IngestStatus, LoadProblem

WRAPPER_KEYS = ("articles", "items", "data")
TOO_DEEP = "invalid JSON: nested too deeply"


def parse_json(text: str, path: Path, where: str) -> Iterator[Article | LoadProblem]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        yield LoadProblem(where, f"invalid JSON: {exc}")
        return
    except RecursionError:
        yield LoadProblem(where, TOO_DEEP)
        return
    elements = _article_list(document)
    if elements is None:
        yield _one(document, Origin(path, where))
        return
    if not elements:
        yield LoadProblem(where, "no articles in file", status=IngestStatus.SKIPPED)
    for index, element in enumerate(elements):
        yield _one(element, Origin(path, f"{where}[{index}]", index))


def parse_jsonl(text: str, path: Path, where: str) -> Iterator[Article | LoadProblem]:
    """Blank lines are ignored; the id index of a line is its 1-based line number."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        origin = Origin(path, f"{where}:{number}", number)
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield LoadProblem(origin.where, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield LoadProblem(origin.where, TOO_DEEP)
            continue
        yield _one(record, origin)


def _article_list(document: Any) -> list[Any] | None:
    """The list of articles, or None when the document is a single article (or not a list)."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        return None
    keys = {str(key).lower(): key for key in document}
    if any(alias in keys for alias in ALIASES["text"]):
        return None
    for name in WRAPPER_KEYS:
        if name in keys and isinstance(document[keys[name]], list):
            return list(document[keys[name]])
    return None


def _one(element: Any, origin: Origin) -> Article | LoadProblem:
    if not isinstance(element, dict):
        kind = "null" if element is None else type(element).__name__
        return LoadProblem(origin.where, f"expected a JSON object, got {kind}")
    return record_to_article(element, origin)
