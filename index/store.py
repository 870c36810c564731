"""The SQLite/FAISS backend of the store interface (``index.protocols.DocumentStore``): article
metadata, chunks and BM25 in SQLite, vectors in FAISS, one index directory.

``Store`` composes the parts, each in its own module: the schema and meta row
(index/schema.py), articles and chunks (index/catalog.py), BM25 and its document-frequency
cache (index/keyword.py), the per-generation vector files (index/vector_files.py), stats
(index/stats.py) and the writer (index/writer.py).

Atomic writes without copying the database: a commit first writes the whole vector index to a
new file ``vectors-<generation>.faiss`` (temp name, fsync, rename), then commits one SQLite
transaction that records that file name together with the chunk rows. A kill before the SQLite
commit leaves the old generation (the new vector file is an orphan, removed by the next
writer); a kill after it leaves the new one. Nothing is pickled.

The names other modules import from here (errors, records, ``Writer``, constants) are
re-exported, so ``from index.store import ...`` keeps working.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index import catalog, schema, stats, vector_files
from index.errors import IndexCorruptError, IndexMissingError, IndexVersionError, StoreError
from index.keyword import COMMON_MIN, COMMON_SHARE, Fts5Keyword
from index.records import SearchFilter, StoredArticle, StoredChunk
from index.schema import DB_NAME, SCHEMA, SCHEMA_VERSION
from index.stats import Stats
from index.vectors import VectorIndex
from index.writer import Writer

__all__ = [
    "COMMON_MIN",
    "COMMON_SHARE",
    "DB_NAME",
    "SCHEMA",
    "SCHEMA_VERSION",
    "IndexCorruptError",
    "IndexMissingError",
    "IndexVersionError",
    "SearchFilter",
    "Stats",
    "Store",
    "StoreError",
    "StoredArticle",
    "StoredChunk",
    "Writer",
]


class Store:
    """One index directory. Readers may share it across threads; writers take a file lock."""

    def __init__(self, directory: Path, vectors: VectorIndex, model: str, generation: int):
        self.directory = directory
        self._vectors = vectors
        self.model = model
        self.generation = generation
        self._local = threading.local()
        self._swap = threading.Lock()
        self._latest: tuple[int, str | None] | None = None
        self._keyword = Fts5Keyword(lambda: self._db, lambda: (self.generation, self._vectors.size))

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def create_or_open(cls, directory: Path, model: str, dimension: int) -> Store:
        """Open the index for writing, creating it when the directory holds none."""
        schema.create(directory, model, dimension)
        store = cls.open(directory)
        if store.model != model:
            raise IndexCorruptError(
                f"the index at {directory} was built with model {store.model!r}, not {model!r}; "
                "use the same NEWSRAG_MODEL or ingest into a new --index directory"
            )
        return store

    @classmethod
    def open(cls, directory: Path) -> Store:
        """Open an existing index and check that FAISS and SQLite agree."""
        if not (directory / DB_NAME).exists():
            raise IndexMissingError(
                f"no index at {directory}: run `newsrag ingest PATH --index {directory}` first"
            )
        for attempt in range(3):
            meta, ids = schema.read_snapshot(directory)
            schema.check_schema_version(directory, meta.get("schema_version"))
            try:
                vectors = vector_files.load(directory, meta)
                break
            except IndexCorruptError:
                # A writer may have committed and removed that file since we read meta.
                if attempt == 2:
                    raise
        vector_files.check_agreement(directory, vectors, ids)
        return cls(directory, vectors, meta.get("model", ""), int(meta.get("generation", "0")))

    # ---- reading -------------------------------------------------------------------------

    @property
    def location(self) -> str:
        return str(self.directory)

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections are not shared across threads)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = schema.connect(self.directory)
            self._local.db = db
        return db

    def refresh(self) -> None:
        """Pick up a commit made by another process or thread (cheap when nothing changed)."""
        generation = schema.committed_generation(self._db)
        if generation == self.generation:
            return
        with self._swap:
            if generation == self.generation:
                return
            fresh = Store.open(self.directory)
            self._vectors, self.generation = fresh._vectors, fresh.generation

    def search_dense(
        self, vector: np.ndarray, k: int, where: SearchFilter | None = None
    ) -> list[tuple[int, float]]:
        if not (where and where.active):
            return self._vectors.search(vector, k)
        found = catalog.post_filtered(
            lambda n: self._vectors.search(vector, n),
            k,
            lambda ids: catalog.passing(self._db, where, ids),
        )
        if found is not None:
            return found
        return self._vectors.search(vector, k, self._allowed_ids(where))

    def search_bm25(
        self,
        words: Sequence[str],
        k: int,
        where: SearchFilter | None = None,
        common_share: float = COMMON_SHARE,
        common_min: int = COMMON_MIN,
    ) -> list[tuple[int, float]]:
        """BM25 over title and body (index/keyword.py: common words only add to the score
        of chunks holding a rarer word); scores are positive, higher is better."""
        return self._keyword.search_bm25(words, k, where, common_share, common_min)

    def document_frequencies(self, words: Iterable[str]) -> tuple[dict[str, int], int]:
        """Chunks containing each word and the chunk count, cached per generation."""
        return self._keyword.document_frequencies(words)

    def _allowed_ids(self, where: SearchFilter) -> np.ndarray:
        return catalog.matching_chunk_ids(self._db, where)

    def chunks(self, chunk_ids: Sequence[int]) -> list[StoredChunk]:
        """Chunks in the order asked; ids deleted since the search are skipped."""
        return catalog.chunks(self._db, chunk_ids)

    def articles(self, article_ids: Iterable[str]) -> list[StoredArticle]:
        return catalog.articles(self._db, article_ids)

    def article(self, article_id: str) -> StoredArticle | None:
        found = self.articles([article_id])
        return found[0] if found else None

    def article_chunks(self, article_id: str) -> list[tuple[int, int, int]]:
        """(chunk_id, start, end) of an article's chunks, in order."""
        return catalog.article_chunks(self._db, article_id)

    def fingerprints(self) -> dict[str, str]:
        """article_id -> content hash, to skip unchanged articles on re-ingest."""
        return catalog.fingerprints(self._db)

    def ids_by_origin(self, origin: str) -> list[str]:
        return catalog.ids_by_origin(self._db, origin)

    def list_articles(
        self,
        where: SearchFilter | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 50,
        query: str | None = None,
    ) -> list[StoredArticle]:
        """A page of articles, newest first (index.protocols.Documents.list_articles)."""
        return catalog.list_articles(self._db, where, after, limit, query)

    def latest_published(self) -> str | None:
        generation = self.generation
        cached = self._latest
        if cached is None or cached[0] != generation:  # one indexed look-up per commit
            row = self._db.execute("SELECT MAX(published) FROM articles").fetchone()
            cached = self._latest = (generation, row[0] if row else None)
        return cached[1]

    def stats(self) -> Stats:
        return stats.collect(self._db, self.directory, self.model, self.generation)

    # ---- writing -------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """Exclusive write access; commits are atomic, an exception rolls back."""
        lock_path = self.directory / ".write.lock"
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self.refresh()
                writer = Writer(self.directory, self._vectors.copy(), self._install)
                try:
                    yield writer
                    writer.commit()
                finally:
                    writer.close()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _install(self, vectors: VectorIndex, generation: int) -> None:
        """A commit's vectors become what readers search (called by the writer)."""
        with self._swap:
            self._vectors, self.generation = vectors, generation
