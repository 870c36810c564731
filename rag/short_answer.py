"""The short answer inside a quoted sentence: the name, number, date or place that answers a
who / what / which / where / when / how-many question, with its exact offsets in the article.

It is only ever a span of a sentence the answer already quotes, of the kind the question asks
for, and not something the question itself says ("Which bank …" is not answered by "bank").
When no span fits, there is no short answer: it is never made up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import STOPWORDS, stem, tokens
from rag.question import Question
from rag.schema import Citation, ShortAnswer
from rag.sentence_features import DATE, MONTHS

_COUNT = re.compile(
    r"(?:(?:about|around|nearly|almost|over|more than|at least|up to|some)\s+)?"
    r"(?:[$£€]\s?)?\b\d[\d,]*(?:\.\d+)?(?:\s?(?:%|percent|per cent|million|billion|trillion|"
    r"thousand|hundred))?(?!\w)|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|dozens?)\b"
    r"(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine|hundred|thousand|million))*",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(
    rf"\b(?:(?:{MONTHS})\.?\s+\d{{1,2}}(?:,?\s+(?:19|20)\d\d)?|\d{{1,2}}\s+(?:{MONTHS})"
    rf"(?:\s+(?:19|20)\d\d)?|(?:{MONTHS})\s+(?:19|20)\d\d|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# A name: capitalized words, joined by "of", "de", "the", "&" inside (Bank of America).
_NAME = re.compile(
    r"\b[A-Z][\w’'.-]*(?:\s+(?:(?:of|de|del|da|van|von|the|and|&)\s+)?[A-Z0-9][\w’'.-]*)*"
)
_LEADING = {"The", "A", "An", "In", "On", "At", "But", "And", "He", "She", "It", "They", "We",
            "I", "This", "That", "His", "Her", "Their", "Its", "After", "When", "While", "As",
            "Mr", "Mrs", "Ms", "Dr", "According", "If", "For", "Last", "Next", "So"}  # fmt: skip
_PLACE_BEFORE = re.compile(r"\b(in|at|near|from|to|into|outside)\s+(the\s+)?$", re.IGNORECASE)
_WHAT_WHICH = re.compile(r"^\s*(what|which)\b", re.IGNORECASE)
_COUNT_QUESTION = re.compile(r"\bhow\s+(many|much)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """``text`` is exactly the article text at [start, end) (offsets into the article)."""

    text: str
    start: int
    end: int


def kind_of(question: Question) -> str | None:
    """What a short answer to this question would be: count, date or name; None when the
    question wants an explanation or a quote."""
    if question.is_say or question.answer_type == "reason":
        return None
    if question.answer_type == "count":
        return "count" if _COUNT_QUESTION.search(question.text) else None
    if question.answer_type == "date":
        return "date"
    if question.answer_type == "place":
        return "place"
    if question.answer_type == "person":
        return "name"
    if _WHAT_WHICH.search(question.text):
        return "name"
    return None


def find_span(question: Question, sentence: str, offset: int) -> Span | None:
    """The first span of ``sentence`` (which starts at ``offset`` in its article) of the
    kind the question asks for and not in the question; None when there is none."""
    kind = kind_of(question)
    if kind is None:
        return None
    asked = {stem(w) for w in tokens(question.text)}
    for start, end in _matches(kind, sentence):
        text = sentence[start:end].strip(" ,.;:")
        start += sentence[start:end].find(text)
        end = start + len(text)
        words = [w for w in tokens(text) if w.lower() not in STOPWORDS]
        if not words or all(stem(w) in asked for w in words):
            continue
        return Span(text, offset + start, offset + end)
    return None


def _matches(kind: str, sentence: str) -> list[tuple[int, int]]:
    if kind == "date":
        return [m.span() for m in _FULL_DATE.finditer(sentence)]
    if kind == "count":
        dates = [m.span() for m in DATE.finditer(sentence)]
        return [
            m.span()
            for m in _COUNT.finditer(sentence)
            if not any(s <= m.start() < e for s, e in dates)
        ]
    spans = []
    for m in _NAME.finditer(sentence):
        start, end = m.span()
        first = m.group().split()[0]
        if first in _LEADING:  # "The Bank of England" -> "Bank of England"
            rest = m.group()[len(first) :].lstrip()
            if not rest or not rest[0].isupper():
                continue
            start = end - len(rest)
        if sentence[start:end].endswith(("'s", "’s")):
            end -= 2
        spans.append((start, end))
    if kind == "place":  # "at Jamarat Bridge" before "Islam's most holy site"
        spans.sort(key=lambda span: not _PLACE_BEFORE.search(sentence[: span[0]]))
    return spans


def short_answer_for(
    question: Question, citations: list[Citation]
) -> tuple[ShortAnswer | None, str | None]:
    """The short answer from the quotes, best-scored first, and the answer text's lead
    ("**Credit Suisse.** "), or (None, None) when no quote holds one."""
    for citation in sorted(citations, key=lambda c: (-c.score, c.n)):
        span = find_span(question, citation.quote, citation.start)
        if span is not None:
            short = ShortAnswer(text=span.text, n=citation.n, start=span.start, end=span.end)
            return short, f"**{span.text}.** "
    return None, None
