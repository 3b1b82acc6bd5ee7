"""``newsrag check``: each broken invariant, made on a copy of the sample index, is named.

Every case corrupts one thing in a private copy (``sample_copy``) and asserts that the report is
not ok and that its first problem names what broke; a sound index, a missing home and a merely
stale vector cache pass.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index import check_index
from index.encoding.ann import VectorIndex
from tests.conftest import settings_for
from ui.cli import main

FIRST_CHUNK = "(SELECT min(id) FROM chunks)"
LAST_CHUNK = "(SELECT max(id) FROM chunks)"
AN_ARTICLE = "(SELECT min(article_id) FROM chunks)"

SQL_DAMAGE: dict[str, tuple[list[str], str]] = {
    "offsets past the end": (
        [f'UPDATE chunks SET "end" = "end" + 100000 WHERE id = {FIRST_CHUNK}'],
        "do not fit its article",
    ),
    "offsets shifted": (
        [f'UPDATE chunks SET start = start + 1, "end" = "end" + 1 WHERE id = {FIRST_CHUNK}'],
        "differs from its article's text at its offsets",
    ),
    "article text edited": (
        [f"UPDATE articles SET text = '#' || substr(text, 2) WHERE id = {AN_ARTICLE}"],
        "differs from its article's text at its offsets",
    ),
    "FTS row missing": (
        [f"DELETE FROM chunks_fts WHERE rowid = {LAST_CHUNK}"],
        "has no FTS row",
    ),
    "stray FTS row": (
        ["INSERT INTO chunks_fts(rowid, title, text) VALUES (999999, 'T', 'stray')"],
        "FTS row 999999 has no chunk",
    ),
    "FTS title": (
        [f"UPDATE chunks_fts SET title = 'Another title' WHERE rowid = {FIRST_CHUNK}"],
        "FTS title of chunk",
    ),
    "chunk without article": (
        [f"DELETE FROM articles WHERE id = {AN_ARTICLE}"],
        "points at missing article",
    ),
    "article without chunks": (
        [
            f"DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE article_id = "
            f"{AN_ARTICLE})",
            "DELETE FROM chunks WHERE article_id = (SELECT min(id) FROM articles)",
        ],
        "has no chunks",
    ),
    "ordinal gap": (
        [f"UPDATE chunks SET ordinal = ordinal + 10 WHERE id = {LAST_CHUNK}"],
        "chunk ordinals",
    ),
    "chunks of a copy": (
        [f"UPDATE articles SET copy_of = 'elsewhere' WHERE id = {AN_ARTICLE}"],
        "which is a copy of another article",
    ),
    "copy of a missing article": (
        [
            "INSERT INTO articles(id, title, text, text_hash, content_hash, copy_of, ingested_at, "
            "updated_at) VALUES ('ghost', 'T', 'x', 'h', 'h', 'nobody', 'now', 'now')"
        ],
        "ghost is a copy of nobody, which is missing",
    ),
    "copy with another text": (
        [
            "INSERT INTO articles(id, title, text, text_hash, content_hash, copy_of, ingested_at, "
            f"updated_at) SELECT 'twin', title, text, 'other', 'h', id, 'now', 'now' "
            f"FROM articles WHERE id = {AN_ARTICLE}"
        ],
        "twin is a copy of",
    ),
    "embedding size": (
        [f"UPDATE chunks SET embedding = x'0000' WHERE id = {FIRST_CHUNK}"],
        "embedding has 2 bytes, expected 768",
    ),
    "meta without model": (
        ["DELETE FROM meta WHERE key = 'model'"],
        "meta table lacks model",
    ),
}


def _sql(home: Path, *statements: str) -> None:
    conn = sqlite3.connect(home / "catalog.sqlite3")
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _chunk_ids(home: Path) -> list[int]:
    conn = sqlite3.connect(home / "catalog.sqlite3")
    try:
        return [r[0] for r in conn.execute("SELECT id FROM chunks ORDER BY id")]
    finally:
        conn.close()


def _generation(home: Path) -> int:
    conn = sqlite3.connect(home / "catalog.sqlite3")
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    finally:
        conn.close()


def _edit_cache(home: Path, edit: str) -> None:
    """Change the vector cache while keeping it tagged with the catalog's generation."""
    path = home / "vectors.faiss"
    ann = VectorIndex.load(path, 384, _generation(home))
    ids = _chunk_ids(home)
    some = np.ones((1, 384), dtype=np.float32) / np.sqrt(384)
    if edit in ("extra", "swapped"):
        ann.add(np.asarray([999999]), some)
    if edit in ("missing", "swapped"):
        ann.remove([ids[-1]])
    if edit == "value":
        ann.remove([ids[0]])
        ann.add(np.asarray([ids[0]]), some)
    ann.save(path)


def test_a_sound_index_passes_with_all_counts(sample_copy: Path) -> None:
    report = check_index(settings_for(sample_copy).index)
    assert report.ok, report.problems
    counts = report.counts
    assert counts["articles"] == 2 and counts["chunks"] > 2
    assert counts["vectors"] == counts["chunks"]
    assert report.notes == []


def test_a_home_without_index_is_consistent_and_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "never-used"
    report = check_index(settings_for(home).index)
    assert report.ok and report.counts == {}
    assert main(["check", "--home", str(home)]) == 0
    assert not home.exists()  # checking creates nothing
    capsys.readouterr()


@pytest.mark.parametrize("damage", sorted(SQL_DAMAGE))
def test_each_broken_catalog_invariant_is_named(sample_copy: Path, damage: str) -> None:
    statements, expected = SQL_DAMAGE[damage]
    _sql(sample_copy, *statements)
    report = check_index(settings_for(sample_copy).index)
    assert not report.ok
    assert expected in report.problems[0], report.problems


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("extra", "FAISS holds"),
        ("missing", "FAISS holds"),
        ("swapped", "FAISS ids differ from chunk ids (e.g. FAISS-only [999999]"),
        ("value", "FAISS vector of chunk"),
    ],
)
def test_each_broken_vector_invariant_is_named(sample_copy: Path, edit: str, expected: str) -> None:
    _edit_cache(sample_copy, edit)
    report = check_index(settings_for(sample_copy).index)
    assert not report.ok
    assert expected in report.problems[0], report.problems


@pytest.mark.parametrize("damage", ["stale", "missing"])
def test_a_stale_or_missing_cache_is_checked_from_the_catalog_without_writing(
    sample_copy: Path, damage: str
) -> None:
    path = sample_copy / "vectors.faiss"
    if damage == "missing":
        path.unlink()
    else:  # a cache one generation behind: what a crash after a commit leaves
        _sql(sample_copy, "UPDATE meta SET value = value + 1 WHERE key = 'generation'")
    before = path.read_bytes() if path.exists() else None
    report = check_index(settings_for(sample_copy).index)
    assert report.ok, report.problems
    assert report.counts["vectors"] == report.counts["chunks"]
    assert "rebuild from the catalog" in report.notes[0]
    assert (path.read_bytes() if path.exists() else None) == before  # check writes nothing


def test_a_garbage_catalog_is_named(sample_copy: Path) -> None:
    catalog = sample_copy / "catalog.sqlite3"
    catalog.write_bytes(b"this is not a database " * 400)
    report = check_index(settings_for(sample_copy).index)
    assert not report.ok and str(catalog) in report.problems[0]


def test_damaged_catalog_pages_are_named(sample_copy: Path) -> None:
    catalog = sample_copy / "catalog.sqlite3"
    data = bytearray(catalog.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    rng = np.random.default_rng(3)
    data[2 * page :] = rng.integers(0, 256, len(data) - 2 * page, dtype=np.uint8).tobytes()
    catalog.write_bytes(bytes(data))
    report = check_index(settings_for(sample_copy).index)
    assert not report.ok and str(catalog) in report.problems[0], report.problems


def test_cli_check_exits_1_with_one_line_naming_the_first_problem(
    sample_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--home", str(sample_copy)]) == 0
    capsys.readouterr()
    _sql(sample_copy, f"DELETE FROM chunks_fts WHERE rowid = {LAST_CHUNK}")
    assert main(["check", "--home", str(sample_copy)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("newsrag: error: chunk ")
    assert err[0].endswith("has no FTS row")
