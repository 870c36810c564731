"""The values every store backend hands out and takes: stored articles, chunks with their
offsets into the article text, and search filters. Plain frozen dataclasses, so that
retrieval, answering, the API and evaluation never see which backend made them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredArticle:
    article_id: str
    title: str
    text: str  # the full text: citations quote text[start:end]
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
    Undated articles match no date range.

    ``sql`` is the SQLite backend's translation (a WHERE clause over ``articles a``); another
    backend translates the fields itself."""

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
