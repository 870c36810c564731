"""The ingest pipeline: load -> clean -> chunk -> embed -> store, committed in atomic batches."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.chunking import Chunker
from index.documents import Article, Chunk
from index.embedding import Embedder
from index.loaders import Defaults, LoadFailure, load_paths
from index.settings import Settings
from index.store import Store, Writer

Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[LoadFailure] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    article_ids: list[str] = field(default_factory=list)

    @property
    def ingested(self) -> int:
        return self.added + self.updated + self.unchanged


@dataclass
class _Pending:
    article: Article
    article_id: str
    chunks: list[Chunk]
    replaces: list[str]


def open_store(settings: Settings, embedder: Embedder) -> Store:
    return Store.create_or_open(settings.index_dir, embedder.identity, embedder.dimension)


class Ingestor:
    """Configured once; ``run`` may be called many times (the API's upload endpoint does)."""

    def __init__(self, settings: Settings, embedder: Embedder, store: Store | None = None):
        self.settings = settings
        self.embedder = embedder
        self.store = store or open_store(settings, embedder)
        self.chunker = Chunker(
            embedder.tokenizer, settings.chunk_tokens, settings.chunk_overlap, embedder.max_tokens
        )

    def run_paths(
        self,
        paths: Iterable[Path],
        defaults: Defaults | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        started = time.perf_counter()
        loaded = load_paths(paths, defaults)
        report = self.run(loaded.articles, progress)
        report.failed = loaded.failures + report.failed
        report.seconds = time.perf_counter() - started
        return report

    def run(self, articles: list[Article], progress: Progress | None = None) -> IngestReport:
        """Add new articles, replace changed ones, skip unchanged ones."""
        started = time.perf_counter()
        report = IngestReport()
        known = self.store.fingerprints()
        seen: set[str] = set()
        batch: list[_Pending] = []
        batch_chunks = 0
        with self.store.writer() as writer:
            for done, article in enumerate(articles, start=1):
                article_id = article.article_id
                report.article_ids.append(article_id)
                if article_id in seen or known.get(article_id) == article.content_hash:
                    report.unchanged += 1
                else:
                    seen.add(article_id)
                    replaces = self._replaced_by(article, article_id)
                    if article_id in known or replaces:
                        report.updated += 1
                    else:
                        report.added += 1
                    chunks = self.chunker.run(article, article_id)
                    batch.append(_Pending(article, article_id, chunks, replaces))
                    batch_chunks += len(chunks)
                if batch_chunks >= self.settings.commit_every or done == len(articles):
                    report.chunks += self._write(writer, batch)
                    writer.commit()
                    batch, batch_chunks = [], 0
                if progress:
                    progress(done, len(articles))
        report.seconds = time.perf_counter() - started
        return report

    def _replaced_by(self, article: Article, article_id: str) -> list[str]:
        """A file with one article and no URL gets a new content id when edited; the
        article previously read from the same file is the one it replaces."""
        if article.url or "#" in article.origin or not article.origin:
            return []
        return [i for i in self.store.ids_by_origin(article.origin) if i != article_id]

    def _write(self, writer: Writer, batch: list[_Pending]) -> int:
        texts = [chunk.embed_text for item in batch for chunk in item.chunks]
        vectors = self.embedder.encode(texts, background=True)
        offset = 0
        for item in batch:
            for old in item.replaces:
                writer.delete(old)
            count = len(item.chunks)
            writer.upsert(
                item.article, item.article_id, item.chunks, vectors[offset : offset + count]
            )
            offset += count
        return offset


def delete_article(store: Store, article_id: str) -> bool:
    with store.writer() as writer:
        return writer.delete(article_id)
