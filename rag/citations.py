"""Citations that resolve to an article and an exact, verified span of its text."""

from __future__ import annotations

from typing import Any

from index.store import StoredArticle
from rag.schema import AlsoIn, Citation


class QuoteMismatchError(AssertionError):
    """A quote that is not the article text at its offsets: never shown to a user."""


def cite(
    n: int,
    article: StoredArticle,
    start: int,
    end: int,
    score: float,
    also_in: list[tuple[StoredArticle, int, int]] | None = None,
) -> Citation:
    """``also_in``: (article, start, end) of the same sentence elsewhere (wire copies)."""
    quote = article.text[start:end]
    if not quote or not 0 <= start < end <= len(article.text):
        raise QuoteMismatchError(
            f"empty or out-of-range span {start}:{end} in {article.article_id}"
        )
    return Citation(
        n=n,
        **_source(article),
        quote=quote,
        start=start,
        end=end,
        score=round(score, 4),
        also_in=[AlsoIn(**_source(other), start=s, end=e) for other, s, e in also_in or []],
    )


def _source(article: StoredArticle) -> dict[str, Any]:
    """What a citation says of the article it points into."""
    return {
        "article_id": article.article_id,
        "title": article.title,
        "source": article.source,
        "published": article.published,
        "url": article.url,
    }


def verify(citation: Citation, article_text: str) -> bool:
    """The guarantee every answer makes: the quote is the source text at its offsets."""
    return article_text[citation.start : citation.end] == citation.quote
