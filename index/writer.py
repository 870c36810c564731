"""Writing to the SQLite/FAISS backend: changes are staged on a copy of the vector index and
in one open SQLite transaction; ``commit`` makes them visible at once.

Commit order is what makes a kill safe: the whole vector index goes to a new file first
(``index/vector_files.py``), then one SQLite transaction records that file's name together
with the rows. A kill before the SQLite commit leaves the old generation (the new file is an
orphan, removed by the next writer); a kill after it leaves the new one.

The writer knows the store only through what it is given: the directory, a copy of the
committed vectors, and ``install``, which hands a committed generation to the readers.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index import catalog, keyword, schema, vector_files
from index.documents import Article, Chunk
from index.vectors import VectorIndex

Install = Callable[[VectorIndex, int], None]


class Writer:
    """Stages changes on a copy of the vector index and in an open SQLite transaction."""

    def __init__(self, directory: Path, vectors: VectorIndex, install: Install):
        self.directory = directory
        self._install = install
        self.db = schema.connect(directory)
        self.db.execute("BEGIN IMMEDIATE")
        self.vectors = vectors
        self.dirty = False

    def upsert(
        self, article: Article, article_id: str, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Add an article, replacing every chunk of an earlier version with the same id."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        self.delete(article_id)
        catalog.insert_article(self.db, article, article_id)
        ids = []
        for chunk in chunks:
            chunk_id = catalog.insert_chunk(self.db, article_id, chunk)
            chunk.chunk_id = chunk_id
            ids.append(chunk_id)
            keyword.index_chunk(self.db, chunk_id, article.title, chunk.text)
        if ids:
            self.vectors.add(np.array(ids, dtype=np.int64), vectors)
        self.dirty = True

    def delete(self, article_id: str) -> bool:
        """Remove an article from every structure; whether there was anything to remove."""
        ids = catalog.chunk_ids_of(self.db, article_id)
        if ids:
            keyword.unindex_chunks(self.db, ids)
            self.vectors.remove(np.array(ids, dtype=np.int64))
        removed = catalog.delete_article(self.db, article_id)
        changed = removed or bool(ids)
        self.dirty = self.dirty or changed
        return changed

    def commit(self) -> None:
        """Vectors to a new file, then the SQLite transaction that points at it."""
        if not self.dirty:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN IMMEDIATE")
            return
        generation = schema.committed_generation(self.db) + 1
        name = vector_files.save(self.vectors, self.directory, generation)
        schema.record_generation(self.db, generation, name)
        self.db.execute("COMMIT")
        self._install(self.vectors.copy(), generation)
        vector_files.remove_stale(self.directory, keep=name)
        self.dirty = False
        self.db.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        # Fold the WAL into the database file so the directory is self-contained; with
        # readers busy SQLite checkpoints later by itself.
        with contextlib.suppress(sqlite3.OperationalError):
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()
