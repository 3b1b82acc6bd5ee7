"""``newsrag serve --watch`` (issue #18): a real server fetches a followed feed from a real
threaded HTTP server on 127.0.0.1 when it is due, as the one writer, and says so in
``/api/health``; the articles it indexed are searchable. Integration tier (the real model)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from index import NewsIndex
from index.feeds.sources import new_feed
from tests import test_feed_pass
from tests.conftest import settings_for
from tests.live_server import ServerSpec, copy_index, live_servers

base = test_feed_pass.base  # the fixture: the feed's server on 127.0.0.1


@pytest.mark.slow
def test_serve_watch_fetches_a_followed_feed(base: str, sample_home: Path, tmp_path: Path) -> None:
    """A real server with --watch (one writer: the watcher under the server's write lock)
    fetches the feed when it is due; /api/health says so; the articles are searchable."""
    home = copy_index(sample_home, tmp_path / "index")
    index = NewsIndex.open(settings_for(home).index)
    index.catalog.feeds.add(new_feed(base + "/feed.xml", "30m", "Fixture News", "127.0.0.1"))
    index.close()
    env = {
        "NEWSRAG_FETCH_ALLOW_HOSTS": "127.0.0.1",
        "NEWSRAG_FETCH_HOST_INTERVAL_S": "0",
        "NEWSRAG_WATCH_TICK_S": "0.5",
    }
    with live_servers([ServerSpec(home, env=env, args=("--watch",))]) as (url,):
        deadline = time.monotonic() + 120
        feeds: dict = {}
        while time.monotonic() < deadline:
            feeds = httpx.get(f"{url}/api/health", timeout=10).json()["feeds"]
            if feeds.get("passes"):
                break
            time.sleep(0.5)
        assert feeds["watching"] and feeds["passes"] >= 1 and feeds["followed"] == 1
        assert feeds["failing"] == 0 and feeds["last_pass"]
        hits = httpx.get(f"{url}/api/search", params={"q": "harbour bridge repairs"}).json()
        assert any(h["source"] == "Fixture News" for h in hits["hits"])
    from ui.services import Services
    from ui.settings import Settings
    from ui.web.library_tab import library_view

    counts, listing = library_view(Services(Settings.from_env(env={}, home=str(home))), False)
    assert "1 feed followed" in counts
    assert "Feeds followed (1)" in listing and "ok at " in listing and "next try" in listing
