"""Listing what an index holds (``Documents.list_articles``): order, a cursor that stays
stable, filters and words; and the per-month counts of ``stats``."""

from __future__ import annotations

from pathlib import Path

from index.documents import Article
from index.embedding import Embedder
from index.ingest import Ingestor, delete_article
from index.protocols import list_key
from index.records import SearchFilter
from index.settings import IndexSettings
from index.store import Store


def pages(store: Store, size: int, where: SearchFilter | None = None) -> list[list[str]]:
    out: list[list[str]] = []
    after = None
    while True:
        page = store.list_articles(where, after, size)
        if not page:
            return out
        out.append([a.article_id for a in page])
        after = list_key(page[-1])


def test_articles_come_newest_first_undated_last(sample_index: Path) -> None:
    store = Store.open(sample_index)
    listed = store.list_articles(limit=1000)
    assert len(listed) == store.stats().articles == 44
    dated = [a.published for a in listed if a.published]
    assert dated == sorted(dated, reverse=True)
    assert listed[0].published == "2023-02-23"
    assert listed[-1].published is None  # the undated sample article comes last


def test_cursor_pages_cover_every_article_once(sample_index: Path) -> None:
    store = Store.open(sample_index)
    everything = [a.article_id for a in store.list_articles(limit=1000)]
    for size in (1, 5, 7, 44):
        walked = pages(store, size)
        assert [i for page in walked for i in page] == everything, size
        assert all(len(p) <= size for p in walked)


def test_cursor_is_stable_while_articles_change(index_copy: Path, embedder: Embedder) -> None:
    """An article added or deleted between pages neither repeats nor skips the others."""
    store = Store.open(index_copy)
    first = store.list_articles(limit=10)
    after = list_key(first[-1])
    expected_next = [a.article_id for a in store.list_articles(None, after, 10)]
    delete_article(store, first[0].article_id)  # before the cursor
    newest = Article(title="Ferry timetable approved", text="The board approved it. " * 20,
                     published="2030-01-01", origin="test")  # fmt: skip
    Ingestor(IndexSettings(index_dir=index_copy), embedder, store).run([newest])
    store.refresh()
    assert [a.article_id for a in store.list_articles(None, after, 10)] == expected_next
    assert store.list_articles(limit=1)[0].title == "Ferry timetable approved"


def test_filters_and_words(sample_index: Path) -> None:
    store = Store.open(sample_index)
    between = store.list_articles(SearchFilter((), "2014-01-01", "2015-12-31"), limit=100)
    assert len(between) == 14 and all("2014" <= (a.published or "") < "2016" for a in between)
    assert all(a.source == "Wikinews" for a in store.list_articles(SearchFilter(("wikinews",))))
    assert store.list_articles(SearchFilter(("Nope News",))) == []
    hajj = store.list_articles(query="hajj STAMPEDE")
    assert hajj and all(
        "hajj" in (a.title + a.text).lower() and "stampede" in (a.title + a.text).lower()
        for a in hajj
    )
    assert store.list_articles(query="100%_") == []  # LIKE wildcards are literal


def test_stats_count_articles_per_month(sample_index: Path) -> None:
    numbers = Store.open(sample_index).stats()
    assert sum(numbers.months.values()) == numbers.articles - numbers.undated
    assert list(numbers.months) == sorted(numbers.months)
    assert numbers.months["2006-01"] == 1 and numbers.months["2023-02"] == 1
