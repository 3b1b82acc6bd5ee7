"""A fetch pass over a local feed of N real articles (issue #18's benchmark): a threaded HTTP
server on 127.0.0.1 serves an RSS feed of the first N rtqa-news articles and each one as an HTML
page; ``fetch_pass`` indexes them into a fresh index with the real model. Reports articles per
second end to end, the share of the pass in fetching, extraction and embedding + writing, and
the cost of a second pass with nothing new (a 304 on the feed) against the first.

Usage: .venv/bin/python bench/feed_pass.py ../shared/data/rtqa-news/corpus.jsonl [--n 500]
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import NewsIndex  # noqa: E402
from index.feeds import passes  # noqa: E402
from index.feeds.fetch import Fetcher  # noqa: E402
from index.feeds.settings import FetchSettings  # noqa: E402
from index.feeds.sources import new_feed  # noqa: E402
from index.ingest.ingestor import Ingestor  # noqa: E402
from ui.settings import Settings  # noqa: E402


def site(articles: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    pages = {}
    titles = [html.escape(a.get("title") or "Untitled") for a in articles]
    for n, a in enumerate(articles):
        body = "".join(f"<p>{html.escape(p)}</p>" for p in a["text"].split("\n\n") if p.strip())
        pages[f"/a/{n}"] = (
            f"<html><head><title>{titles[n]}</title></head><body><article>"
            f"<h1>{titles[n]}</h1>{body}</article></body></html>"
        ).encode()

    class Site(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/feed.xml":
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.end_headers()
                    return
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                items = "".join(
                    f"<item><title>{title}</title><link>{base}/a/{n}</link></item>"
                    for n, title in enumerate(titles)
                )
                self._send(f"<rss version='2.0'><channel>{items}</channel></rss>".encode())
            elif self.path in pages:
                self._send(pages[self.path])
            else:
                self.send_response(404)
                self.end_headers()

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"v1"')
            self.end_headers()
            self.wfile.write(body)

    return Site


def timed(spent: dict[str, float], name: str, call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - t

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="rtqa-news corpus.jsonl")
    parser.add_argument("--n", type=int, default=500, help="articles in the feed")
    args = parser.parse_args()
    with args.corpus.open(encoding="utf-8") as handle:
        articles = [json.loads(line) for _, line in zip(range(args.n), handle, strict=False)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), site(articles))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    spent: dict[str, float] = defaultdict(float)
    fetcher = Fetcher(FetchSettings(fetch_allow_hosts="127.0.0.1", fetch_host_interval_s=0))
    fetcher.get = timed(spent, "fetch", fetcher.get)  # type: ignore[method-assign]
    passes.parse_html = timed(spent, "extract", passes.parse_html)
    Ingestor.run = timed(spent, "embed_and_write", Ingestor.run)  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as home:
        index = NewsIndex.open(Settings.from_env(home=home).index, create=True)
        index.embedder.encode_documents(["warm up the document encoder"] * 8)
        index.catalog.feeds.add(new_feed(url, "30m", "bench", "127.0.0.1"))
        t = time.perf_counter()
        (first,) = passes.fetch_pass(index, fetcher, every_feed=True)
        first_s = time.perf_counter() - t
        shares = {k: round(v / first_s, 3) for k, v in spent.items()}
        t = time.perf_counter()
        (second,) = passes.fetch_pass(index, fetcher, every_feed=True)
        second_s = time.perf_counter() - t
        index.close()
    server.shutdown()
    print(
        json.dumps(
            {
                "articles": first.summary.added,
                "first_pass_s": round(first_s, 2),
                "articles_per_s": round(first.summary.added / first_s, 2),
                "shares": shares,
                "second_pass": second.status,
                "second_pass_s": round(second_s, 4),
                "second_over_first": round(second_s / first_s, 5),
            }
        )
    )


if __name__ == "__main__":
    main()
