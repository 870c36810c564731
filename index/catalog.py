"""The document half of the SQLite backend: the ``articles`` rows (full text, which citations
quote) and the ``chunks`` rows (offsets into that text). Reads take the caller's connection;
writes run inside the writer's transaction."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from index.documents import Article, Chunk
from index.records import SearchFilter, StoredArticle, StoredChunk


def articles(db: sqlite3.Connection, article_ids: Iterable[str]) -> list[StoredArticle]:
    ids = list(article_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"SELECT article_id, title, text, url, source, author, published, origin, "
        f"content_hash FROM articles WHERE article_id IN ({marks})",
        ids,
    ).fetchall()
    return [StoredArticle(*r) for r in rows]


def chunks(db: sqlite3.Connection, chunk_ids: Sequence[int]) -> list[StoredChunk]:
    """Chunks in the order asked; ids deleted since the search are skipped."""
    if not chunk_ids:
        return []
    marks = ",".join("?" * len(chunk_ids))
    rows = db.execute(
        f"SELECT chunk_id, article_id, position, start, end FROM chunks "
        f"WHERE chunk_id IN ({marks})",
        list(chunk_ids),
    ).fetchall()
    found = {a.article_id: a for a in articles(db, {r[1] for r in rows})}
    by_id = {r[0]: StoredChunk(r[0], found[r[1]], r[2], r[3], r[4]) for r in rows if r[1] in found}
    return [by_id[i] for i in chunk_ids if i in by_id]


def article_chunks(db: sqlite3.Connection, article_id: str) -> list[tuple[int, int, int]]:
    """(chunk_id, start, end) of an article's chunks, in order."""
    return db.execute(
        "SELECT chunk_id, start, end FROM chunks WHERE article_id = ? ORDER BY position",
        (article_id,),
    ).fetchall()


def fingerprints(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT article_id, content_hash FROM articles").fetchall())


def ids_by_origin(db: sqlite3.Connection, origin: str) -> list[str]:
    rows = db.execute("SELECT article_id FROM articles WHERE origin = ?", (origin,))
    return [r[0] for r in rows]


def list_articles(
    db: sqlite3.Connection,
    where: SearchFilter | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 50,
    query: str | None = None,
) -> list[StoredArticle]:
    """One page of articles, newest first (undated last), ties broken by article id, so
    that ``after`` (the ``list_key`` of the previous page's last article) is a stable
    cursor (``index.protocols.list_key``): an article added meanwhile never shifts or
    repeats a page. ``query``: every
    word must occur in the title or text (case-insensitive substring)."""
    clause, params = (where or SearchFilter()).sql()
    clauses: list[str] = [clause]
    values: list[object] = list(params)
    for word in (query or "").split():
        clauses.append("(a.title || ' ' || a.text) LIKE ? ESCAPE '\\'")
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        values.append(f"%{escaped}%")
    if after is not None:
        clauses.append(
            "(COALESCE(a.published, '') < ? OR "
            "(COALESCE(a.published, '') = ? AND a.article_id > ?))"
        )
        values.extend([after[0], after[0], after[1]])
    rows = db.execute(
        "SELECT a.article_id, a.title, a.text, a.url, a.source, a.author, a.published, "
        "a.origin, a.content_hash FROM articles a WHERE " + " AND ".join(clauses) + " "
        "ORDER BY COALESCE(a.published, '') DESC, a.article_id LIMIT ?",
        [*values, max(0, limit)],
    ).fetchall()
    return [StoredArticle(*r) for r in rows]


def matching_chunk_ids(db: sqlite3.Connection, where: SearchFilter) -> np.ndarray:
    """Ids of the chunks whose article passes the filter: what dense search may return."""
    clause, params = where.sql()
    rows = db.execute(
        f"SELECT c.chunk_id FROM chunks c JOIN articles a USING (article_id) WHERE {clause}",
        params,
    ).fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64)


POST_FILTER_FACTOR = 4  # a filtered search first looks at this many times k unfiltered hits
POST_FILTER_MIN = 200  # ... and at least this many
Hits = list[tuple[int, float]]


def passing(db: sqlite3.Connection, where: SearchFilter, chunk_ids: Sequence[int]) -> set[int]:
    """Which of these chunks pass the filter (a look-up by primary key per chunk)."""
    if not chunk_ids:
        return set()
    clause, params = where.sql()
    marks = ",".join("?" * len(chunk_ids))
    rows = db.execute(
        f"SELECT c.chunk_id FROM chunks c JOIN articles a USING (article_id) "
        f"WHERE c.chunk_id IN ({marks}) AND {clause}",
        [*chunk_ids, *params],
    ).fetchall()
    return {r[0] for r in rows}


def post_filtered(
    search: Callable[[int], Hits], k: int, check: Callable[[list[int]], set[int]]
) -> Hits | None:
    """The best ``k`` hits that pass a filter, taken from the best few unfiltered hits, or
    None when too few of those pass and the filtered search must run. Exact: a passing hit
    outside the unfiltered best few scores below all of them, so when ``k`` of them pass
    (or the unfiltered search ran out of hits) they are the filtered search's answer.

    Why: a filter that lets most of the index through (an as-of date, a wide date range)
    made the filtered dense search slow: every allowed chunk id out of SQLite into a FAISS
    id selector (100k chunks: 52 ms against 13 unfiltered, docs/benchmarks.md). A narrow
    filter falls through to the filtered search, which is fast when few chunks are allowed.
    BM25 does not need it: FTS5 joined to the articles was no slower there."""
    wanted = max(k * POST_FILTER_FACTOR, POST_FILTER_MIN)
    hits = search(wanted)
    keep = check([i for i, _ in hits])
    kept = [(i, score) for i, score in hits if i in keep]
    if len(kept) >= k or len(hits) < wanted:
        return kept[:k]
    return None


# ---- writing (inside the writer's transaction) ----------------------------------------------


def insert_article(db: sqlite3.Connection, article: Article, article_id: str) -> None:
    db.execute(
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


def insert_chunk(db: sqlite3.Connection, article_id: str, chunk: Chunk) -> int:
    """The new chunk's id (SQLite assigns it; FAISS and FTS5 use the same id)."""
    cursor = db.execute(
        "INSERT INTO chunks (article_id, position, start, end) VALUES (?, ?, ?, ?)",
        (article_id, chunk.position, chunk.start, chunk.end),
    )
    return int(cursor.lastrowid or 0)


def chunk_ids_of(db: sqlite3.Connection, article_id: str) -> list[int]:
    rows = db.execute("SELECT chunk_id FROM chunks WHERE article_id = ?", (article_id,))
    return [r[0] for r in rows]


def delete_article(db: sqlite3.Connection, article_id: str) -> bool:
    """Remove the article and its chunk rows; whether an article row was there."""
    db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
    removed = db.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))
    return bool(removed.rowcount)
