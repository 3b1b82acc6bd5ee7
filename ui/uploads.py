"""Uploaded files and JSON bodies, staged for the loaders the CLI uses.

Each request gets a fresh private folder under the index home (``.uploads/<pid>-<random>``,
removed when the request ends; ``purge_stale`` removes those whose process died, e.g. after a
SIGKILL, when a server starts). A file is written there under a generated name (``upload-N``
plus its extension, when that extension is one the loaders read), never under the client's
path or name. The client's name, cut to its last component and printable characters
(``display_name``: no directories, no ``..`` path, no NUL), is only recorded beside the file
(``index.loaders.ids.record_upload_name``): articles without an own id or URL take their id from
it, so uploading ``notes.txt`` again updates the same article. Two files of one request with the
same name are told apart (``unique_names``: ``notes.txt``, ``notes (2).txt``), so neither
replaces the other. Sizes are counted while copying, so an oversized upload stops at
``max_file_bytes`` + 1 bytes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from index import SUPPORTED_EXTENSIONS, IndexWriteError, record_upload_name
from ui.errors import ApiError

log = logging.getLogger(__name__)

CHUNK = 1 << 16
UPLOADS_DIR = ".uploads"  # under the index home
FORM_OVERHEAD = 1 << 20  # multipart headers and boundaries allowed on top of the files


@dataclass(frozen=True)
class Staged:
    path: Path  # where the loaders read it
    name: str  # the client's file name, cleaned, for messages only


@contextmanager
def staging(home: Path) -> Iterator[Path]:
    """A private folder for one request's files, under ``home``; removed afterwards."""
    folder = home / UPLOADS_DIR / f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
    try:
        folder.mkdir(mode=0o700, parents=True)
    except OSError as exc:
        raise IndexWriteError(
            f"cannot stage the upload in {folder.parent}: {exc.strerror or exc}; nothing was "
            "indexed"
        ) from exc
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def purge_stale(home: Path) -> int:
    """Remove staging folders whose process is gone (a killed server's); how many."""
    removed = 0
    for folder in sorted((home / UPLOADS_DIR).glob("*")):
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):  # this process's own are in use
            continue
        log.warning("removing %s, left by an interrupted upload", folder)
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def unique_names(client_names: Sequence[str | None]) -> list[str]:
    """Each client name cleaned (``display_name``); a name met again in the same request
    becomes ``stem (2).ext``, ``stem (3).ext``…, so its article never replaces the first."""
    names = [display_name(n) for n in client_names]
    taken = set(names)
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        candidate, n = name, seen[name]
        while n > 1 and candidate in taken:
            candidate = f"{Path(name).stem} ({n}){Path(name).suffix}"
            n += 1
        taken.add(candidate)
        out.append(candidate)
    return out


def display_name(client_name: str | None) -> str:
    """The last component of the client's name, printable characters only (for messages and
    the article id of what it holds); ``upload`` when nothing is left."""
    printable = "".join(ch for ch in client_name or "" if ch.isprintable())
    base = re.split(r"[\\/]", printable)[-1].strip()[:120]
    return base if base not in ("", ".", "..") else "upload"


def extension(client_name: str | None) -> str:
    suffix = Path(display_name(client_name)).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise ApiError(
            415,
            "unsupported_file_type",
            f"{display_name(client_name)}: unsupported file type {suffix or '(none)'} "
            f"(supported: {supported})",
        )
    return suffix


def stage_stream(
    folder: Path, number: int, client_name: str | None, source: BinaryIO, limit: int
) -> Staged:
    """Copy one upload into ``folder``; 413 once it exceeds ``limit`` bytes."""
    name = display_name(client_name)
    target = folder / f"upload-{number}{extension(client_name)}"
    written = 0
    with target.open("wb") as out:
        while block := source.read(CHUNK):
            written += len(block)
            if written > limit:
                raise too_large(name, limit)
            out.write(block)
    record_upload_name(target, name)
    return Staged(target, name)


def stage_json(folder: Path, articles: list[dict[str, Any]], limit: int) -> Staged:
    data = json.dumps(articles, ensure_ascii=False).encode("utf-8")
    if len(data) > limit:
        raise too_large("request body", limit)
    target = folder / "upload-body.json"
    target.write_bytes(data)
    return Staged(target, "request body")


def too_large(name: str, limit: int) -> ApiError:
    return ApiError(
        413, "too_large", f"{name}: larger than the limit of {limit} bytes (NEWSRAG_MAX_FILE_BYTES)"
    )


def too_many_files(limit: int) -> ApiError:
    return ApiError(
        413,
        "too_many_files",
        f"at most {limit} files per request (NEWSRAG_MAX_UPLOAD_FILES)",
    )


def check_count(count: int, limit: int) -> None:
    if count > limit:
        raise too_many_files(limit)


def max_form_bytes(files: int, file_bytes: int) -> int:
    """The largest multipart body worth reading: every file at its limit, plus the framing."""
    return files * file_bytes + FORM_OVERHEAD


def form_too_large(max_bytes: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"request body: larger than {max_bytes} bytes (NEWSRAG_MAX_UPLOAD_FILES files of "
        "NEWSRAG_MAX_FILE_BYTES each, plus the form's framing)",
    )


def readable(messages: list[str], staged: list[Staged], home: Path) -> list[str]:
    """Problems and warnings name the staged path (``.uploads/<pid>-<random>/upload-N.ext``):
    show the client's file name instead, and no other path of the server (files of the index
    home by their name in it)."""
    out = []
    for message in messages:
        for s in staged:
            message = message.replace(str(s.path), s.name)
        for prefix in sorted({str(home.resolve()), str(home)}, key=len, reverse=True):
            message = message.replace(prefix.rstrip("/") + "/", "")
        out.append(message)
    return out
