"""Writing to the Milvus backend. Milvus has no multi-row transactions, so a commit applies
staged changes in an order that leaves readers a consistent view at every step, and leaves
intent rows that let the next writer finish or undo a commit a crash interrupted.

Commit order: (1) a ``pending:<article id>`` row in meta for every article touched; (2) the
old article rows, then their chunks, are deleted; (3) the new chunks are upserted; (4) the
article pieces are upserted, piece 0 last: an article becomes visible only then (readers
skip articles with pieces missing, and chunks whose article or content hash does not match);
(5) the term counts (document frequencies) are updated by the difference; (6) the
collections are flushed (sealed and indexed) and the generation row is bumped and the
pending rows removed. ``recover`` (at each writer's
start) removes, for each pending article, the chunks that do not belong to its visible
version, and the article itself when its pieces are incomplete, then recounts the terms
from the chunks. docs/scale.md spells out
what is and is not atomic.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from index.documents import Article, Chunk
from index.milvus import analysis, schema
from index.records import StoredArticle

if TYPE_CHECKING:
    from index.milvus.store import MilvusStore

Staged = tuple[Article, list[Chunk], np.ndarray] | None  # None: delete


def chunk_id(article_id: str, content_hash: str, position: int) -> int:
    """A chunk's id from what it is (63 bits, positive): the same on every retry of a write,
    so an interrupted insert is overwritten, never duplicated."""
    digest = hashlib.blake2b(f"{article_id}\0{content_hash}\0{position}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") >> 1


class MilvusWriter:
    """Stages upserts and deletes in memory; ``commit`` applies them in a crash-safe order."""

    def __init__(self, store: MilvusStore):
        self.store = store
        self.client: Any = store.client
        self._staged: dict[str, Staged] = {}

    def upsert(
        self, article: Article, article_id: str, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Add an article, replacing every chunk of an earlier version with the same id."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if len(article_id) > schema.ID_CHARS:
            raise ValueError(f"article id {article_id[:40]!r}...: over {schema.ID_CHARS} chars")
        for chunk in chunks:
            chunk.chunk_id = chunk_id(article_id, article.content_hash, chunk.position)
        self._staged[article_id] = (article, chunks, np.asarray(vectors, dtype=np.float32))

    def delete(self, article_id: str) -> bool:
        """Remove an article everywhere; whether there was anything to remove."""
        staged = self._staged.get(article_id)
        existed = staged is not None or bool(
            self.client.query(
                self.store.chunks_name,
                filter=f"article_id == {analysis.literal(article_id)}",
                output_fields=["chunk_id"],
                limit=1,
            )
            or self.store.article(article_id)
        )
        self._staged[article_id] = None
        return existed

    def commit(self) -> None:
        if not self._staged:
            return
        staged, self._staged = self._staged, {}
        ids = list(staged)
        self._mark_pending(ids)
        delta: Counter[str] = Counter()
        for batch in schema.batched(ids, 100):
            expr = f"article_id in {analysis.any_literal(batch)}"
            for row in schema.rows(self.client, self.store.chunks_name, expr, ["terms"]):
                terms = row["terms"].split()
                delta.subtract(set(terms))
                delta[schema.TOTAL] -= len(terms)
        self._remove(ids)
        chunk_rows, piece_rows, heads = [], [], []
        for article_id, change in staged.items():
            if change is None:
                continue
            article, chunks, vectors = change
            rows = _chunk_rows(article, article_id, chunks, vectors)
            for row in rows:
                terms = row["terms"].split()
                delta.update(set(terms))
                delta[schema.TOTAL] += len(terms)
            chunk_rows.extend(rows)
            pieces = _piece_rows(article, article_id)
            heads.append(pieces[0])
            piece_rows.extend(pieces[1:])
        for batch in schema.batched(chunk_rows):
            self.client.upsert(self.store.chunks_name, batch)
        for batch in schema.batched(piece_rows, 32):
            self.client.upsert(self.store.articles_name, batch)
        for batch in schema.batched(heads, 32):  # the commit marks
            self.client.upsert(self.store.articles_name, batch)
        self._count_terms(delta)
        self._finish(ids)

    def recover(self) -> None:
        """Finish or undo a commit a crash interrupted (see the module docstring)."""
        rows = schema.rows(self.client, self.store.meta_name, 'key like "pending:%"', ["key"])
        ids = [r["key"].removeprefix("pending:") for r in rows]
        if not ids:
            return
        visible = {a.article_id: a for a in self.store.articles(ids)}
        for article_id in ids:
            article = visible.get(article_id)
            expr = f"article_id == {analysis.literal(article_id)}"
            if article is None:
                self.client.delete(self.store.articles_name, filter=expr)
                self.client.delete(self.store.chunks_name, filter=expr)
            else:
                stale = f"{expr} and content_hash != {analysis.literal(article.content_hash)}"
                self.client.delete(self.store.chunks_name, filter=stale)
        self.recount_terms()
        self._finish(ids)

    def recount_terms(self) -> None:
        """Count every term again from the chunks (after a crash: the counts may hold a
        half-applied commit)."""
        counts: Counter[str] = Counter()
        for row in schema.rows(self.client, self.store.chunks_name, "", ["terms"]):
            terms = row["terms"].split()
            counts.update(set(terms))
            counts[schema.TOTAL] += len(terms)
        self.client.delete(self.store.terms_name, filter='term != ""')
        rows = [{"term": t, "df": n, "v": schema.DUMMY} for t, n in counts.items()]
        for batch in schema.batched(rows, 2048):
            self.client.upsert(self.store.terms_name, batch)

    def _count_terms(self, delta: Counter[str]) -> None:
        """Add a commit's difference to the term counts (read, add, write back)."""
        changed = [t for t, n in delta.items() if n]
        for batch in schema.batched(changed, 2048):
            rows = self.client.get(self.store.terms_name, ids=batch, output_fields=["term", "df"])
            current = {r["term"]: int(r["df"]) for r in rows}
            updated = {t: current.get(t, 0) + delta[t] for t in batch}
            keep = [{"term": t, "df": n, "v": schema.DUMMY} for t, n in updated.items() if n > 0]
            gone = [t for t, n in updated.items() if n <= 0 and t in current]
            if keep:
                self.client.upsert(self.store.terms_name, keep)
            if gone:
                self.client.delete(self.store.terms_name, ids=gone)

    def _mark_pending(self, ids: list[str]) -> None:
        rows = [{"key": f"pending:{i}", "value": "", "v": schema.DUMMY} for i in ids]
        for batch in schema.batched(rows):
            self.client.upsert(self.store.meta_name, batch)

    def _remove(self, ids: list[str]) -> None:
        for batch in schema.batched(ids, 100):
            expr = f"article_id in {analysis.any_literal(batch)}"
            self.client.delete(self.store.articles_name, filter=expr)
            self.client.delete(self.store.chunks_name, filter=expr)

    def _finish(self, ids: list[str]) -> None:
        """Seal what was written (milvus-lite searches unsealed rows by brute force; Milvus
        persists them), then publish the new generation and drop the intent rows."""
        for name in (self.store.chunks_name, self.store.articles_name, self.store.terms_name):
            self.client.flush(name)
        generation = self.store.generation + 1
        row = {"key": "generation", "value": str(generation), "v": schema.DUMMY}
        self.client.upsert(self.store.meta_name, [row])
        for batch in schema.batched(ids, 100):
            keys = analysis.any_literal(f"pending:{i}" for i in batch)
            self.client.delete(self.store.meta_name, filter=f"key in {keys}")
        self.store.generation = generation


def _chunk_rows(
    article: Article, article_id: str, chunks: list[Chunk], vectors: np.ndarray
) -> list[dict]:
    source = (article.source or "").lower()
    analyzed = [analysis.terms_field(article.title, chunk.text) for chunk in chunks]
    return [
        {
            "chunk_id": chunk.chunk_id,
            "article_id": article_id,
            "content_hash": article.content_hash,
            "position": chunk.position,
            "start": chunk.start,
            "end": chunk.end,
            "source": source,
            "published": article.published or "",
            "terms": terms,
            "title_terms": title_terms,
            "vector": vector.tolist(),
        }
        for chunk, vector, (terms, title_terms) in zip(chunks, vectors, analyzed, strict=True)
    ]


def _piece_rows(article: Article, article_id: str) -> list[dict]:
    """The JSON record of a ``StoredArticle`` in pieces; piece 0 carries the listed fields."""
    record = StoredArticle(
        article_id=article_id,
        title=article.title,
        text=article.text,
        url=article.url,
        source=article.source,
        author=article.author,
        published=article.published,
        origin=article.origin,
        content_hash=article.content_hash,
    )
    body = json.dumps(asdict(record), ensure_ascii=False)
    parts = [body[i : i + schema.PIECE_CHARS] for i in range(0, len(body), schema.PIECE_CHARS)]
    return [
        {
            "pk": f"{article_id}#{n}",
            "article_id": article_id,
            "piece": n,
            "pieces": len(parts),
            "body": part,
            "content_hash": article.content_hash if n == 0 else "",
            "source": (article.source or "") if n == 0 else "",
            "published": (article.published or "") if n == 0 else "",
            "origin": article.origin if n == 0 else "",
            "v": schema.DUMMY,
        }
        for n, part in enumerate(parts)
    ]
