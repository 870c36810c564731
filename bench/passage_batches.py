"""Passage embedding speed by batch size, through the product's own ``Embedder.encode``: the
measurement behind ``NEWSRAG_BATCH_SIZE``'s default (docs/benchmarks.md). CPUs differ (the
team's machines have been AMD EPYC with AVX2 and Intel Xeon with AVX-512), so rerun it on
yours before changing the default.

    python -m bench.passage_batches --articles 120 --batches 4,8,16,32,64 --repeats 3

The first ``--articles`` shared articles are chunked as an ingest chunks them; each batch size
then embeds all the chunks, in turn, ``--repeats`` times (the order rotates, so a slow minute
does not fall on one size only). Reported per size: every run's wall and CPU seconds, and
their median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from api.settings import Settings
from bench.answer_data import DEV_QUESTIONS
from bench.ingest_bench import load_articles, make_chunker, unique_articles
from index.embedding import Embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEV_QUESTIONS.parent)
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--batches", default="4,8,16,32,64")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", default=None, help="NEWSRAG_PASSAGE_BACKEND (the setting)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    settings = Settings()
    backend = args.backend or settings.passage_backend
    sizes = [int(size) for size in args.batches.split(",")]
    embedders = {size: Embedder(passage_backend=backend, batch_size=size) for size in sizes}
    first = embedders[sizes[0]]
    chunker = make_chunker(first, settings)
    articles, _ = load_articles(args.data, args.articles)
    texts = [c.embed_text for a, i in unique_articles(articles) for c in chunker.run(a, i)]
    for embedder in embedders.values():
        embedder.encode(texts[:8])  # export or load the encoder outside the timing
    runs: dict[int, list[tuple[float, float]]] = {size: [] for size in sizes}
    for repeat in range(args.repeats):
        for size in sizes[repeat % len(sizes) :] + sizes[: repeat % len(sizes)]:
            wall, cpu = time.perf_counter(), time.process_time()
            embedders[size].encode(texts)
            runs[size].append((time.perf_counter() - wall, time.process_time() - cpu))
            print(f"batch {size}: {runs[size][-1][0]:.2f} s wall", flush=True)
    result = {
        "backend": backend,
        "chunks": len(texts),
        "articles": args.articles,
        "batches": {
            str(size): {
                "wall_s": [round(w, 2) for w, _ in runs[size]],
                "cpu_s": [round(c, 2) for _, c in runs[size]],
                "median_wall_s": round(statistics.median(w for w, _ in runs[size]), 2),
            }
            for size in sizes
        },
    }
    print(json.dumps(result["batches"], indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
