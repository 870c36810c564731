"""'What happened this week?': a digest of the window's stories, not a search for the words
"what happened" (rag/digest.py), on both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from index.embedding import Embedder
from index.records import StoredArticle
from rag.citations import verify
from rag.digest import DIGEST_DAYS, DIGEST_STORIES, is_digest, lede, stories
from rag.pipeline import NewsRAG
from rag.question import analyze


@pytest.fixture
def rag(rag_on_backend: NewsRAG) -> NewsRAG:
    return rag_on_backend


@pytest.mark.parametrize(
    ("question", "digest"),
    [
        ("What happened?", True),
        ("What are the top stories?", True),
        ("What is the news?", True),
        ("What's in the news?", True),
        ("What is the news organization that broke the story?", False),
        ("Top stories", True),
        ("What are headlines?", True),
        ("What happened to Twitter?", False),
        ("What are the top stories about Tesla?", False),
        ("Summarize coverage of the Hajj stampede", False),
        ("Who won the election?", False),
    ],
)
def test_only_a_summary_without_a_topic_is_a_digest(question: str, digest: bool) -> None:
    assert is_digest(analyze(question)) is digest


def _article(
    article_id: str, title: str, text: str, published: str = "2022-06-08"
) -> StoredArticle:
    return StoredArticle(article_id, title, text, None, "Test", None, published, "test", "h")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Plains of Arafat on the day of Hajj\nHundreds of pilgrims died in Mecca on Thursday.",
         "Hundreds of pilgrims died in Mecca on Thursday."),
        ("Thursday, May 7, 2015 On Tuesday, the government announced a vote on a new flag.",
         "On Tuesday, the government announced a vote on a new flag."),
        ("What happens next?\nThe council will vote on the new budget on Monday evening.",
         "The council will vote on the new budget on Monday evening."),
        ("Photos: the storm\nToo short.", None),
    ],
)  # fmt: skip
def test_the_lede_is_the_first_sentence_that_reads_as_news(text: str, expected: str | None) -> None:
    span = lede(_article("a", "Title", text))
    assert (text[slice(*span)] if span else None) == expected


def test_one_story_from_several_outlets_is_one_story_and_comes_first(embedder: Embedder) -> None:
    merger = "Two airlines announced on Monday that they plan to merge into one carrier."
    articles = [
        _article("quake", "Earthquake hits Peru", "A strong earthquake struck southern Peru on "
                 "Tuesday, damaging homes and roads.", "2022-06-09"),
        _article("gallery", "Photos: Airlines to merge", merger, "2022-06-08"),
        _article("m2", "Two carriers plan a merger", merger, "2022-06-07"),
        _article("m1", "Airlines to merge", merger, "2022-06-06"),
    ]  # fmt: skip
    found = stories(articles, embedder)
    assert [sorted(a.article_id for a in s.articles) for s in found] == [
        ["gallery", "m1", "m2"],
        ["quake"],
    ]
    assert found[0].articles[0].article_id != "gallery"  # a report represents the story


def test_a_windowed_digest_quotes_one_lede_per_story_in_date_order(rag: NewsRAG) -> None:
    answer = rag.ask("What happened in 2015?", as_of=date(2016, 1, 1))
    assert not answer.abstained and answer.time_window is not None
    cited = answer.citations
    assert len(cited) == DIGEST_STORIES
    assert len({c.article_id for c in cited}) == len(cited)
    days = [c.published or "" for c in cited]
    assert days == sorted(days) and all(d.startswith("2015") for d in days)
    for citation in cited:
        article = rag.store.article(citation.article_id)
        assert article is not None and verify(citation, article.text)
        assert citation.start == lede(article)[0]  # type: ignore[index]
        assert f"[{citation.n}]" in answer.answer


def test_without_a_window_the_digest_is_the_newest_week_up_to_the_as_of_date(
    rag: NewsRAG,
) -> None:
    answer = rag.ask("What are the top stories?", as_of=date(2015, 10, 1))
    assert answer.citations and answer.time_window is None
    days = [date.fromisoformat((c.published or "")[:10]) for c in answer.citations]
    newest = max(days)
    assert newest <= date(2015, 10, 1)
    assert all(d > newest - timedelta(days=DIGEST_DAYS) for d in days)


def test_an_empty_window_offers_the_stories_before_it_labelled(rag: NewsRAG) -> None:
    answer = rag.ask("What happened this week?", as_of=date(2016, 1, 1))
    assert answer.outside_window and answer.answer.startswith("Nothing is indexed in the")
    assert answer.citations
    window = answer.time_window
    assert window is not None and window.since is not None
    assert all((c.published or "") < window.since for c in answer.citations)


def test_a_question_with_a_topic_is_answered_not_digested(rag: NewsRAG) -> None:
    answer = rag.ask("What happened in the Hajj stampede?")
    assert not answer.abstained
    assert any("Hajj" in c.title for c in answer.citations)
    assert not answer.answer.startswith("The most covered stories")


def test_sources_narrow_the_digest(rag: NewsRAG) -> None:
    answer = rag.ask("What happened in 2015?", sources=["Nobody"], as_of=date(2016, 1, 1))
    assert answer.abstained and not answer.citations
    assert "Nobody" in answer.answer  # which filter matched nothing, as for any question


def test_news_words_are_no_topic_only_in_a_request_for_the_news() -> None:
    assert analyze("Tell me about Big Tech").words == ["big", "tech"]
    assert not is_digest(analyze("Tell me about Big Tech"))
    assert is_digest(analyze("What are the main stories?"))
