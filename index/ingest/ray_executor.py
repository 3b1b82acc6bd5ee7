"""Blocks on Ray: ``run_block`` in encoder actors, on this machine or a cluster.

``RayExecutor`` is a ``BlockExecutor`` (index/ingest/sharding.py): each of its ``workers`` actors
loads the chunker and encoder once and keeps them for every block it is given; a block is a
task on the least busy actor, and its shard (offsets, hashes, float16 vectors) comes back
through Ray's object store — no filesystem is shared with the workers. Blocks are pure
functions of their articles, so a block whose actor died is simply run again: the actor is
restarted (``max_restarts``) and its unfinished tasks retried (``max_task_retries``). The
writer stays this one process, with every guarantee of a local ingest.

``address``: empty starts a private Ray on this machine for the ingest (stopped after it);
``auto`` or ``HOST:PORT`` joins a running cluster (``ray start --head`` …), whose nodes must
run the same newsrag install (``pip install 'newsrag[ray]'``).
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future
from typing import Any

from index.ingest.sharding import (
    BlockResult,
    BlockTask,
    EncoderSpec,
    ShardStage,
    limit_threads,
    run_block,
)
from index.settings import Device, EmbedPolicy
from index.store import NewsIndex

log = logging.getLogger(__name__)

TASK_RETRIES = 3  # a block whose actor died is run again this many times


class RayUnavailable(RuntimeError):
    """Ray is not installed, or the cluster cannot be reached; the message says which."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailable(
            "the Ray executor needs Ray: pip install 'newsrag[ray]' (make test installs it)"
        ) from None
    return ray


class NewsragEncoder:
    """One actor (its process is titled ``ray::NewsragEncoder``): the index's chunker and
    encoder, loaded once, kept for every block."""

    def __init__(self, threads: int) -> None:
        limit_threads(threads)

    def run(self, task: BlockTask) -> BlockResult:
        return run_block(task)

    def pid(self) -> int:
        return os.getpid()


class RayExecutor:
    """``workers`` encoder actors of ``threads`` CPUs each (0 workers: as many as the cluster's
    CPUs allow); on a cluster with GPUs (and ``NEWSRAG_DEVICE`` not ``cpu``) one actor per GPU,
    each given one (Ray sets its ``CUDA_VISIBLE_DEVICES``; its encoder's ``auto`` finds it)."""

    in_memory = True

    def __init__(
        self, workers: int, threads: int, address: str = "", device: Device = Device.AUTO
    ) -> None:
        ray = self._ray = _ray()
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            _init(ray, address)
        resources = ray.cluster_resources()
        cpus, gpus = int(resources.get("CPU", 1)), int(resources.get("GPU", 0))
        options = {"num_cpus": threads, "max_restarts": -1, "max_task_retries": TASK_RETRIES}
        if gpus and device is not Device.CPU:  # one actor per GPU, which it sees alone
            self.workers = workers or gpus
            options["num_gpus"] = 1
        elif device is Device.CUDA:
            raise RayUnavailable("NEWSRAG_DEVICE=cuda, but the Ray cluster has no GPU")
        else:
            self.workers = workers or max(1, cpus // threads)
        encoder = ray.remote(**options)(NewsragEncoder)
        self.actors = [encoder.remote(threads) for _ in range(self.workers)]
        self._busy = [0] * self.workers
        self._lock = threading.Lock()

    def submit(self, task: BlockTask) -> Future[BlockResult]:
        with self._lock:
            n = min(range(self.workers), key=lambda i: self._busy[i])
            self._busy[n] += 1
        future: Future[BlockResult] = self.actors[n].run.remote(task).future()
        future.add_done_callback(lambda _: self._done(n))
        return future

    def _done(self, n: int) -> None:
        with self._lock:
            self._busy[n] -= 1

    def pids(self) -> list[int]:
        """The actors' process ids (tests kill one)."""
        return list(self._ray.get([a.pid.remote() for a in self.actors]))

    def shutdown(self) -> None:
        for actor in self.actors:
            self._ray.kill(actor, no_restart=True)
        if self._owns_ray:
            self._ray.shutdown()


def _init(ray: Any, address: str) -> None:
    try:
        ray.init(
            address=address or None,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError) as exc:
        where = address or "this machine"
        raise RayUnavailable(f"cannot start or reach Ray at {where}: {exc}") from exc


def ray_shard_stage(
    index: NewsIndex, workers: int, address: str = "", embed: EmbedPolicy = EmbedPolicy.ALL
) -> ShardStage:
    """Blocks on Ray actors (``settings.encoder_threads`` CPUs each, default 1), encoding the
    passages ``embed`` says."""
    threads = index.settings.encoder_threads or 1
    executor = RayExecutor(workers, threads, address, index.settings.device)
    log.info("ingest: %d Ray encoder actors, %d CPU each", executor.workers, threads)
    return ShardStage(index, executor, EncoderSpec.of(index, threads, embed))
