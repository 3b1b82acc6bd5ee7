"""The answer engine's candidate sentences for the rtqa-train questions, labelled — so sentence
weights and the reader can be fitted on the training weeks, never on dev (reads ../shared).

rtqa-train has no index: for each question, its ~10 result articles are normalised as the
loaders do and chunked by newsrag's chunker; the passages are ranked for the question by a
keyword score (idf-weighted content words shared with it, within the question's own passages,
standing in for hybrid retrieval), and the top ``max_passages`` go to the extractive engine as
hits (with the recency prior of their article's date against the question date, as ``ask`` does
with an as-of date). Every sentence the engine considers is scored with its features (all
embedded) and labelled good when it holds the answer and no wrong choice.

Output: one JSON row per question, the format of ``bench/fit_answer_weights.py``'s rows
(``week``, ``answerable``, ``truth``, ``wrong``, ``sentences`` = [features, good, text]) plus
``id`` and ``question``. Research-only data: written outside the repository, never committed.

Usage: .venv/bin/python bench/train_candidates.py --out /tmp/train-candidates.jsonl [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from reader_data import keyword_order, questions_with_results  # noqa: E402

from assistant.engines.extractive import ExtractiveConfig, ExtractiveEngine  # noqa: E402
from assistant.eval.matching import answer_in_text, answers_alone  # noqa: E402
from assistant.language.sentence_features import content_words  # noqa: E402
from assistant.retrieval.fusion import recency  # noqa: E402
from index import Embedder  # noqa: E402
from index.loaders.boilerplate import drop_boilerplate  # noqa: E402
from index.loaders.normalize import normalize_text  # noqa: E402
from index.records import Article, ArticleMeta, Chunk, SearchHit  # noqa: E402
from index.text.chunking import Chunker, ChunkerConfig  # noqa: E402
from index.text.tokenization import load_tokenizer  # noqa: E402

HALF_LIFE_DAYS = 7.0


def passages(question: str, chunks: list[tuple[Chunk, ArticleMeta]], top: int) -> list[int]:
    """The indexes of the ``top`` chunks sharing the most idf-weighted content words with the
    question."""
    return keyword_order(question, [c.text for c, _ in chunks], content_words)[:top]


def hits_for(
    q: dict[str, Any], corpus: dict[str, dict], chunker: Chunker, top: int
) -> list[SearchHit]:
    pool: list[tuple[Chunk, ArticleMeta]] = []
    for article_id in q.get("result_ids") or []:
        record = corpus.get(article_id)
        if not record:
            continue
        text = normalize_text(drop_boilerplate(normalize_text(record["text"])))
        if not text:
            continue
        article = Article(article_id, text, record.get("title") or "", record.get("url"))
        meta = ArticleMeta(
            article_id,
            article.title,
            article.url,
            record.get("source"),
            (),
            record.get("published_at"),
            None,
        )
        pool.extend((c, meta) for c in chunker.chunk(article))
    chosen = passages(q["question"], pool, top)
    hits = []
    for rank, i in enumerate(chosen):
        chunk, meta = pool[i]
        prior = recency(meta.published_at, q["question_date"], HALF_LIFE_DAYS)
        hits.append(
            SearchHit(rank, i, meta, chunk.start, chunk.end, chunk.text, 0.0, {"time": prior})
        )
    return hits


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSONL rows, one per question")
    parser.add_argument("--limit", type=int, help="only the first N questions (a smoke run)")
    args = parser.parse_args()
    from tqdm import tqdm

    questions, corpus = questions_with_results(args.limit)
    embedder = Embedder()
    chunker = Chunker(load_tokenizer(embedder.spec.path), ChunkerConfig())
    base = ExtractiveConfig()
    engine = ExtractiveEngine(embedder, replace(base, max_encoded=base.max_sentences))
    kept = 0
    with args.out.open("w", encoding="utf-8") as out:
        for q in tqdm(questions, desc="questions", file=sys.stderr):
            hits = hits_for(q, corpus, chunker, base.max_passages)
            truth, wrong = str(q["answer"]), [c for c in q["choices"] if c != q["answer"]]
            found = [c for c in engine.score(q["question"], hits)]
            row = {
                "id": q["id"],
                "question": q["question"],
                "week": q["week"],
                "answerable": any(answer_in_text(truth, h.text) for h in hits),
                "truth": truth,
                "wrong": wrong,
                "sentences": [
                    [list(c.features), answers_alone(truth, wrong, c.text), c.text] for c in found
                ],
            }
            kept += 1
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(json.dumps({"questions": kept}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
