"""Load benchmark: a real ``newsrag serve`` on 127.0.0.1 driven by concurrent clients.

Reads ../shared (dev questions) and an index built beforehand; never part of CI. The script
starts the server on a free port (``python -m ui.cli serve --home DIR``), waits for
``/api/health``, warms up (searches that also collect valid citation keys, a few asks and
lookups), then runs ``--clients`` closed-loop clients for ``--duration`` seconds, each picking
search / ask / citation lookup at random (70 / 20 / 10 by default) with dev question texts and
keys from search results. It reports per endpoint: count, errors by status, timeouts, p50 / p95
/ p99 latency of the 200s and throughput, plus the server's RSS (``/proc/PID/status``) at start
and end. Progress goes to stderr; ``--json`` prints one JSON object as the last stdout line.
Exit status 1 if any request got a 5xx, timed out or failed to connect.

Usage: .venv/bin/python bench/load.py --home /root/newsrag-bench/int8 [--clients 20]
       [--duration 60] [--seed 0] [--ask-concurrency N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"
ENDPOINTS = ("search", "ask", "stream", "citation")  # stream: an ask read as server-sent events
START_TIMEOUT_S = 180.0
MAX_KEYS = 5000


# -- inputs -------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--home", type=Path, required=True, help="an index built beforehand (read)")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    p.add_argument("--port", type=int, default=0, help="server port (default 0: a free one)")
    p.add_argument("--seed", type=int, default=0, help="seed of the request mix (default 0)")
    p.add_argument("--timeout", type=float, default=30.0, help="client timeout, s (default 30)")
    p.add_argument(
        "--mix",
        default="60,15,15,10",
        help="search,ask,stream,citation weights (60,15,15,10; three weights: no streams)",
    )
    p.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="read-only replicas of the home (serve --read-only), clients spread round-robin",
    )
    p.add_argument("--questions", type=Path, default=DEV, help="rtqa-news dev.jsonl")
    p.add_argument("--warmup", type=int, default=20, help="warm-up searches (default 20)")
    p.add_argument(
        "--warmup-seconds", type=float, default=10.0, help="untimed mixed load first (default 10)"
    )
    p.add_argument("--encoder", default="onnx-int8", help="NEWSRAG_ENCODER (index's: onnx-int8)")
    p.add_argument("--ask-concurrency", type=int, help="NEWSRAG_ASK_CONCURRENCY for the server")
    p.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="more server env vars"
    )
    p.add_argument("--repo", type=Path, default=REPO, help="newsrag checkout to serve from")
    p.add_argument("--json", action="store_true", help="one JSON object as the last stdout line")
    args = p.parse_args(argv)
    if not (args.home / "catalog.sqlite3").exists():
        p.error(f"no index at {args.home}")
    if args.clients < 1 or args.duration <= 0:
        p.error("--clients and --duration must be positive")
    return args


def load_questions(path: Path) -> list[str]:
    """The question texts only (no answers, evidence or dates)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["question"] for line in handle if line.strip()]


def parse_mix(text: str) -> list[float]:
    weights = [float(w) for w in text.split(",")]
    if len(weights) == 3:  # search, ask, citation (the form before streams)
        weights.insert(2, 0.0)
    if len(weights) != len(ENDPOINTS) or min(weights) < 0 or sum(weights) <= 0:
        raise SystemExit(f"--mix {text!r}: expected four (or three) non-negative weights")
    return weights


# -- the server ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def rss_mb(self, field_name: str = "VmRSS") -> float | None:
        """Resident memory of the server process from /proc (None once it is gone)."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
        return None

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Fleet:
    """The server, or ``--replicas`` of them; memory is summed over all."""

    servers: list[Server]

    def rss_mb(self, field_name: str = "VmRSS") -> float | None:
        values = [s.rss_mb(field_name) for s in self.servers]
        return None if None in values else sum(v for v in values if v is not None)

    def died(self) -> Server | None:
        return next((s for s in self.servers if s.proc.poll() is not None), None)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "NEWSRAG_ENCODER": args.encoder}
    env.pop("NEWSRAG_API_TOKEN", None)  # read-only: nothing can write to the index
    if args.ask_concurrency is not None:
        env["NEWSRAG_ASK_CONCURRENCY"] = str(args.ask_concurrency)
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def start_server(args: argparse.Namespace, replica: int = 0) -> Server:
    port = (args.port + replica if args.port else 0) or free_port()
    log = Path(tempfile.mkstemp(prefix="newsrag-load-", suffix=".log")[1])
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--home", str(args.home), "--port", str(port)]
    if args.replicas > 1:
        cmd.append("--read-only")
    with log.open("wb") as err:
        proc = subprocess.Popen(
            cmd, cwd=args.repo, env=server_env(args), stdout=subprocess.DEVNULL, stderr=err
        )
    return Server(proc, f"http://127.0.0.1:{port}", log)


def wait_ready(server: Server) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise SystemExit(f"server exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            r = httpx.get(f"{server.base}/api/health", timeout=5)
            if r.status_code == 200:
                health: dict[str, Any] = r.json()
                return health
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {server.base} not up after {START_TIMEOUT_S:.0f} s")


# -- requests -----------------------------------------------------------------------------------
@dataclass
class Sample:
    endpoint: str
    ms: float
    status: int | None  # None: no response (timeout or transport error)
    failure: str = ""  # "timeout", "transport: ..." or "bad body"
    done_at: float = 0.0  # time.monotonic() when the answer (or the failure) came


@dataclass
class Workload:
    questions: list[str]
    keys: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    queue_ms: list[float] = field(default_factory=list)  # server-side ask queueing
    cached: int = 0  # asks (JSON) the server answered from its answer cache
    window: tuple[float, float] = (0.0, 0.0)  # the measured run, time.monotonic()

    def add_keys(self, body: dict[str, Any]) -> None:
        if len(self.keys) < MAX_KEYS:
            self.keys.extend(h["citation"] for h in body.get("hits", []))


async def call(client: httpx.AsyncClient, endpoint: str, arg: str) -> httpx.Response:
    if endpoint == "search":
        return await client.get("/api/search", params={"q": arg, "k": 10})
    if endpoint == "ask":
        return await client.post("/api/ask", json={"question": arg})
    if endpoint == "stream":  # the whole stream, to its answer event
        return await client.post("/api/ask", json={"question": arg, "stream": True})
    return await client.get(f"/api/citations/{quote(arg, safe=':')}", params={"context": 300})


def check_body(endpoint: str, r: httpx.Response, work: Workload) -> str:
    """'' when a 200 carries what it should; records keys and ask queueing on the way."""
    if r.status_code != 200:
        return ""
    if endpoint == "stream":
        return "" if "event: done" in r.text else "bad body"
    body = r.json()
    if endpoint == "search":
        work.add_keys(body)
        return "" if "hits" in body else "bad body"
    if endpoint == "ask":
        work.queue_ms.append(float(body.get("timings", {}).get("queue_ms", 0.0)))
        work.cached += int(body.get("timings", {}).get("cached", 0))
        return "" if "answer" in body else "bad body"
    return "" if "text" in body else "bad body"


async def request(client: httpx.AsyncClient, endpoint: str, arg: str, work: Workload) -> Sample:
    started = time.perf_counter()
    try:
        r = await call(client, endpoint, arg)
        failure = check_body(endpoint, r, work)
        status: int | None = r.status_code
    except httpx.TimeoutException:
        status, failure = None, "timeout"
    except httpx.TransportError as exc:
        status, failure = None, f"transport: {type(exc).__name__}"
    ms = (time.perf_counter() - started) * 1000
    return Sample(endpoint, ms, status, failure, time.monotonic())


def pick(rng: random.Random, weights: list[float], work: Workload) -> tuple[str, str]:
    endpoint = rng.choices(ENDPOINTS, weights)[0]
    if endpoint == "citation" and work.keys:
        return endpoint, rng.choice(work.keys)
    if endpoint == "citation":  # no key yet: search instead
        endpoint = "search"
    return endpoint, rng.choice(work.questions)


async def client_loop(
    client: httpx.AsyncClient, rng: random.Random, weights: list[float], work: Workload, end: float
) -> None:
    """One closed-loop client: the next request as soon as the last one is answered."""
    while time.monotonic() < end:
        endpoint, arg = pick(rng, weights, work)
        work.samples.append(await request(client, endpoint, arg, work))


async def warm_up(client: httpx.AsyncClient, args: argparse.Namespace, work: Workload) -> None:
    """Searches that collect citation keys, then a few asks and lookups (untimed)."""
    rng = random.Random(args.seed)
    for question in rng.sample(work.questions, min(args.warmup, len(work.questions))):
        await request(client, "search", question, work)
    for question in rng.sample(work.questions, 3):
        await request(client, "ask", question, work)
    for key in work.keys[:3]:
        await request(client, "citation", key, work)
    work.queue_ms.clear()
    if not work.keys:
        raise SystemExit("warm-up searches returned no citation keys")


# -- progress and RSS ---------------------------------------------------------------------------
async def progress(
    server: Fleet, work: Workload, label: str, start: float, end: float, rss: list[float]
) -> None:
    """A one-line progress bar on stderr each second; samples the server's RSS."""
    width = 30
    while True:
        now = time.monotonic()
        mb = server.rss_mb()
        if mb is not None:
            rss.append(mb)
        done = int(min(1.0, (now - start) / (end - start)) * width)
        bad = sum(1 for s in work.samples if s.status is None or s.status >= 500)
        bar = "=" * done + " " * (width - done)
        sys.stderr.write(
            f"\r  {label} [{bar}] {now - start:4.0f}/{end - start:.0f} s"
            f"  {len(work.samples):6d} req  {len(work.samples) / max(now - start, 1e-9):6.1f} req/s"
            f"  5xx+timeouts {bad}  RSS {mb or 0:.0f} MB "
        )
        sys.stderr.flush()
        if now >= end:
            return
        await asyncio.sleep(1.0)


# -- the run ------------------------------------------------------------------------------------
@dataclass
class Phase:
    label: str
    seconds: float
    rss: list[float] = field(default_factory=list)  # sampled each second
    elapsed: float = 0.0


async def mixed_load(
    clients: list[httpx.AsyncClient],
    args: argparse.Namespace,
    server: Fleet,
    work: Workload,
    phase: Phase,
) -> None:
    """``args.clients`` closed-loop clients for ``phase.seconds`` (requests in flight finish)."""
    weights = parse_mix(args.mix)
    start = time.monotonic()
    end = start + phase.seconds
    work.window = (start, end)
    ticker = asyncio.create_task(progress(server, work, phase.label, start, end, phase.rss))
    rngs = [random.Random(f"{phase.label}-{args.seed}-{i}") for i in range(args.clients)]
    loops = (
        client_loop(clients[i % len(clients)], rng, weights, work, end)  # round-robin replicas
        for i, rng in enumerate(rngs)
    )
    await asyncio.gather(*loops)
    phase.elapsed = time.monotonic() - start
    await ticker
    sys.stderr.write("\n")


async def drive(args: argparse.Namespace, server: Fleet, work: Workload) -> dict[str, Any]:
    """Warm up (sequential, then ``--warmup-seconds`` of the mix), then the measured run."""
    limits = httpx.Limits(  # idle connections dropped before uvicorn's 5 s keep-alive does
        max_connections=args.clients + 2, max_keepalive_connections=args.clients, keepalive_expiry=3
    )
    timeout = httpx.Timeout(args.timeout)
    rss_ready = server.rss_mb()
    clients = [
        httpx.AsyncClient(base_url=s.base, timeout=timeout, limits=limits) for s in server.servers
    ]
    try:
        for client in clients:
            await warm_up(client, args, work)
        if args.warmup_seconds > 0:
            await mixed_load(clients, args, server, work, Phase("warm", args.warmup_seconds))
        work.samples.clear()
        work.queue_ms.clear()
        work.cached = 0
        rss_start = server.rss_mb()
        load_start = os.getloadavg()
        run = Phase("load", args.duration)
        await mixed_load(clients, args, server, work, run)
    finally:
        for client in clients:
            await client.aclose()
    return {
        "elapsed_s": round(run.elapsed, 2),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
        "rss_mb": {
            "ready": rss_ready,
            "start": rss_start,
            "end": server.rss_mb(),
            "max_sampled": max(run.rss, default=None),
            "peak_vmhwm": server.rss_mb("VmHWM"),
            "every_10s": [round(mb) for mb in run.rss[::10]],
        },
    }


# -- the report ---------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (None without values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))
    return round(ordered[rank - 1], 1)


def endpoint_stats(samples: list[Sample], window: tuple[float, float]) -> dict[str, Any]:
    """Counts and latencies of every request sent in the run; throughput: the requests
    answered within the run's ``--duration`` (not those still draining after it)."""
    start, end = window
    answered = sum(1 for s in samples if start <= s.done_at <= end)
    ok = [s.ms for s in samples if s.status == 200 and not s.failure]
    statuses = Counter(str(s.status) for s in samples if s.status is not None and s.status != 200)
    failures = Counter(s.failure for s in samples if s.failure and s.failure != "timeout")
    return {
        "count": len(samples),
        "ok": len(ok),
        "errors": dict(statuses + failures),
        "server_errors": sum(1 for s in samples if s.status is not None and s.status >= 500),
        "timeouts": sum(1 for s in samples if s.failure == "timeout"),
        "failed": sum(1 for s in samples if s.status is None or s.status >= 500),
        "p50_ms": percentile(ok, 50),
        "p95_ms": percentile(ok, 95),
        "p99_ms": percentile(ok, 99),
        "throughput_rps": round(answered / (end - start), 2),
    }


def of_endpoint(samples: list[Sample], endpoint: str) -> list[Sample]:
    return [s for s in samples if s.endpoint == endpoint]


def summarise(
    args: argparse.Namespace, health: dict[str, Any], run: dict[str, Any], work: Workload
) -> dict[str, Any]:
    per = {e: endpoint_stats(of_endpoint(work.samples, e), work.window) for e in ENDPOINTS}
    total = endpoint_stats(work.samples, work.window)
    return {
        "home": str(args.home),
        "articles": health.get("articles"),
        "chunks": health.get("chunks"),
        "clients": args.clients,
        "duration_s": args.duration,
        "seed": args.seed,
        "mix": args.mix,
        "encoder": args.encoder,
        "ask_concurrency": args.ask_concurrency,
        "replicas": args.replicas,
        "client_timeout_s": args.timeout,
        "cpus": os.cpu_count(),
        **run,
        "endpoints": per,
        "total": total,
        "asks_from_cache": work.cached,
        "ask_queue_ms": {
            "p50": percentile(work.queue_ms, 50),
            "p95": percentile(work.queue_ms, 95),
        },
        "passed": total["server_errors"] == 0 and total["timeouts"] == 0 and not total["errors"],
    }


def table(report: dict[str, Any]) -> str:
    head = "| endpoint | count | errors | timeouts | p50 ms | p95 ms | p99 ms | req/s |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    rows = {**report["endpoints"], "total": report["total"]}
    for name, s in rows.items():
        errors = ", ".join(f"{k}: {v}" for k, v in s["errors"].items()) or "0"
        lines.append(
            f"| {name} | {s['count']} | {errors} | {s['timeouts']} | {s['p50_ms']} | "
            f"{s['p95_ms']} | {s['p99_ms']} | {s['throughput_rps']} |"
        )
    rss = report["rss_mb"]
    load = report["loadavg_start"], report["loadavg_end"]
    lines += [
        "",
        f"server RSS: up {_mb(rss['ready'])}; run start {_mb(rss['start'])}, end "
        f"{_mb(rss['end'])}, max sampled {_mb(rss['max_sampled'])}, "
        f"peak (VmHWM) {_mb(rss['peak_vmhwm'])}; every 10 s: "
        f"{' '.join(str(mb) for mb in rss['every_10s'])} MB",
        f"ask queueing on the server: p50 {report['ask_queue_ms']['p50']} ms, "
        f"p95 {report['ask_queue_ms']['p95']} ms",
        f"load average: start {_load(load[0])}, end {_load(load[1])}; {report['cpus']} CPUs",
        f"{report['clients']} clients, {report['duration_s']:.0f} s (+ drain: "
        f"{report['elapsed_s']:.0f} s in all), ask concurrency "
        f"{report['ask_concurrency'] or 'default'}: {'PASS' if report['passed'] else 'FAIL'}",
    ]
    return "\n".join(lines)


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"


def _load(values: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Workload(load_questions(args.questions))
    fleet = Fleet([start_server(args, r) for r in range(max(1, args.replicas))])
    try:
        for server in fleet.servers:
            health = wait_ready(server)
            print(f"server up at {server.base}: {health.get('chunks')} chunks", file=sys.stderr)
        run = asyncio.run(drive(args, fleet, work))
        if (dead := fleet.died()) is not None:
            raise SystemExit(f"server died during the run:\n{dead.log_tail()}")
    finally:
        fleet.stop()
    report = summarise(args, health, run, work)
    print(table(report), file=sys.stderr if args.json else sys.stdout)
    for server in fleet.servers:
        if report["passed"]:
            server.log.unlink(missing_ok=True)
        else:
            print(f"server log: {server.log}", file=sys.stderr)
    if args.json:
        print(json.dumps(report))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
