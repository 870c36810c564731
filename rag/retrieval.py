"""Hybrid retrieval: dense (FAISS) and BM25 (SQLite FTS5) hits fused into one ranking.

Weighted fusion of min-max-normalized scores (dense weight 0.5) is the default because it
measured best: on BEIR SciFact nDCG@10 0.728 against 0.716 for reciprocal-rank fusion,
0.662 dense and 0.673 BM25 alone (``bench/fusion.py``); on the team's news QA set MRR@10 of
the passage holding the answer 0.901 against 0.859 for RRF. Both are in docs/retrieval.md.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from index.embedding import Embedder
from index.store import SearchFilter, Store, StoredChunk
from rag.text import STOPWORDS

Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class Passage:
    chunk: StoredChunk
    score: float
    dense: float | None = None
    bm25: float | None = None


@dataclass
class Retrieval:
    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)


def bm25_words(question: str) -> list[str]:
    """The question's content words, once each, for the store's BM25 (an OR of them)."""
    words = [w for w in re.findall(r"\w+", question.lower()) if w not in STOPWORDS]
    return list(dict.fromkeys(words))


class HybridRetriever:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        candidates: int = 50,
        fusion: str = "weighted",
        rrf_k: int = 60,
        dense_weight: float = 0.5,
    ):
        if fusion not in ("rrf", "weighted"):
            raise ValueError(f"fusion must be 'rrf' or 'weighted', not {fusion!r}")
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.fusion = fusion
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        # Long-lived workers: each keeps its SQLite connection and page cache.
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="newsrag-bm25")

    def run(
        self,
        question: str,
        k: int = 5,
        where: SearchFilter | None = None,
        mode: Mode = "hybrid",
    ) -> Retrieval:
        timings: dict[str, float] = {}
        self.store.refresh()
        depth = max(self.candidates, k)
        dense: list[tuple[int, float]] = []
        sparse: list[tuple[int, float]] = []
        # BM25 runs in SQLite and the question's embedding in ONNX Runtime, both outside the
        # GIL: in hybrid mode they overlap, so the stage timings add up to more than the wall.
        pending = (
            self._pool.submit(self._bm25, question, depth, where)
            if mode in ("hybrid", "bm25")
            else None
        )
        if mode in ("hybrid", "dense"):
            clock = time.perf_counter()
            vector = self.embedder.encode_query(question)
            timings["embed_ms"] = _lap(clock)
            clock = time.perf_counter()
            dense = self.store.search_dense(vector, depth, where)
            timings["dense_ms"] = _lap(clock)
        if pending is not None:
            sparse, timings["bm25_ms"] = pending.result()
        clock = time.perf_counter()
        fused = self._fuse(dense, sparse)[:k]
        dense_scores, sparse_scores = dict(dense), dict(sparse)
        chunks = {c.chunk_id: c for c in self.store.chunks([cid for cid, _ in fused])}
        passages = [
            Passage(chunks[cid], score, dense_scores.get(cid), sparse_scores.get(cid))
            for cid, score in fused
            if cid in chunks
        ]
        timings["fetch_ms"] = _lap(clock)
        return Retrieval(passages, timings)

    def _bm25(
        self, question: str, depth: int, where: SearchFilter | None
    ) -> tuple[list[tuple[int, float]], float]:
        clock = time.perf_counter()
        hits = self.store.search_bm25(bm25_words(question), depth, where)
        return hits, _lap(clock)

    def _fuse(
        self, dense: list[tuple[int, float]], sparse: list[tuple[int, float]]
    ) -> list[tuple[int, float]]:
        if not sparse or not dense:
            return dense or sparse
        scores: dict[int, float] = {}
        if self.fusion == "rrf":
            for hits in (dense, sparse):
                for rank, (cid, _) in enumerate(hits, start=1):
                    scores[cid] = scores.get(cid, 0.0) + 1.0 / (self.rrf_k + rank)
        else:
            for hits, weight in ((dense, self.dense_weight), (sparse, 1 - self.dense_weight)):
                for cid, score in _min_max(hits):
                    scores[cid] = scores.get(cid, 0.0) + weight * score
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _min_max(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    values = [s for _, s in hits]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return [(cid, (s - low) / span) for cid, s in hits]


def _lap(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
