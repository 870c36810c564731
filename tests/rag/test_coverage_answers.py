"""Answers over several articles: "Summarize coverage of X", "What happened with X", and
comparisons ("X vs Y"), on the sample articles."""

from __future__ import annotations

import pytest

from rag.pipeline import NewsRAG
from rag.question import analyze, search_text


@pytest.fixture
def rag(rag_on_backend: NewsRAG) -> NewsRAG:
    """These tests run on both backends, on the same sample articles (tests/backends.py)."""
    return rag_on_backend


@pytest.mark.parametrize(
    ("question", "intent", "compared"),
    [
        ("Summarize coverage of the Hajj stampede", "summary", ()),
        ("Give me an overview of the Scientology cases", "summary", ()),
        ("What happened with the Twitter layoffs?", "summary", ()),
        ("What's the latest on the bridge closure?", "summary", ()),
        ("Tell me about Stardust@home", "summary", ()),
        ("Meta vs Twitter layoffs", "compare", ("Meta", "Twitter")),
        ("Compare the layoffs at Meta and Twitter", "compare", ("Meta", "Twitter")),
        ("What is the difference between inflation and jobs?", "compare", ("inflation", "jobs")),
        ("What happened to the price of eggs in March?", "summary", ()),
        ("How many pilgrims died in the Hajj stampede?", "fact", ()),
        ("What did Xi say about Taiwan?", "fact", ()),
        ("Which team won against Belgium?", "fact", ()),
        ("Who is Andrew Westphal?", "define", ()),
        ("What is OPEC?", "define", ()),
        ("Who is the CEO of Twitter?", "fact", ()),  # asks for a name, not about one
    ],
)
def test_intent(question: str, intent: str, compared: tuple[str, ...]) -> None:
    analysed = analyze(question)
    assert (analysed.intent, analysed.compared) == (intent, compared)
    if intent != "fact":  # the asking words are not the topic
        assert not {"summarize", "happened", "overview", "vs", "compare"} & set(analysed.words)


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("Summarize coverage of the Hajj stampede", "the Hajj stampede"),
        ("What happened with Credit Suisse?", "Credit Suisse?"),
        ("Latest news on Twitter", "Twitter"),
        ("What happened?", "What happened?"),  # nothing left: searched as asked
        ("Who won the election?", "Who won the election?"),
    ],
)
def test_what_a_summary_searches_for(question: str, searched: str) -> None:
    assert search_text(question) == searched


def test_a_summary_quotes_several_articles_in_date_order(rag: NewsRAG) -> None:
    answer = rag.ask("Summarize coverage of the Church of Scientology")
    assert not answer.abstained
    articles = [c.article_id for c in answer.citations]
    assert len(set(articles)) >= 2 and len(answer.citations) <= 6
    dates = [c.published for c in answer.citations]
    assert dates == sorted(dates)
    assert all("scientolog" in (c.title + c.quote).lower() for c in answer.citations)
    assert answer.short_answer is None


def test_a_summary_of_one_article_gives_its_best_sentences(rag: NewsRAG) -> None:
    answer = rag.ask("Summarize coverage of the Hajj stampede")
    assert not answer.abstained and 2 <= len(answer.citations) <= 3
    assert any("345" in c.quote for c in answer.citations)


def test_a_comparison_quotes_each_side(rag: NewsRAG) -> None:
    answer = rag.ask("Hajj stampede vs Mecca crane collapse")
    assert not answer.abstained
    quotes = [c.quote.lower() for c in answer.citations]
    assert any("hajj" in q for q in quotes) and any("mecca" in q for q in quotes)


def test_who_is_answered_with_what_the_articles_say_the_person_is(rag: NewsRAG) -> None:
    answer = rag.ask("Who is Andrew Westphal?")
    assert not answer.abstained, answer.answer
    assert any("Westphal is the director" in c.quote for c in answer.citations), answer.answer
    assert answer.short_answer is None  # a description, not a name
