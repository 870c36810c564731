"""The ingest pipeline: load -> clean -> chunk -> embed -> store, committed in atomic batches.

Work is bounded: an article longer than ``max_article_chars`` is a named failure, chunks are
embedded and committed every ``commit_every`` chunks (so memory holds one batch, plus at
most one article's chunks), and the store's write lock is held only while a batch is
written, never while it is embedded or across a whole run: a small ingest that arrives
during a large one gets in between two batches. A run can be cancelled between two
embedding slices; what was committed before stays.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index import backends
from index.chunking import Chunker
from index.documents import Article, Chunk
from index.embedding import Embedder
from index.identity import is_positional
from index.ingest_progress import StatusCallback, StatusTracker
from index.loaders import Defaults, Limits, LoadFailure, load_paths
from index.protocols import DocumentStore, StoreWriter
from index.settings import IndexSettings

Progress = Callable[[int, int], None]
# Model batches per embedding slice: 512 length-sorted chunks pad 2.5%, 128 pad 6%.
SLICE_BATCHES = 16


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[LoadFailure] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    article_ids: list[str] = field(default_factory=list)
    warnings: list[LoadFailure] = field(default_factory=list)  # kept, e.g. undated
    cancelled: bool = False  # stopped early: the batches committed before it are kept

    @property
    def ingested(self) -> int:
        return self.added + self.updated + self.unchanged


@dataclass
class PendingArticle:
    """One article chosen for writing: its chunks, and the earlier versions it replaces.

    Public because both ingest paths build it: ``Ingestor.run`` here, and the Ray path
    (index/ray_ingest.py), which embeds on workers and writes through ``apply_batch``."""

    article: Article
    article_id: str
    chunks: list[Chunk]
    replaces: list[str]


def open_store(settings: IndexSettings, embedder: Embedder) -> DocumentStore:
    """The configured backend, for writing (index/backends.py)."""
    return backends.open_store(settings, embedder)


class Ingestor:
    """Configured once; ``run`` may be called many times (the API's upload endpoint does)."""

    def __init__(
        self, settings: IndexSettings, embedder: Embedder, store: DocumentStore | None = None
    ):
        self.settings = settings
        self.embedder = embedder
        self.store: DocumentStore = store or open_store(settings, embedder)
        self.chunker = Chunker(
            embedder.tokenizer, settings.chunk_tokens, settings.chunk_overlap, embedder.max_tokens
        )

    def run_paths(
        self,
        paths: Iterable[Path],
        defaults: Defaults | None = None,
        progress: Progress | None = None,
        status: StatusCallback | None = None,
    ) -> IngestReport:
        started = time.perf_counter()
        loaded = load_paths(paths, defaults, Limits.of(self.settings))
        report = self.run(loaded.articles, progress, status=status)
        report.failed = loaded.failures + report.failed
        report.warnings = loaded.warnings + report.warnings
        report.seconds = time.perf_counter() - started
        return report

    def run(
        self,
        articles: list[Article],
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        status: StatusCallback | None = None,
    ) -> IngestReport:
        """Add new articles, replace changed ones, skip unchanged ones; stop early (with
        ``report.cancelled``) once ``cancel`` is set. ``progress`` hears (articles read,
        total); ``status`` hears what is embedded, with a rate and the time left, after
        every embedding slice (index/ingest_progress.py)."""
        started = time.perf_counter()
        report = IngestReport()
        limit = self.settings.max_article_chars
        too_long = {id(a) for a in articles if len(a.text) > limit}
        for number, article in enumerate(articles):
            if id(article) in too_long:
                report.failed.append(
                    LoadFailure(
                        article.origin or f"articles[{number}]",
                        f"article text of {len(article.text):,} characters is over the limit "
                        f"of {limit:,} (NEWSRAG_MAX_ARTICLE_CHARS)",
                    )
                )
        articles = [a for a in articles if id(a) not in too_long]
        tracker = StatusTracker(status, len(articles), sum(len(a.text) for a in articles))
        known = self.store.fingerprints()
        in_run = {article.article_id for article in articles}
        seen: set[str] = set()
        batch: list[PendingArticle] = []
        batch_chunks = 0
        committed = (0, 0, 0, 0)  # added, updated, unchanged, ids: what a cancel keeps
        try:
            for done, article in enumerate(articles, start=1):
                _check(cancel)
                article_id = article.article_id
                report.article_ids.append(article_id)
                if article_id in seen or known.get(article_id) == article.content_hash:
                    report.unchanged += 1
                    tracker.add(articles=1, characters=len(article.text))
                else:
                    seen.add(article_id)
                    replaces = self.replaced_by(article, article_id, in_run)
                    if article_id in known or replaces:
                        report.updated += 1
                    else:
                        report.added += 1
                    chunks = self.chunker.run(article, article_id)
                    if not chunks:  # nothing to embed: done now
                        tracker.add(articles=1, characters=len(article.text))
                    batch.append(PendingArticle(article, article_id, chunks, replaces))
                    batch_chunks += len(chunks)
                if batch and (batch_chunks >= self.settings.commit_every or done == len(articles)):
                    report.chunks += self._write(batch, cancel, tracker)
                    batch, batch_chunks = [], 0
                if not batch:
                    committed = (
                        report.added,
                        report.updated,
                        report.unchanged,
                        len(report.article_ids),
                    )
                if progress:
                    progress(done, len(articles))
        except _Cancelled:  # report what is in the index: the batches committed so far
            report.cancelled = True
            report.added, report.updated, report.unchanged, kept = committed
            del report.article_ids[kept:]
        report.seconds = time.perf_counter() - started
        return report

    def replaced_by(self, article: Article, article_id: str, in_run: set[str]) -> list[str]:
        """The earlier version this URL-less article replaces (see ``index.identity``).

        An article with a URL keeps its id when edited, so it needs no help. One without gets
        a new content id; its origin names the version it replaces. Never an article that is
        itself part of this run (records that moved within a file are not edits). Public so
        that the Ray path (index/ray_ingest.py) applies the same identity rule; it reads
        only the URL, origin and title, so a text-less stub of the article is enough."""
        if article.url or not article.origin:
            return []
        previous = [
            i
            for i in self.store.ids_by_origin(article.origin)
            if i != article_id and i not in in_run
        ]
        if previous and is_positional(article.origin):
            # A record known only by its position: the same slot holding another article is
            # not an edit of it. Only an article with the same title counts as its new version.
            previous = [
                a.article_id for a in self.store.articles(previous) if a.title == article.title
            ]
        return previous

    def _write(
        self, batch: list[PendingArticle], cancel: threading.Event | None, tracker: StatusTracker
    ) -> int:
        """Embed a batch (no lock held), then write and commit it under the write lock.

        Slices of ``SLICE_BATCHES`` model batches: a cancel is seen between two, and each
        is sorted by length inside ``Embedder.encode``, so larger slices pad less."""
        chunks = [chunk for item in batch for chunk in item.chunks]
        texts = [chunk.embed_text for chunk in chunks]
        pieces = [chunk.embed_ids for chunk in chunks]
        # Each chunk carries its share of its article's characters, for the time left;
        # an article counts as done with its last chunk.
        shares = [len(i.article.text) / len(i.chunks) for i in batch for _ in i.chunks]
        last = np.cumsum([len(item.chunks) for item in batch if item.chunks])
        step = self.embedder.batch_size * SLICE_BATCHES
        parts = []
        for begin in range(0, len(texts), step):
            _check(cancel)
            parts.append(
                self.embedder.encode(
                    texts[begin : begin + step], True, pieces[begin : begin + step]
                )
            )
            end = min(begin + step, len(texts))
            finished = int(np.sum((last > begin) & (last <= end)))
            tracker.add(finished, end - begin, round(sum(shares[begin:end])))
        _check(cancel)
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.embedder.dimension))
        with self.store.writer() as writer:
            apply_batch(writer, batch, vectors)
            writer.commit()
        return len(texts)


def apply_batch(writer: StoreWriter, batch: list[PendingArticle], vectors: np.ndarray) -> None:
    """Write a batch into an open writer (the caller commits): delete the versions each
    article replaces, then upsert it with its rows of ``vectors`` (in batch order).

    Shared by ``Ingestor`` and the Ray path (index/ray_ingest.py), so both write an
    article and its replacements the same way, on either backend."""
    offset = 0
    for item in batch:
        for old in item.replaces:
            writer.delete(old)
        count = len(item.chunks)
        writer.upsert(item.article, item.article_id, item.chunks, vectors[offset : offset + count])
        offset += count


class _Cancelled(Exception):
    pass


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise _Cancelled


def delete_article(store: DocumentStore, article_id: str) -> bool:
    """Remove one article from any backend; whether it was there."""
    with store.writer() as writer:
        return writer.delete(article_id)
