"""Load benchmark for the HTTP API: concurrent clients against a real server on loopback,
with and without an ingest running at the same time.

    python bench/load_bench.py --index demo-index --clients 16 --seconds 30
    NEWSRAG_TORCH_THREADS=1 python bench/load_bench.py --out bench/results/load-1-thread.json

Starts ``newsrag serve`` on a free loopback port over a copy of the index, runs the clients
for a bounded time (each loop is bounded in count and time, and stops by itself), and
reports throughput, p50/p95/p99 latency and the error count for each phase.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

QUESTIONS = [
    "What did Xi say about arms races?",
    "How many pilgrims were killed in the Hajj stampede?",
    "Who founded LibriVox?",
    "What did Xi say about cyber sovereignty?",
    "Why did the Afghan girls' robotics team need visas?",
    "What is Apple's current stock price?",
    "Where did the crane collapse?",
    "What did Chomsky say about NATO?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(index: Path) -> Iterator[str]:
    """``newsrag serve`` over ``index`` on a free loopback port, rate limit off; yields its
    URL once it is ready, and stops it afterwards."""
    port = free_port()
    env = {**os.environ, "NEWSRAG_RATE_LIMIT_PER_MINUTE": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--index", str(index)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_clients(url: str, clients: int, seconds: float, max_requests: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=60) as http:
            for i in range(max_requests):
                if time.monotonic() >= deadline:
                    return
                question = QUESTIONS[(number + i) % len(QUESTIONS)]
                started = time.perf_counter()
                try:
                    ok = http.post("/ask", json={"question": question}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 2),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else float("nan"),
    }


def ingest_during(url: str, stop: threading.Event) -> dict[str, float]:
    """Posts batches of synthetic articles until told to stop: a steady writer."""
    batches, chunks = 0, 0
    with httpx.Client(base_url=url, timeout=600) as http:
        while not stop.is_set() and batches < 1000:
            articles = [
                {
                    "title": f"Load test bulletin {batches}-{i}",
                    "url": f"https://load.example/{batches}/{i}",
                    "text": " ".join(
                        f"Bulletin {batches}-{i} item {j}: the board approved measure {j}."
                        for j in range(30)
                    ),
                }
                for i in range(8)
            ]
            report = http.post("/articles", json={"articles": articles}).json()
            batches += 1
            chunks += int(report.get("chunks", 0))
    return {"batches": batches, "chunks_added": chunks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=Path("demo-index"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=10_000, help="per client")
    parser.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        shutil.copytree(args.index, index)
        with serving(index) as url:
            idle = run_clients(url, args.clients, args.seconds, args.max_requests)
            stop = threading.Event()
            writer_result: dict[str, float] = {}
            writer = threading.Thread(target=lambda: writer_result.update(ingest_during(url, stop)))
            writer.start()
            busy = run_clients(url, args.clients, args.seconds, args.max_requests)
            stop.set()
            writer.join()

    results = {
        "clients": args.clients,
        "seconds": args.seconds,
        "machine": f"{os.cpu_count()} CPUs, loopback",
        "torch_threads": os.environ.get("NEWSRAG_TORCH_THREADS", "0 (torch default)"),
        "without_ingest": idle,
        "during_ingest": {**busy, **writer_result},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print("| phase | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, row in (("without ingest", idle), ("during ingest", busy)):
        print(
            f"| {name} | {row['requests']} | {row['errors']} | {row['throughput_rps']} | "
            f"{row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} |"
        )
    print(f"ingest during the run: {writer_result}")


if __name__ == "__main__":
    main()
