"""Ingest work is bounded: article size, batches, the write lock and cancellation; dates
at their precision are filtered and counted right."""

import fcntl
import threading
from pathlib import Path

from api.settings import Settings
from index.documents import Article
from index.embedding import Embedder
from index.ingest import Ingestor
from index.store import SearchFilter, Store


def articles(count: int, words: int = 120) -> list[Article]:
    return [
        Article(
            title=f"Harbour report {i}",
            text=" ".join(f"Ferry {i} left pier {j} on time." for j in range(words // 6)),
            url=f"https://harbour.example/{i}",
        )
        for i in range(count)
    ]


def lock_is_free(index: Path) -> bool:
    with open(index / ".write.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


def test_the_write_lock_is_released_between_batches(tmp_path: Path, embedder: Embedder) -> None:
    settings = Settings(index_dir=tmp_path / "idx", commit_every=8)
    ingestor = Ingestor(settings, embedder)
    free_during_run: list[bool] = []
    report = ingestor.run(
        articles(12), lambda done, total: free_during_run.append(lock_is_free(settings.index_dir))
    )
    assert report.added == 12
    assert all(free_during_run), "the write lock was held across the run"
    assert Store.open(settings.index_dir).generation >= 3  # committed in several batches


def test_an_overlong_article_is_a_named_failure(tmp_path: Path, embedder: Embedder) -> None:
    settings = Settings(index_dir=tmp_path / "idx", max_article_chars=1000)
    big = Article(title="Huge", text="word " * 1000, origin="api#id=huge")
    report = Ingestor(settings, embedder).run([*articles(1, 30), big])
    assert report.added == 1
    [failure] = report.failed
    assert failure.path == "api#id=huge"
    assert (
        "5,000 characters is over the limit of 1,000 (NEWSRAG_MAX_ARTICLE_CHARS)" in failure.reason
    )


def test_cancel_stops_between_batches_and_keeps_what_was_committed(
    tmp_path: Path, embedder: Embedder
) -> None:
    settings = Settings(index_dir=tmp_path / "idx", commit_every=4)
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 6:
            cancel.set()

    report = Ingestor(settings, embedder).run(articles(20), progress, cancel)
    assert report.cancelled
    stored = Store.open(settings.index_dir).stats().articles
    assert 0 < stored < 20


def test_partial_dates_in_range_filters_and_undated_count(
    tmp_path: Path, embedder: Embedder
) -> None:
    settings = Settings(index_dir=tmp_path / "idx")
    dated = articles(5, 30)
    for article, published in zip(
        dated, ["2024", "2024-05", "2024-05-10", "2023-12-31", None], strict=True
    ):
        article.published = published
    Ingestor(settings, embedder).run(dated)
    store = Store.open(settings.index_dir)
    titles = {a.article_id: a.published for a in store.articles([a.article_id for a in dated])}

    def matching(since: str | None, until: str | None) -> set[str | None]:
        ids = store._allowed_ids(SearchFilter(since=since, until=until))
        return {c.article.published for c in store.chunks([int(i) for i in ids])}

    assert len(titles) == 5
    # "2024" is the whole year, "2024-05" the whole month; undated matches no date range
    assert matching("2024-03-01", None) == {"2024", "2024-05", "2024-05-10"}
    assert matching("2024-05-15", "2024-05-31") == {"2024", "2024-05"}
    assert matching(None, "2024-01-15") == {"2024", "2023-12-31"}
    assert matching("2024-01-01", "2024-12-31") == {"2024", "2024-05", "2024-05-10"}
    assert matching("2025-01-01", None) == set()
    assert store.stats().undated == 1
