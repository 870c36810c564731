"""LLM mode with a real model: SmolLM2-135M-Instruct behind llama.cpp's OpenAI-compatible
server. The model is small and often wrong, which is the point: whatever it writes, every
sentence that reaches the user passed the grounding check, and what it invents is dropped or
replaced by the extractive answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.store import Store
from rag.grounding import Claim, GroundingChecker
from rag.pipeline import NewsRAG, sentences_of
from rag.schema import Answer
from tests.rag.conftest import FERRY

pytestmark = [pytest.mark.slow, pytest.mark.llm]

QUESTIONS = [
    "What did Xi say about arms races?",
    "How many pilgrims died in the Hajj stampede?",
    "What did Xi say about cyber sovereignty?",
    "Who won the Nobel Peace Prize?",
    "What happened to the Chilean miners?",
    "What did Xi say about Taiwan?",
]


def llm_rag(index: Path, embedder: Embedder, url: str) -> NewsRAG:
    settings = Settings(index_dir=index, llm_base_url=url, llm_timeout_s=60)
    return NewsRAG(settings, embedder, Store.open(index))


def assert_shown_only_if_checked(answer: Answer, rag: NewsRAG) -> None:
    verification = answer.verification
    assert answer.mode == "llm" and verification is not None
    for citation in answer.citations:
        article = rag.store.article(citation.article_id)
        assert article is not None and article.text[citation.start : citation.end] == citation.quote
    if verification.outcome == "fallback":
        extractive = rag.ask(answer.question, answer_mode="extractive")
        assert answer.answer == extractive.answer
        return
    kept = [s for s in verification.sentences if s.kept]
    assert all(s.reason == "supported" for s in kept)
    shown = sentences_of(answer.answer)
    assert len(shown) == len(kept)
    for sentence, check in zip(shown, kept, strict=True):
        assert sentence.startswith(check.text)


@pytest.fixture(scope="module")
def answers(
    sample_index: Path, embedder: Embedder, llama_server: str
) -> list[tuple[Answer, NewsRAG]]:
    rag = llm_rag(sample_index, embedder, llama_server)
    return [(rag.ask(q, answer_mode="llm"), rag) for q in QUESTIONS]


def test_every_sentence_shown_passed_the_check(answers: list[tuple[Answer, NewsRAG]]) -> None:
    for answer, rag in answers:
        assert_shown_only_if_checked(answer, rag)


def test_the_check_catches_what_the_small_model_gets_wrong(
    answers: list[tuple[Answer, NewsRAG]],
) -> None:
    checks = [s for a, _ in answers for s in (a.verification.sentences if a.verification else [])]
    dropped = [s for s in checks if not s.kept]
    fallbacks = [a for a, _ in answers if a.verification and a.verification.outcome == "fallback"]
    assert checks, "the model wrote no sentence at all"
    assert dropped or fallbacks, "SmolLM2-135M produced nothing the check rejected"
    for sentence in dropped:  # and each drop says why
        assert sentence.reason != "supported" and sentence.reason


def test_kept_sentences_pass_the_check_again(answers: list[tuple[Answer, NewsRAG]]) -> None:
    """Re-check every kept sentence from the answer alone (its text and its citations'
    quotes): the verdict does not depend on anything the user cannot see."""
    checker = GroundingChecker()
    for answer, rag in answers:
        if not answer.verification or answer.verification.outcome != "verified":
            continue
        passages = rag.retrieve(answer.question).passages
        by_span = {
            (p.chunk.article.article_id, p.chunk.start, p.chunk.end): n
            for n, p in enumerate(passages, start=1)
        }
        for check in (s for s in answer.verification.sentences if s.kept):
            cited = [c for c in answer.citations if c.quote]
            refs: list[tuple[int, str | None]] = []
            for n in check.cited:
                chunk = passages[n - 1].chunk
                quote = next(
                    c.quote
                    for c in cited
                    if c.article_id == chunk.article.article_id
                    and chunk.start <= c.start
                    and c.end <= chunk.end
                )
                refs.append((n, quote))
            assert by_span  # the same retrieval the answer was built from
            assert checker.check(Claim(check.text, refs), passages).kept


def test_a_poisoned_article_does_not_steer_the_real_model(
    poisoned_index: Path, embedder: Embedder, llama_server: str
) -> None:
    rag = llm_rag(poisoned_index, embedder, llama_server)
    answer = rag.ask(FERRY, answer_mode="llm")
    assert_shown_only_if_checked(answer, rag)
    assert "cancel" not in answer.answer.lower() and "refund" not in answer.answer.lower()
    retrieved = {p.chunk.article.article_id for p in rag.retrieve(FERRY).passages}
    assert {c.article_id for c in answer.citations} <= retrieved
