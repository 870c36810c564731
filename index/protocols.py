"""The store interface: what retrieval, answering, the API and evaluation may ask of an index,
so that none of them knows which backend holds it (as Haystack's ``DocumentStore``: one
protocol, many backends).

``DocumentStore`` is the whole interface, made of three parts a backend may build from
separate engines: ``Documents`` (articles with their full text, chunks with their offsets),
``KeywordIndex`` (BM25 and document frequencies) and ``DenseIndex`` (vector search). All
take the same ``SearchFilter`` and speak in chunk ids. ``StoreWriter`` changes an index:
replace or delete by article id, visible to readers only at ``commit``.

The SQLite/FAISS backend (``index.store.Store``) implements it; docs/architecture.md says
how a second one plugs in. ``VectorIndex`` (index/vectors.py) is a lower level: the vector
engine inside the SQLite backend, which FAISS fills today.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import numpy as np

from index.documents import Article, Chunk
from index.keyword import COMMON_MIN, COMMON_SHARE
from index.records import SearchFilter, StoredArticle, StoredChunk
from index.stats import Stats
from index.vectors import VectorIndex

__all__ = [
    "DenseIndex",
    "DocumentStore",
    "Documents",
    "KeywordIndex",
    "StoreWriter",
    "VectorIndex",
    "list_key",
]

Hits = list[tuple[int, float]]  # (chunk id, score), best first; higher is better


@runtime_checkable
class Documents(Protocol):
    """Articles (the full text, which citations quote) and their chunks (offsets into it)."""

    def articles(self, article_ids: Iterable[str]) -> list[StoredArticle]: ...

    def article(self, article_id: str) -> StoredArticle | None: ...

    def chunks(self, chunk_ids: Sequence[int]) -> list[StoredChunk]:
        """In the order asked; ids deleted since the search are skipped."""
        ...

    def article_chunks(self, article_id: str) -> list[tuple[int, int, int]]:
        """(chunk_id, start, end) of an article's chunks, in order."""
        ...

    def fingerprints(self) -> dict[str, str]:
        """article_id -> content hash, to skip unchanged articles on re-ingest."""
        ...

    def ids_by_origin(self, origin: str) -> list[str]:
        """Articles loaded from one file or feed (to replace an edited file's old version)."""
        ...

    def list_articles(
        self,
        where: SearchFilter | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 50,
        query: str | None = None,
    ) -> list[StoredArticle]:
        """A page of articles passing ``where``, ordered newest first (undated last), ties by
        article id: ``list_key`` order, descending date, ascending id. ``after`` is the
        ``list_key`` of the last article of the previous page; ``query``: every word occurs
        in the title or text (case-insensitive)."""
        ...

    def latest_published(self) -> str | None:
        """The newest publication date indexed (as stored, possibly partial): an as-of
        bound on or after it filters nothing, and a filtered search costs far more."""
        ...


def list_key(article: StoredArticle) -> tuple[str, str]:
    """Where an article sits in ``Documents.list_articles`` order, as a cursor: (published
    as stored, "" when undated; article id). Every backend pages by it."""
    return (article.published or "", article.article_id)


@runtime_checkable
class KeywordIndex(Protocol):
    """BM25 over chunk title and body, and the word statistics the answerer weighs with."""

    def search_bm25(
        self,
        words: Sequence[str],
        k: int,
        where: SearchFilter | None = None,
        common_share: float = COMMON_SHARE,
        common_min: int = COMMON_MIN,
    ) -> Hits: ...

    def document_frequencies(self, words: Iterable[str]) -> tuple[dict[str, int], int]:
        """Chunks containing each word, and the number of chunks."""
        ...


@runtime_checkable
class DenseIndex(Protocol):
    """Nearest chunks to a normalized query vector (inner product = cosine)."""

    def search_dense(
        self, vector: np.ndarray, k: int, where: SearchFilter | None = None
    ) -> Hits: ...


@runtime_checkable
class StoreWriter(Protocol):
    """Staged changes; nothing is visible to readers before ``commit``, all of it after."""

    def upsert(
        self, article: Article, article_id: str, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Add an article, replacing every chunk of an earlier version with the same id;
        sets each chunk's ``chunk_id``."""
        ...

    def delete(self, article_id: str) -> bool:
        """Remove an article everywhere; whether there was anything to remove."""
        ...

    def commit(self) -> None: ...


@runtime_checkable
class DocumentStore(Documents, KeywordIndex, DenseIndex, Protocol):
    """One index, whatever the backend. Readers may share it across threads."""

    @property
    def location(self) -> str:
        """Where the index lives (a directory, a URL), for messages and reports."""
        ...

    @property
    def generation(self) -> int:
        """Changes with every commit (readiness checks and caches key on it)."""
        ...

    def refresh(self) -> None:
        """Pick up commits made by other processes or threads (cheap when there are none)."""
        ...

    def stats(self) -> Stats: ...

    def writer(self) -> AbstractContextManager[StoreWriter]:
        """Exclusive write access; commits on a clean exit, rolls back on an exception."""
        ...
