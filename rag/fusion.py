"""How dense and BM25 hits become one ranking: a strategy object, so that the pipeline,
``bench/fusion.py`` and the evaluation all fuse the same way and name the fusion they used.

Weighted fusion of min-max-normalized scores (dense weight 0.5) is the default because it
measured best: on BEIR SciFact nDCG@10 0.728 against 0.716 for reciprocal-rank fusion
(``bench/fusion.py``, docs/retrieval.md). Both keep one rule: a retriever that found nothing
adds nothing, and the other's scores are still fused (normalized and weighted, or ranked),
never passed through raw, so a hybrid score means the same whether or not BM25 matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

Hits = list[tuple[int, float]]  # (chunk id, score), best first

FUSIONS = ("weighted", "rrf")


class Fusion(Protocol):
    """Fuses the two retrievers' hits into one ranking, best first (ties by chunk id)."""

    @property
    def name(self) -> str:
        """The setting's value (``NEWSRAG_FUSION``) that selects this strategy."""
        ...

    def fuse(self, dense: Hits, bm25: Hits, depth: int | None = None) -> Hits:
        """Every chunk either retriever found, or the best ``depth`` of them."""
        ...

    def describe(self) -> str:
        """For reports: the strategy and its parameter."""
        ...


@dataclass(frozen=True)
class WeightedFusion:
    """``dense_weight`` x min-max(dense) + (1 - ``dense_weight``) x min-max(BM25)."""

    dense_weight: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError(f"dense_weight must be between 0 and 1, not {self.dense_weight!r}")

    @property
    def name(self) -> str:
        return "weighted"

    def fuse(self, dense: Hits, bm25: Hits, depth: int | None = None) -> Hits:
        scores: dict[int, float] = {}
        for hits, weight in ((dense, self.dense_weight), (bm25, 1 - self.dense_weight)):
            for cid, score in min_max(hits):
                scores[cid] = scores.get(cid, 0.0) + weight * score
        return _ranked(scores, depth)

    def describe(self) -> str:
        return f"weighted, dense weight {self.dense_weight}"


@dataclass(frozen=True)
class ReciprocalRankFusion:
    """Sum over retrievers of 1 / (``k`` + rank): scores are ignored, only ranks count."""

    k: int = 60

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"the RRF constant k must be at least 1, not {self.k!r}")

    @property
    def name(self) -> str:
        return "rrf"

    def fuse(self, dense: Hits, bm25: Hits, depth: int | None = None) -> Hits:
        scores: dict[int, float] = {}
        for hits in (dense, bm25):
            for rank, (cid, _) in enumerate(hits, start=1):
                scores[cid] = scores.get(cid, 0.0) + 1.0 / (self.k + rank)
        return _ranked(scores, depth)

    def describe(self) -> str:
        return f"RRF, k={self.k}"


def make_fusion(name: str, rrf_k: int = 60, dense_weight: float = 0.5) -> Fusion:
    """The strategy a setting names (``fusion``, ``rrf_k``, ``dense_weight``)."""
    if name == "weighted":
        return WeightedFusion(dense_weight)
    if name == "rrf":
        return ReciprocalRankFusion(rrf_k)
    raise ValueError(f"fusion must be 'rrf' or 'weighted', not {name!r}")


def min_max(hits: Hits) -> Hits:
    """Scores to [0, 1]. Hits that all score the same (one hit, as a narrow date window
    often leaves) are all the best, 1.0, not the worst. No hits: none."""
    if not hits:
        return []
    values = [s for _, s in hits]
    low, high = min(values), max(values)
    if high == low:
        return [(cid, 1.0) for cid, _ in hits]
    return [(cid, (s - low) / (high - low)) for cid, s in hits]


def _ranked(scores: dict[int, float], depth: int | None) -> Hits:
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return ranked if depth is None else ranked[:depth]
