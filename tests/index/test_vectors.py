import numpy as np
import pytest

from index.vectors import FaissIndex


def unit_rows(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, 16)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def check_against_faiss(index: FaissIndex, query: np.ndarray, k: int) -> list[int]:
    """The unfiltered search (numpy over FAISS's storage) against FAISS's own search."""
    fast = index.search(query, k)
    exact = index.search(query, k, allowed=index.ids())  # a selector forces FAISS's path
    assert [i for i, _ in fast] == [i for i, _ in exact]
    assert [s for _, s in fast] == pytest.approx([s for _, s in exact], abs=1e-5)
    return [i for i, _ in fast]


def test_unfiltered_search_matches_faiss_through_changes() -> None:
    vectors = unit_rows(500, seed=1)
    ids = np.arange(500) * 7 + 3
    index = FaissIndex(16)
    index.add(ids, vectors)
    assert check_against_faiss(index, vectors[42], 10)[0] == ids[42]
    assert len(check_against_faiss(index, vectors[42], 900)) == 500

    index.remove(ids[[42, 43]])
    assert ids[42] not in check_against_faiss(index, vectors[42], 10)

    grown = index.copy()
    grown.add(np.array([10_000]), vectors[42:43])
    assert check_against_faiss(grown, vectors[42], 10)[0] == 10_000
    assert ids[42] not in check_against_faiss(index, vectors[42], 10)  # the copy is separate
