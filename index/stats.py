"""What an index holds, for ``newsrag stats``, ``GET /stats`` and the gauges."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


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
    # articles per publication month, "YYYY-MM" (a date stored as a year alone: "YYYY"),
    # oldest first: what the index covers, and where it has gaps
    months: dict[str, int] = field(default_factory=dict)


def collect(db: sqlite3.Connection, directory: Path, model: str, generation: int) -> Stats:
    """Counts from SQLite; the size is every file in the index directory."""
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
    size = sum(p.stat().st_size for p in directory.iterdir() if p.is_file())
    undated = db.execute("SELECT COUNT(*) FROM articles WHERE published IS NULL").fetchone()[0]
    months = dict(
        db.execute(
            "SELECT substr(published, 1, 7), COUNT(*) FROM articles "
            "WHERE published IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    return Stats(
        articles, chunks, sources, oldest, newest, model, generation, size, undated, months
    )
