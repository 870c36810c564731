"""The SQLite half of an index directory: its tables, its ``meta`` row of record (schema
version, model, dimension, generation and the current vector file) and the connection
settings every reader and writer uses (WAL, full fsync, foreign keys)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from index.errors import IndexCorruptError, IndexVersionError

SCHEMA_VERSION = "1"
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


def connect(directory: Path) -> sqlite3.Connection:
    db = sqlite3.connect(
        directory / DB_NAME, isolation_level=None, check_same_thread=False, timeout=30
    )
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def create(directory: Path, model: str, dimension: int) -> None:
    """Tables and meta rows, in one transaction: a kill here leaves no half-made database.
    Idempotent, so it also completes a creation that a kill interrupted."""
    directory.mkdir(parents=True, exist_ok=True)
    db = connect(directory)
    try:
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


def read_snapshot(directory: Path) -> tuple[dict[str, str], np.ndarray]:
    """The meta rows and the sorted chunk ids, read in one snapshot so they agree."""
    try:
        db = connect(directory)
        try:
            db.execute("BEGIN")
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
            f"the index database {directory / DB_NAME} is damaged ({exc}); delete {directory} "
            "and ingest again"
        ) from exc
    return meta, ids


def check_schema_version(directory: Path, found: str | None) -> None:
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


def committed_generation(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])


def record_generation(db: sqlite3.Connection, generation: int, vectors_file: str) -> None:
    """Point the index at a new vector file; part of the writer's transaction."""
    db.executemany(
        "UPDATE meta SET value = ? WHERE key = ?",
        [(str(generation), "generation"), (vectors_file, "vectors_file")],
    )
