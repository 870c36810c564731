"""End to end, in-process: each dataset format through the real model, FAISS and SQLite."""

import json
from pathlib import Path

import numpy as np
import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.store import Store
from rag.evaluation.corpus import MARKER, CorpusMismatchError, whole_document_text
from rag.evaluation.datasets import GoldMatcher, Hit, load_dataset
from rag.evaluation.metrics import best_over_gold
from rag.evaluation.runner import MODES, EvalRequest, EvalResult, ranked_keys, run_request
from rag.pipeline import NewsRAG
from tests.rag.evaluation.conftest import evaluate_qa

DATA = Path(__file__).resolve().parents[2] / "data" / "eval"


@pytest.fixture(scope="module")
def qa_result(
    request: pytest.FixtureRequest, sample_index: Path, embedder: Embedder, backend: str
) -> EvalResult:
    """The QA set's scores on each backend (tests/backends.py): the same bars on both."""
    uri = "" if backend == "sqlite" else str(request.getfixturevalue("milvus_sample_uri"))
    return evaluate_qa(sample_index, embedder, uri)


@pytest.fixture
def rag(rag_on_backend: NewsRAG) -> NewsRAG:
    """The pipeline on the same backend as ``qa_result``."""
    return rag_on_backend


def test_qa_jsonl_scores_every_mode(qa_result: EvalResult) -> None:
    assert list(qa_result.modes) == ["dense", "bm25", "hybrid"]
    for mode in qa_result.modes.values():
        assert mode.retrieval.queries == 4 and mode.retrieval.skipped == 2
        assert mode.answers is not None and mode.answers.questions == 6
        assert mode.citations is not None and mode.abstention is not None
        assert mode.abstention.unanswerable == 2
        # the product's guarantee, checked on every quote against the stored text
        assert mode.citations.citations > 0
        assert mode.citations.quotes_checked == mode.citations.citations
        assert mode.citations.quote_exactness == 1.0
    hybrid = qa_result.modes["hybrid"]
    assert hybrid.abstention is not None and hybrid.abstention.recall == 1.0
    xi = next(r for r in hybrid.records if r.id == "xi-arms")
    assert (
        xi.ranked[0] == "chinese president calls for unity on AI challenges and cyber development"
    )
    assert xi.contains_gold and xi.citations[0].gold and xi.citations[0].exact
    assert hybrid.citations is not None and hybrid.citations.recall is not None
    assert hybrid.citations.recall >= 0.5


@pytest.mark.slow
def test_records_agree_with_the_pipeline_and_the_summary(
    qa_result: EvalResult, rag: NewsRAG
) -> None:
    dataset = load_dataset(DATA / "qa.jsonl")
    matcher = GoldMatcher(dataset)
    for mode_name, mode in qa_result.modes.items():
        for question, record in zip(dataset.questions, mode.records, strict=True):
            passages = rag.retrieve(question.question, 100, mode=mode_name).passages  # type: ignore[arg-type]
            hits = [
                Hit(p.chunk.article.article_id, p.chunk.article.url, p.chunk.article.title)
                for p in passages
            ]
            assert record.ranked == ranked_keys(hits, matcher, question, False)[:10]
        answered = [r for r in mode.records if r.answerable]
        assert mode.answers is not None
        assert mode.answers.contains_gold == pytest.approx(
            sum(bool(r.contains_gold) for r in answered) / len(answered)
        )


def test_the_short_answer_is_recorded_and_scored(qa_result: EvalResult) -> None:
    hybrid = qa_result.modes["hybrid"]
    hajj = next(r for r in hybrid.records if r.id == "hajj-count")
    assert hajj.short_answer is not None and "345" in hajj.short_answer  # "over 345"
    answerable = [r for r in hybrid.records if r.answerable]
    golds = {q.id: q.answers for q in load_dataset(DATA / "qa.jsonl").questions}
    exact = [
        best_over_gold("em", r.short_answer, golds[r.id]) if r.short_answer else 0.0
        for r in answerable
    ]
    assert hybrid.answers is not None
    assert hybrid.answers.short_answer_exact_match == pytest.approx(np.mean(exact))
    assert hybrid.answers.short_answer_given == pytest.approx(
        np.mean([bool(r.short_answer) for r in answerable])
    )


def test_latency_is_reported_per_stage(qa_result: EvalResult) -> None:
    hybrid = qa_result.modes["hybrid"].latency_ms
    assert {"embed_ms", "dense_ms", "bm25_ms", "answer_ms", "total_ms"} <= set(hybrid)
    assert hybrid["total_ms"]["n"] == 6
    assert hybrid["total_ms"]["p50"] <= hybrid["total_ms"]["p95"]
    bm25 = qa_result.modes["bm25"].latency_ms
    assert "embed_ms" not in bm25 and "bm25_ms" in bm25


def test_sources_missing_from_the_index_are_named(
    tmp_path: Path, sample_index: Path, embedder: Embedder
) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(
        json.dumps({"id": "1", "question": "What did Xi say about arms races?",
                    "answers": ["arms race"], "sources": ["An article nobody ingested"]}) + "\n"
    )  # fmt: skip
    result, warnings = run_request(
        EvalRequest(path, index=sample_index), Settings(), lambda _: embedder
    )
    assert len(warnings) == 1 and "An article nobody ingested" in warnings[0]
    hybrid = result.modes["hybrid"]
    assert hybrid.retrieval.recall[100] == 0.0
    assert hybrid.citations is not None and hybrid.citations.precision == 0.0


def test_beir_ingests_its_corpus_and_scores_retrieval(embedder: Embedder) -> None:
    request = EvalRequest(DATA / "beir-tiny", modes=MODES)  # no --index: a temporary one
    result, _ = run_request(request, Settings(), lambda _: embedder)
    assert result.corpus is not None and result.corpus["added"] == 8
    assert result.config["chunking"] == "newsrag"
    for name, mode in result.modes.items():
        assert mode.answers is None and mode.citations is None  # queries have no answers
        assert mode.retrieval.queries == 4
        # the queries are easy and their documents distinct: every mode ranks gold first
        assert mode.retrieval.mrr_at_10 == 1.0, name
        assert mode.retrieval.recall[100] == 1.0
        assert set(mode.latency_ms) >= {"fetch_ms", "total_ms"}
    dense = result.modes["dense"]
    # q1 judges d2 (2) and d7 (1): both bee documents lead, d2 first, so nDCG is 1
    assert dense.records[0].ranked[:2] == ["d2", "d7"]
    assert dense.retrieval.per_query["q1"]["ndcg@10"] == 1.0


@pytest.mark.slow
def test_whole_document_chunks_embed_exactly_what_beir_embeds(
    tmp_path: Path, embedder: Embedder
) -> None:
    index = tmp_path / "whole"
    request = EvalRequest(DATA / "beir-tiny", index=index, modes=("dense",), whole_documents=True)
    result, _ = run_request(request, Settings(), lambda _: embedder)
    assert result.corpus is not None and result.corpus["chunks"] == 8
    assert result.config["chunking"] == "whole"
    store = Store.open(index)
    dataset = load_dataset(DATA / "beir-tiny")
    for doc in dataset.corpus:
        article = doc.article
        [(chunk_id, start, end)] = store.article_chunks(article.article_id)
        assert (start, end) == (0, len(article.text))  # one chunk: the whole text
        vector = embedder.encode([whole_document_text(article)])[0]
        [(best, score)] = store.search_dense(vector, 1)
        assert best == chunk_id and score == pytest.approx(1.0, abs=1e-4)
    assert json.loads((index / MARKER).read_text()) == {"chunking": "whole"}

    # again into the same index: nothing is embedded twice
    again, _ = run_request(request, Settings(), lambda _: embedder)
    assert again.corpus is not None and again.corpus["added"] == 0
    assert again.corpus["unchanged"] == 8
    assert again.modes["dense"].retrieval.ndcg_at_10 == result.modes["dense"].retrieval.ndcg_at_10

    # and never scored as if it were chunked the usual way
    with pytest.raises(CorpusMismatchError, match="another --index"):
        run_request(EvalRequest(DATA / "beir-tiny", index=index), Settings(), lambda _: embedder)


@pytest.mark.parametrize("whole", [False, True])
def test_benchmark_documents_never_go_into_a_users_index(
    index_copy: Path, embedder: Embedder, whole: bool
) -> None:
    request = EvalRequest(DATA / "beir-tiny", index=index_copy, whole_documents=whole)
    with pytest.raises(CorpusMismatchError, match="44 articles"):
        run_request(request, Settings(), lambda _: embedder)
    assert Store.open(index_copy).stats().articles == 44
    assert not (index_copy / MARKER).exists()


@pytest.mark.slow
def test_squad_v2_scores_answers_and_abstention(embedder: Embedder) -> None:
    # The runner's scoring is under test, not where the model draws the abstention line on
    # three paragraphs (measured on held-out quiz questions in docs/answers.md): every
    # question is answered, and its record must still score as the summary says.
    result, _ = run_request(
        EvalRequest(DATA / "squad-tiny-v2.json"),
        Settings(abstain_threshold=0.0),
        lambda _: embedder,
    )
    assert result.dataset["version"] == "v2.0" and result.corpus is not None
    mode = result.modes["hybrid"]
    assert mode.retrieval.queries == 4 and mode.retrieval.skipped == 2
    assert mode.retrieval.recall[1] == 1.0  # each question's own paragraph comes first
    answers, citations, abstention = mode.answers, mode.citations, mode.abstention
    assert answers is not None and citations is not None and abstention is not None
    assert answers.questions == 6 and answers.answerable == 4
    assert abstention.unanswerable == 2
    assert citations.quote_exactness == 1.0
    by_id = {r.id: r for r in mode.records}
    lit = by_id["k2"]  # "Who first lit the lamp …?"
    assert not lit.abstained and lit.contains_gold  # quotes the sentence naming the keeper
    assert lit.citations and lit.citations[0].gold  # the best sentence's article comes first
    # SQuAD scores: an answered question's record matches the summary
    assert answers.f1 == pytest.approx(np.mean([r.f1 for r in mode.records]), abs=1e-4)
