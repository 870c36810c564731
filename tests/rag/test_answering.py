import json
from pathlib import Path

import pytest

from index.embedding import Embedder
from rag.answering import ExtractiveAnswerer, describes
from rag.citations import verify
from rag.pipeline import NewsRAG
from rag.question import analyze
from tests.backends import sample_settings
from tests.conftest import ARMS_RACE_QUOTE, ROOT


@pytest.fixture
def rag(rag_on_backend: NewsRAG) -> NewsRAG:
    """Every answer and citation test runs on both backends (tests/backends.py)."""
    return rag_on_backend


def test_xi_on_arms_races_is_answered_with_his_own_words(rag: NewsRAG) -> None:
    answer = rag.ask("what did Xi say about arms races?")
    assert not answer.abstained
    quotes = [c.quote for c in answer.citations]
    assert any(ARMS_RACE_QUOTE in q for q in quotes), quotes
    assert ARMS_RACE_QUOTE in answer.answer
    assert answer.answer.startswith("Xi said:")  # attributed from the surrounding text
    assert "[1]" in answer.answer
    [first, *_] = answer.citations
    assert first.title == "Chinese president calls for unity on AI challenges and cyber development"


@pytest.mark.parametrize(
    "question",
    [
        "What did Xi say about Taiwan?",
        "What is Apple's current stock price?",
        "Who won the 2014 Super Bowl?",
    ],
)
def test_unanswerable_questions_abstain(rag: NewsRAG, question: str) -> None:
    answer = rag.ask(question)
    assert answer.abstained
    assert answer.citations == []
    assert "don't cover" in answer.answer


def test_every_citation_is_the_exact_source_text(rag: NewsRAG) -> None:
    """Across the whole team-written QA set: quote == article_text[start:end], always."""
    store = rag.store
    questions = [
        json.loads(line)["question"]
        for name in ("newsqa.jsonl", "newsqa-dev.jsonl")
        for line in (ROOT / "bench" / "data" / name).read_text(encoding="utf-8").splitlines()
    ]
    cited = 0
    for question in questions:
        answer = rag.ask(question)
        assert answer.abstained == (not answer.citations)
        for citation in answer.citations:
            article = store.article(citation.article_id)
            assert article is not None
            assert verify(citation, article.text)
            assert f"[{citation.n}]" in answer.answer
            cited += 1
    assert cited >= 30


def test_answers_are_short_and_numbered_in_order(rag: NewsRAG) -> None:
    answer = rag.ask("How many pilgrims were killed in the Hajj stampede?")
    assert not answer.abstained
    assert "345" in answer.answer
    assert 1 <= len(answer.citations) <= 3
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert set(answer.timings_ms) >= {"embed_ms", "dense_ms", "bm25_ms", "answer_ms", "total_ms"}


def test_filters_restrict_the_evidence(rag: NewsRAG) -> None:
    assert rag.ask("what did Xi say about arms races?", sources=["Wikinews"]).abstained
    dated = rag.retrieve("stampede pilgrims", k=5, since="2015-01-01")
    assert dated.passages
    assert all((p.chunk.article.published or "") >= "2015-01-01" for p in dated.passages)


def test_answerability_is_a_probability_the_threshold_is_compared_with(rag: NewsRAG) -> None:
    from rag.question import analyze

    question = "How many pilgrims were killed in the Hajj stampede?"
    retrieval = rag.retrieve(question)
    selection = rag.answerer.select(analyze(question), retrieval.passages)
    assert 0.0 < selection.answerability < 1.0
    assert all(0.0 < c.score < 1.0 for c in selection.sentences)
    scores = [c.score for c in selection.sentences]
    assert scores == sorted(scores, reverse=True)  # best first
    assert any("345" in c.text for c in selection.sentences)


@pytest.mark.parametrize(("threshold", "abstains"), [(0.0, False), (1.0, True)])
def test_the_threshold_decides_abstention(
    request: pytest.FixtureRequest,
    sample_index: Path,
    embedder: Embedder,
    threshold: float,
    abstains: bool,
    backend: str,
) -> None:
    settings = sample_settings(request, backend, sample_index)
    settings = settings.model_copy(update={"abstain_threshold": threshold})
    rag = NewsRAG(settings, embedder)  # the backend the settings name (index/backends.py)
    answer = rag.ask("How many pilgrims were killed in the Hajj stampede?")
    assert answer.abstained is abstains
    assert bool(answer.citations) is not abstains


def test_most_near_miss_questions_abstain(rag: NewsRAG) -> None:
    """The team's near-miss questions (same people and event, missing fact) over the sample
    articles: the default threshold abstains on most of them (docs/answers.md)."""
    lines = (ROOT / "bench" / "data" / "near-miss.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines]
    abstained = sum(rag.ask(q).abstained for q in questions)
    assert len(questions) >= 100
    assert abstained / len(questions) >= 0.4  # 0.43 at 0.15 (0.51 at 0.2): docs/answers.md


def test_a_short_answer_leads_and_points_into_a_quote(rag: NewsRAG) -> None:
    answer = rag.ask("How many pilgrims were killed in the Hajj stampede?")
    short = answer.short_answer
    assert short is not None
    assert "345" in short.text
    assert answer.answer.startswith(f"**{short.text}.** ")
    cited = next(c for c in answer.citations if c.n == short.n)
    article = rag.store.article(cited.article_id)
    assert article is not None and article.text[short.start : short.end] == short.text
    assert cited.start <= short.start < short.end <= cited.end


def test_no_short_answer_for_what_someone_said(rag: NewsRAG) -> None:
    assert rag.ask("what did Xi say about arms races?").short_answer is None


@pytest.mark.parametrize(
    ("name", "sentence", "tier"),
    [
        ("Rishi Sunak", "Sunak, a former banker, became prime minister.", 0),
        ("Rishi Sunak", "Sunak, 42, is the youngest prime minister in 200 years.", 0),
        ("OPEC", "OPEC is a group of 13 oil-producing countries.", 0),
        ("Xi Jinping", "President Xi, who leads the party, spoke first.", 0),
        ("Kevin McCarthy", "House Speaker Kevin McCarthy met the president.", 1),
        # not about the person: another Griner, a list, a passing mention
        ("Brittney Griner", "Cherelle Griner, the wife of Brittney Griner, spoke.", None),
        ("Rishi Sunak", "Liz Truss and Rishi Sunak, have both vowed to act.", None),
        ("Rishi Sunak", "Sunak announced a budget on Monday.", None),
    ],
)
def test_what_says_who_someone_is(name: str, sentence: str, tier: int | None) -> None:
    assert describes(name, sentence) == tier


def test_the_re_ranker_decides_close_calls_only(sqlite_rag: NewsRAG) -> None:
    """The second stage costs a MiniLM pass over the best sentences: it runs only when the
    first stage's best two are closer than ``rerank_within``, and otherwise the first stage's
    probabilities stand, with no sentence embedded."""
    question = analyze("How many pilgrims were killed in the Hajj stampede?")
    passages = sqlite_rag.retrieve(question.text).passages
    answerer = ExtractiveAnswerer(
        sqlite_rag.store, embedder=sqlite_rag.embedder, rerank=4, rerank_within=1.0
    )
    featurized = answerer.featurize(question, passages)
    first = answerer.model.sentence.predict(featurized.rows)
    best, second = sorted(first, reverse=True)[:2]
    gap = float(best - second)
    reranked = answerer.probabilities(featurized)
    assert (reranked == 0).sum() == len(first) - 4  # only the best 4 are re-scored
    assert answerer.contextual is not None and len(answerer.contextual._cache) == 4

    # a gap this wide is a clear first choice
    kept = ExtractiveAnswerer(
        sqlite_rag.store, embedder=sqlite_rag.embedder, rerank=4, rerank_within=gap
    )
    assert (kept.probabilities(featurized) == first).all()
    assert kept.contextual is not None and not kept.contextual._cache
    closer = ExtractiveAnswerer(
        sqlite_rag.store, embedder=sqlite_rag.embedder, rerank=4, rerank_within=gap + 1e-6
    )
    assert (closer.probabilities(featurized) == reranked).all()
