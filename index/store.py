"""The index directory: article metadata, chunks and BM25 in SQLite, vectors in FAISS.

Atomic writes without copying the database: a commit first writes the whole vector index to a
new file ``vectors-<generation>.faiss`` (temp name, fsync, rename), then commits one SQLite
transaction that records that file name together with the chunk rows. A kill before the SQLite
commit leaves the old generation (the new vector file is an orphan, removed by the next
writer); a kill after it leaves the new one. Nothing is pickled.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.documents import Article, Chunk
from index.vectors import FaissIndex, VectorIndex

SCHEMA_VERSION = "1"
COMMON_SHARE = 0.02  # BM25: a word in more than 2% of chunks ...
COMMON_MIN = 2000  # ... and in more than 2,000 of them is "common" (see Store.search_bm25)
DB_NAME = "newsrag.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    url TEXT,
    source TEXT,
    author TEXT,
    published TEXT,
    origin TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE INDEX IF NOT EXISTS articles_origin ON articles(origin);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


class StoreError(RuntimeError):
    """Base for store errors; messages say what is wrong and what to run."""


class IndexMissingError(StoreError):
    pass


class IndexCorruptError(StoreError):
    pass


class IndexVersionError(StoreError):
    """The index was written by another version of newsrag's schema."""


@dataclass(frozen=True)
class StoredArticle:
    article_id: str
    title: str
    text: str
    url: str | None
    source: str | None
    author: str | None
    published: str | None
    origin: str
    content_hash: str


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: int
    article: StoredArticle
    position: int
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]


@dataclass(frozen=True)
class SearchFilter:
    """Restricts a search to some outlets and a published-date range (ISO dates, inclusive).

    A stored date may be partial, ``YYYY`` or ``YYYY-MM`` (index/dates.py): it matches when
    its period overlaps the range. ``until`` needs nothing special ("2024" sorts before
    every day of 2024); for ``since``, the period holding the ``since`` day matches too.
    Undated articles match no date range."""

    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.sources or self.since or self.until)

    def sql(self) -> tuple[str, list[str]]:
        clauses: list[str] = []
        params: list[str] = []
        if self.sources:
            clauses.append("a.source COLLATE NOCASE IN (" + ",".join("?" * len(self.sources)) + ")")
            params.extend(self.sources)
        if self.since:
            clauses.append("(a.published >= ? OR a.published IN (?, ?))")
            params.extend([self.since, self.since[:4], self.since[:7]])
        if self.until:
            clauses.append("a.published <= ?")
            params.append(self.until)
        return (" AND ".join(clauses) or "1"), params


@dataclass(frozen=True)
class Stats:
    articles: int
    chunks: int
    sources: dict[str, int]
    oldest: str | None
    newest: str | None
    model: str
    generation: int
    size_bytes: int
    undated: int = 0  # articles without a publication date (date filters never match them)


class Store:
    """One index directory. Readers may share it across threads; writers take a file lock."""

    def __init__(self, directory: Path, vectors: VectorIndex, model: str, generation: int):
        self.directory = directory
        self._vectors = vectors
        self.model = model
        self.generation = generation
        self._local = threading.local()
        self._swap = threading.Lock()
        self._df_cache: tuple[int, dict[str, int]] = (generation, {})

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def create_or_open(cls, directory: Path, model: str, dimension: int) -> Store:
        """Open the index for writing, creating it when the directory holds none."""
        directory.mkdir(parents=True, exist_ok=True)
        # Idempotent: also completes a creation that a kill interrupted.
        db = _connect(directory)
        try:  # one transaction: a kill here leaves no half-made database
            db.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.executemany(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                [
                    ("schema_version", SCHEMA_VERSION),
                    ("model", model),
                    ("dimension", str(dimension)),
                    ("generation", "0"),
                    ("vectors_file", ""),
                ],
            )
            db.execute("COMMIT")
        finally:
            db.close()
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
        db_path = directory / DB_NAME
        if not db_path.exists():
            raise IndexMissingError(
                f"no index at {directory}: run `newsrag ingest PATH --index {directory}` first"
            )
        for attempt in range(3):
            try:
                db = _connect(directory)
                try:
                    db.execute("BEGIN")  # one snapshot for meta and chunk ids
                    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
                    ids = np.array(
                        [r[0] for r in db.execute("SELECT chunk_id FROM chunks ORDER BY 1")],
                        dtype=np.int64,
                    )
                    db.execute("COMMIT")
                finally:
                    db.close()
            except sqlite3.DatabaseError as exc:
                raise IndexCorruptError(
                    f"the index database {db_path} is damaged ({exc}); delete {directory} and "
                    "ingest again"
                ) from exc
            _check_schema_version(directory, meta.get("schema_version"))
            try:
                vectors = _load_vectors(directory, meta)
                break
            except IndexCorruptError:
                # A writer may have committed and removed that file since we read meta.
                if attempt == 2:
                    raise
        _check_agreement(directory, vectors, ids)
        return cls(directory, vectors, meta.get("model", ""), int(meta.get("generation", "0")))

    # ---- reading -------------------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = _connect(self.directory)
            self._local.db = db
        return db

    def refresh(self) -> None:
        """Pick up a commit made by another process or thread (cheap when nothing changed)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        generation = int(row[0])
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
        allowed = self._allowed_ids(where) if where and where.active else None
        return self._vectors.search(vector, k, allowed)

    def search_bm25(
        self,
        words: Sequence[str],
        k: int,
        where: SearchFilter | None = None,
        common_share: float = COMMON_SHARE,
        common_min: int = COMMON_MIN,
    ) -> list[tuple[int, float]]:
        """FTS5 BM25 over title and body for chunks holding any of ``words``; scores are
        positive, higher is better.

        FTS5 scores every chunk that holds any query word, so at 100k chunks one common word
        ("known", "second") brings thousands of rows to score. As in Lucene's CommonTermsQuery,
        a word found in more than ``common_share`` of the chunks (and in more than
        ``common_min``) only adds to the score of chunks that hold a rarer word of the query:
        those chunks get their exact full-query score, and only chunks holding nothing but
        common words drop out. A query of only common (or only rare) words runs as it is.
        Measured in docs/retrieval.md (100k chunks: 65 -> 16 ms p50, the same top 10; SciFact
        nDCG@10 unchanged).
        """
        words = list(dict.fromkeys(w for w in words if w.strip()))
        if not words:
            return []
        counts, total = self.document_frequencies(words)
        cutoff = max(common_share * total, common_min)
        rare = [w for w in words if counts[w] <= cutoff]
        common = [w for w in words if counts[w] > cutoff]
        if not rare or not common:
            return self._bm25(_any_of(words), k, where)
        # Exact top k: a chunk outside the second query's top k is beaten by k chunks there.
        scores = dict(self._bm25(_any_of(rare), k, where))
        scores.update(self._bm25(f"({_any_of(rare)}) AND ({_any_of(common)})", k, where))
        return sorted(scores.items(), key=lambda hit: (-hit[1], hit[0]))[:k]

    def _bm25(self, query: str, k: int, where: SearchFilter | None) -> list[tuple[int, float]]:
        score = "bm25(chunks_fts, 0.3, 1.0)"  # a title match counts for less than the body
        if where and where.active:
            clause, params = where.sql()
            sql = f"""
                SELECT f.rowid, -{score} FROM chunks_fts f
                JOIN chunks c ON c.chunk_id = f.rowid
                JOIN articles a ON a.article_id = c.article_id
                WHERE chunks_fts MATCH ? AND {clause} ORDER BY {score} LIMIT ?"""
        else:  # the joins cost 40% at 100k chunks
            sql = (
                f"SELECT rowid, -{score} FROM chunks_fts WHERE chunks_fts MATCH ? "
                f"ORDER BY {score} LIMIT ?"
            )
            params = []
        rows = self._db.execute(sql, [query, *params, k]).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def _allowed_ids(self, where: SearchFilter) -> np.ndarray:
        clause, params = where.sql()
        rows = self._db.execute(
            f"SELECT c.chunk_id FROM chunks c JOIN articles a USING (article_id) WHERE {clause}",
            params,
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def chunks(self, chunk_ids: Sequence[int]) -> list[StoredChunk]:
        """Chunks in the order asked; ids deleted since the search are skipped."""
        if not chunk_ids:
            return []
        marks = ",".join("?" * len(chunk_ids))
        rows = self._db.execute(
            f"SELECT chunk_id, article_id, position, start, end FROM chunks "
            f"WHERE chunk_id IN ({marks})",
            list(chunk_ids),
        ).fetchall()
        articles = {a.article_id: a for a in self.articles({r[1] for r in rows})}
        by_id = {
            r[0]: StoredChunk(r[0], articles[r[1]], r[2], r[3], r[4])
            for r in rows
            if r[1] in articles
        }
        return [by_id[i] for i in chunk_ids if i in by_id]

    def articles(self, article_ids: Iterable[str]) -> list[StoredArticle]:
        ids = list(article_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT article_id, title, text, url, source, author, published, origin, "
            f"content_hash FROM articles WHERE article_id IN ({marks})",
            ids,
        ).fetchall()
        return [StoredArticle(*r) for r in rows]

    def article(self, article_id: str) -> StoredArticle | None:
        found = self.articles([article_id])
        return found[0] if found else None

    def article_chunks(self, article_id: str) -> list[tuple[int, int, int]]:
        """(chunk_id, start, end) of an article's chunks, in order."""
        return self._db.execute(
            "SELECT chunk_id, start, end FROM chunks WHERE article_id = ? ORDER BY position",
            (article_id,),
        ).fetchall()

    def fingerprints(self) -> dict[str, str]:
        """article_id -> content hash, to skip unchanged articles on re-ingest."""
        return dict(self._db.execute("SELECT article_id, content_hash FROM articles").fetchall())

    def ids_by_origin(self, origin: str) -> list[str]:
        rows = self._db.execute("SELECT article_id FROM articles WHERE origin = ?", (origin,))
        return [r[0] for r in rows]

    def document_frequencies(self, words: Iterable[str]) -> tuple[dict[str, int], int]:
        """Chunks containing each word (FTS5 stems it as at indexing) and the chunk count:
        IDF weights that tell a rare name from a common word. Cached per index generation,
        since BM25 and the answer both ask and words recur across questions."""
        generation, cache = self._df_cache
        if generation != self.generation or len(cache) > 100_000:
            cache = {}
            self._df_cache = (self.generation, cache)
        counts = {}
        for word in dict.fromkeys(words):
            if word not in cache:
                row = self._db.execute(
                    "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (_phrase(word),)
                ).fetchone()
                cache[word] = int(row[0])
            counts[word] = cache[word]
        return counts, self._vectors.size

    def stats(self) -> Stats:
        db = self._db
        articles, oldest, newest = db.execute(
            "SELECT COUNT(*), MIN(published), MAX(published) FROM articles"
        ).fetchone()
        chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        sources = dict(
            db.execute(
                "SELECT COALESCE(source, '(unknown)'), COUNT(*) FROM articles "
                "GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        )
        size = sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file())
        undated = db.execute("SELECT COUNT(*) FROM articles WHERE published IS NULL").fetchone()[0]
        return Stats(
            articles, chunks, sources, oldest, newest, self.model, self.generation, size, undated
        )

    # ---- writing -------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """Exclusive write access; commits are atomic, an exception rolls back."""
        lock_path = self.directory / ".write.lock"
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self.refresh()
                writer = Writer(self)
                try:
                    yield writer
                    writer.commit()
                finally:
                    writer.close()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _install(self, vectors: VectorIndex, generation: int) -> None:
        with self._swap:
            self._vectors, self.generation = vectors, generation


class Writer:
    """Stages changes on a copy of the vector index and in an open SQLite transaction."""

    def __init__(self, store: Store):
        self.store = store
        self.db = _connect(store.directory)
        self.db.execute("BEGIN IMMEDIATE")
        self.vectors = store._vectors.copy()
        self.dirty = False

    def upsert(
        self, article: Article, article_id: str, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Add an article, replacing every chunk of an earlier version with the same id."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        self.delete(article_id)
        self.db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                article.title,
                article.text,
                article.url,
                article.source,
                article.author,
                article.published,
                article.origin,
                article.content_hash,
                time.time(),
            ),
        )
        ids = []
        for chunk in chunks:
            cursor = self.db.execute(
                "INSERT INTO chunks (article_id, position, start, end) VALUES (?, ?, ?, ?)",
                (article_id, chunk.position, chunk.start, chunk.end),
            )
            chunk_id = int(cursor.lastrowid or 0)
            chunk.chunk_id = chunk_id
            ids.append(chunk_id)
            self.db.execute(
                "INSERT INTO chunks_fts (rowid, title, body) VALUES (?, ?, ?)",
                (chunk_id, article.title, chunk.text),
            )
        if ids:
            self.vectors.add(np.array(ids, dtype=np.int64), vectors)
        self.dirty = True

    def delete(self, article_id: str) -> bool:
        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT chunk_id FROM chunks WHERE article_id = ?", (article_id,)
            )
        ]
        if ids:
            marks = ",".join("?" * len(ids))
            self.db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({marks})", ids)
            self.vectors.remove(np.array(ids, dtype=np.int64))
        self.db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        removed = self.db.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))
        changed = bool(removed.rowcount or ids)
        self.dirty = self.dirty or changed
        return changed

    def commit(self) -> None:
        """Vectors to a new file, then the SQLite transaction that points at it."""
        if not self.dirty:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN IMMEDIATE")
            return
        directory = self.store.directory
        generation = (
            int(self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
            + 1
        )
        name = f"vectors-{generation:06d}.faiss"
        self.vectors.save(directory / name)
        _fsync_dir(directory)
        self.db.executemany(
            "UPDATE meta SET value = ? WHERE key = ?",
            [(str(generation), "generation"), (name, "vectors_file")],
        )
        self.db.execute("COMMIT")
        self.store._install(self.vectors.copy(), generation)
        _remove_stale_files(directory, keep=name)
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


def _phrase(word: str) -> str:
    """An FTS5 string literal: any text, even "AND" or "NEAR(", is just a word to match."""
    return '"' + word.replace('"', '""') + '"'


def _any_of(words: Sequence[str]) -> str:
    return " OR ".join(_phrase(w) for w in words)


def _connect(directory: Path) -> sqlite3.Connection:
    db = sqlite3.connect(
        directory / DB_NAME, isolation_level=None, check_same_thread=False, timeout=30
    )
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _check_schema_version(directory: Path, found: str | None) -> None:
    """An index from another schema would fail later in confusing ways (missing columns,
    wrong meanings); say so once, at open, with what to do."""
    if found == SCHEMA_VERSION:
        return
    if found is not None and found.isdigit() and int(found) > int(SCHEMA_VERSION):
        advice = "upgrade newsrag to open it"
    else:
        advice = f"re-ingest your articles into a new --index directory (or delete {directory})"
    raise IndexVersionError(
        f"the index at {directory} has schema version {found or 'unknown'}; this newsrag "
        f"reads version {SCHEMA_VERSION}: {advice}"
    )


def _load_vectors(directory: Path, meta: dict[str, str]) -> FaissIndex:
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


def _check_agreement(directory: Path, vectors: VectorIndex, chunk_ids: np.ndarray) -> None:
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


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_files(directory: Path, keep: str) -> None:
    """Older generations and temp files left by a killed writer."""
    for path in directory.glob("vectors-*.faiss*"):
        if path.name != keep:
            path.unlink(missing_ok=True)
