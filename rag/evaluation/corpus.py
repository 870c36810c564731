"""Ingest a benchmark's own documents (BEIR, SQuAD) into a newsrag index.

Two chunkings:

- ``newsrag``: the product's own Ingestor (sentence-aligned chunks of
  ``NEWSRAG_CHUNK_TOKENS`` word pieces under a title header), i.e. what users get;
- ``whole``: one chunk per document whose embedded text is ``title + " " + text``, exactly
  what BEIR/MTEB embed (the model truncates it at its 256-piece window). The Chunker cannot
  produce this, since it never lets a chunk exceed the window and always adds its header; so
  these chunks are written through the store's own writer. Citations and BM25 still see the
  whole document text; only the embedding is truncated. This exists to check newsrag's
  retrieval stack against published BEIR numbers on equal terms.

Ingesting again into the same index skips documents already there (so an interrupted or
repeated run reuses its vectors); a marker file in the index directory records the chunking,
so that an index built one way is never scored as the other, and an index that `newsrag
eval` did not create (a user's own news index) is never filled with benchmark documents.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from index.documents import Article, Chunk
from index.embedding import Embedder
from index.ingest import Ingestor, open_store
from index.store import Store
from rag.evaluation.datasets import CorpusDoc
from rag.settings import RagSettings

Chunking = Literal["newsrag", "whole"]
MARKER = "newsrag-eval.json"
Progress = Callable[[int, int], None]


class CorpusMismatchError(RuntimeError):
    """The index was built with another chunking (or model) than the one asked for."""


@dataclass
class CorpusReport:
    documents: int
    added: int
    unchanged: int
    chunks: int
    seconds: float
    chunking: Chunking


def whole_document_text(article: Article) -> str:
    """What BEIR embeds for a document: title, one space, text."""
    return f"{article.title} {article.text}".strip()


def check_marker(directory: Path, chunking: Chunking, settings: RagSettings) -> None:
    """Refuse an index built with another chunking; record ours in a new or empty one."""
    marker = directory / MARKER
    wanted: dict[str, str] = {"chunking": chunking}
    if chunking == "newsrag":
        wanted["chunk_tokens"] = str(settings.chunk_tokens)
        wanted["chunk_overlap"] = str(settings.chunk_overlap)
    if marker.is_file():
        found = json.loads(marker.read_text(encoding="utf-8"))
        if found != wanted:
            raise CorpusMismatchError(
                f"the index at {directory} was built by `newsrag eval` with {found}, not "
                f"{wanted}; use another --index directory (or delete this one)"
            )
        return
    if (directory / "newsrag.sqlite").exists():
        articles = Store.open(directory).stats().articles
        if articles:  # a user's own index: never mix benchmark documents into it
            raise CorpusMismatchError(
                f"the index at {directory} already holds {articles} articles that `newsrag "
                "eval` did not ingest; give a new --index directory for the benchmark's "
                "documents"
            )
    directory.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(wanted) + "\n", encoding="utf-8")


def ingest_corpus(
    docs: list[CorpusDoc],
    settings: RagSettings,
    embedder: Embedder,
    chunking: Chunking = "newsrag",
    progress: Progress | None = None,
) -> CorpusReport:
    """Put the dataset's documents into ``settings.index_dir``; returns what was done."""
    check_marker(settings.index_dir, chunking, settings)
    articles = [doc.article for doc in docs]
    if chunking == "newsrag":
        report = Ingestor(settings, embedder).run(articles, progress)
        return CorpusReport(
            len(docs), report.added + report.updated, report.unchanged, report.chunks,
            report.seconds, chunking,
        )  # fmt: skip
    return _ingest_whole(articles, settings, embedder, progress)


def _ingest_whole(
    articles: list[Article],
    settings: RagSettings,
    embedder: Embedder,
    progress: Progress | None,
) -> CorpusReport:
    started = time.perf_counter()
    store = open_store(settings, embedder)
    known = store.fingerprints()
    todo: dict[str, Article] = {}
    for article in articles:
        article_id = article.article_id
        if known.get(article_id) != article.content_hash:
            todo.setdefault(article_id, article)
    done = len(articles) - len(todo)
    if progress:
        progress(done, len(articles))
    step = max(1, settings.batch_size * 4)
    pending = list(todo.items())
    with store.writer() as writer:
        for first in range(0, len(pending), step):
            batch = pending[first : first + step]
            chunks = [
                Chunk(article_id, 0, 0, len(a.text), a.text, whole_document_text(a))
                for article_id, a in batch
            ]
            vectors = embedder.encode([c.embed_text for c in chunks])
            for (article_id, article), chunk, vector in zip(batch, chunks, vectors, strict=True):
                writer.upsert(article, article_id, [chunk], vector[None, :])
            if (first // step + 1) % max(1, settings.commit_every // step) == 0:
                writer.commit()  # an interrupted run keeps what it embedded
            done += len(batch)
            if progress:
                progress(done, len(articles))
    return CorpusReport(
        len(articles), len(todo), len(articles) - len(todo), len(todo),
        time.perf_counter() - started, "whole",
    )  # fmt: skip
