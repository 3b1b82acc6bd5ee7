"""How a server stops: within seconds of SIGTERM or Ctrl-C, leaving nothing behind.

uvicorn's graceful shutdown waits for every open response to end, and a chat tab keeps one open
for as long as it is open (Gradio's heartbeat stream). So the server first tells the mounted
Gradio app to end its streams (what ``Blocks.close`` does: its ``stop_event``), cancels the
questions still queued, stops a feed watcher, and gives what is left ``GRACE_S`` seconds
(uvicorn's ``timeout_graceful_shutdown``) before cancelling it.

Then it removes what it made for itself: the folder it chose for Gradio's upload cache, and on a
read-only replica the SQLite side files (``-wal``, ``-shm``) that reading a WAL database creates
and that a read-only connection cannot remove (``remove_side_files``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from ui.settings import Settings

log = logging.getLogger(__name__)

GRACE_S = 3
SIDE_FILES = ("-wal", "-shm")
# SQLite's lock bytes in a database file (os_unix.c): every connection to a WAL database holds
# a read lock on the SHARED range for as long as it is open.
PENDING_BYTE = 0x40000000
SHARED_FIRST = PENDING_BYTE + 2
SHARED_SIZE = 510


class PromptServer(uvicorn.Server):
    """``uvicorn.Server`` that ends long-lived streams first and cleans up after itself."""

    def __init__(
        self, config: uvicorn.Config, on_stop: Callable[[], None], cleanup: Callable[[], None]
    ) -> None:
        super().__init__(config)
        self.on_stop = on_stop
        self.cleanup = cleanup

    async def shutdown(self, sockets: Any = None) -> None:
        self.on_stop()
        try:
            await super().shutdown(sockets)
        finally:
            self.cleanup()  # here: after a signal, uvicorn re-raises it and nothing runs later


def end_streams(app: FastAPI) -> None:
    """Ask every mounted Gradio app to end its heartbeat streams; cancel queued questions; stop
    the feed watcher and the vector filler (in the background: they may wait for a write)."""
    for route in app.routes:
        stop_event = getattr(getattr(route, "app", None), "stop_event", None)
        if stop_event is not None:
            stop_event.set()
    app.state.services.ask_pool.shutdown()
    for name in ("watcher", "backfill"):
        worker = getattr(app.state, name, None)
        if worker is not None:
            threading.Thread(target=worker.stop, name=f"newsrag-stop-{name}", daemon=True).start()


class Cleanup:
    """Removes, once, what this server made: its Gradio cache folder and (read-only replica)
    the catalog's side files."""

    def __init__(self, settings: Settings, cache_folder: Path | None) -> None:
        self.settings = settings
        self.cache_folder = cache_folder
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        if self.cache_folder is not None:
            shutil.rmtree(self.cache_folder, ignore_errors=True)
        if self.settings.index.read_only:
            remove_side_files(self.settings.index.catalog_path)


def remove_side_files(database: Path) -> bool:
    """Remove the ``-wal`` and ``-shm`` files of ``database`` when no other process has it open
    and its WAL holds nothing (what SQLite itself does when the last writable connection
    closes); whether they were removed.

    Other processes are kept out while it happens: it write-locks the byte range every SQLite
    connection read-locks (as SQLite's own delete-on-close does). The lock needs the file open
    for writing: a database this process may not write (a read-only mount, where SQLite opens it
    ``immutable`` and makes no side files) is left alone. Call it last: closing the descriptor
    drops this process's SQLite locks on the file too."""
    wal = database.with_name(database.name + "-wal")
    if not any(database.with_name(database.name + s).exists() for s in SIDE_FILES):
        return False
    try:
        fd = os.open(database, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, SHARED_SIZE, SHARED_FIRST, os.SEEK_SET)
    except OSError:  # another process has the database open: its files are in use
        os.close(fd)
        return False
    try:
        if wal.exists() and wal.stat().st_size:
            log.info("%s holds commits not yet in the database: left for its writer", wal)
            return False
        for suffix in SIDE_FILES:
            with contextlib.suppress(FileNotFoundError):
                database.with_name(database.name + suffix).unlink()
        return True
    finally:
        os.close(fd)
