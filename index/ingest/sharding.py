"""Shard and merge: workers chunk and embed blocks of articles, one writer merges the shards.

The writer (``ingestor.Ingestor``) plans every article against the live catalog (content
hashes, copies, unchanged articles) and groups the ones to index into blocks. An executor runs
``run_block`` on each block elsewhere: a local process today (``LocalProcessExecutor``), a Ray
task or actor tomorrow (same function, another executor; docs/SCALING.md). A worker chunks the
block with the index's chunker, reuses vectors already stored in the catalog (opened
read-only), embeds the rest and writes one shard file (chunk offsets, embed hashes, float16
vectors). The writer merges shards in input order, one transaction per block, so every store
invariant, content-hash reuse and copy rule is the single-process one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from index.catalog.catalog import Catalog
from index.encoding.embedding import Embedder, Encoder, available_cores
from index.encoding.encoders import encoder_for
from index.ingest.embed_stage import (
    EmbeddedBatch,
    Planned,
    embed_hash,
    to_encode,
    vectors_for,
)
from index.records import Article, Chunk, IngestStatus
from index.settings import Device, EmbedPolicy, EncoderBackend, IndexSettings, Precision
from index.store import NewsIndex
from index.text.chunking import Chunker, ChunkerConfig
from index.text.tokenization import load_tokenizer

log = logging.getLogger(__name__)

CHARS_PER_CHUNK = 900  # article characters per chunk, measured on rtqa-news (34.6M / 36.9k)


@dataclass(frozen=True)
class EncoderSpec:
    """Everything a worker needs to build the index's chunker and encoder."""

    model: str
    precision: Precision
    backend: EncoderBackend
    batch_size: int
    cache_dir: Path
    threads: int
    chunker: ChunkerConfig
    device: Device = Device.AUTO
    embed: EmbedPolicy = EmbedPolicy.LEADS  # which passages are encoded now (embed_stage)

    @classmethod
    def of(
        cls, index: NewsIndex, threads: int, embed: EmbedPolicy = EmbedPolicy.ALL
    ) -> EncoderSpec:
        s = index.settings
        return cls(
            s.model,
            s.precision,
            s.encoder,
            s.batch_size,
            s.cache_dir,
            threads,
            index.chunker_config,
            s.device,
            embed,
        )


@dataclass(frozen=True)
class BlockArticle:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class BlockTask:
    block: int
    articles: tuple[BlockArticle, ...]
    out: Path | None  # the shard file the worker writes (None: the shard comes back in memory)
    encoder: EncoderSpec
    known: Path | None  # a catalog whose stored vectors may be reused (opened read-only; a
    # worker on a machine where the path does not exist embeds everything)


@dataclass(frozen=True)
class BlockResult:
    block: int
    out: Path | None
    chunks: int
    embedded: int
    cpu_seconds: float
    shard: Shard | None = None  # the shard itself when it travelled back in memory (Ray)


@dataclass
class Shard:
    """The chunks of one block: article position in the block, offsets, hashes, vectors."""

    article: np.ndarray
    ordinal: np.ndarray
    start: np.ndarray
    end: np.ndarray
    n_tokens: np.ndarray
    hashes: list[str]
    vectors: np.ndarray  # float16

    def save(self, path: Path) -> None:
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(
            tmp,
            article=self.article,
            ordinal=self.ordinal,
            start=self.start,
            end=self.end,
            n_tokens=self.n_tokens,
            hashes=np.array(self.hashes, dtype="U32"),
            vectors=self.vectors,
        )
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Shard:
        with np.load(path) as data:
            columns = {k: data[k] for k in data.files}
        hashes = [str(h) for h in columns.pop("hashes")]
        return cls(hashes=hashes, **columns)


# -- the worker side ---------------------------------------------------------------------------
@cache
def _tools(spec: EncoderSpec) -> tuple[Chunker, Encoder]:
    """One chunker and encoder per worker process, kept across blocks."""
    embedder = encoder_for(
        IndexSettings(
            model=spec.model,
            precision=spec.precision,
            encoder=spec.backend,
            batch_size=spec.batch_size,
            cache_dir=spec.cache_dir,
            encoder_threads=spec.threads,
            device=spec.device,
        )
    )
    return Chunker(load_tokenizer(embedder.spec.path), spec.chunker), embedder


def _stored_vectors(known: Path | None, hashes: list[str]) -> dict[str, bytes]:
    if known is None or not known.exists():
        return {}
    catalog = Catalog(known, readonly=True)
    try:
        return catalog.articles.embeddings_by_hash(hashes)
    finally:
        catalog.close()


def run_block(task: BlockTask) -> BlockResult:
    """Chunk and embed one block (runs in a worker): into its shard file when the task names
    one, else returned with the result (through Ray's object store: no shared filesystem)."""
    started = time.process_time()
    shard, embedded = embed_articles(task.articles, task.encoder, task.known)
    if task.out is not None:
        shard.save(task.out)
    cpu = time.process_time() - started
    kept = None if task.out is not None else shard
    return BlockResult(task.block, task.out, len(shard.hashes), embedded, cpu, kept)


def embed_articles(
    articles: Sequence[BlockArticle], spec: EncoderSpec, known: Path | None
) -> tuple[Shard, int]:
    """The chunks and vectors of some articles, and how many went through the encoder.

    The unit of work of every executor (a Ray Data ``map_batches`` callable is this function
    over a batch of rows)."""
    chunker, embedder = _tools(spec)
    rows: list[tuple[int, Chunk]] = []
    for position, a in enumerate(articles):
        article = Article(id=a.id, text=a.text, title=a.title)
        rows += [(position, chunk) for chunk in chunker.chunk(article)]
    texts = [chunker.embed_text(articles[p].title, c.text) for p, c in rows]
    hashes = [embed_hash(embedder.name, t) for t in texts]
    stored = _stored_vectors(known, hashes)
    ordinals = [c.ordinal for _, c in rows]
    todo = to_encode(hashes, texts, ordinals, stored, spec.embed)
    for h, vector in zip(todo, embedder.encode_documents(list(todo.values())), strict=True):
        stored[h] = vector.astype(np.float16).tobytes()
    return _shard(rows, hashes, stored, embedder.dim), len(todo)


def _shard(
    rows: list[tuple[int, Chunk]], hashes: list[str], stored: dict[str, bytes], dim: int
) -> Shard:
    def column(values: list[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    return Shard(
        article=column([p for p, _ in rows]),
        ordinal=column([c.ordinal for _, c in rows]),
        start=column([c.start for _, c in rows]),
        end=column([c.end for _, c in rows]),
        n_tokens=column([c.n_tokens for _, c in rows]),
        hashes=hashes,
        vectors=vectors_for(hashes, stored, dim).astype(np.float16),
    )


# -- executors ---------------------------------------------------------------------------------
class BlockExecutor(Protocol):
    """Runs ``run_block`` somewhere; a future per block. ``in_memory``: shards come back with
    their results (no shard files, no shared filesystem)."""

    workers: int
    in_memory: bool

    def submit(self, task: BlockTask) -> Future[BlockResult]: ...

    def shutdown(self) -> None: ...


SHARD_DIR_PREFIX = ".shards-"
ORPHAN_POLL_S = 0.5


def limit_threads(threads: int) -> None:
    """The tokenizer's and torch's own pools: no more threads than this worker's share of cores
    (call before the model loads)."""
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)


def _init_worker(threads: int, writer_pid: int) -> None:
    limit_threads(threads)
    threading.Thread(target=_exit_with_writer, args=(writer_pid,), daemon=True).start()


def _exit_with_writer(writer_pid: int) -> None:
    """A worker whose writer died (SIGKILL, OOM) exits instead of embedding for nobody."""
    while os.getppid() == writer_pid:
        time.sleep(ORPHAN_POLL_S)
    os._exit(1)


def remove_stale_shards(home: Path) -> None:
    """Shard folders left by a killed writer; call only under the write lock."""
    for stale in home.glob(f"{SHARD_DIR_PREFIX}*"):
        log.warning("removing %s, left by an interrupted ingest", stale.name)
        shutil.rmtree(stale, ignore_errors=True)


class LocalProcessExecutor:
    """Worker processes on this machine (spawned: no inherited model or thread state)."""

    in_memory = False  # shards go through files in the home

    def __init__(self, workers: int, threads: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(threads, os.getpid()),
        )

    def submit(self, task: BlockTask) -> Future[BlockResult]:
        return self._pool.submit(run_block, task)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# -- the writer side ---------------------------------------------------------------------------
class _ShardPending:
    def __init__(
        self, batch: list[Planned], future: Future[BlockResult] | None, stage: ShardStage
    ) -> None:
        self.batch, self.future, self.stage = batch, future, stage
        self.dim = stage.index.dim

    def result(self) -> EmbeddedBatch:
        if self.future is None:  # copies and metadata updates only: nothing to embed
            return EmbeddedBatch(self.batch, np.zeros((0, self.dim), np.float32), [], 0)
        done = self.future.result()
        self.stage.worker_cpu_s += done.cpu_seconds
        shard = done.shard
        if shard is None:
            assert done.out is not None
            shard = Shard.load(done.out)
            done.out.unlink(missing_ok=True)
        attach_chunks([p for p in self.batch if p.deferred], shard)
        vectors = shard.vectors.astype(np.float32).reshape(-1, self.dim)
        return EmbeddedBatch(self.batch, vectors, shard.hashes, done.embedded)


def attach_chunks(deferred: list[Planned], shard: Shard) -> None:
    """Give each planned article its chunks from the shard; none found means nothing to index."""
    by_article: dict[int, list[Chunk]] = {i: [] for i in range(len(deferred))}
    for i in range(len(shard.hashes)):
        planned = deferred[int(shard.article[i])]
        start, end = int(shard.start[i]), int(shard.end[i])
        chunk = Chunk(
            article_id=planned.article.id,
            ordinal=int(shard.ordinal[i]),
            start=start,
            end=end,
            text=planned.article.text[start:end],
            n_tokens=int(shard.n_tokens[i]),
        )
        by_article[int(shard.article[i])].append(chunk)
    for position, planned in enumerate(deferred):
        planned.chunks = by_article[position]
        if not planned.chunks:
            planned.status = IngestStatus.SKIPPED


class ShardStage:
    """The embed stage of ``Ingestor`` that sends blocks to an executor and merges shards."""

    chunks_articles = True

    def __init__(self, index: NewsIndex, executor: BlockExecutor, spec: EncoderSpec) -> None:
        self.index = index
        self.executor = executor
        self.spec = spec
        self.depth = 2 * executor.workers  # every worker has a block queued behind its current
        self.block_chars = index.settings.commit_chunks * CHARS_PER_CHUNK
        self.shard_dir = Path(tempfile.mkdtemp(prefix=SHARD_DIR_PREFIX, dir=index.settings.home))
        self._blocks = 0
        self.worker_cpu_s = 0.0  # CPU seconds the workers spent on the blocks merged so far

    def batch_full(self, chunks: int, chars: int) -> bool:
        return chars >= self.block_chars

    def submit(self, batch: list[Planned]) -> _ShardPending:
        articles = tuple(
            BlockArticle(p.article.id, p.article.title, p.article.text) for p in batch if p.deferred
        )
        future = None
        if articles:
            self._blocks += 1
            out = (
                None
                if self.executor.in_memory
                else self.shard_dir / f"block-{self._blocks:06d}.npz"
            )
            task = BlockTask(
                self._blocks, articles, out, self.spec, self.index.settings.catalog_path
            )
            future = self.executor.submit(task)
        return _ShardPending(batch, future, self)

    def close(self) -> None:
        self.executor.shutdown()
        shutil.rmtree(self.shard_dir, ignore_errors=True)


AUTO_WORKERS_BYTES = 4_000_000  # ≈ 400 news articles, minutes of embedding: the pool pays


def auto_workers(index: NewsIndex, paths: Sequence[str | Path]) -> int:
    """``workers = 0`` (the default): one worker process per core for inputs of at least
    ``AUTO_WORKERS_BYTES`` on the ONNX document path (2 × 1 thread embeds 1.21× faster than one
    process with 2 threads on 2 cores, docs/BENCHMARKS.md); otherwise one process, so small
    ingests pay no pool start-up and torch paths don't load one model per core."""
    cores = available_cores()
    encoder = index.embedder
    if (
        cores < 2
        or not isinstance(encoder, Embedder)
        or not encoder.document_path.startswith("onnx")
    ):
        return 1
    return cores if input_bytes(paths, AUTO_WORKERS_BYTES) >= AUTO_WORKERS_BYTES else 1


def input_bytes(paths: Sequence[str | Path], enough: int) -> int:
    """Bytes of the input files (folders walked), counting stops once ``enough`` is reached."""
    total = 0
    for raw in paths:
        path = Path(raw)
        files = (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            try:
                total += file.stat().st_size
            except OSError:
                continue  # the loader reports unreadable paths with their name
            if total >= enough:
                return total
    return total


def local_shard_stage(
    index: NewsIndex, workers: int, threads: int = 0, embed: EmbedPolicy = EmbedPolicy.ALL
) -> ShardStage:
    """``workers`` local processes sharing this machine's cores (``threads`` each, default an
    even share; ``settings.encoder_threads`` when set), encoding the passages ``embed`` says."""
    threads = threads or index.settings.encoder_threads or max(1, available_cores() // workers)
    spec = EncoderSpec.of(index, threads, embed)
    log.info("ingest: %d worker processes, %d encoder threads each", workers, threads)
    return ShardStage(index, LocalProcessExecutor(workers, threads), spec)
