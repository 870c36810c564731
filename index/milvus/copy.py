"""Copy an SQLite/FAISS index (or some of its articles) into a Milvus one, or another SQLite
one, without embedding again: the same articles, chunks and vectors, so the two backends can
be compared on identical data (the parity bench, the conformance tests), and an existing
index moves to Milvus in minutes, not hours of embedding."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from index.documents import Article, Chunk
from index.protocols import DocumentStore
from index.store import Store


def copy_store(
    source: Store,
    target: DocumentStore,
    article_ids: list[str] | None = None,
    batch_chunks: int = 2048,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Copy ``article_ids`` (default: all) from ``source``; returns the chunks copied."""
    ids = sorted(article_ids if article_ids is not None else source.fingerprints())
    vectors = _vectors(source)
    copied = 0
    pending = 0
    with target.writer() as writer:
        for article in source.articles(ids):
            spans = source.article_chunks(article.article_id)
            record = Article(
                title=article.title,
                text=article.text,
                url=article.url,
                source=article.source,
                author=article.author,
                published=article.published,
                origin=article.origin,
            )
            chunks = [
                Chunk(article.article_id, n, start, end, article.text[start:end], "")
                for n, (_, start, end) in enumerate(spans)
            ]
            matrix = np.stack([vectors[chunk_id] for chunk_id, _, _ in spans]) if spans else None
            if matrix is None:
                matrix = np.zeros((0, source._vectors.dimension), dtype=np.float32)
            writer.upsert(record, article.article_id, chunks, matrix)
            copied += len(chunks)
            pending += len(chunks)
            if pending >= batch_chunks:
                writer.commit()
                pending = 0
                if progress:
                    progress(copied)
    return copied


def _vectors(source: Store) -> dict[int, np.ndarray]:
    """chunk id -> vector, read back from FAISS."""
    index = source._vectors  # the SQLite backend's vector engine (index/vectors.py)
    ids = index.ids()
    matrix = np.vstack([index._index.reconstruct(int(i)) for i in ids]) if len(ids) else None  # type: ignore[attr-defined]
    return {int(i): matrix[n] for n, i in enumerate(ids)} if matrix is not None else {}
