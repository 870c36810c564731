"""The vector half of the SQLite backend on disk: one FAISS file per committed generation,
``vectors-<generation>.faiss``, named in SQLite's ``meta`` row. A file is written whole
(temp name, fsync, rename) before the SQLite commit that names it; files of other
generations are removed after it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from index.errors import IndexCorruptError
from index.vectors import FaissIndex, VectorIndex


def file_name(generation: int) -> str:
    return f"vectors-{generation:06d}.faiss"


def load(directory: Path, meta: dict[str, str]) -> FaissIndex:
    """The vector file ``meta`` names (an empty index before the first commit)."""
    dimension = int(meta.get("dimension", "0"))
    name = meta.get("vectors_file", "")
    if not name:
        return FaissIndex(dimension)
    path = directory / name
    if not path.exists():
        raise IndexCorruptError(
            f"the index at {directory} is damaged: SQLite points at {name}, which is missing; "
            f"delete {directory} and ingest again"
        )
    try:
        vectors = FaissIndex.load(path)
    except RuntimeError as exc:
        raise IndexCorruptError(
            f"the vector file {path} cannot be read ({str(exc).splitlines()[0]}); delete "
            f"{directory} and ingest again"
        ) from exc
    if vectors.dimension != dimension:
        raise IndexCorruptError(
            f"{path} holds {vectors.dimension}-dimensional vectors but the index records "
            f"{dimension}; delete {directory} and ingest again"
        )
    return vectors


def check_agreement(directory: Path, vectors: VectorIndex, chunk_ids: np.ndarray) -> None:
    """FAISS and SQLite must hold the same chunk ids, or citations would point nowhere."""
    faiss_ids = np.sort(vectors.ids())
    if len(faiss_ids) == len(chunk_ids) and np.array_equal(faiss_ids, chunk_ids):
        return
    only_faiss = np.setdiff1d(faiss_ids, chunk_ids)
    only_sql = np.setdiff1d(chunk_ids, faiss_ids)
    raise IndexCorruptError(
        f"the index at {directory} is inconsistent: FAISS holds {len(faiss_ids)} vectors, "
        f"SQLite {len(chunk_ids)} chunks ({len(only_faiss)} vectors without a chunk, "
        f"{len(only_sql)} chunks without a vector, e.g. "
        f"{json.dumps([int(i) for i in [*only_faiss[:3], *only_sql[:3]]])}); delete "
        f"{directory} and ingest again"
    )


def save(vectors: VectorIndex, directory: Path, generation: int) -> str:
    """Write the generation's file durably (the file and its directory entry); its name."""
    name = file_name(generation)
    vectors.save(directory / name)
    fsync_dir(directory)
    return name


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale(directory: Path, keep: str) -> None:
    """Older generations and temp files left by a killed writer."""
    for path in directory.glob("vectors-*.faiss*"):
        if path.name != keep:
            path.unlink(missing_ok=True)
