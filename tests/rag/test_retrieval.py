import pytest

from rag.langchain import NewsRetriever
from rag.pipeline import NewsRAG
from rag.retrieval import HybridRetriever, bm25_words


@pytest.fixture
def rag(rag_on_backend: NewsRAG) -> NewsRAG:
    """These tests run on both backends, on the same sample articles (tests/backends.py)."""
    return rag_on_backend


def test_bm25_query_is_safe_for_any_text(rag: NewsRAG) -> None:
    assert bm25_words('What did "Xi" say about AND OR NEAR(*)? Xi!') == ["xi", "near"]
    assert bm25_words("?!") == []
    assert rag.store.search_bm25(['"', "*", "(", ""], 5) == []
    hits = rag.store.search_bm25(["AND"], 3)  # a word to match, not an operator
    assert hits and all(" and " in c.text for c in rag.store.chunks([c for c, _ in hits]))
    for hostile in ['NEAR(*) "AND" OR', "'; DROP TABLE chunks; --", "?!", "x" * 500]:
        rag.retrieve(hostile, mode="bm25")  # FTS5 syntax in a question never raises


def test_modes_each_find_the_xi_article(rag: NewsRAG) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        passages = rag.retrieve("Xi arms race cyberspace", k=3, mode=mode).passages
        assert passages, mode
        assert passages[0].chunk.article.title.startswith("Chinese president"), mode
    hybrid = rag.retrieve("Xi arms race cyberspace", k=3).passages[0]
    assert hybrid.dense is not None and hybrid.bm25 is not None


def test_langchain_retriever(rag: NewsRAG) -> None:
    retriever = NewsRetriever(rag=rag, k=2)
    documents = retriever.invoke("Hajj stampede deaths")
    assert len(documents) == 2
    top = documents[0]
    assert "stampede" in top.page_content.lower()
    meta = top.metadata
    article = rag.store.article(meta["article_id"])
    assert article is not None
    assert article.text[meta["start"] : meta["end"]] == top.page_content
    assert meta["url"].startswith("https://en.wikinews.org/")


@pytest.mark.parametrize("fusion", ["weighted", "rrf"])
def test_hybrid_scores_stay_fused_when_one_retriever_finds_nothing(
    rag: NewsRAG, fusion: str
) -> None:
    retriever = HybridRetriever(rag.store, rag.embedder, fusion=fusion)
    # only stopwords: BM25 has nothing to search for, dense still finds passages
    hybrid = retriever.run("what was it that they did", k=5).passages
    dense = retriever.run("what was it that they did", k=5, mode="dense").passages
    assert hybrid and all(p.bm25 is None for p in hybrid)
    assert [p.chunk.chunk_id for p in hybrid] == [p.chunk.chunk_id for p in dense]
    top = 0.5 if fusion == "weighted" else 1 / 61  # the dense share of a fused score
    assert hybrid[0].score == pytest.approx(top)
    assert all(p.score <= top for p in hybrid)


def test_a_lead_in_does_not_drown_what_is_asked(rag: NewsRAG) -> None:
    """Quiz-style questions open with a lead-in. Embedded whole, this one finds the crane
    story it opens with; its asking sentence, embedded too, finds the ants it asks about."""
    question = (
        "A crane collapsed in Mecca, killing many pilgrims at the Grand Mosque. "
        "Which ants medicate themselves?"
    )
    whole = rag.store.search_dense(rag.embedder.encode_query(question), 1)
    assert rag.store.chunks([whole[0][0]])[0].article.title.startswith("At least 107 killed")
    retriever = HybridRetriever(rag.store, rag.embedder)
    passages = retriever.run(question, k=3, mode="dense").passages
    assert passages[0].chunk.article.title.startswith("Biologist Nick Bos")
    # a question of one sentence is embedded as it is
    single = "Which ants medicate themselves?"
    assert (retriever.query_vector(single) == rag.embedder.encode_query(single)).all()
