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

``--scale-to CHUNKS`` makes a larger index than the corpus has: after the articles, copies of
them (copy n: id ``<id>-copy<n>``, URL with ``newsrag_copy=<n>``, same title, text, chunks and
vectors) are written to both sides, article by article, until they hold at least CHUNKS
chunks. The copies are duplicates, so they change what is retrieved, not the work per search;
a citation of a copy counts as its original. ``--alternate`` asks the second side first on
every other question (the answerer caches per-article work, so the side asked second would
otherwise find it warm), and the report gives each side's latency when asked first and
second. The load average is recorded before and after the questions.

    OMP_NUM_THREADS=1 .venv/bin/python bench/milvus_parity.py --articles 1000 \\
        --out bench/results/milvus-parity.json
    OMP_NUM_THREADS=1 .venv/bin/python bench/milvus_parity.py --scale-to 100000 --alternate \\
        --work /tmp/hd --out bench/results/milvus-scale-100k.json
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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from api.settings import Settings
from bench.answer_data import DEV_QUESTIONS, Item, dev_split
from index.documents import Article, Chunk, normalize_url
from index.embedding import Embedder
from index.milvus import MilvusStore, parse_store_uri
from index.milvus.copy import copy_store
from index.protocols import DocumentStore, StoreWriter
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


COPY_PARAM = "newsrag_copy"


def copy_url(url: str | None, copy: int) -> str | None:
    """``url`` with ``newsrag_copy=<copy>`` added: a different article id, same page."""
    if url is None:
        return None
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query), (COPY_PARAM, str(copy))])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def original_url(url: str) -> str:
    """The URL of the article a copy was made from (unchanged for a real article)."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != COPY_PARAM])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def original_id(article_id: str | None) -> str | None:
    """The id of the article a copy was made from (unchanged for a real article)."""
    return article_id.split("-copy", 1)[0] if article_id else article_id


class _CopyWriter:
    """Writes each article it is given as copy ``copy`` of it: new id and URL, the same
    title, text, chunks and vectors."""

    def __init__(self, writer: StoreWriter, copy: int):
        self.writer = writer
        self.copy = copy

    def upsert(
        self, article: Article, article_id: str, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        copy_id = f"{article_id}-copy{self.copy}"
        article.url = copy_url(article.url, self.copy)
        for chunk in chunks:
            chunk.article_id = copy_id
        self.writer.upsert(article, copy_id, chunks, vectors)

    def commit(self) -> None:
        self.writer.commit()


class _CopyTarget:
    """A target for copy_store that writes copies, so copies take the very path (and
    vectors) the originals took."""

    def __init__(self, target: DocumentStore, copy: int):
        self.target = target
        self.copy = copy

    @contextmanager
    def writer(self) -> Iterator[_CopyWriter]:
        with self.target.writer() as writer:
            yield _CopyWriter(writer, self.copy)


def copy_scaled(
    source: Store, target: DocumentStore, ids: list[str] | None, min_chunks: int
) -> int:
    """``ids`` (default: all) of ``source``, then copies of them (copy 1, 2, ... of each
    article in id order) until ``target`` holds at least ``min_chunks``; returns the chunks."""
    base = sorted(ids if ids is not None else source.fingerprints())
    chunks = copy_store(source, target, base)
    sizes = {a: len(source.article_chunks(a)) for a in base}
    if chunks < min_chunks and not chunks:
        raise SystemExit(f"--scale-to {min_chunks}: the articles to copy have no chunks")
    copy = 0
    while chunks < min_chunks:
        copy += 1
        batch = []
        for article_id in base:
            if chunks >= min_chunks:
                break
            batch.append(article_id)
            chunks += sizes[article_id]
        copy_store(source, cast(DocumentStore, _CopyTarget(target, copy)), batch)
        print(f"copy {copy}: {len(batch)} articles, {chunks} chunks in all", flush=True)
    return chunks


def ask(rag: NewsRAG, item: Item) -> tuple[str | None, bool, float, bool]:
    """(first cited article, a candidate cited, seconds, abstained); a copy counts as its
    original."""
    as_of = date.fromisoformat(item.until[:10]) if item.until else None
    started = time.perf_counter()
    answer = rag.ask(item.question, as_of=as_of)
    seconds = time.perf_counter() - started
    urls = {normalize_url(original_url(c.url)) for c in answer.citations if c.url}
    first = original_id(answer.citations[0].article_id) if answer.citations else None
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
    parser.add_argument(
        "--scale-to", type=int, default=0, help="add copies of the articles up to this many chunks"
    )
    parser.add_argument(
        "--alternate", action="store_true", help="ask Milvus first on every other question"
    )
    parser.add_argument("--work", type=Path, default=None, help="temporary indexes go here")
    parser.add_argument("--out", type=Path, default=Path("bench/results/milvus-parity.json"))
    args = parser.parse_args()

    _, validation = dev_split(args.questions)
    items = validation[: args.limit] if args.limit else validation
    embedder = Embedder()
    source = Store.open(args.index)
    chosen = choose(source, items, args.articles)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="milvus-parity-", dir=args.work))
    process = None
    try:
        uri = args.milvus_uri
        if not uri:
            process, uri = start_server(work / "milvus")
        sqlite_dir = args.index
        if chosen is not None or args.scale_to:  # the same subset (and copies) on SQLite
            sqlite_dir = work / "sqlite"
            subset = Store.create_or_open(sqlite_dir, source.model, embedder.dimension)
            copy_scaled(source, subset, chosen, args.scale_to)
        started = time.perf_counter()
        milvus = MilvusStore.create_or_open(parse_store_uri(uri), source.model, embedder.dimension)
        if args.scale_to:
            chunks = copy_scaled(source, milvus, chosen, args.scale_to)
        else:
            chunks = copy_store(
                source, milvus, chosen, progress=lambda n: print(f"copied {n} chunks")
            )
        copy_s = time.perf_counter() - started
        if args.scale_to:  # both sides must hold the same articles and chunks
            lite, full = Store.open(sqlite_dir), milvus
            if lite.fingerprints() != full.fingerprints() or lite.stats().chunks != chunks:
                raise SystemExit("the SQLite and Milvus copies differ: not comparable")
        sides = {
            "sqlite": NewsRAG(Settings(index_dir=sqlite_dir), embedder, Store.open(sqlite_dir)),
            "milvus": NewsRAG(Settings(store_uri=uri), embedder, milvus),
        }
        for rag in sides.values():  # warm-up: model, ONNX session, caches
            rag.ask("What happened this week?")
        load_before = os.getloadavg()
        rows: list[dict[str, Any]] = []
        for n, item in enumerate(items):
            row: dict[str, Any] = {"id": item.id}
            order = list(sides.items())
            if args.alternate and n % 2:
                order.reverse()
            for position, (name, rag) in enumerate(order):
                first, cited, seconds, abstained = ask(rag, item)
                row[name] = {
                    "first": first,
                    "cited": cited,
                    "s": seconds,
                    "abstained": abstained,
                    "asked_first": position == 0,
                }
            rows.append(row)
            if n % 20 == 0:
                print(f"{n}/{len(items)} asked", flush=True)
        stats = sides["sqlite"].store.stats()
        report: dict[str, Any] = {
            "command": " ".join(sys.argv),
            "questions": len(items),
            "split": "dev quiz validation weeks (latest ~30% of quiz dates, bench/answer_data.py)",
            "articles": stats.articles,
            "chunks": stats.chunks,
            "milvus": "milvus-lite server on loopback" if process else "--milvus-uri",
            "order": "alternating per question" if args.alternate else "SQLite first",
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "copy_into_milvus_s": round(copy_s, 1),
            "copied_chunks": chunks,
            "same_first_citation": sum(r["sqlite"]["first"] == r["milvus"]["first"] for r in rows)
            / len(rows),
            "same_abstention": sum(
                r["sqlite"]["abstained"] == r["milvus"]["abstained"] for r in rows
            )
            / len(rows),
        }
        p50: dict[str, float] = {}
        for name in sides:
            mine: list[dict[str, Any]] = [r[name] for r in rows]
            times = [float(m["s"]) for m in mine]
            side: dict[str, object] = {
                "source_cited_rate": sum(bool(m["cited"]) for m in mine) / len(rows),
                "abstained": sum(bool(m["abstained"]) for m in mine) / len(rows),
                "ask": percentiles(times),
            }
            if args.alternate:
                for key, asked_first in (("asked_first", True), ("asked_second", False)):
                    side[key] = percentiles(
                        [
                            t
                            for t, m in zip(times, mine, strict=True)
                            if m["asked_first"] is asked_first
                        ]
                    )
            report[name] = side
            p50[name] = percentiles(times)["p50_ms"]
        report["milvus_over_sqlite_p50"] = round(p50["milvus"] / p50["sqlite"], 2)
        if args.scale_to:
            report["synthetic"] = (
                f"articles copied (id '-copy<n>', URL '{COPY_PARAM}=<n>', same text and "
                "vectors) up to --scale-to chunks; a cited copy counts as its original"
            )
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
