""" "What happened this week?": the main stories of a time window, one lede each.

A question with no topic cannot be searched: a search for "what happened" returns whatever
chunks share those words, many of them outside the window, and the answer model rightly
finds nothing that answers. A digest instead lists the window's articles (the store's
``list_articles``, newest first), groups the ones that tell the same story (their title and
lede embedded: one story run by three outlets is one story), ranks the stories by how many
articles carry it, then by recency, and quotes the lede of the most representative article
of each of the biggest, in date order. Without a window it is the newest articles up to the
as-of date, within ``DIGEST_DAYS`` of the newest of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from index.embedding import Embedder
from index.protocols import Documents
from index.records import SearchFilter, StoredArticle
from index.text import STOPWORDS, split_sentences
from rag.answering import Candidate, is_statement, wire_key
from rag.question import Question
from rag.time_window import first_day

DIGEST_ARTICLES = 100  # the newest articles of the window that are grouped into stories
DIGEST_STORIES = 5  # most ledes quoted
DIGEST_DAYS = 7  # without a window: how far back from the newest article listed
STORY_COSINE = 0.7  # title + lede vectors at least this close: the same story
MIN_LEDE_WORDS = 8  # shorter first lines are captions, labels, datelines
LEDE_CHARS = 2000
_GALLERY = re.compile(r"(?:Photos|In pictures|Gallery)\s*:", re.IGNORECASE)
# A date line run into the first sentence ("Thursday, May 7, 2015 On Tuesday, …"): not news.
_DATE_LINE = re.compile(
    r"^(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+)?[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4}\s+"
    r"(?=[A-Z])"
)


# Words of a request for the news that name no topic ("the top stories", "headlines").
_NO_TOPIC = (
    frozenset(["top", "main", "big", "biggest", "stories", "story", "headlines"]) | STOPWORDS
)


def is_digest(question: Question) -> bool:
    """A summary request with no topic left once its asking and time words are gone
    ("What happened this week?", "What are the top stories?", "What's in the news?": the
    "what" of "what's" is no topic either)."""
    return question.intent == "summary" and all(w in _NO_TOPIC for w in question.words)


def lede(article: StoredArticle) -> tuple[int, int] | None:
    """The article's first sentence that reads as news: a statement of some length, not
    a photo caption without a full stop or a question, and without a date line before it.
    Only the opening is split (to a line end after ``LEDE_CHARS``): the lede is near the top,
    and splitting whole articles cost a digest ~140 ms."""
    text = article.text
    stop = text.find("\n", LEDE_CHARS)
    for start, end in split_sentences(text, 0, len(text) if stop < 0 else stop):
        dated = _DATE_LINE.match(text, start, end)
        start = dated.end() if dated else start
        sentence = text[start:end]
        if is_statement(sentence, MIN_LEDE_WORDS):
            return start, end
    return None


@dataclass
class Story:
    """Articles telling one story, the most representative first, each with its lede."""

    articles: list[StoredArticle]
    ledes: list[tuple[int, int]]

    @property
    def newest(self) -> str:
        return max(a.published or "" for a in self.articles)


def stories(articles: list[StoredArticle], embedder: Embedder) -> list[Story]:
    """The articles with a lede grouped by story (each joins the first story whose first
    article it is close to), biggest first, then newest."""
    usable = [(a, span) for a in articles if (span := lede(a)) is not None]
    if not usable:
        return []
    vectors = embedder.encode([f"{a.title}. {a.text[slice(*span)]}" for a, span in usable])
    groups: list[list[int]] = []
    for i in range(len(usable)):
        home = next((g for g in groups if float(vectors[g[0]] @ vectors[i]) >= STORY_COSINE), None)
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    found: list[Story] = []
    for group in groups:
        # the most representative: a report rather than a photo gallery (whose lede is a
        # caption), closest in sum to the rest; on ties the newest (the listing's order)
        centrality = (vectors[group] @ vectors[group].T).sum(axis=1)
        order = sorted(
            range(len(group)),
            key=lambda n: (bool(_GALLERY.match(usable[group[n]][0].title)), -centrality[n]),
        )
        members = [usable[group[n]] for n in order]
        found.append(Story([a for a, _ in members], [span for _, span in members]))
    found.sort(key=lambda s: s.newest, reverse=True)
    found.sort(key=lambda s: len(s.articles), reverse=True)  # stable: the newest first on ties
    return found


def digest(
    documents: Documents, embedder: Embedder, where: SearchFilter, windowed: bool
) -> list[Candidate]:
    """The ledes of the biggest stories among the articles passing ``where``, best story
    first (an answer puts them in date order). Wire copies of a lede, word for word, are
    its copies (one citation that lists every outlet)."""
    articles = documents.list_articles(where, limit=DIGEST_ARTICLES)
    if not windowed:
        days = {a.article_id: first_day(a.published) for a in articles}
        newest = max((d for d in days.values() if d is not None), default=None)
        if newest is not None:
            oldest = newest - timedelta(days=DIGEST_DAYS)
            articles = [a for a in articles if (day := days[a.article_id]) and day > oldest]
    chosen: list[Candidate] = []
    for rank, story in enumerate(stories(articles, embedder)[:DIGEST_STORIES]):
        share = len(story.articles) / len(articles)  # of the coverage listed: its score
        head = Candidate(story.articles[0], *story.ledes[0], rank, share, share)
        head.copies = [
            Candidate(other, *span, rank, share, share)
            for other, span in zip(story.articles[1:], story.ledes[1:], strict=True)
            if wire_key(other.text[slice(*span)]) == wire_key(head.text)
        ]
        chosen.append(head)
    return chosen
