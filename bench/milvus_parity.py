"""Milvus vs SQLite/FAISS on the same articles, chunks and vectors: do the dev quiz questions
get the same answers?

The SQLite index (default /work/indexes/rtqa-full, never written) is copied into a Milvus
index without embedding again (index/milvus/copy.py), either all of it or the articles of
``--articles`` (the candidates of the questions asked first, then others up to that count);
with ``--articles`` the same subset is also copied into a fresh SQLite index, so both sides
hold exactly the same data. Then each validation question of the dev quiz (the latest ~30%
of quiz dates, bench/answer_data.py; read at run time, never copied) is asked on both, as
of its date, and the bench records: the first cited article on each side (same or not),
whether a candidate source article is cited (source-cited rate), and ``ask`` latency
p50/p95. Milvus is ``--milvus-uri`` or a ``milvus-lite server`` started here on a free port.

    OMP_NUM_THREADS=1 .venv/bin/python bench/milvus_parity.py --articles 1000 \\
        --out bench/results/milvus-parity.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from api.settings import Settings
from bench.answer_data import DEV_QUESTIONS, Item, dev_split
from index.documents import normalize_url
from index.embedding import Embedder
from index.milvus import MilvusStore, parse_store_uri
from index.milvus.copy import copy_store
from index.store import Store
from rag.pipeline import NewsRAG


def start_server(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = shutil.which("milvus-lite", path=str(Path(sys.executable).parent)) or "milvus-lite"
    process = subprocess.Popen(
        [command, "server", "--data-dir", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from pymilvus import MilvusClient

    for _ in range(300):
        try:
            MilvusClient(uri=f"http://127.0.0.1:{port}", timeout=2).list_collections()
            break
        except Exception:
            time.sleep(0.2)
    return process, f"milvus://127.0.0.1:{port}/parity"


def choose(source: Store, items: list[Item], count: int | None) -> list[str] | None:
    """The candidate articles of the questions first, then the rest in id order."""
    if count is None:
        return None
    by_url = {
        normalize_url(a.url): a.article_id for a in source.articles(source.fingerprints()) if a.url
    }
    wanted = list(dict.fromkeys(by_url[u] for i in items for u in i.sources if u in by_url))
    rest = [a for a in sorted(source.fingerprints()) if a not in set(wanted)]
    return (wanted + rest)[:count]


def ask(rag: NewsRAG, item: Item) -> tuple[str | None, bool, float, bool]:
    """(first cited article, a candidate cited, seconds, abstained)."""
    as_of = date.fromisoformat(item.until[:10]) if item.until else None
    started = time.perf_counter()
    answer = rag.ask(item.question, as_of=as_of)
    seconds = time.perf_counter() - started
    urls = {normalize_url(c.url) for c in answer.citations if c.url}
    first = answer.citations[0].article_id if answer.citations else None
    return first, bool(urls & set(item.sources)), seconds, answer.abstained


def percentiles(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(values, 50)) * 1000, 1),
        "p95_ms": round(float(np.percentile(values, 95)) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/work/indexes/rtqa-full"))
    parser.add_argument("--questions", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--articles", type=int, default=None, help="copy only this many")
    parser.add_argument("--limit", type=int, default=None, help="validation questions asked")
    parser.add_argument("--milvus-uri", default="", help="milvus://host:port/prefix")
    parser.add_argument("--out", type=Path, default=Path("bench/results/milvus-parity.json"))
    args = parser.parse_args()

    _, validation = dev_split(args.questions)
    items = validation[: args.limit] if args.limit else validation
    embedder = Embedder()
    source = Store.open(args.index)
    chosen = choose(source, items, args.articles)
    work = Path(tempfile.mkdtemp(prefix="milvus-parity-"))
    process = None
    try:
        uri = args.milvus_uri
        if not uri:
            process, uri = start_server(work / "milvus")
        sqlite_dir = args.index
        if chosen is not None:  # the same subset on the SQLite side
            sqlite_dir = work / "sqlite"
            subset = Store.create_or_open(sqlite_dir, source.model, embedder.dimension)
            copy_store(source, subset, chosen)
        started = time.perf_counter()
        milvus = MilvusStore.create_or_open(parse_store_uri(uri), source.model, embedder.dimension)
        chunks = copy_store(source, milvus, chosen, progress=lambda n: print(f"copied {n} chunks"))
        copy_s = time.perf_counter() - started
        sides = {
            "sqlite": NewsRAG(Settings(index_dir=sqlite_dir), embedder, Store.open(sqlite_dir)),
            "milvus": NewsRAG(Settings(store_uri=uri), embedder, milvus),
        }
        for rag in sides.values():  # warm-up: model, ONNX session, caches
            rag.ask("What happened this week?")
        rows = []
        for n, item in enumerate(items):
            row: dict[str, object] = {"id": item.id}
            for name, rag in sides.items():
                first, cited, seconds, abstained = ask(rag, item)
                row[name] = {"first": first, "cited": cited, "s": seconds, "abstained": abstained}
            rows.append(row)
            if n % 20 == 0:
                print(f"{n}/{len(items)} asked", flush=True)
        stats = sides["sqlite"].store.stats()
        report = {
            "command": " ".join(sys.argv),
            "questions": len(items),
            "split": "dev quiz validation weeks (latest ~30% of quiz dates, bench/answer_data.py)",
            "articles": stats.articles,
            "chunks": stats.chunks,
            "milvus": "milvus-lite server on loopback" if process else "--milvus-uri",
            "copy_into_milvus_s": round(copy_s, 1),
            "copied_chunks": chunks,
            "same_first_citation": sum(
                r["sqlite"]["first"] == r["milvus"]["first"]
                for r in rows  # type: ignore[index]
            )
            / len(rows),
            "same_abstention": sum(
                r["sqlite"]["abstained"] == r["milvus"]["abstained"]
                for r in rows  # type: ignore[index]
            )
            / len(rows),
        }
        for name in sides:
            report[name] = {
                "source_cited_rate": sum(r[name]["cited"] for r in rows) / len(rows),  # type: ignore[index]
                "abstained": sum(r[name]["abstained"] for r in rows) / len(rows),  # type: ignore[index]
                "ask": percentiles([r[name]["s"] for r in rows]),  # type: ignore[index]
            }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(report, indent=2))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
