import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from api.settings import Settings
from index import catalog
from index.documents import Article
from index.embedding import Embedder
from index.ingest import Ingestor, delete_article
from index.store import IndexCorruptError, IndexMissingError, SearchFilter, Store


def articles() -> list[Article]:
    return [
        Article(
            title="Harbour ferry timetable changes",
            text="The harbour ferry will run every 20 minutes from May. Demand grew, it said.",
            url="https://planet.example/ferry",
            source="Planet",
            published="2024-04-01",
        ),
        Article(
            title="Library opens late",
            text="The central library now opens until 10 pm on weekdays, the council announced.",
            url="https://tribune.example/library",
            source="Tribune",
            published="2023-01-15",
        ),
    ]


def ids(store: Store) -> set[str]:
    return set(store.fingerprints())


def test_reingest_unchanged_does_nothing(settings: Settings, embedder: Embedder) -> None:
    ingestor = Ingestor(settings, embedder)
    first = ingestor.run(articles())
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    generation = ingestor.store.generation
    again = ingestor.run(articles())
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 2, 0)
    assert ingestor.store.generation == generation  # nothing was rewritten


def test_changed_article_replaces_its_chunks(settings: Settings, embedder: Embedder) -> None:
    ingestor = Ingestor(settings, embedder)
    ingestor.run(articles())
    changed = articles()
    changed[0].text = "The harbour ferry is cancelled for the summer, the operator said on Friday."
    report = ingestor.run(changed)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    store = Store.open(settings.index_dir)
    article = store.article(changed[0].article_id)
    assert article is not None and "cancelled" in article.text
    assert store.stats().chunks == 2
    hits = store.search_bm25(["cancelled"], 5)
    assert [store.chunks([h[0]])[0].article.article_id for h in hits] == [changed[0].article_id]
    assert store.search_bm25(["minutes"], 5) == []  # old text gone from BM25


def test_edited_file_without_url_replaces_the_old_version(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Council note\n\nThe council meets on Monday.", encoding="utf-8")
    ingestor = Ingestor(settings, embedder)
    ingestor.run_paths([path])
    path.write_text("Council note\n\nThe council meets on Tuesday instead.", encoding="utf-8")
    report = ingestor.run_paths([path])
    assert (report.added, report.updated) == (0, 1)
    store = Store.open(settings.index_dir)
    [only] = store.articles(store.fingerprints())
    assert "Tuesday" in only.text


def records(*rows: str | dict[str, str]) -> str:
    """JSONL: a string "Title: text" becomes a record with that title, a dict stays as is."""
    return "".join(
        json.dumps(r if isinstance(r, dict) else {"title": r.split(":")[0], "text": r}) + "\n"
        for r in rows
    )


FERRY, BUS = "Ferry: leaves at nine.", "Bus: leaves at ten."


@pytest.mark.parametrize(
    ("before", "after", "counts", "stored"),
    [
        pytest.param(  # same slot, same title, new text: the new version replaces the old
            [FERRY, BUS],
            ["Ferry: now leaves at eight.", BUS],
            (0, 1, 1),
            [BUS, "Ferry: now leaves at eight."],
            id="edited-record",
        ),
        pytest.param(  # a new record in the first slot, the old ones moved down: all kept
            [FERRY, BUS],
            ["Tram: leaves at six.", FERRY, BUS],
            (1, 0, 2),
            [BUS, FERRY, "Tram: leaves at six."],
            id="moved-records",
        ),
        pytest.param(  # an id ties versions together wherever they stand, whatever the title
            [{"id": "n1", "title": "Ferry", "text": "The ferry leaves at nine."}],
            ["Bus: bus.", {"id": "n1", "title": "Ferry times", "text": "At eight."}],
            (1, 1, 0),
            ["At eight.", "Bus: bus."],
            id="record-id",
        ),
    ],
)
def test_url_less_jsonl_records_replace_only_their_own_earlier_version(
    tmp_path: Path,
    settings: Settings,
    embedder: Embedder,
    before: list[str | dict[str, str]],
    after: list[str | dict[str, str]],
    counts: tuple[int, int, int],
    stored: list[str],
) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text(records(*before), encoding="utf-8")
    ingestor = Ingestor(settings, embedder)
    ingestor.run_paths([path])
    path.write_text(records(*after), encoding="utf-8")
    report = ingestor.run_paths([path])
    assert (report.added, report.updated, report.unchanged) == counts
    store = Store.open(settings.index_dir)
    assert sorted(a.text for a in store.articles(store.fingerprints())) == stored


def test_delete_removes_from_every_structure(settings: Settings, embedder: Embedder) -> None:
    ingestor = Ingestor(settings, embedder)
    ingestor.run(articles())
    target = articles()[1].article_id
    assert delete_article(ingestor.store, target)
    store = Store.open(settings.index_dir)  # reopening checks FAISS == SQLite
    assert target not in ids(store)
    assert store.search_bm25(["library"], 5) == []
    vector = embedder.encode(["library opening hours"])[0]
    found = {
        c.article.article_id for c in store.chunks([i for i, _ in store.search_dense(vector, 10)])
    }
    assert target not in found
    assert not delete_article(store, target)


def test_filters_by_outlet_and_date(settings: Settings, embedder: Embedder) -> None:
    ingestor = Ingestor(settings, embedder)
    ingestor.run(articles())
    store = ingestor.store
    vector = embedder.encode(["opening times"])[0]

    def outlets(where: SearchFilter) -> set[str | None]:
        hits = store.search_dense(vector, 10, where) + store.search_bm25(["the"], 10, where)
        return {c.article.source for c in store.chunks([h[0] for h in hits])}

    assert outlets(SearchFilter(sources=("tribune",))) == {"Tribune"}
    assert outlets(SearchFilter(since="2024-01-01")) == {"Planet"}
    assert outlets(SearchFilter(until="2023-12-31")) == {"Tribune"}
    assert outlets(SearchFilter(sources=("Nobody",))) == set()


def test_missing_index_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="newsrag ingest"):
        Store.open(tmp_path / "nowhere")


def test_disagreement_between_faiss_and_sqlite_is_reported(index_copy: Path) -> None:
    store = Store.open(index_copy)
    with store.writer() as writer:  # drop vectors behind SQLite's back
        writer.vectors.remove(np.array(writer.vectors.ids()[:3]))
        writer.dirty = True
    with pytest.raises(IndexCorruptError, match=r"FAISS holds \d+ vectors, SQLite \d+ chunks"):
        Store.open(index_copy)


def test_missing_vector_file_is_reported(index_copy: Path) -> None:
    for path in index_copy.glob("vectors-*.faiss"):
        path.unlink()
    with pytest.raises(IndexCorruptError, match="which is missing"):
        Store.open(index_copy)


def test_model_mismatch_is_refused(index_copy: Path) -> None:
    with pytest.raises(IndexCorruptError, match="was built with model"):
        Store.create_or_open(index_copy, "another-model:768", 768)


@pytest.mark.parametrize(
    ("version", "advice"), [("0", "re-ingest"), ("99", "upgrade newsrag"), (None, "re-ingest")]
)
def test_index_of_another_schema_version_is_refused_at_open(
    index_copy: Path, version: str | None, advice: str
) -> None:
    import sqlite3

    from index.store import DB_NAME, IndexVersionError

    with sqlite3.connect(index_copy / DB_NAME) as db:
        if version is None:
            db.execute("DELETE FROM meta WHERE key = 'schema_version'")
        else:
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    with pytest.raises(IndexVersionError, match=f"schema version {version or 'unknown'}.*{advice}"):
        Store.open(index_copy)


def test_common_words_only_add_to_chunks_with_a_rarer_word(sample_index: Path) -> None:
    store = Store.open(sample_index)
    words = ["president", "people", "cyberspace", "arms", "stampede"]
    counts, total = store.document_frequencies(words)
    common = [w for w in words if counts[w] > 20]
    rare = [w for w in words if counts[w] <= 20]
    assert common and rare, counts  # the sample articles have both kinds

    def search(k: int, common_min: int) -> list[tuple[int, float]]:
        return store.search_bm25(words, k, common_share=0.0, common_min=common_min)

    plain = search(total, common_min=total)  # no word counts as common: one OR query
    split = search(total, common_min=20)
    holds_rare = {cid for cid, _ in store.search_bm25(rare, total, common_min=total)}
    assert len(holds_rare) < len(plain)
    # chunks holding a rare word keep their full-query score, the others drop out
    assert [c for c, _ in split] == [c for c, _ in plain if c in holds_rare]
    assert [s for _, s in split] == pytest.approx([s for c, s in plain if c in holds_rare])
    # and a short top k is the top of that same ranking
    assert search(5, common_min=20) == split[:5]


def test_latest_published_follows_every_commit(settings: Settings, embedder: Embedder) -> None:
    """The pipeline drops an as-of bound on or after it (a filtered search is far slower),
    so it must never be stale."""
    ingestor = Ingestor(settings, embedder)
    ingestor.run(articles())
    store = Store.open(settings.index_dir)
    assert store.latest_published() == "2024-04-01"
    newer = Article(
        title="Ferry strike",
        text="Ferry crews walked out on Monday over pay, the union said.",
        url="https://planet.example/strike",
        source="Planet",
        published="2024-09-02",
    )
    ingestor.run([newer])
    store.refresh()
    assert store.latest_published() == "2024-09-02"
    delete_article(ingestor.store, newer.article_id)
    store.refresh()
    assert store.latest_published() == "2024-04-01"


@pytest.mark.parametrize(
    "where",
    [
        SearchFilter(until="2016-12-31"),  # most chunks pass
        SearchFilter(since="2013-01-01"),
        SearchFilter(since="2014-01-01", until="2014-01-31"),  # a few pass
        SearchFilter(sources=("Wikinews",), until="2009-12-31"),
        SearchFilter(until="1999-12-31"),  # none pass
    ],
    ids=["wide", "since", "one-month", "outlet-and-date", "empty"],
)
@pytest.mark.parametrize("look_first", [1, 200], ids=["fallback", "post-filter"])
def test_filtered_search_is_the_exact_top_k_of_the_allowed_chunks(
    sample_index: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    where: SearchFilter,
    look_first: int,
) -> None:
    """A filtered search first looks at the best unfiltered hits (index/catalog.py,
    post_filtered) and falls back to the filtered search when too few of them pass: both
    ways it must return what filtering the whole ranking gives."""
    monkeypatch.setattr(catalog, "POST_FILTER_MIN", look_first)
    monkeypatch.setattr(catalog, "POST_FILTER_FACTOR", 1)
    store = Store.open(sample_index)
    total = store.stats().chunks
    with sqlite3.connect(sample_index / "newsrag.sqlite") as db:
        allowed = set(catalog.matching_chunk_ids(db, where).tolist())
    vector = embedder.encode(["election results and votes"])[0]
    words = ["election", "votes", "president"]
    for search in (
        lambda k, w: store.search_dense(vector, k, w),
        lambda k, w: store.search_bm25(words, k, w, common_min=total),
    ):
        ranking = [hit for hit in search(total, None) if hit[0] in allowed]
        for k in (1, 5, 20):
            found = search(k, where)
            assert [c for c, _ in found] == [c for c, _ in ranking[:k]]
            assert [s for _, s in found] == pytest.approx([s for _, s in ranking[:k]], abs=1e-5)
