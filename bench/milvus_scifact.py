"""BEIR SciFact on Milvus vs SQLite/FAISS: does the default hybrid retrieve as well on both?

bench/milvus_parity.py compares answers on news; this compares retrieval on a public
benchmark with graded judgments. The 5,183 abstracts are ingested as bench/fusion.py does
(newsrag's Ingestor into SQLite/FAISS, vectors from its resumable cache under ``--cache``),
then copied with their vectors into Milvus (index/milvus/copy.py), so both backends hold
the same chunks and vectors. Every test query runs through ``HybridRetriever`` in each
``--modes`` on each backend (depth 300 chunks, a document scores its best chunk, as in
bench/fusion.py) and is scored with trec_eval's nDCG@10 / Recall@100; the bench also
records how many queries get the same top-10 documents, and the paired bootstrap interval
of the nDCG difference.

Passages are embedded by ``--passages`` (the cache of bench/fusion_passages.py:
``onnx-int8``, the default, was already computed on this machine; ``torch`` embeds ~10.8k
chunks, ~15 minutes on 2 cores), questions by torch as NewsRAG embeds them. Milvus is
``--milvus-uri`` or a ``milvus-lite server`` started here on a free port.

    OMP_NUM_THREADS=1 .venv/bin/python bench/milvus_scifact.py \\
        --out bench/results/milvus-scifact.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


import bench.fusion as fusion  # noqa: E402
from api.settings import Settings  # noqa: E402
from bench.fusion_passages import use_passage_backend  # noqa: E402
from bench.milvus_parity import start_server  # noqa: E402
from index.milvus import MilvusStore, parse_store_uri  # noqa: E402
from index.milvus.copy import copy_store  # noqa: E402
from rag.fusion import WeightedFusion  # noqa: E402
from rag.retrieval import HybridRetriever  # noqa: E402


def top10(run: fusion.Run) -> dict[str, list[str]]:
    return {
        q: fusion.ranked({d: s for d, s in docs.items() if d != q}, 10) for q, docs in run.items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=fusion.DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=fusion.DEFAULT_CACHE)
    parser.add_argument("--passages", default="onnx-int8", choices=["onnx-int8", "onnx", "torch"])
    parser.add_argument("--modes", default="hybrid,bm25", help="comma-separated")
    parser.add_argument("--chunk-tokens", type=int, default=254)
    parser.add_argument("--depth", type=int, default=300, help="chunks fetched per query")
    parser.add_argument("--milvus-uri", default="", help="milvus://host:port/prefix")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    data = args.data.resolve()
    corpus = fusion.read_jsonl(data / "corpus.jsonl")
    qrels = fusion.read_qrels(data / "qrels" / "test.tsv")
    queries = {
        q["_id"]: q["text"] for q in fusion.read_jsonl(data / "queries.jsonl") if q["_id"] in qrels
    }
    use_passage_backend(args.passages)
    work = Path(tempfile.mkdtemp(prefix="milvus-scifact-"))
    process = None
    try:
        settings = Settings(index_dir=work / "index", chunk_tokens=args.chunk_tokens)
        started = time.perf_counter()
        store, embedder, to_corpus = fusion.build_index(
            corpus, list(queries.values()), settings, args.cache
        )
        build_s = time.perf_counter() - started
        uri = args.milvus_uri
        if not uri:
            process, uri = start_server(work / "milvus")
        started = time.perf_counter()
        milvus = MilvusStore.create_or_open(parse_store_uri(uri), store.model, embedder.dimension)
        copied = copy_store(store, milvus)
        copy_s = time.perf_counter() - started
        print(f"[milvus] copied {copied} chunks in {copy_s:.0f} s", file=sys.stderr)
        stores = {"sqlite": store, "milvus": milvus}

        def timed_run(label: str, retriever: HybridRetriever, mode: str) -> tuple[Any, float]:
            return fusion.timed(
                label, lambda: fusion.newsrag_run(retriever, mode, queries, to_corpus, args.depth)
            )

        rows: dict[str, dict[str, Any]] = {}
        for mode in args.modes.split(","):
            runs = {}
            for name, backend in stores.items():
                retriever = HybridRetriever(
                    backend, embedder, args.depth, fusion=WeightedFusion(0.5)
                )
                run, seconds = timed_run(f"{name} {mode}", retriever, mode)
                runs[name] = run
                rows[f"{name} {mode}"] = {**fusion.evaluate(run, qrels), "seconds": seconds}
            left, right = top10(runs["sqlite"]), top10(runs["milvus"])
            same = sum(left[q] == right[q] for q in queries)
            rows[f"milvus {mode}"]["same_top10_as_sqlite"] = f"{same}/{len(queries)}"
            rows[f"milvus {mode}"]["vs_sqlite"] = fusion.paired_bootstrap(
                rows[f"milvus {mode}"]["per_query_ndcg@10"],
                rows[f"sqlite {mode}"]["per_query_ndcg@10"],
            )
        stats = store.stats()
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    for row in rows.values():
        row.pop("per_query_ndcg@10")
    results = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPUs, shared with other engineers' jobs",
        "command": " ".join(["OMP_NUM_THREADS=1", ".venv/bin/python", *sys.argv]),
        "milvus": "milvus-lite 3.2.2 server on loopback" if not args.milvus_uri else "--milvus-uri",
        "settings": {
            "passages": args.passages,
            "chunk_tokens": args.chunk_tokens,
            "depth": args.depth,
            "fusion": "weighted, 0.5 dense (the default)",
            "document_score": "max over its chunks",
        },
        "corpus": {"documents": len(corpus), "articles": stats.articles, "chunks": stats.chunks},
        "queries": len(queries),
        "index_build_s": round(build_s, 1),
        "milvus_copy_s": round(copy_s, 1),
        "rows": rows,
    }
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
