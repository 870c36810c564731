"""Hybrid retrieval: dense and BM25 hits from the store fused into one ranking.

The store is any ``index.protocols.DocumentStore`` backend. The fusion is a strategy
(rag/fusion.py); weighted fusion of min-max-normalized scores (dense weight 0.5) is the
default because it measured best: on BEIR SciFact nDCG@10 0.728 against 0.716 for
reciprocal-rank fusion, 0.662 dense and 0.673 BM25 alone (``bench/fusion.py``); on the team's
news QA set MRR@10 of the passage holding the answer 0.901 against 0.859 for RRF. Both are in
docs/retrieval.md.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np

from index.embedding import Embedder
from index.protocols import DocumentStore
from index.records import SearchFilter, StoredChunk
from index.text import words
from rag.fusion import Fusion, make_fusion
from rag.question import asking_clause
from rag.time_window import TimeWindow, first_day

Mode = Literal["hybrid", "dense", "bm25"]

# BM25 runs beside the question's embedding. One pool for the process, not one per retriever
# (those were never shut down); its long-lived workers keep their SQLite connections.
_BM25_WORKERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="newsrag-bm25")


@dataclass(frozen=True)
class Passage:
    chunk: StoredChunk
    score: float
    dense: float | None = None
    bm25: float | None = None


@dataclass(frozen=True)
class DatedFilter(SearchFilter):
    """``SearchFilter`` plus the question's dates.

    ``as_of``: nothing published after it, but undated articles stay (they are ranked as
    undated: no recency credit). ``window_since`` / ``window_until``: the question's own time
    window, which only dated articles can be in. Bounds compare as ``published < next day``
    so that a stored timestamp (``2022-06-10T18:00``) counts as its day, and the
    ``articles(published)`` index is used."""

    as_of: date | None = None
    window_since: date | None = None
    window_until: date | None = None

    @property
    def active(self) -> bool:
        return super().active or bool(self.as_of or self.window_since or self.window_until)

    def sql(self) -> tuple[str, list[str]]:
        clause, params = super().sql()
        clauses = [] if clause == "1" else [clause]
        if self.as_of:
            clauses.append("(a.published IS NULL OR a.published < ?)")
            params.append(_next_day(self.as_of))
        if self.window_since:  # a date stored as a month or year whose period overlaps
            day = self.window_since.isoformat()
            clauses.append("(a.published >= ? OR a.published IN (?, ?))")
            params.extend([day, day[:4], day[:7]])
        if self.window_until:
            clauses.append("a.published < ?")
            params.append(_next_day(self.window_until))
        return (" AND ".join(clauses) or "1"), params


def _next_day(day: date) -> str:
    return (day + timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Recency:
    """A bonus for articles published near a period: ``weight`` times the best fused score,
    decaying with the days between the article's date and [``since``, ``until``]
    (``scale_days`` to fall to 1/e). Undated articles get none."""

    until: date
    since: date | None = None
    weight: float = 0.0
    scale_days: float = 365.0

    def bonus(self, published: str | None) -> float:
        day = first_day(published) if self.weight > 0 else None
        if day is None:
            return 0.0
        if day > self.until:
            distance = (day - self.until).days
        elif self.since is not None and day >= self.since:
            distance = 0
        else:
            distance = ((self.since or self.until) - day).days
        return self.weight * math.exp(-distance / self.scale_days)


@dataclass(frozen=True)
class TimeContext:
    """The question's dates, carried with its retrieval so that the answer can report its
    window and, when nothing in the window answers, look for the nearest evidence."""

    as_of: date
    window: TimeWindow | None
    query: str  # what was searched: the question without its time words
    k: int
    sources: tuple[str, ...]
    since: str | None
    until: str | None
    mode: Mode
    recency: bool
    outside_window: bool = False  # these passages are the nearest evidence outside it


@dataclass
class Retrieval:
    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)
    time: TimeContext | None = None


def bm25_words(question: str) -> list[str]:
    """The question's content words, once each, for the store's BM25 (an OR of them)."""
    return list(dict.fromkeys(words(question)))


class HybridRetriever:
    def __init__(
        self,
        store: DocumentStore,
        embedder: Embedder,
        candidates: int = 50,
        fusion: str | Fusion = "weighted",
        rrf_k: int = 60,
        dense_weight: float = 0.5,
    ):
        """``fusion``: a strategy, or the name of one (``rrf_k`` and ``dense_weight`` are
        then its parameter, as in the settings)."""
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.fusion: Fusion = (
            make_fusion(fusion, rrf_k, dense_weight) if isinstance(fusion, str) else fusion
        )

    def run(
        self,
        question: str,
        k: int = 5,
        where: SearchFilter | None = None,
        mode: Mode = "hybrid",
        recency: Recency | None = None,
    ) -> Retrieval:
        timings: dict[str, float] = {}
        self.store.refresh()
        depth = max(self.candidates, k)
        dense: list[tuple[int, float]] = []
        sparse: list[tuple[int, float]] = []
        # BM25 runs in SQLite and the question's embedding in ONNX Runtime, both outside the
        # GIL: in hybrid mode they overlap, so the stage timings add up to more than the wall.
        pending = (
            _BM25_WORKERS.submit(self._bm25, question, depth, where)
            if mode in ("hybrid", "bm25")
            else None
        )
        if mode in ("hybrid", "dense"):
            clock = time.perf_counter()
            vector = self.query_vector(question)
            timings["embed_ms"] = _lap(clock)
            clock = time.perf_counter()
            dense = self.store.search_dense(vector, depth, where)
            timings["dense_ms"] = _lap(clock)
        if pending is not None:
            sparse, timings["bm25_ms"] = pending.result()
        clock = time.perf_counter()
        fused = self.fusion.fuse(dense, sparse) if mode == "hybrid" else dense or sparse
        chunks: dict[int, StoredChunk] = {}
        if recency is not None and recency.weight > 0 and fused:
            # every candidate's date is needed to re-rank: fetch them all (about 100 rows)
            chunks = {c.chunk_id: c for c in self.store.chunks([cid for cid, _ in fused])}
            top = fused[0][1]
            fused = sorted(
                (
                    (cid, score + top * recency.bonus(chunks[cid].article.published))
                    for cid, score in fused
                    if cid in chunks
                ),
                key=lambda item: (-item[1], item[0]),
            )
        fused = fused[:k]
        dense_scores, sparse_scores = dict(dense), dict(sparse)
        if not chunks:
            chunks = {c.chunk_id: c for c in self.store.chunks([cid for cid, _ in fused])}
        passages = [
            Passage(chunks[cid], score, dense_scores.get(cid), sparse_scores.get(cid))
            for cid, score in fused
            if cid in chunks
        ]
        timings["fetch_ms"] = _lap(clock)
        return Retrieval(passages, timings)

    def query_vector(self, question: str) -> np.ndarray:
        """The question's vector for the dense search. A quiz-style question with a lead-in
        ("The IRS began accepting 2024 returns this week. What is the deadline to file?") is
        embedded whole and by its asking sentence, averaged: whole, the lead-in outweighs
        what is asked (a source among the first 5 passages, validation weeks' questions the
        corpus answers: 0.815 -> 0.852, train weeks unchanged; docs/retrieval.md)."""
        vector = self.embedder.encode_query(question)
        asked = asking_clause(question)
        if asked == question.strip():
            return vector
        both = vector + self.embedder.encode_query(asked)
        return both / np.linalg.norm(both)

    def _bm25(
        self, question: str, depth: int, where: SearchFilter | None
    ) -> tuple[list[tuple[int, float]], float]:
        clock = time.perf_counter()
        hits = self.store.search_bm25(bm25_words(question), depth, where)
        return hits, _lap(clock)


def _lap(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
