"""Polling feeds from a loopback site into a real index: conditional GET, full text from
the feed or from the page, per-feed state, and named failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.embedding import Embedder
from index.feeds import (
    FULL_TEXT_CHARS,
    STATE_FILE,
    FeedBook,
    FeedError,
    check_feed_url,
    ingest_into,
    poll,
    poll_and_ingest,
)
from index.fetching import Fetcher, FetchPolicy
from index.ingest import Ingestor
from index.settings import IndexSettings
from index.store import Store
from tests.index.site import PARAGRAPHS, Site, article_page, rss, serving

FULL_TEXT = "".join(
    f"<p>{p}</p>" for p in (*PARAGRAPHS, "The first boat leaves Port Avel at 05:40.")
)
assert len(FULL_TEXT) > FULL_TEXT_CHARS


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FetchPolicy(timeout_s=1.0, min_interval_s=0.0)) as client:
        yield client


def _items(site: Site, *names: str) -> list[dict[str, str]]:
    """Items that carry only a summary: their pages are on the site."""
    items = []
    for name in names:
        site.put(f"/news/{name}", article_page(f"Story {name}", published="2024-05-20"))
        items.append({"title": f"Story {name}", "link": f"{site.url}/news/{name}", "guid": name})
    return items


def test_full_text_items_are_read_from_the_feed_and_summaries_fetched(
    site: Site, fetcher: Fetcher, tmp_path: Path
) -> None:
    full = {
        "title": "Timetable in full",
        "link": f"{site.url}/news/full",
        "guid": "full",
        "content": FULL_TEXT,
        "date": "Mon, 13 May 2024 10:00:00 GMT",
    }
    [one, long] = _items(site, "one", "long")
    long["summary"] = "A long teaser about the ferries. " * 30  # a summary, however long
    site.put(
        "/rss",
        rss("Avel Courier: Local", [full, one, long]),
        content_type="application/rss+xml",
    )
    state = FeedBook(tmp_path).register(site.url + "/rss")
    result = poll(state, fetcher)
    assert result.error is None and not result.failures
    assert result.item_ids == ["full", "one", "long"]
    carried, fetched, teased = result.articles
    assert "05:40" in carried.text and carried.published == "2024-05-13"
    assert carried.source == "Avel Courier: Local"
    assert fetched.title == "Story one" and "eleven years" in fetched.text
    assert fetched.published == "2024-05-20" and fetched.url == f"{site.url}/news/one"
    assert "/news/full" not in site.paths()  # the feed held the whole article
    assert "/news/one" in site.paths() and "/news/long" in site.paths()
    assert "teaser" not in teased.text and "eleven years" in teased.text


def test_a_changing_feed_is_polled_with_conditional_get_and_only_new_items_ingested(
    site: Site, fetcher: Fetcher, tmp_path: Path, embedder: Embedder
) -> None:
    index = tmp_path / "index"
    ingestor = Ingestor(IndexSettings(index_dir=index), embedder)
    ingest = ingest_into(ingestor)
    book = FeedBook(index)
    feed = site.url + "/feed"
    items = _items(site, "a", "b")
    broken = {"title": "Gone", "link": f"{site.url}/news/gone", "guid": "gone"}
    site.put("/feed", rss("Courier", [*items, broken]), content_type="text/xml", etag='"1"')

    first = poll_and_ingest(book, feed, fetcher, ingest)
    assert (first.status, first.new_items, first.added) == ("ok", 3, 2)
    assert [(f.path, f.reason) for f in first.failed] == [
        (f"{site.url}/news/gone", "HTTP 404 Not Found")
    ]
    assert (index / STATE_FILE).exists()

    before = len(site.hits)
    second = poll_and_ingest(book, feed, fetcher, ingest)
    assert (second.status, second.new_items, second.added) == ("not modified", 0, 0)
    assert site.paths()[before:] == ["/feed"]
    assert site.hits[-1].headers.get("If-None-Match") == '"1"'

    site.put("/news/gone", article_page("Gone no more", published="2024-05-21"))
    newer = _items(site, "c")
    site.put("/feed", rss("Courier", [*newer, *items, broken]), content_type="text/xml", etag='"2"')
    before = len(site.hits)
    third = poll_and_ingest(book, feed, fetcher, ingest)
    assert (third.status, third.new_items, third.added, third.failed) == ("ok", 2, 2, [])
    assert sorted(site.paths()[before:]) == ["/feed", "/news/c", "/news/gone"]

    [state] = book.all()
    assert state.url == feed and state.title == "Courier" and state.etag == '"2"'
    assert (state.polls, state.items_seen, state.articles_added, state.failures) == (3, 4, 4, 1)
    assert state.last_status == "ok" and state.last_error is None and state.last_new
    assert Store.open(index).stats().articles == 4
    assert "seen" not in state.public()


def test_a_feed_that_cannot_be_read_records_the_error(
    site: Site, fetcher: Fetcher, tmp_path: Path
) -> None:
    book = FeedBook(tmp_path)

    def never(articles: object) -> tuple[int, int, list[object]]:
        raise AssertionError("nothing to ingest")

    site.put("/page", article_page("A page"))
    site.put("/bad.xml", "Down for maintenance.", content_type="text/xml")
    cases = {
        "/missing": "HTTP 404 Not Found",
        "/page": "not a feed: content type 'text/html'",
        "/bad.xml": "not a readable RSS/Atom feed",
    }
    for path, reason in cases.items():
        report = poll_and_ingest(book, site.url + path, fetcher, never)  # type: ignore[arg-type]
        assert report.status == "error" and report.error and report.error.startswith(reason)
        state = book.get(site.url + path)
        assert state and state.last_status == "error" and state.last_error == report.error


def test_only_http_feed_urls_are_watched(tmp_path: Path) -> None:
    for bad in ("file:///etc/passwd", "feeds.xml", "ftp://x/feed"):
        with pytest.raises(FeedError, match="is not an http\\(s\\) feed URL"):
            check_feed_url(bad)
    assert FeedBook(tmp_path).all() == []
    assert not (tmp_path / STATE_FILE).exists()  # listing creates nothing
