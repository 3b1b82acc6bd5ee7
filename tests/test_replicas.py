"""Read-only replicas (issue #19, point 4): two ``newsrag serve --read-only`` over one home while
a writer ingests into it in many commits. Every search both replicas answer meanwhile succeeds,
both serve the new articles once the writer has committed — no restart — and neither writes
to the home or takes a write. Real servers on 127.0.0.1, the packaged model, real SQLite."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from index import NewsIndex, ingest_paths
from tests.conftest import settings_for
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = pytest.mark.slow

NEW = [
    {
        "id": f"lighthouse-{n}",
        "title": f"Lighthouse keeper's log, part {n}",
        "text": " ".join(
            f"The Zephyrine lighthouse on Colonsay logged gale {n}.{i} on the night shift."
            for i in range(40)
        ),
    }
    for n in range(12)
]


def _searching(base: str, stop: threading.Event, seen: list[int], errors: list[str]) -> None:
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            try:
                reply = client.get(f"{base}/api/search", params={"q": "drones launched", "k": 3})
                seen.append(reply.status_code)
                if reply.status_code != 200:
                    errors.append(f"{reply.status_code}: {reply.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(repr(exc))
            time.sleep(0.05)


def _finds_new(base: str) -> bool:
    hits = httpx.get(
        f"{base}/api/search", params={"q": "Zephyrine lighthouse gale", "k": 3}, timeout=60
    ).json()["hits"]
    return bool(hits) and hits[0]["article_id"].startswith("lighthouse-")


def test_two_replicas_answer_while_a_writer_ingests_and_then_serve_its_articles(
    sample_home: Path, tmp_path: Path
) -> None:
    home = copy_index(sample_home, tmp_path / "index")
    corpus = tmp_path / "new.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in NEW), encoding="utf-8")
    replica = ServerSpec(home, token="secret", args=("--read-only",))
    with live_servers([replica, replica]) as bases:
        health = [httpx.get(f"{b}/api/health").json() for b in bases]
        assert [h["read_only"] for h in health] == [True, True]
        before = health[0]["generation"]
        assert not any(_finds_new(b) for b in bases)

        stop = threading.Event()
        seen: list[list[int]] = [[], []]
        errors: list[str] = []
        threads = [
            threading.Thread(target=_searching, args=(b, stop, s, errors), daemon=True)
            for b, s in zip(bases, seen, strict=True)
        ]
        for t in threads:
            t.start()
        writer = NewsIndex.open(settings_for(home, commit_chunks=4).index)
        try:
            summary = ingest_paths(writer, [corpus], workers=1)  # one commit per 4 chunks
            after = writer.catalog.generation
        finally:
            writer.close()
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join(timeout=60)

        assert summary.added == len(NEW) and after >= before + 5  # many commits
        assert errors == [] and all(len(s) >= 5 for s in seen)  # answered all the while
        for base in bases:
            deadline = time.monotonic() + 30
            while not _finds_new(base) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert _finds_new(base), base  # the new articles, without a restart
            assert httpx.get(f"{base}/api/health").json()["generation"] == after

        refused = httpx.post(
            f"{bases[0]}/api/articles",
            json={"id": "x", "title": "X", "text": "Some text."},
            headers={"Authorization": "Bearer secret"},
        )
        assert refused.status_code == 403 and refused.json()["error"] == "read_only_replica"
        deleted = httpx.request(
            "DELETE",
            f"{bases[1]}/api/articles/lighthouse-0",
            headers={"Authorization": "Bearer secret"},
        )
        assert deleted.status_code == 403
    assert not (home / ".gradio").exists()  # nothing of the replicas' in the home
