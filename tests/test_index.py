"""The index pipeline end to end with the real model, FAISS and SQLite."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from assistant import Assistant, SearchRequest
from index import (
    Article,
    IndexMismatch,
    NewsIndex,
    check_index,
    delete_articles,
    ingest_paths,
    reindex,
)
from index.citation_keys import CitationKey
from tests.conftest import SAMPLE, settings_for


def _search(home: Path, query: str, k: int = 5, **overrides: object):
    assistant = Assistant(settings_for(home, **overrides))
    try:
        return assistant.search(SearchRequest(query, k=k))
    finally:
        assistant.close()


def _ingest(home: Path, paths: list[Path], **overrides: object):
    index = NewsIndex.open(settings_for(home, **overrides).index, create=True)
    try:
        return ingest_paths(index, paths)
    finally:
        index.close()


def _article(article_id: str, text: str, title: str = "A title", **fields: object) -> dict:
    return {"id": article_id, "title": title, "text": text, **fields}


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("How many drones did Russia launch?", "188 drones"),
        ("Which missile was fired at Dnipro?", "Orešnik"),
        ("Who is Italy's prime minister in the article?", "Draghi"),
    ],
)
def test_sample_questions_find_the_right_passage_first(
    sample_home: Path, query: str, expected: str
) -> None:
    hits = _search(sample_home, query)
    assert expected in hits[0].text
    hit = hits[0]
    key = CitationKey.parse(hit.citation)
    assert key.article_id == hit.article.id and (key.start, key.end) == (hit.start, hit.end)


def test_hits_carry_metadata_and_exact_offsets(sample_home: Path) -> None:
    index = NewsIndex.open(settings_for(sample_home).index)
    for hit in _search(sample_home, "Kherson civilians", k=10):
        text = index.catalog.articles.article_text(hit.article.id)
        assert text is not None and text[hit.start : hit.end] == hit.text
        assert CitationKey.parse(hit.citation).matches(text)
    index.close()


def test_reingest_of_unchanged_articles_embeds_nothing(sample_copy: Path) -> None:
    summary = _ingest(sample_copy, [SAMPLE])
    assert (summary.unchanged, summary.added, summary.embedded) == (2, 0, 0)


def test_changed_article_replaces_its_chunks_and_reuses_vectors(tmp_path: Path) -> None:
    home = tmp_path / "idx"
    body = " ".join(f"Sentence number {i} about the harbour project." for i in range(80))
    src = _jsonl(tmp_path / "a.jsonl", [_article("a1", body)])
    first = _ingest(home, [src])
    old = _search(home, "harbour project", k=1)[0]
    _jsonl(src, [_article("a1", body + " A late paragraph about a new bridge.")])
    second = _ingest(home, [src])
    assert second.updated == 1 and second.chunks >= first.chunks
    assert second.embedded < second.chunks  # unchanged passages reused their vectors
    index = NewsIndex.open(settings_for(home).index)
    text = index.catalog.articles.article_text("a1")
    assert text is not None and text.endswith("new bridge.")
    assert len(index.catalog.articles.chunk_ids_of("a1")) == second.chunks
    assert old.chunk_id not in index.catalog.articles.chunk_ids_of("a1")
    index.close()
    assert check_index(settings_for(home).index).ok


def test_exact_duplicate_is_recorded_as_a_copy(tmp_path: Path) -> None:
    home = tmp_path / "idx"
    text = "The city council approved the stadium plan on Monday. Work starts in spring."
    src = _jsonl(
        tmp_path / "d.jsonl",
        [
            _article("orig", text, url="https://a.example/story"),
            _article("copy", text, url="https://b.example/story"),
        ],
    )
    summary = _ingest(home, [src])
    assert (summary.added, summary.copies) == (1, 1)
    hit = _search(home, "stadium plan", k=1)[0]
    assert hit.article.id == "orig" and hit.article.copies == ("copy",)
    index = NewsIndex.open(settings_for(home).index)
    assert delete_articles(index, ["orig"]) == {"deleted": ["orig"], "missing": [], "warnings": []}
    index.close()
    hit = _search(home, "stadium plan", k=1)[0]
    assert hit.article.id == "copy"  # the copy inherited the passages
    assert check_index(settings_for(home).index).ok


def test_delete_removes_article_chunks_and_vectors(sample_copy: Path) -> None:
    settings = settings_for(sample_copy)
    victim = _search(sample_copy, "drones", k=1)[0].article.id
    index = NewsIndex.open(settings.index)
    result = delete_articles(index, [victim, "no-such-id"])
    assert result == {"deleted": [victim], "missing": ["no-such-id"], "warnings": []}
    index.close()
    assert all(h.article.id != victim for h in _search(sample_copy, "drones", k=20))
    assert check_index(settings.index).ok


@pytest.mark.parametrize("damage", ["delete", "truncate", "garbage"])
def test_damaged_vector_cache_is_rebuilt(
    sample_copy: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = sample_copy / "vectors.faiss"
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    else:
        path.write_bytes(b"x" * 5000)
    with caplog.at_level(logging.WARNING):
        hits = _search(sample_copy, "How many drones did Russia launch?")
    assert "188 drones" in hits[0].text
    assert "rebuilding" in caplog.text
    assert check_index(settings_for(sample_copy).index).ok


def test_index_built_with_another_model_refuses_to_open(sample_copy: Path, tmp_path: Path) -> None:
    from index.encoding.model_sources import resolve_model

    other = tmp_path / "other-model"  # the same weights under another name
    other.mkdir()
    for item in resolve_model("all-MiniLM-L6-v2").path.iterdir():
        (other / item.name).symlink_to(item)
    with pytest.raises(IndexMismatch) as err:
        _search(sample_copy, "drones", model=str(other))
    assert "all-MiniLM-L6-v2" in str(err.value) and str(other) in str(err.value)


def test_reindex_switches_to_a_new_chunker(sample_copy: Path) -> None:
    settings = settings_for(sample_copy, chunk_tokens=128, overlap_tokens=16)
    before = NewsIndex.open(settings.index).catalog.articles.counts()["chunks"]
    summary = reindex(settings.index)
    assert summary.added == 2
    index = NewsIndex.open(settings.index)
    assert json.loads(index.catalog.meta()["chunker"])["max_tokens"] == 128
    assert index.catalog.articles.counts()["chunks"] > before
    index.close()
    assert check_index(settings.index).ok
    assert "188 drones" in _search(sample_copy, "How many drones did Russia launch?")[0].text


def test_bad_inputs_are_reported_and_lose_nothing(sample_copy: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (bad / "latin1.txt").write_bytes(
        "Caf\xe9 owners protest the new tax.\n\nBody of the story about caf\xe9 owners.".encode(
            "latin-1"
        )
    )
    (bad / "notes.xyz").write_text("unsupported")
    (bad / "mixed.jsonl").write_text(
        json.dumps(_article("good-1", "The museum reopened after renovation."))
        + "\n"
        + "{not json\n"
        + json.dumps({"id": "no-text", "title": "Nothing here"})
        + "\n"
        + json.dumps(_article("good-2", "Farmers expect a record harvest this year."))
        + "\n"
    )
    summary = _ingest(sample_copy, [bad, tmp_path / "does-not-exist.txt"])
    problems = "\n".join(summary.problems)
    assert summary.added == 3  # latin1 (decoded with replacement) + the two good lines
    assert "mixed.jsonl:2" in problems and "mixed.jsonl:3" in problems
    assert "binary" in problems and "does-not-exist.txt" in problems
    assert "empty" in problems and ".xyz" in problems
    index = NewsIndex.open(settings_for(sample_copy).index)
    assert index.catalog.articles.counts()["articles"] == 5
    index.close()
    assert "188 drones" in _search(sample_copy, "How many drones did Russia launch?")[0].text
    assert check_index(settings_for(sample_copy).index).ok


def test_check_on_a_home_without_index_is_ok(tmp_path: Path) -> None:
    report = check_index(settings_for(tmp_path / "nothing").index)
    assert report.ok and report.counts == {}


def test_check_names_the_first_problem(sample_copy: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(sample_copy / "catalog.sqlite3")
    conn.execute('UPDATE chunks SET "end" = "end" + 100000 WHERE id = (SELECT min(id) FROM chunks)')
    conn.commit()
    conn.close()
    report = check_index(settings_for(sample_copy).index)
    assert not report.ok and "offsets" in report.problems[0]


def test_reindex_carries_versions_their_dates_and_old_citations(sample_copy: Path) -> None:
    from assistant import Retriever, SearchFilters
    from index import Ingestor, lookup_citation

    settings = settings_for(sample_copy)
    index = NewsIndex.open(settings.index)
    hit = Retriever(index).search("How many drones did Russia launch?", k=1)[0]
    stored = index.catalog.articles.article(hit.article.id)
    assert stored is not None and stored.text and "188 drones" in hit.text
    corrected = stored.text.replace("188 drones", "190 drones")
    article = Article(
        id=stored.meta.id,
        text=corrected,
        title=stored.meta.title,
        url=stored.meta.url,
        source=stored.meta.source,
        published_at=stored.meta.published_at,
        modified_at="2025-01-15",
    )
    with index.write_lock():
        Ingestor(index).run([article])
    seen = dict(index.catalog._db.conn.execute("SELECT id, ingested_at FROM articles").fetchall())
    index.close()

    reindex(settings.index)
    index = NewsIndex.open(settings.index)
    try:  # an undated article keeps its day in stories: when it came, not when it was reindexed
        again_seen = index.catalog._db.conn.execute("SELECT id, ingested_at FROM articles")
        assert dict(again_seen.fetchall()) == seen
        versions = index.catalog.versions.history(hit.article.id)
        assert [(v.version, v.valid_from) for v in versions] == [(1, None), (2, "2025-01-15")]
        again = index.catalog.articles.article(hit.article.id)
        assert again is not None and again.meta.modified_at == "2025-01-15"
        note = lookup_citation(index, hit.citation).updated
        assert note is not None and "190 drones" in (note.current_text or "")
        for mode in ("keyword", "dense"):
            then = Retriever(index).search(
                "188 drones launched",
                k=1,
                mode=mode,  # type: ignore[arg-type]
                filters=SearchFilters.build(as_of="2024-12-31"),
            )[0]
            assert then.article.version == 1 and "188 drones" in then.text, mode
    finally:
        index.close()
    assert check_index(settings.index).ok
