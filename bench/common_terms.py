"""BM25 with and without the common-word rule (index/store.py ``Store.search_bm25``) on BEIR
SciFact: what the rule costs in ranking quality where the judgments are public.

Only BM25 is compared, so the chunks get random vectors instead of embeddings (the dense
side is not used) and the run takes about two minutes.

    .venv/bin/python bench/common_terms.py --out bench/results/common-terms-scifact.json
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from fusion import (  # noqa: E402
    DEFAULT_DATA,
    evaluate,
    newsrag_run,
    paired_bootstrap,
    read_jsonl,
    read_qrels,
)

from api.settings import Settings  # noqa: E402
from index.documents import Article  # noqa: E402
from index.embedding import Embedder  # noqa: E402
from index.store import COMMON_MIN, COMMON_SHARE, Store  # noqa: E402
from rag.retrieval import HybridRetriever  # noqa: E402


class RandomEmbedder(Embedder):
    """Random unit vectors: this benchmark only reads BM25."""

    def encode(self, texts: list[str], background: bool = False) -> np.ndarray:
        vectors = np.random.default_rng(len(texts)).normal(size=(len(texts), 384))
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--depth", type=int, default=300)
    args = parser.parse_args()
    data = args.data.resolve()
    corpus = read_jsonl(data / "corpus.jsonl")
    qrels = read_qrels(data / "qrels" / "test.tsv")
    queries = {q["_id"]: q["text"] for q in read_jsonl(data / "queries.jsonl") if q["_id"] in qrels}
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="newsrag-common-") as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", chunk_tokens=254)
        from index.ingest import Ingestor

        ingestor = Ingestor(settings, RandomEmbedder(query_backend="torch"))
        articles = [Article(title=d["title"], text=d["text"], url=None) for d in corpus]
        to_corpus: dict[str, list[str]] = {}
        for article, doc in zip(articles, corpus, strict=True):
            to_corpus.setdefault(article.article_id, []).append(doc["_id"])
        ingestor.run(articles)
        store = Store.open(settings.index_dir)
        chunks = store.stats().chunks
        rules = {
            "plain OR query": {"common_min": chunks + 1},
            f"common rule, > {COMMON_SHARE:.0%} and > {COMMON_MIN} chunks (default)": {},
            f"common rule, > {COMMON_SHARE:.0%} and > 500 chunks": {"common_min": 500},
            f"common rule, > {COMMON_SHARE:.0%} (no minimum)": {"common_min": 0},
        }
        for name, options in rules.items():
            store.search_bm25 = functools.partial(Store.search_bm25, store, **options)  # type: ignore[method-assign]
            retriever = HybridRetriever(store, ingestor.embedder, args.depth)
            started = time.perf_counter()
            run = newsrag_run(retriever, "bm25", queries, to_corpus, args.depth)
            rows[name] = {
                **evaluate(run, qrels),
                "seconds": round(time.perf_counter() - started, 1),
            }
    plain = rows["plain OR query"]["per_query_ndcg@10"]
    for name, row in rows.items():
        row["vs_plain"] = paired_bootstrap(row.pop("per_query_ndcg@10"), plain)
        print(
            f"{name}: nDCG@10 {row['ndcg@10']:.4f} recall@100 {row['recall@100']:.4f} "
            f"({row['seconds']} s)"
        )
    result = {
        "chunks": chunks,
        "queries": len(queries),
        "rows": rows,
        "command": " ".join(sys.argv),
    }
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
