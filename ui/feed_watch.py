"""``newsrag serve --watch``: fetch passes on a background schedule, one writer at a time.

Every ``NEWSRAG_WATCH_TICK_S`` the watcher looks for a due feed; when there is one it runs a
fetch pass (``index.feeds.passes``). Its pages are fetched outside the server's write lock and
each batch is written under it, so an upload, a delete and a pass never write at once and a slow
feed never holds up an upload. What it last did is in ``/api/health`` (``feeds``) and the Library,
whose open pages read it again within seconds of a pass (``Services.library_stamp``).
A pass also re-validates, conditionally, the pages of the fetched feeds' recent entries that are
due on their schedule (``index.feeds.schedule``, issue #33): a silent correction becomes a new
version at the feed's first pass after each point. A pass that fails is logged and tried again at
the next tick; it never stops the server. Each tick also matches the watchlists against what
was written since their cursors (``Services.match_watchlists``, issue #33).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.services import Services

log = logging.getLogger(__name__)


class FeedWatcher:
    def __init__(self, services: Services, tick_s: float) -> None:
        self.services = services
        self.tick_s = max(0.5, tick_s)
        self.last_pass: str | None = None
        self.last_error: str | None = None
        self.passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsrag-feed-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                outcomes = self.services.fetch_feeds()
            except Exception as exc:  # a broken pass must not stop the server
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("feed pass failed: %s", self.last_error)
                continue
            try:  # watchlists behind their cursors: another process's writes, a killed run
                self.services.match_watchlists()
            except Exception as exc:
                log.warning("watchlist matching failed: %s", exc)
            if outcomes:
                self.passes += 1
                self.last_pass = datetime.now(UTC).isoformat(timespec="seconds")
                self.last_error = None
                log.info("feed pass: %s", ", ".join(f"{o.url} {o.status}" for o in outcomes))

    def state(self) -> dict[str, Any]:
        return {
            "watching": True,
            "passes": self.passes,
            "last_pass": self.last_pass,
            "last_error": self.last_error,
        }
