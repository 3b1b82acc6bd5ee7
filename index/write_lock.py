"""One writer at a time, across processes: ``home/write.lock`` (a file lock that dies with its
holder, so a killed writer never leaves the index locked)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from index.catalog.catalog import IndexWriteError

log = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 60.0


class IndexBusy(RuntimeError):
    """Another process holds the write lock."""


@contextmanager
def hold_write_lock(home: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold ``home/write.lock``: one writer at a time, across processes.

    A second writer waits (saying so on the log) up to ``timeout`` seconds (default
    ``LOCK_TIMEOUT_S``), then raises ``IndexBusy``; the lock dies with its holder, so a killed
    writer never leaves the index locked.
    """
    wait = LOCK_TIMEOUT_S if timeout is None else timeout
    lock = _lock_file(home)
    if not _try_acquire(lock, 0):
        log.warning("%s is locked by another newsrag writer; waiting up to %.0fs", home, wait)
        if not _try_acquire(lock, wait):
            raise IndexBusy(
                f"{home} is locked: another newsrag process is writing to it (waited {wait:.0f}s "
                f"for {lock.lock_file}); try again when it is done"
            )
    try:
        yield
    finally:
        lock.release()


def _lock_file(home: Path) -> FileLock:
    path = home / "write.lock"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexWriteError(f"cannot create {home}: {exc.strerror or exc}") from exc
    return FileLock(str(path))


def _try_acquire(lock: FileLock, timeout: float) -> bool:
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        return False
    except OSError as exc:  # a read-only directory cannot hold the lock file
        raise IndexWriteError(
            f"cannot write {lock.lock_file}: {exc.strerror or exc}; the index is unchanged"
        ) from exc
    return True
