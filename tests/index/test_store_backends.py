"""Both backends, one behaviour: the SQLite/FAISS store and the Milvus store (a real
``milvus-lite server``, or the cluster named by NEWSRAG_TEST_MILVUS_URI) answer the same
reads on the same sample articles, filter inside every search, and replace, delete and
recover alike. Backend-specific tests (Milvus crash recovery, long articles) are at the end."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from api.settings import Settings
from index.backends import open_existing, open_store
from index.documents import Article, Chunk
from index.embedding import Embedder
from index.errors import IndexMissingError
from index.ingest import Ingestor, delete_article
from index.milvus import MilvusStore, parse_store_uri
from index.milvus.writer import MilvusWriter
from index.protocols import DenseIndex, Documents, DocumentStore, KeywordIndex
from index.records import SearchFilter
from index.store import Store
from rag.retrieval import DatedFilter
from tests.index.test_store import articles as dated_articles
from tests.milvus_server import MilvusServer

QUERIES = [
    "arms race in cyberspace",
    "pilgrims killed in the Hajj stampede",
    "Chinese president on artificial intelligence",
    "president election results",
    "the said president",  # common words
]
WORDS = ["said", "pilgrims", "Xi", "U.S.", "us", "was", "stampede", "nosuchword", "president"]


@pytest.fixture(scope="module")
def samples(sample_index: Path, milvus_sample_uri: str) -> tuple[Store, DocumentStore]:
    """The sample index in both backends: identical chunks and vectors."""
    milvus = open_existing(Settings(index_dir=Path("unused"), store_uri=milvus_sample_uri))
    return Store.open(sample_index), milvus


@pytest.fixture(params=["sqlite", "milvus"])
def fresh(
    request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder
) -> tuple[Settings, DocumentStore]:
    """An empty index in one backend, opened through the factory as the CLI does."""
    uri = request.getfixturevalue("milvus_server").uri() if request.param == "milvus" else ""
    settings = Settings(index_dir=tmp_path / "index", store_uri=uri)
    return settings, open_store(settings, embedder)


def articles() -> list[Article]:
    """test_store.py's dated articles and an undated one from a file."""
    undated = Article(
        title="Undated council note",
        text="The council meets on Monday about the harbour ferry.",
        origin="notes.txt",
    )
    return [*dated_articles(), undated]


def test_both_backends_implement_every_protocol(samples: tuple[Store, DocumentStore]) -> None:
    for store in samples:
        for protocol in (DocumentStore, Documents, KeywordIndex, DenseIndex):
            assert isinstance(store, protocol), (type(store).__name__, protocol.__name__)
    assert samples[1].location.startswith("milvus://127.0.0.1:") or samples[1].location


def test_documents_stats_and_fingerprints_agree(samples: tuple[Store, DocumentStore]) -> None:
    sqlite, milvus = samples
    a, b = sqlite.stats(), milvus.stats()
    assert (a.articles, a.chunks, a.sources, a.oldest, a.newest, a.undated, a.months) == (
        b.articles,
        b.chunks,
        b.sources,
        b.oldest,
        b.newest,
        b.undated,
        b.months,
    )
    assert a.articles == 44
    assert sqlite.fingerprints() == milvus.fingerprints()
    assert sqlite.latest_published() == milvus.latest_published()
    for article_id in sqlite.fingerprints():
        spans = [(s, e) for _, s, e in sqlite.article_chunks(article_id)]
        assert spans == [(s, e) for _, s, e in milvus.article_chunks(article_id)]
        assert sqlite.article(article_id) == milvus.article(article_id)
    origin = next(a.origin for a in sqlite.articles(sqlite.fingerprints()) if a.origin)
    assert sqlite.ids_by_origin(origin) == milvus.ids_by_origin(origin) != []
    assert milvus.article("no-such-article") is None


def test_document_frequencies_agree(samples: tuple[Store, DocumentStore]) -> None:
    sqlite, milvus = samples
    a, b = sqlite.document_frequencies(WORDS), milvus.document_frequencies(WORDS)
    assert a[1] == b[1] == sqlite.stats().chunks
    single = [w for w in WORDS if w != "U.S."]  # a phrase in FTS5, its rarest term here
    assert {w: a[0][w] for w in single} == {w: b[0][w] for w in single}
    assert b[0]["nosuchword"] == 0 and b[0]["said"] > 10
    assert b[0]["U.S."] >= a[0]["U.S."]


def test_dense_search_agrees(samples: tuple[Store, DocumentStore], embedder: Embedder) -> None:
    sqlite, milvus = samples
    for query in QUERIES:
        vector = embedder.encode([query])[0]
        a, b = sqlite.search_dense(vector, 10), milvus.search_dense(vector, 10)
        assert spans(sqlite, a) == spans(milvus, b), query
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-4)


def test_bm25_search_agrees(samples: tuple[Store, DocumentStore]) -> None:
    """Same analysis (Porter stems of title and body) and the same score: Milvus finds the
    candidates, newsrag scores them as FTS5's bm25() with the title weighing 0.3."""
    sqlite, milvus = samples
    for query in QUERIES:
        same_ranking(
            sqlite,
            sqlite.search_bm25(query.split(), 10),
            milvus,
            milvus.search_bm25(query.split(), 10),
        )
    assert milvus.search_bm25([], 10) == milvus.search_bm25(["nosuchwordanywhere"], 10) == []


@pytest.mark.parametrize(
    "where",
    [
        SearchFilter(sources=("wikinews",)),  # outlets match case-insensitively
        SearchFilter(since="2015-01-01"),
        SearchFilter(until="2009-12-31"),
        SearchFilter(since="2008", until="2010-06"),
        SearchFilter(sources=("Wikinews",), since="2014-01-01", until="2015-12-31"),
    ],
)
def test_filters_filter_inside_every_search(
    samples: tuple[Store, DocumentStore], embedder: Embedder, where: SearchFilter
) -> None:
    """Every hit passes the filter, and both backends keep the same chunks."""
    sqlite, milvus = samples
    for query in QUERIES:
        vector = embedder.encode([query])[0]
        for store in samples:
            hits = store.search_dense(vector, 20, where) + store.search_bm25(
                query.split(), 20, where
            )
            for chunk in store.chunks([i for i, _ in hits]):
                assert _passes(where, chunk.article.source, chunk.article.published), query
        assert set(spans(sqlite, sqlite.search_dense(vector, 20, where))) == set(
            spans(milvus, milvus.search_dense(vector, 20, where))
        )


@pytest.mark.parametrize(
    "where",
    [
        DatedFilter(as_of=date(2010, 1, 1)),
        DatedFilter(window_since=date(2014, 1, 1), window_until=date(2015, 12, 31)),
        DatedFilter(sources=("Wikinews",), as_of=date(2015, 9, 24)),
    ],
)
def test_retrieval_date_filters_agree(
    samples: tuple[Store, DocumentStore], embedder: Embedder, where: DatedFilter
) -> None:
    """The as-of date and time window that retrieval adds (rag.retrieval.DatedFilter):
    as-of keeps undated articles, a window does not; both backends keep the same chunks,
    and list the same articles (a digest lists a window's articles: rag/digest.py)."""
    sqlite, milvus = samples
    listed = [[a.article_id for a in s.list_articles(where, limit=100)] for s in samples]
    assert listed[0] == listed[1] and 0 < len(listed[0]) < 44
    for query in QUERIES:
        vector = embedder.encode([query])[0]
        a = spans(sqlite, sqlite.search_dense(vector, 30, where))
        b = spans(milvus, milvus.search_dense(vector, 30, where))
        assert set(a) == set(b), query
        words = query.split()
        same_ranking(
            sqlite,
            sqlite.search_bm25(words, 10, where),
            milvus,
            milvus.search_bm25(words, 10, where),
        )
    kept = {
        c.article.published
        for c in milvus.chunks(
            [
                i
                for i, _ in milvus.search_dense(
                    embedder.encode(["arms race in cyberspace"])[0], 50, where
                )
            ]
        )
    }
    assert (None in kept) is (where.as_of is not None and not where.sources)


def test_a_filter_removes_the_unfiltered_best_hit(
    samples: tuple[Store, DocumentStore], embedder: Embedder
) -> None:
    """Not vacuous: the Xi article (no outlet) tops the unfiltered search and is gone
    under an outlet filter; an outlet that is nowhere leaves nothing."""
    vector = embedder.encode(["arms race in cyberspace"])[0]
    for store in samples:
        [(best, _)] = store.search_dense(vector, 1)
        filtered = store.search_dense(vector, 50, SearchFilter(sources=("Wikinews",)))
        assert filtered and best not in {i for i, _ in filtered}
        words = ["arms", "race", "cyberspace"]
        assert store.search_bm25(words, 1)[0][0] == best
        assert best not in {i for i, _ in store.search_bm25(words, 50, SearchFilter(("x",)))}
        assert store.search_dense(vector, 5, SearchFilter(sources=("No such outlet",))) == []


def test_replace_delete_and_reingest(
    fresh: tuple[Settings, DocumentStore], embedder: Embedder
) -> None:
    settings, store = fresh
    ingestor = Ingestor(settings, embedder, store)
    first = ingestor.run(articles())
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    generation = store.generation
    again = ingestor.run(articles())
    assert (again.added, again.unchanged, again.chunks) == (0, 3, 0)
    assert store.generation == generation  # nothing was rewritten

    changed = articles()
    changed[0].text = "The harbour ferry is cancelled for the summer, the operator said on Friday."
    report = ingestor.run(changed)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    assert store.generation > generation
    ferry = changed[0].article_id
    article = store.article(ferry)
    assert article is not None and "cancelled" in article.text
    assert store.stats().chunks == 3
    hits = store.search_bm25(["cancelled"], 5)
    assert [c.article.article_id for c in store.chunks([h[0] for h in hits])] == [ferry]
    assert store.search_bm25(["minutes"], 5) == []  # the old text is gone from BM25
    assert store.document_frequencies(["minutes", "cancelled"])[0] == {
        "minutes": 0,
        "cancelled": 1,
    }
    [(chunk_id, start, end)] = store.article_chunks(ferry)
    assert article.text[start:end] == store.chunks([chunk_id])[0].text

    assert store.ids_by_origin("notes.txt") == [articles()[2].article_id]
    stats = store.stats()
    assert (stats.articles, stats.undated, stats.sources) == (
        3,
        1,
        {"Planet": 1, "Tribune": 1, "(unknown)": 1},
    )
    assert store.latest_published() == "2024-04-01"

    assert delete_article(store, ferry)
    assert not delete_article(store, ferry)
    assert store.article(ferry) is None and store.chunks([chunk_id]) == []
    assert store.search_bm25(["cancelled"], 5) == []
    assert store.latest_published() == "2023-01-15"
    assert store.stats().chunks == 2 and set(store.fingerprints()) == {
        a.article_id for a in articles()[1:]
    }


def test_list_articles_pages_newest_first(
    fresh: tuple[Settings, DocumentStore], embedder: Embedder
) -> None:
    settings, store = fresh
    Ingestor(settings, embedder, store).run(articles())
    first = store.list_articles(limit=2)
    assert [a.published for a in first] == ["2024-04-01", "2023-01-15"]
    from index.protocols import list_key

    rest = store.list_articles(after=list_key(first[-1]), limit=2)
    assert [a.published for a in rest] == [None]
    assert [a.title for a in store.list_articles(query="LIBRARY weekdays")] == [
        "Library opens late"
    ]
    assert [a.source for a in store.list_articles(SearchFilter(sources=("planet",)))] == ["Planet"]


def test_a_writer_that_fails_writes_nothing(
    fresh: tuple[Settings, DocumentStore], embedder: Embedder
) -> None:
    settings, store = fresh
    Ingestor(settings, embedder, store).run(articles()[:1])
    before = (store.fingerprints(), store.stats().chunks)
    with pytest.raises(RuntimeError, match="boom"), store.writer() as writer:
        writer.delete(articles()[0].article_id)
        raise RuntimeError("boom")
    store.refresh()
    assert (store.fingerprints(), store.stats().chunks) == before


def test_opening_a_missing_index_says_what_to_run(milvus_server: MilvusServer) -> None:
    uri = milvus_server.uri()
    with pytest.raises(IndexMissingError, match="newsrag ingest PATH --store"):
        open_existing(Settings(store_uri=uri))


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("http://localhost:19530/x", "expected milvus://"),
        ("milvus://:19530/x", "no host"),
        ("milvus://localhost:port/x", "port"),
        ("milvus://localhost:19530/bad-prefix", "letters, digits and underscores"),
        ("milvus://localhost:19530/x?index=IVF_PQ", "not one of HNSW, FLAT, AUTOINDEX"),
        ("milvus://localhost:19530/x?shards=2", "unknown option 'shards'"),
    ],
)
def test_a_bad_store_uri_is_named_with_the_reason(uri: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as error:
        parse_store_uri(uri)
    assert uri in str(error.value)


def test_milvus_uri_defaults_and_hides_the_password() -> None:
    location = parse_store_uri("milvus://root:s%40cret@db.example:19531/news")
    assert (location.host, location.port, location.prefix, location.token) == (
        "db.example",
        19531,
        "news",
        "root:s@cret",
    )
    assert "cret" not in str(location)
    assert parse_store_uri("milvus://db.example").port == 19530
    assert location.index == "HNSW"
    assert parse_store_uri("milvus://db.example/news?index=flat").index == "FLAT"


def test_a_flat_vector_index_searches_exactly(
    sample_index: Path, milvus_server: MilvusServer, embedder: Embedder
) -> None:
    """``?index=FLAT`` (what Milvus Lite 2.5's engine serves): the engine's exact top k is
    FAISS's exact top k, and the index type is the engine's own, not just a setting."""
    from index.milvus.copy import copy_store

    sqlite = Store.open(sample_index)
    uri = milvus_server.uri().split("?")[0] + "?index=FLAT"
    flat = MilvusStore.create_or_open(parse_store_uri(uri), sqlite.model, embedder.dimension)
    copy_store(sqlite, flat)
    assert flat.client.describe_index(flat.chunks_name, "vector")["index_type"] == "FLAT"
    for query in QUERIES:
        vector = embedder.encode([query])[0]
        a, b = sqlite.search_dense(vector, 10), flat.search_dense(vector, 10)
        assert spans(sqlite, a) == spans(flat, b), query


# ---- Milvus only ----------------------------------------------------------------------------


def test_a_long_article_is_stored_in_pieces_and_read_back_exactly(
    milvus_server: MilvusServer, embedder: Embedder
) -> None:
    """A VARCHAR holds 65,535 bytes; a 100,000-character article (about 110,000 bytes,
    4-byte characters among them) comes back character for character, and so do its
    chunks. Written with unit vectors: this is about storage, not embedding."""
    store = open_store(Settings(store_uri=milvus_server.uri()), embedder)
    assert isinstance(store, MilvusStore)
    text = ("Émile said the ferry 🚢 runs late. " * 3000)[:100_000]
    article = Article(title="Long ferry report", text=text, source="Planet")
    spans = [(0, 500), (50_000, 50_600), (99_500, 100_000)]
    chunks = [
        Chunk(article.article_id, n, a, b, text[a:b], text[a:b]) for n, (a, b) in enumerate(spans)
    ]
    vectors = np.eye(len(chunks), embedder.dimension, dtype=np.float32)
    with store.writer() as writer:
        writer.upsert(article, article.article_id, chunks, vectors)
    assert len(json.dumps(text, ensure_ascii=False).encode()) > 65_535
    stored = store.article(article.article_id)
    assert stored is not None and stored.text == text
    pieces = store.client.query(
        store.articles_name,
        filter=f'article_id == "{article.article_id}"',
        output_fields=["piece"],
        limit=100,
    )
    assert len(pieces) > 1
    read = store.chunks([c.chunk_id for c in chunks])
    assert [(c.start, c.end, c.text) for c in read] == [(a, b, text[a:b]) for a, b in spans]
    assert store.search_bm25(["Émile"], 5) and store.document_frequencies(["ferry"])[0] == {
        "ferry": 3
    }


def test_a_crash_between_writes_is_invisible_and_recovered(
    milvus_server: MilvusServer, embedder: Embedder
) -> None:
    """A commit cut after the chunks were written but before the article's commit mark:
    readers never see those chunks, and the next writer removes them and recounts terms."""
    settings = Settings(store_uri=milvus_server.uri())
    store = open_store(settings, embedder)
    assert isinstance(store, MilvusStore)
    kept, lost = articles()[1], articles()[0]
    Ingestor(settings, embedder, store).run([kept])
    writer = MilvusWriter(store)
    chunks = Ingestor(settings, embedder, store).chunker.run(lost, lost.article_id)
    vectors = embedder.encode([c.embed_text for c in chunks])
    writer.upsert(lost, lost.article_id, chunks, vectors)
    writer._mark_pending([lost.article_id])  # the commit's first steps, then a "crash"
    from index.milvus.writer import _chunk_rows

    store.client.upsert(store.chunks_name, _chunk_rows(lost, lost.article_id, chunks, vectors))
    store.client.flush(store.chunks_name)

    orphan = [c.chunk_id for c in chunks]
    assert store.chunks(orphan) == []  # no article, so no chunk
    assert lost.article_id not in store.fingerprints()
    with store.writer():
        pass  # recovery runs as a writer starts
    rows = store.client.get(store.chunks_name, ids=orphan, output_fields=["chunk_id"])
    assert rows == []
    assert store.document_frequencies(["ferry", "library"])[0] == {"ferry": 0, "library": 1}
    pending = store.client.query(store.meta_name, filter='key like "pending:%"', limit=10)
    assert pending == []
    assert set(store.fingerprints()) == {kept.article_id}


def test_the_sample_copy_keeps_every_record_field(
    samples: tuple[Store, DocumentStore],
) -> None:
    sqlite, milvus = samples
    ids = sorted(sqlite.fingerprints())
    a = sorted(sqlite.articles(ids), key=lambda x: x.article_id)
    b = sorted(milvus.articles(ids), key=lambda x: x.article_id)
    assert [json.dumps(x.__dict__, sort_keys=True) for x in a] == [
        json.dumps(x.__dict__, sort_keys=True) for x in b
    ]


def same_ranking(
    a: DocumentStore,
    hits_a: list[tuple[int, float]],
    b: DocumentStore,
    hits_b: list[tuple[int, float]],
) -> None:
    """The same scores in the same order, and the same chunks but for ties (equal scores
    may come in another order, and a tie at the cut may keep another chunk)."""
    assert np.allclose([s for _, s in hits_a], [s for _, s in hits_b], rtol=1e-6)
    score_a = dict(zip(spans(a, hits_a), [round(s, 6) for _, s in hits_a], strict=True))
    score_b = dict(zip(spans(b, hits_b), [round(s, 6) for _, s in hits_b], strict=True))
    for span in score_a.keys() & score_b.keys():
        assert score_a[span] == score_b[span], span
    cut = min(score_a.values(), default=0.0)
    assert all(score_a[x] == cut for x in score_a.keys() - score_b.keys())
    assert all(score_b[x] == cut for x in score_b.keys() - score_a.keys())


def spans(store: DocumentStore, hits: list[tuple[int, float]]) -> list[tuple[str, int, int]]:
    """Hits as (article, start, end): chunk ids are each backend's own."""
    return [(c.article.article_id, c.start, c.end) for c in store.chunks([i for i, _ in hits])]


def _passes(where: SearchFilter, source: str | None, published: str | None) -> bool:
    if where.sources and (source or "").casefold() not in {s.casefold() for s in where.sources}:
        return False
    if (where.since or where.until) and not published:
        return False
    if where.since and not (
        published >= where.since or published in (where.since[:4], where.since[:7])  # type: ignore[operator]
    ):
        return False
    return not (where.until and (published or "") > where.until)


@pytest.mark.slow
def test_the_cli_answers_from_milvus_with_store(milvus_sample_uri: str) -> None:
    """`--store` on the command line: the same answer, cited from Milvus."""
    from tests.conftest import ARMS_RACE_QUOTE, run_newsrag

    stats = run_newsrag("stats", "--json", "--store", milvus_sample_uri)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == 44
    asked = run_newsrag("ask", "What did Xi say about arms races?", "--json", "--store",
                        milvus_sample_uri)  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert any(ARMS_RACE_QUOTE in c["quote"] for c in answer["citations"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("milvus://127.0.0.1:9/nothing_here", "cannot reach Milvus at milvus://127.0.0.1:9"),
        ("milvus://127.0.0.1:19530/bad-prefix", "letters, digits and underscores"),
    ],
)
def test_a_bad_or_unreachable_store_is_one_line(uri: str, says: str) -> None:
    from tests.conftest import run_newsrag

    done = run_newsrag("stats", "--store", uri)
    assert done.returncode == 1
    assert says in done.stderr and "Traceback" not in done.stderr
