"""The fusion strategies, case by case: the scores HybridRetriever ranks by."""

from __future__ import annotations

import pytest

from rag.fusion import (
    Fusion,
    Hits,
    ReciprocalRankFusion,
    WeightedFusion,
    make_fusion,
    min_max,
)

DENSE = [(1, 1.0), (2, 0.75), (3, 0.5)]  # binary fractions: exact ties
BM25 = [(3, 12.0), (4, 8.0), (2, 4.0)]

CASES: list[tuple[str, Fusion, Hits, Hits, int | None, Hits]] = [
    # name, strategy, dense, bm25, depth, expected (chunk id, score) best first
    (
        "weighted: min-max each side, then 0.5/0.5",
        WeightedFusion(0.5),
        DENSE,
        BM25,
        None,
        [(1, 0.5), (3, 0.5), (2, 0.25), (4, 0.25)],
    ),
    (
        "weighted: ties broken by chunk id",
        WeightedFusion(0.5),
        [(9, 1.0), (5, 0.0)],
        [(5, 3.0), (9, 1.0)],
        None,
        [(5, 0.5), (9, 0.5)],
    ),
    (
        "weighted: the dense weight shifts the balance",
        WeightedFusion(0.7),
        DENSE,
        BM25,
        None,
        [(1, 0.7), (2, 0.35), (3, 0.3), (4, 0.15)],
    ),
    (
        "weighted: BM25 found nothing, dense is still normalized and weighted",
        WeightedFusion(0.5),
        DENSE,
        [],
        None,
        [(1, 0.5), (2, 0.25), (3, 0.0)],
    ),
    (
        "weighted: dense found nothing, BM25 is still normalized and weighted",
        WeightedFusion(0.3),
        [],
        BM25,
        None,
        [(3, 0.7), (4, 0.35), (2, 0.0)],
    ),
    (
        "weighted: one hit is the best, not the worst",
        WeightedFusion(0.5),
        [(7, 0.2)],
        [],
        None,
        [(7, 0.5)],
    ),
    ("weighted: nothing found", WeightedFusion(0.5), [], [], None, []),
    (
        "weighted: depth keeps the best",
        WeightedFusion(0.5),
        DENSE,
        BM25,
        2,
        [(1, 0.5), (3, 0.5)],
    ),
    (
        "rrf: only ranks count",
        ReciprocalRankFusion(60),
        DENSE,
        BM25,
        None,
        [(3, 1 / 63 + 1 / 61), (2, 1 / 62 + 1 / 63), (1, 1 / 61), (4, 1 / 62)],
    ),
    (
        "rrf: one retriever found nothing",
        ReciprocalRankFusion(60),
        [],
        [(4, 100.0), (8, 1.0)],
        None,
        [(4, 1 / 61), (8, 1 / 62)],
    ),
    (
        "rrf: a small k weighs the top ranks more",
        ReciprocalRankFusion(1),
        [(1, 0.9), (2, 0.8)],
        [(2, 5.0)],
        1,
        [(2, 1 / 3 + 1 / 2)],
    ),
]


@pytest.mark.parametrize(
    ("strategy", "dense", "bm25", "depth", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_fuse(strategy: Fusion, dense: Hits, bm25: Hits, depth: int | None, expected: Hits) -> None:
    fused = strategy.fuse(dense, bm25, depth)
    assert [cid for cid, _ in fused] == [cid for cid, _ in expected]
    assert [score for _, score in fused] == pytest.approx([score for _, score in expected])


@pytest.mark.parametrize(
    ("hits", "expected"),
    [
        ([], []),
        ([(1, 3.0)], [(1, 1.0)]),
        ([(1, 2.0), (2, 2.0)], [(1, 1.0), (2, 1.0)]),
        ([(1, 5.0), (2, 3.0), (3, 1.0)], [(1, 1.0), (2, 0.5), (3, 0.0)]),
        ([(1, -1.0), (2, -3.0)], [(1, 1.0), (2, 0.0)]),
    ],
)
def test_min_max(hits: Hits, expected: Hits) -> None:
    assert min_max(hits) == expected


@pytest.mark.parametrize(
    ("name", "expected", "described"),
    [
        ("weighted", WeightedFusion(0.3), "weighted, dense weight 0.3"),
        ("rrf", ReciprocalRankFusion(10), "RRF, k=10"),
    ],
)
def test_a_setting_names_its_strategy(name: str, expected: Fusion, described: str) -> None:
    strategy = make_fusion(name, rrf_k=10, dense_weight=0.3)
    assert strategy == expected
    assert strategy.name == name
    assert strategy.describe() == described


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: make_fusion("borda"), "fusion must be 'rrf' or 'weighted', not 'borda'"),
        (lambda: WeightedFusion(1.5), "dense_weight must be between 0 and 1, not 1.5"),
        (lambda: WeightedFusion(-0.1), "dense_weight must be between 0 and 1, not -0.1"),
        (lambda: ReciprocalRankFusion(0), "the RRF constant k must be at least 1, not 0"),
    ],
)
def test_bad_parameters_are_refused_by_name(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make()  # type: ignore[operator]
