"""The dense-vector half of the store, behind a small protocol so that another engine can
replace FAISS without touching ``rag/``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class VectorIndex(Protocol):
    """What the store needs from a vector engine: ids are the store's chunk ids."""

    dimension: int

    @property
    def size(self) -> int: ...

    def ids(self) -> np.ndarray: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...

    def copy(self) -> VectorIndex: ...

    def save(self, path: Path) -> None: ...


class FaissIndex:
    """Exact inner-product search over normalized vectors (cosine similarity)."""

    def __init__(self, dimension: int, index: Any = None):
        import faiss

        self.dimension = dimension
        self._index: Any = (
            index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        )
        self._matrix: tuple[np.ndarray, np.ndarray] | None = None  # see _flat_view

    @classmethod
    def load(cls, path: Path) -> FaissIndex:
        import faiss

        index = faiss.read_index(str(path))
        return cls(index.d, index)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self._index.id_map)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if vectors.shape[1] != self.dimension:
            raise ValueError(
                f"vectors have {vectors.shape[1]} dimensions, index has {self.dimension}"
            )
        self._matrix = None
        self._index.add_with_ids(vectors, ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self._matrix = None
            self._index.remove_ids(ids.astype(np.int64))

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        import faiss

        if self.size == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))  # type: ignore[call-arg]
        else:
            matrix = self._flat_view()
            if matrix is not None:
                return _top_k(*matrix, query[0], k)
        scores, ids = self._index.search(query, min(k, self.size), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _flat_view(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The stored vectors as a zero-copy array, and their ids. FAISS searches one query
        on one thread; the same product through numpy's BLAS uses every core (100k chunks on
        2 cores: 10 ms instead of 19). Readers never modify an installed index (writers work
        on a copy), and ``add``/``remove`` drop the view."""
        import faiss

        if self._matrix is None:
            flat = faiss.downcast_index(self._index.index)
            if not isinstance(flat, faiss.IndexFlat):
                return None  # another engine's file: FAISS's own search
            xb = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * self.dimension)
            self._matrix = (xb.reshape(-1, self.dimension), self.ids())
        return self._matrix

    def copy(self) -> FaissIndex:
        import faiss

        return FaissIndex(self.dimension, faiss.clone_index(self._index))

    def save(self, path: Path) -> None:
        """Write to a temporary name, fsync, then rename: the file is whole or absent."""
        import faiss

        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)


def _top_k(
    vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int
) -> list[tuple[int, float]]:
    """Best ``k`` inner products, best first (equal scores in storage order)."""
    scores = vectors @ query
    top = np.arange(len(scores)) if k >= len(scores) else np.argpartition(-scores, k - 1)[:k]
    top = top[np.lexsort((top, -scores[top]))]
    return [(int(ids[i]), float(scores[i])) for i in top]
