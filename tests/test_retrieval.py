"""Hybrid retrieval on a small fixture index: fusion, filters, time, diversity, FTS5 safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import RetrievalSettings, Retriever, SearchFilters, SearchMode
from assistant.eval.fates import FATES, fate
from assistant.eval.run import evaluate
from assistant.retrieval.diversity import diversify
from assistant.retrieval.fusion import recency, recent_only, reciprocal_rank_fusion
from index import Embedder, NewsIndex, ingest_paths
from index.catalog.keyword import content_terms, fts_query, keyword_search, selective_terms
from tests.conftest import FIXTURES, settings_for


@pytest.fixture(scope="module")
def news_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> NewsIndex:
    home = tmp_path_factory.mktemp("retrieval-index")
    index = NewsIndex.open(settings_for(home).index, embedder=embedder, create=True)
    summary = ingest_paths(index, [FIXTURES / "retrieval.jsonl"])
    assert summary.added == 7
    return index


def _ids(hits) -> list[str]:
    return [h.article.id for h in hits]


def test_reciprocal_rank_fusion_arithmetic() -> None:
    fused = reciprocal_rank_fusion(
        {"dense": [(1, 0.9), (2, 0.8)], "keyword": [(2, 5.0), (3, 1)]},
        {"dense": 1.0, "keyword": 0.5},
        k=60,
    )
    assert fused[1] == pytest.approx(1 / 61)
    assert fused[2] == pytest.approx(1 / 62 + 0.5 / 61)
    assert fused[3] == pytest.approx(0.5 / 62)


def test_recency_prior() -> None:
    assert recency("2022-06-10", "2022-06-10", 7) == 1.0
    assert recency("2022-06-03", "2022-06-10", 7) == pytest.approx(0.5)
    assert recency("2022-06-11", "2022-06-10", 7) == 0.0
    assert recency(None, "2022-06-10", 7) == 0.0


def test_recent_only_keeps_order_and_window() -> None:
    items = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5)]
    dates = {1: "2022-05-01", 2: "2022-06-09", 3: None, 4: "2022-06-12", 5: "2022-06-04T10:00"}
    assert recent_only(items, dates, "2022-06-10", days=7, limit=10) == [(2, 0.8), (5, 0.5)]
    assert recent_only(items, dates, "2022-06-10", days=7, limit=1) == [(2, 0.8)]


def test_as_of_recent_lists_lift_recent_passages_only(news_index: NewsIndex) -> None:
    """With an as-of date the candidates of the days before it are fused once more: recent
    passages gain, older ones keep their score, and the recent story overtakes the old one
    that matches the words better."""
    query = "harbour bridge plan approved construction"
    filters = SearchFilters.build(as_of="2022-06-11")
    plain = Retriever(news_index, RetrievalSettings(time_weight=0.0, recent_weight=0.0))
    recent = Retriever(news_index, RetrievalSettings(time_weight=0.0, recent_days=7))
    before = {h.article.id: h.score for h in plain.search(query, k=10, filters=filters)}
    after = {h.article.id: h.score for h in recent.search(query, k=10, filters=filters)}
    assert after["harbour-old"] == pytest.approx(before["harbour-old"])  # 2018: outside
    assert after["election"] > before["election"]  # 2022-06-09: inside the 7 days
    assert max(before, key=before.get) == "harbour-old"
    best = Retriever(news_index).search(query, k=1, filters=filters)[0]  # defaults
    assert "harbour-1" in (best.article.id, *best.article.copies)


def test_common_terms_are_not_used_to_select(news_index: NewsIndex) -> None:
    conn = news_index.catalog._db.conn
    terms = content_terms("Which harbour bridge drought?")
    assert terms == ["harbour", "bridge", "drought"]
    kept = selective_terms(conn, terms)  # "harbour" and "bridge" are in most fixture passages
    assert kept == ["drought"]
    assert len(selective_terms(conn, ["harbour", "bridge", "the"])) == 2  # never empty
    assert selective_terms(conn, ["harbour", "bridge"]) == ["harbour", "bridge"]


def test_hybrid_dense_and_keyword_modes(news_index: NewsIndex) -> None:
    retriever = Retriever(news_index)
    for mode in SearchMode:
        hits = retriever.search(
            "How much of the wheat harvest did the drought destroy?", k=3, mode=mode
        )
        assert hits[0].article.id == "drought", mode
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_source_filter_applies_before_the_cut(news_index: NewsIndex) -> None:
    retriever = Retriever(news_index)
    filters = SearchFilters.build(sources=["theweek.co.uk"])
    for mode in (SearchMode.HYBRID, SearchMode.DENSE):
        hits = retriever.search("harbour bridge", k=1, mode=mode, filters=filters)
        assert _ids(hits) == ["drought"], mode  # the only article of that source, however weak
    keyword = retriever.search("harbour bridge", k=1, mode=SearchMode.KEYWORD, filters=filters)
    assert keyword == []  # no word matches inside that source


def test_date_range_filter(news_index: NewsIndex) -> None:
    filters = SearchFilters.build(since="2022-06-09", until="2022-06-30")
    hits = Retriever(news_index).search("harbour bridge", k=10, filters=filters)
    assert set(_ids(hits)) <= {"harbour-1", "election"} and "harbour-1" in _ids(hits)


def test_an_article_filter_reads_only_those_articles_or_their_primaries(
    news_index: NewsIndex,
) -> None:
    """Issue #29: a question's search limited to its own results (``eval --within-field``);
    an empty list admits nothing. (A listed exact copy admits the primary that holds its
    passages: tests/test_copies.py.)"""
    retriever = Retriever(news_index)
    for mode in SearchMode:
        only = SearchFilters.build(articles=["drought"])
        hits = retriever.search("harbour bridge", k=5, mode=mode, filters=only)
        assert set(_ids(hits)) <= {"drought"}, mode
        near = SearchFilters.build(articles=["harbour-1-copy"])  # a near-duplicate: its own
        hits = retriever.search("harbour bridge opened", k=5, mode=mode, filters=near)
        assert _ids(hits) == ["harbour-1-copy"], mode
        none = SearchFilters.build(articles=[])
        assert retriever.search("harbour bridge", k=5, mode=mode, filters=none) == [], mode


def test_as_of_favours_recent_and_strict_excludes_later(news_index: NewsIndex) -> None:
    retriever = Retriever(news_index)
    query = "harbour bridge news"
    loose = retriever.search(query, k=10, filters=SearchFilters.build(as_of="2022-06-11"))
    assert "harbour-1" in (loose[0].article.id, *loose[0].article.copies)
    strict = retriever.search(
        query, k=10, filters=SearchFilters.build(as_of="2022-06-11", strict=True)
    )
    assert "harbour-future" not in _ids(strict) and "harbour-future" in _ids(loose)


def test_near_duplicates_collapse_into_one_hit(news_index: NewsIndex) -> None:
    hits = Retriever(news_index).search("bridge opened to traffic on Friday", k=5)
    assert _ids(hits).count("harbour-1") + _ids(hits).count("harbour-1-copy") == 1
    top = hits[0]
    assert {top.article.id, *top.article.copies} == {"harbour-1", "harbour-1-copy"}
    options = RetrievalSettings(dedup=False)
    plain = Retriever(news_index, options).search("bridge opened to traffic on Friday", k=5)
    assert {"harbour-1", "harbour-1-copy"} <= set(_ids(plain))


def test_per_article_cap(sample_home: Path) -> None:
    index = NewsIndex.open(settings_for(sample_home).index)
    for cap in (1, 2):
        hits = Retriever(index, RetrievalSettings(per_article=cap)).search("Russia war", k=10)
        counts = {a: _ids(hits).count(a) for a in set(_ids(hits))}
        assert max(counts.values()) == cap and len(hits) == 2 * cap
    index.close()


def test_diversify_keeps_order() -> None:
    assert diversify([], per_article=2) == []


HOSTILE = [
    '"NEAR( AND OR * ^',
    "title:foo",
    "a AND (b OR",
    "*",
    "^start",
    "'",
    '"""',
    "NOT",
    "x NEAR/3 y",
    "col:val*",
    "(((",
    "-",
    "–",
    "\x00",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(news_index: NewsIndex, text: str) -> None:
    keyword_search(news_index.catalog._db.conn, text, 5)
    for mode in SearchMode:
        Retriever(news_index).search(text + " bridge", k=3, mode=mode)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_fts_query_is_always_valid(news_index: NewsIndex, text: str) -> None:
    query = fts_query(text)
    if query is not None:
        news_index.catalog._db.conn.execute(
            "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (query,)
        ).fetchone()


def test_langchain_retriever_returns_documents(news_index: NewsIndex) -> None:
    from assistant.retrieval.langchain_retriever import NewsragRetriever

    lc = NewsragRetriever(retriever=Retriever(news_index), k=2)
    docs = lc.invoke("drought harvest")
    assert len(docs) == 2 and docs[0].metadata["article_id"] == "drought"
    assert docs[0].metadata["citation"].startswith("drought:")
    assert docs[0].page_content in (FIXTURES / "retrieval.jsonl").read_text()


def test_eval_on_sample_questions(sample_home: Path, tmp_path: Path) -> None:
    index = NewsIndex.open(settings_for(sample_home).index)
    ids = {a.meta.title[:8]: a.meta.id for a in index.catalog.articles.list_articles()}
    index.close()
    kherson, russia = ids["Massacre"], ids["Russia’s"]
    questions = [
        {
            "id": "1",
            "question": "How many drones did Russia launch in the large-scale attack?",
            "question_date": "2024-11-25",
            "answer": "188",
            "choices": ["188", "50", "12", "300"],
            "gold_ids": [kherson],
            "evidence": "never read",
        },
        {
            "id": "2",
            "question": "Which new ballistic missile did Moscow fire at Dnipro?",
            "answer": "Orešnik",
            "choices": ["Orešnik", "Iskander"],
            "gold_ids": [kherson],
        },
        {
            "id": "3",
            "question": "Which Italian prime minister is mentioned?",
            "answer": "Draghi",
            "choices": ["Draghi", "Meloni"],
            "gold_ids": [russia],
        },
        {
            "id": "4",
            "question": "On which day did US intelligence expect a Russian attack?",
            "answer": "February 16",
            "choices": ["February 16", "March 1"],
            "gold_ids": [],
        },
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in questions))
    out = tmp_path / "per_question.jsonl"
    report = evaluate(
        settings_for(sample_home),
        path,
        list(SearchMode),
        "question_date",
        out=str(out),
        answers=True,
    )
    assert report["questions"] == 4
    for mode, m in report["metrics"].items():
        assert m["n_article"] == 3, mode
        assert m["hits@10"] == 1.0 and m["answer_recall@10"] == 1.0, mode
        assert 0 < m["latency_p50_ms"] <= m["latency_p95_ms"]
    assert report["metrics"]["hybrid"]["hits@1"] == 1.0
    hybrid = report["metrics"]["hybrid"]
    assert hybrid["n_answerable"] == 4 and hybrid["answer_accuracy"] >= 0.75
    assert hybrid["citation_precision"] >= 0.75 and hybrid["abstention_rate"] <= 0.25
    assert len(out.read_text().splitlines()) == 4 * len(SearchMode)
    assert sum(hybrid["fates"].values()) == pytest.approx(1.0)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["fate"] for r in rows} <= {*FATES}
    assert all((r["fate"] == "correct") is r["correct"] for r in rows)
    within = evaluate(
        settings_for(sample_home), path, [SearchMode.HYBRID], within_field="gold_ids", answers=True
    )["metrics"]["hybrid"]
    assert within["hits@1"] == 1.0  # each question reads only its gold article
    assert within["answer_recall@10"] == 0.75  # question 4 lists none: nothing to read
    assert within["fates"]["retrieval_miss"] == 0.25


def test_each_fate_is_the_first_that_applies() -> None:
    base = {"answerable": True, "correct": False, "quoted": False, "abstained": False}
    recall = {"answer_recall@5": False, "answer_recall@10": False}
    assert fate({**base, **recall, "answerable": False}) is None
    assert fate({**base, **recall, "correct": True, "quoted": True}) == "correct"
    assert fate({**base, **recall, "quoted": True, "answer_recall@5": True}) == "contaminated"
    assert fate({**base, "abstained": True, "answer_recall@10": True}) == "abstained"
    assert fate({**base, **recall, "abstained": True}) == "retrieval_miss"  # nothing to read
    assert fate({**base, "answer_recall@5": True, "answer_recall@10": True}) == "read_miss"
    assert fate({**base, "answer_recall@5": False, "answer_recall@10": True}) == "rank_miss"
    assert fate({**base, **recall}) == "retrieval_miss"


def test_sentence_reranker_keeps_contract(news_index: NewsIndex) -> None:
    from assistant.retrieval.rerank import SentenceMaxSimReranker

    retriever = Retriever(news_index, reranker=SentenceMaxSimReranker(news_index.embedder))
    result = retriever.run("How much of the wheat harvest did the drought destroy?", k=3)
    assert result.hits[0].article.id == "drought"
    assert [h.rank for h in result.hits] == [1, 2, 3] and "rerank_ms" in result.timings
    assert all("sentence" in h.scores for h in result.hits)


class _ReversedJudge:
    """A stand-in cross-encoder (none is packaged): prefers later passages."""

    def predict(self, pairs: list[tuple[str, str]]) -> list[float]:
        return [float(i) for i in range(len(pairs))]


def test_rerank_fuses_model_order_with_retrieval_order(news_index: NewsIndex) -> None:
    from assistant.retrieval.rerank import CrossEncoderReranker, rerank

    hits = Retriever(news_index).search("harbour bridge", k=4)
    judge = CrossEncoderReranker(_ReversedJudge())
    ignored = rerank(judge, "harbour bridge", hits, weight=0.0)
    assert [h.chunk_id for h in ignored] == [h.chunk_id for h in hits]
    trusted = rerank(judge, "harbour bridge", hits, weight=100.0)
    assert [h.chunk_id for h in trusted] == [h.chunk_id for h in reversed(hits)]
    assert trusted[0].scores["cross-encoder"] == 3.0


def test_make_reranker_rejects_unknown_names(news_index: NewsIndex) -> None:
    from assistant.retrieval.rerank import make_reranker

    assert make_reranker("none", news_index.embedder) is None
    with pytest.raises(ValueError, match="NEWSRAG_RERANK"):
        make_reranker("magic", news_index.embedder)
