"""Watch RSS/Atom feeds: poll each with a conditional GET, ingest the items not seen before.

A poll fetches the feed through the same polite ``Fetcher`` as pages (index/fetching.py),
sending the ETag and Last-Modified it answered last time, so an unchanged feed costs the
publisher a 304 and us nothing. Each new item (by its guid/id, else its link) becomes an
article: from the feed's own full text (``content:encoded`` or Atom content) when that holds
at least ``FULL_TEXT_CHARS`` characters, else from its page fetched and read by trafilatura,
the feed filling in the date, author and outlet the page lacks. An item whose page cannot be
fetched is a named failure and is tried again when the feed next changes.

Per-feed state (URL, ETag, Last-Modified, last poll, seen item ids, counts, last error) is
kept in ``feeds.sqlite`` in the index directory, beside the index rather than in its store,
so it works with every store backend and never touches the index's atomic commits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.documents import Article
from index.fetching import FEED_TYPES, Fetcher, FetchError, fetch_article
from index.identity import record_origin
from index.ingest import Ingestor, IngestReport, Progress
from index.loaders import Limits, LoadError, LoadFailure, load_feed

STATE_FILE = "feeds.sqlite"
FULL_TEXT_CHARS = 500  # a feed item with less text than this carries only a summary
SEEN_KEPT = 5000  # item ids remembered per feed (a feed lists far fewer at a time)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    added TEXT NOT NULL,
    last_polled TEXT,
    last_new TEXT,
    last_status TEXT,
    last_error TEXT,
    polls INTEGER NOT NULL DEFAULT 0,
    items_seen INTEGER NOT NULL DEFAULT 0,
    articles_added INTEGER NOT NULL DEFAULT 0,
    articles_updated INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    seen TEXT NOT NULL DEFAULT '[]'
)
"""


class FeedError(ValueError):
    """A feed URL that cannot be watched (not http(s)); the message names it. A ValueError,
    so a request model that checks its URLs with ``check_feed_url`` answers 422."""


@dataclass
class FeedState:
    """What newsrag knows of one feed; ``seen`` holds the item ids already ingested."""

    url: str
    added: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None
    last_new: str | None = None  # when an item was last ingested from it
    last_status: str | None = None  # "ok", "not modified" or "error"
    last_error: str | None = None
    polls: int = 0
    items_seen: int = 0
    articles_added: int = 0
    articles_updated: int = 0
    failures: int = 0
    seen: list[str] = field(default_factory=list)

    def public(self) -> dict[str, object]:
        """The state without the list of seen ids (tables and JSON show their count)."""
        shown: dict[str, object] = asdict(self)
        del shown["seen"]
        return shown


class FeedBook:
    """The per-feed state file of one index directory."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / STATE_FILE

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.row_factory = sqlite3.Row
            db.execute(_SCHEMA)
            with db:
                yield db
        finally:
            db.close()

    def register(self, url: str) -> FeedState:
        """The feed's state, created (never polled) if it is new."""
        url = check_feed_url(url)
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO feeds (url, added) VALUES (?, ?)", (url, _now()))
        state = self.get(url)
        assert state is not None
        return state

    def get(self, url: str) -> FeedState | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return _state(row) if row else None

    def all(self) -> list[FeedState]:
        """Every registered feed, oldest first; an index without feeds has none."""
        if not self.path.exists():
            return []
        with self._db() as db:
            rows = db.execute("SELECT * FROM feeds ORDER BY added, url").fetchall()
        return [_state(row) for row in rows]

    def save(self, state: FeedState) -> None:
        values = asdict(state)
        values["seen"] = json.dumps(state.seen[-SEEN_KEPT:])
        columns = [c for c in values if c != "url"]
        with self._db() as db:
            db.execute(
                f"UPDATE feeds SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE url = :url",
                values,
            )


@dataclass
class Poll:
    """One feed's poll: the new items as articles, the items that failed, or the error."""

    url: str
    not_modified: bool = False
    articles: list[Article] = field(default_factory=list)
    item_ids: list[str] = field(default_factory=list)  # of ``articles``, in order
    failures: list[LoadFailure] = field(default_factory=list)
    error: str | None = None
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def poll(state: FeedState, fetcher: Fetcher, limits: Limits | None = None) -> Poll:
    """Fetch ``state``'s feed (conditionally) and read the items it has not seen."""
    result = Poll(state.url)
    try:
        fetched = fetcher.get(state.url, FEED_TYPES, state.etag, state.last_modified)
    except FetchError as exc:
        result.error = exc.reason
        return result
    if fetched.not_modified:
        result.not_modified = True
        result.etag = fetched.etag or state.etag
        result.last_modified = state.last_modified
        return result
    result.etag, result.last_modified = fetched.etag, fetched.last_modified
    import feedparser

    # A stream, never a str: feedparser would open a str that looks like a URL or a path.
    parsed = feedparser.parse(io.BytesIO(fetched.body))
    if not parsed.entries:
        if parsed.bozo:
            result.error = f"not a readable RSS/Atom feed ({parsed.bozo_exception})"
        return result
    result.title = parsed.feed.get("title")
    text = fetched.text()
    notes: list[LoadFailure] = []
    try:
        from_feed = {a.origin: a for a in load_feed(text, state.url, notes)}
    except LoadError as exc:
        result.error = str(exc)
        return result
    seen = set(state.seen)
    for number, entry in enumerate(parsed.entries, start=1):
        item_id = str(entry.get("id") or entry.get("link") or entry.get("title") or "")
        if not item_id or item_id in seen:
            continue
        seen.add(item_id)
        carried = from_feed.get(record_origin(state.url, number, entry.get("id")))
        link = entry.get("link")
        full = (
            bool(entry.get("content")) and len(carried.text if carried else "") >= FULL_TEXT_CHARS
        )
        if carried is not None and (full or not link):
            result.articles.append(carried)
            result.item_ids.append(item_id)
            continue
        if not link:
            result.failures.append(LoadFailure(f"{state.url}#{number}", "item has no text"))
            continue
        try:
            article = fetch_article(fetcher, str(link), limits)
        except FetchError as exc:
            result.failures.append(LoadFailure(exc.url, exc.reason))
            continue
        if carried is not None:  # the feed knows what the page may not say
            article.published = article.published or carried.published
            article.author = article.author or carried.author
            article.source = article.source or carried.source
        article.source = article.source or result.title
        result.articles.append(article)
        result.item_ids.append(item_id)
    return result


Ingest = Callable[[list[Article]], tuple[int, int, list[LoadFailure]]]


@dataclass
class FeedReport:
    """What one poll of one feed did, for the CLI and the HTTP job."""

    url: str
    status: str  # "ok", "not modified" or "error"
    new_items: int = 0  # items not seen before: ingested or failed
    added: int = 0
    updated: int = 0
    failed: list[LoadFailure] = field(default_factory=list)
    error: str | None = None


def poll_and_ingest(
    book: FeedBook, url: str, fetcher: Fetcher, ingest: Ingest, limits: Limits | None = None
) -> FeedReport:
    """Poll one feed (registering it if new), ingest its new items, record the outcome.

    ``ingest`` takes the articles and answers (added, updated, failures); items are marked
    seen only after it returns, so a crash mid-ingest re-reads them next time."""
    state = book.get(url) or book.register(url)
    result = poll(state, fetcher, limits)
    state.polls += 1
    state.last_polled = _now()
    if result.error is not None:
        state.last_status, state.last_error = "error", result.error
        book.save(state)
        return FeedReport(url, "error", error=result.error)
    state.etag, state.last_modified = result.etag, result.last_modified
    state.title = result.title or state.title
    added = updated = 0
    failed = list(result.failures)
    if result.articles:
        added, updated, not_ingested = ingest(result.articles)
        failed += not_ingested
        bad = {f.path for f in not_ingested}
        state.seen += [
            i for i, a in zip(result.item_ids, result.articles, strict=True) if a.origin not in bad
        ]
        state.last_new = state.last_polled
    state.items_seen = len(state.seen)
    state.articles_added += added
    state.articles_updated += updated
    state.failures += len(failed)
    state.last_status = "not modified" if result.not_modified else "ok"
    state.last_error = failed[-1].reason if failed else None
    book.save(state)
    new_items = len(result.articles) + len(result.failures)
    report = FeedReport(url, state.last_status, new_items, added, updated, failed)
    return report


def ingest_into(
    ingestor: Ingestor,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Ingest:
    """``poll_and_ingest``'s ``ingest`` for an Ingestor (the CLI's, or the server's job)."""

    def ingest(articles: list[Article]) -> tuple[int, int, list[LoadFailure]]:
        return ingest_outcome(ingestor.run(articles, progress, cancel), articles)

    return ingest


def ingest_outcome(
    report: IngestReport, articles: list[Article]
) -> tuple[int, int, list[LoadFailure]]:
    """(added, updated, failures) of an ingest of ``articles``; after a cancel, the articles
    not committed are failures, so they are not marked seen and the next poll brings them."""
    failed = list(report.failed)
    if report.cancelled:
        kept = set(report.article_ids)
        failed += [
            LoadFailure(a.origin, "cancelled before it was committed")
            for a in articles
            if a.article_id not in kept
        ]
    return report.added, report.updated, failed


def check_feed_url(url: str) -> str:
    """``url`` stripped, or FeedError: a feed is watched over http(s) only."""
    url = url.strip()
    from index.fetching import is_url

    if not is_url(url) or len(url) > 2000:
        raise FeedError(f"{url[:100]!r} is not an http(s) feed URL")
    return url


def _state(row: sqlite3.Row) -> FeedState:
    values = dict(row)
    values["seen"] = json.loads(values["seen"] or "[]")
    return FeedState(**values)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
