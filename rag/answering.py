"""Extractive answers: pick the sentences of the retrieved passages that answer the question,
quote them exactly, or abstain.

Similarity alone cannot tell "the articles discuss this" from "the articles answer this" (an
on-topic question the articles cannot answer often scores higher than one they can). So each
candidate sentence is scored on what answering takes: it covers the question's key words,
weighted by rarity (a missing rare name is fatal, a missing common word is not); it holds the
kind of thing asked for (a number for "how many", a date for "when", a name for "who"); and
for "what did X say about Y" it is a quote attributed to X. The best sentence's score is the
answerability; below a threshold calibrated on ``bench/data/newsqa-dev.jsonl`` we abstain.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from index.sentences import split_sentences
from index.store import Store, StoredArticle
from rag.attribution import attributed_to, interview_voice, is_quote
from rag.question import Question
from rag.retrieval import Passage
from rag.text import stem

ABSTAIN_TEXT = "The indexed articles don't cover this."

_MONTHS = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?"
)
_DATE = re.compile(
    rf"\b(({_MONTHS})\.?\s+\d{{1,2}}\b|\d{{1,2}}\s+({_MONTHS})\b|(19|20)\d\d\b|"
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)|yesterday|today|"
    r"last\s+(week|month|year)|(early|late|mid)[\s-]\w+)",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
    r"thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|several)\b",
    re.IGNORECASE,
)
_CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z’'-]+")
_REASON = re.compile(
    r"\b(because|due to|since|as a result|so that|after|following|in order to|"
    r"caused|reason|blamed|led to)\b",
    re.IGNORECASE,
)


@dataclass
class Candidate:
    article: StoredArticle
    start: int
    end: int
    passage_rank: int
    passage_score: float
    score: float = 0.0
    coverage: float = 0.0
    context_coverage: float = 0.0
    type_ok: bool = True
    attributed: bool = False
    speaker: str | None = None

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]


@dataclass
class Selection:
    """The sentences chosen for the answer, best first, and the answerability score."""

    sentences: list[Candidate]
    answerability: float


@lru_cache(maxsize=2048)
def _sentences(article_id: str, content_hash: str, text: str) -> tuple[tuple[int, int], ...]:
    return tuple(split_sentences(text))


def _stems(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[\w’']+", text)}


def _covered(term: str, stems: set[str]) -> bool:
    if term in stems:
        return True
    # "attend" ~ "attendee", "govern" ~ "governance": a shared stem of five letters or more
    return len(term) >= 5 and any(
        s.startswith(term) or term.startswith(s) for s in stems if len(s) >= 5
    )


class ExtractiveAnswerer:
    """Configured with the store (for IDF and article text) and the calibrated threshold."""

    def __init__(self, store: Store, threshold: float = 0.5, max_sentences: int = 3):
        self.store = store
        self.threshold = threshold
        self.max_sentences = max_sentences

    def weights(self, question: Question) -> dict[str, float]:
        """IDF per question term: rare names weigh more than common words."""
        counts, total = self.store.document_frequencies(question.words)
        weights: dict[str, float] = {}
        for word, term in zip(question.words, question.terms, strict=True):
            df = counts.get(word, 0)
            weights[term] = max(weights.get(term, 0.0), math.log(1 + (total + 1) / (df + 0.5)))
        return weights

    def select(self, question: Question, passages: list[Passage]) -> Selection:
        candidates = self._candidates(passages)
        if not candidates:
            return Selection([], 0.0)
        weights = self.weights(question)
        for candidate in candidates:
            self._score(candidate, question, weights)
        candidates.sort(key=lambda c: (-c.score, c.passage_rank, c.start))
        best = candidates[0]
        chosen = [best]
        for other in candidates[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if other.score >= max(self.threshold, 0.85 * best.score) and not any(
                other.article.article_id == c.article.article_id and other.start == c.start
                for c in chosen
            ):
                chosen.append(other)
        return Selection(chosen, best.score)

    def _candidates(self, passages: list[Passage]) -> list[Candidate]:
        seen: set[tuple[str, int]] = set()
        candidates = []
        for rank, passage in enumerate(passages):
            chunk = passage.chunk
            article = chunk.article
            for start, end in _sentences(article.article_id, article.content_hash, article.text):
                if end <= chunk.start or start >= chunk.end:
                    continue
                key = (article.article_id, start)
                if key in seen:
                    continue
                seen.add(key)
                candidates.append(Candidate(article, start, end, rank, passage.score))
        return candidates

    def _score(self, candidate: Candidate, question: Question, weights: dict[str, float]) -> None:
        article = candidate.article
        spans = list(_sentences(article.article_id, article.content_hash, article.text))
        index = next(i for i, s in enumerate(spans) if s[0] == candidate.start)
        sentence = candidate.text
        own = _stems(sentence)
        neighbours = " ".join(
            article.text[slice(*spans[i])] for i in (index - 1, index + 1) if 0 <= i < len(spans)
        )
        context = own | _stems(article.title) | _stems(neighbours)

        if question.is_say:
            topic = {t: weights.get(t, 1.0) for t in question.topic_terms} or weights
            candidate.coverage = _weighted(topic, own)
            candidate.context_coverage = _weighted(topic, context)
            candidate.attributed = (
                is_quote(sentence)
                and attributed_to(article.text, spans, index, question.speaker_terms)
            ) or interview_voice(article.title, article.text, sentence, question.speaker_terms)
            candidate.speaker = question.speaker if candidate.attributed else None
            candidate.type_ok = candidate.attributed
        else:
            candidate.coverage = _weighted(weights, own)
            candidate.context_coverage = _weighted(weights, context)
            candidate.type_ok = _has_answer_type(sentence, question)
        novelty = len({stem(w) for w in re.findall(r"[A-Za-z]{3,}|\d+", sentence)} - set(weights))
        prior = 1.0 / (1 + candidate.passage_rank)
        candidate.score = (
            0.45 * candidate.coverage
            + 0.25 * candidate.context_coverage
            + 0.20 * float(candidate.type_ok)
            + 0.10 * prior
        ) * (1.0 if novelty >= 3 else 0.5)
        if question.is_say and not candidate.attributed:
            candidate.score *= 0.6  # someone else's words do not answer "what did X say"


def _weighted(weights: dict[str, float], stems: set[str]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if _covered(t, stems)) / total


def _has_answer_type(sentence: str, question: Question) -> bool:
    """Does the sentence hold something of the kind asked for, beyond the question's words?"""
    asked = set(question.terms)
    rest = " ".join(
        w for w in re.findall(r"[\w’'.,-]+", sentence) if stem(w.strip(".,")) not in asked
    )
    if question.answer_type == "date":
        return bool(_DATE.search(rest))
    if question.answer_type == "count":
        without_dates = _DATE.sub(" ", rest)
        return bool(_NUMBER.search(without_dates))
    if question.answer_type in ("person", "place"):
        return bool(_CAPITALIZED.search(rest))
    if question.answer_type == "reason":
        return bool(_REASON.search(sentence))
    return True
