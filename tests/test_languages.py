"""Articles in every language (issue #32, point 3): each article's language is detected at ingest
(or taken from its own ``language`` field), stored, shown and filterable (``--lang``); keyword
search reads unspaced scripts (Chinese, Japanese) as character pairs; sentences split in those
scripts and in Cyrillic; a catalog of schema 5 is upgraded in place. Real SQLite, FTS5, FAISS and
the packaged detector, the hash encoder: the unit tier (the real multilingual model:
tests/test_multilingual.py)."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import FilterError, Retriever, SearchFilters
from index import Library, NewsIndex, check_index
from index.text.languages import cjk_bigrams, detect_language, language_code, language_name
from index.text.sentences import sentence_spans
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

SET = Path(__file__).resolve().parent.parent / "bench" / "multilingual"
ARTICLES = [json.loads(line) for line in (SET / "corpus.jsonl").read_text().splitlines() if line]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsIndex]:
    """The set, its ``language`` fields removed: every language here is detected."""
    home = tmp_path_factory.mktemp("languages")
    source = home / "articles.jsonl"
    rows = [{k: v for k, v in a.items() if k != "language"} for a in ARTICLES]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    settings = settings_for(home / "index").index
    with Library(settings, HashEncoder()) as door:
        door.ingest([source])
    opened = NewsIndex.open(settings, embedder=HashEncoder())
    yield opened
    opened.close()


def test_every_article_s_language_is_detected(index: NewsIndex) -> None:
    stored = {a.meta.id: a.meta.language for a in index.catalog.articles.list_articles(limit=500)}
    wrong = {a["id"]: stored[a["id"]] for a in ARTICLES if stored[a["id"]] != a["language"]}
    assert not wrong
    assert Counter(stored.values())["zh"] == 10


def test_an_article_s_own_language_field_wins_and_is_normalised() -> None:
    assert language_code("de-AT") == "de" and language_code("PT_br") == "pt"
    assert language_code("klingon") is None and language_code(3) is None
    assert detect_language("Too short.") is None
    assert language_name("uk") == "Ukrainian" and language_name("zz") == "zz"


def test_the_language_filter_keeps_only_that_language(index: NewsIndex) -> None:
    retriever = Retriever(index)
    for code in ("uk", "zh"):
        hits = retriever.search("flood", k=10, filters=SearchFilters.build(languages=code))
        assert hits and {h.article.language for h in hits} == {code}
    both = SearchFilters.build(languages="de, FR")
    assert both.languages == ("de", "fr") and "in de or fr" in both.describe()
    with pytest.raises(FilterError, match="lang: 'english'"):
        SearchFilters.build(languages="english")


def test_chinese_and_japanese_are_found_by_keyword(index: NewsIndex) -> None:
    for article in ARTICLES:
        if article["language"] not in ("zh", "ja"):
            continue
        phrase = article["title"][:6]
        found = index.catalog.articles.keyword(phrase, 5)
        passages = index.catalog.articles.passages([chunk for chunk, _ in found])
        assert article["id"] in {meta.id for meta, *_ in passages.values()}, phrase


def test_unspaced_runs_become_pairs_and_other_text_is_untouched() -> None:
    assert cjk_bigrams("在人民大会堂举行") == " 在人 人民 民大 大会 会堂 堂举 举行 "
    assert cjk_bigrams("Kyiv, 5 May: 在") == "Kyiv, 5 May:  在 "
    english = "The harbour bridge reopened; 3 people were hurt."
    assert cjk_bigrams(english) == english


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("北京时间3月5日，总理作报告。报告指出经济增长5%！你怎么看？", 3),
        ("東京都は5日、発表した。新たに120人を確認した。", 2),
        ("Війна триває. Президент заявив про нові санкції. 5 людей загинули.", 3),
        ("Москва, 3 марта. Власти сообщили о новых мерах.", 2),
        ("¿Qué pasó? ¡Nadie lo sabe! El Gobierno calla.", 3),
        ("Er sagte: „Wir handeln.“ Dann ging er.", 2),
    ],
)
def test_sentences_split_in_every_script(text: str, count: int) -> None:
    spans = sentence_spans(text)
    assert len(spans) == count
    assert all(text[a:b] == text[a:b].strip() and text[b - 1] in ".!?。！？“" for a, b in spans)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [  # Thai writes no full stop: a space between two Thai letters ends a sentence or clause
        (
            "กรุงเทพฯ ประกาศปิดโรงเรียนสามวัน เนื่องจากฝุ่นละอองเกินมาตรฐาน",
            ["กรุงเทพฯ", "ประกาศปิดโรงเรียนสามวัน", "เนื่องจากฝุ่นละอองเกินมาตรฐาน"],
        ),
        ("दिल्ली में बारिश हुई। स्कूल बंद रहे।", ["दिल्ली में बारिश हुई।", "स्कूल बंद रहे।"]),
        ("هل ستمطر غدا؟ نعم ستمطر.", ["هل ستمطر غدا؟", "نعم ستمطر."]),
        ("דובר המשטרה אמר. זה נכון.", ["דובר המשטרה אמר.", "זה נכון."]),
        (
            "Thai news: กรุงเทพฯ ปิดโรงเรียน. Dr. Smith agreed.",
            ["Thai news: กรุงเทพฯ", "ปิดโรงเรียน.", "Dr. Smith agreed."],
        ),
    ],
)
def test_scripts_without_capitals_or_stops_split_too(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == sentences


def test_a_catalog_of_schema_5_gets_languages_and_paired_keywords(tmp_path: Path) -> None:
    chinese = next(a for a in ARTICLES if a["language"] == "zh")
    german = next(a for a in ARTICLES if a["language"] == "de")
    source = tmp_path / "two.jsonl"
    rows = [{k: v for k, v in a.items() if k != "language"} for a in (chinese, german)]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    settings = settings_for(tmp_path / "index").index
    with Library(settings, HashEncoder()) as door:
        door.ingest([source])
    _as_schema_5(settings.catalog_path)

    with NewsIndex.open(settings, embedder=HashEncoder()) as index:
        assert index.catalog.meta()["schema_version"] == "9"
        assert index.catalog.articles.article(chinese["id"]).meta.language == "zh"
        assert index.catalog.articles.article(german["id"]).meta.language == "de"
        found = index.catalog.articles.keyword(chinese["title"][:6], 5)
        assert found
    assert check_index(settings, HashEncoder()).ok


def _as_schema_5(path: Path) -> None:
    """No language column; the keyword rows hold the raw text, as schema 5 wrote them."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP INDEX IF EXISTS articles_language; ALTER TABLE articles DROP COLUMN language;"
        'UPDATE chunks_fts SET text = (SELECT substr(a.text, c.start + 1, c."end" - c.start) '
        "FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id = chunks_fts.rowid), "
        "title = (SELECT a.title FROM chunks c JOIN articles a ON a.id = c.article_id "
        "WHERE c.id = chunks_fts.rowid);"
        "DELETE FROM schema_steps WHERE version = 6;"
        "UPDATE meta SET value='5' WHERE key='schema_version';"
    )
    conn.commit()
    conn.close()
