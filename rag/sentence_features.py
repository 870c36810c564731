"""What makes a sentence answer a question, as numbers a learned model can weigh.

Each candidate sentence of the retrieved passages becomes one row of ``SENTENCE_FEATURES``:
how much of the question it covers (weighted by rarity, in the sentence, around it and in
its article), whether it holds the kind of thing asked for and something the question does
not already say (a restatement of the question is not an answer), where it stands in its
article and in the retrieval, and for "what did X say" whether X said it. Each question
becomes one row of ``ANSWERABILITY_FEATURES`` for the abstention model: how sure the sentence
model is, and whether the question's rare words appear in the evidence at all (a near-miss
question names the right people and event but asks for a fact nobody wrote down).

Everything here is string work over text already in memory: a few ms for the ~100
sentences of 5-20 passages. The model signals, each sentence's cosine with the question (word
pieces for every candidate, the whole model for those answered with), are computed by
``rag.similarity`` and passed in. The words and
stems come from the text layer ``index.text``; nothing of any corpus is stored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index.text import covered, stem, stems_of, tokens
from rag.question import AnswerType, Question

SENTENCE_FEATURES: tuple[str, ...] = (
    "coverage",  # IDF-weighted share of the question's terms in the sentence
    "context_coverage",  # ... in the sentence, its neighbours and the title
    "article_coverage",  # ... anywhere in the article
    "plain_coverage",  # unweighted share of the question's terms in the sentence
    "missing_idf",  # rarest question term missing from sentence + context (0..1)
    "type_ok",  # holds the answer type asked for (a number for "how many", ...)
    "coverage_x_type",
    "new_words",  # log(1 + content words the question does not have)
    "new_names",  # log(1 + capitalized words the question does not have)
    "new_number",  # a number the question does not have
    "new_date",  # a date expression
    "restates",  # share of the sentence's content words that are the question's
    "is_say",
    "attributed",  # "what did X say": a quote X said
    "quote",  # holds quotation marks
    "question_mark",  # is itself a question (interviews)
    "rank_prior",  # 1 / (1 + passage rank)
    "passage_score",  # fused retrieval score of its passage
    "dense",  # cosine of its passage (0 when the passage came from BM25 only)
    "similarity",  # word-piece cosine of the sentence with the question (rag/similarity.py)
    "bm25_relative",  # BM25 of its passage / best BM25 of the retrieval
    "position",  # sentence index / sentences in the article (0 = lead)
    "lead",  # first sentence of the article
    "length",  # log(characters)
    "short",  # fewer than 6 words
    # against the question's other candidates (filled in by ``with_gaps``): 0 for the best
    "coverage_gap",  # coverage - the best coverage among the candidates
    "context_gap",
    "new_names_gap",
    "passage_gap",
    "similarity_gap",
)
_GAPS = {
    "coverage_gap": "coverage",
    "context_gap": "context_coverage",
    "new_names_gap": "new_names",
    "passage_gap": "passage_score",
    "similarity_gap": "similarity",
}

# The second stage: the first stage's best few sentences, re-scored with the model's own
# cosine of each with the question (too slow to compute for every candidate).
RERANK_FEATURES: tuple[str, ...] = (
    "first_stage",  # log-odds of the first stage's probability
    "first_gap",  # ... minus the best of the few
    "meaning",  # MiniLM cosine of the sentence with the question
    "meaning_gap",  # ... minus the best of the few
)

ANSWERABILITY_FEATURES: tuple[str, ...] = (
    "best",  # sentence model's probability of the best sentence
    # Not the second and third: how many sentences compete depends on the index's size (a
    # handful of articles has few), and the model leaned on them against the best's own.
    "any_chosen",  # 1 - prod(1 - p) over the sentences answered with
    "best_coverage",
    "best_type_ok",  # the best sentence holds the kind of thing asked for
    "best_similarity",  # its word-piece cosine with the question
    "best_context_coverage",
    "best_article_coverage",
    "missing_in_passages",  # rarest question term in none of the passages (0..1)
    "missing_in_best",  # rarest question term missing around the best sentence (0..1)
    "top_dense",  # cosine of the first passage
    # No question-length feature: the quiz questions are long and the team's near-miss ones
    # short, so the model learned "short means unanswerable", which real users' short
    # questions ("How many books does the library have?") paid for.
    "type_count",
    "type_date",
    "type_person",
    "type_place",
    "type_entity",
    "type_reason",
    "type_any",
    "type_say",
)

MONTHS = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?"
)
DATE = re.compile(
    rf"\b(({MONTHS})\.?\s+\d{{1,2}}\b|\d{{1,2}}\s+({MONTHS})\b|(19|20)\d\d\b|"
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)|yesterday|today|"
    r"last\s+(week|month|year)|(early|late|mid)[\s-]\w+)",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
    r"thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|several)\b",
    re.IGNORECASE,
)
CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z’'-]+")
REASON = re.compile(
    r"\b(because|due to|since|as a result|so that|after|following|in order to|"
    r"caused|reason|blamed|led to)\b",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"[A-Za-z]{3,}|\d+")
_TYPES: tuple[AnswerType, ...] = ("count", "date", "person", "place", "entity", "reason", "any")


@lru_cache(maxsize=1024)
def sentence_stems(
    article_id: str, content_hash: str, text: str, spans: tuple[tuple[int, int], ...]
) -> tuple[frozenset[str], ...]:
    """The stems of each sentence of an article; cached per article version, since the same
    articles come back question after question."""
    return tuple(stems_of(text[start:end]) for start, end in spans)


@lru_cache(maxsize=65536)
def covered_terms(terms: frozenset[str], stems: frozenset[str]) -> frozenset[str]:
    """The terms found in ``stems``. Coverage of a sentence with its neighbours is the union
    of theirs, so each sentence is matched once per question (cached across questions)."""
    return frozenset(t for t in terms if covered(t, stems))


def weighted_coverage(weights: dict[str, float], stems: frozenset[str]) -> float:
    """Share of the weight of ``weights``' terms found in ``stems``."""
    total = sum(weights.values())
    if not total:
        return 0.0
    found = covered_terms(frozenset(weights), stems)
    return sum(w for t, w in weights.items() if t in found) / total


def missing_rarity(weights: dict[str, float], stems: frozenset[str], top: float) -> float:
    """The rarity (IDF / the largest IDF possible) of the rarest term not in ``stems``."""
    found = covered_terms(frozenset(weights), stems)
    missing = [w for t, w in weights.items() if t not in found]
    return max(missing, default=0.0) / top if top else 0.0


@dataclass(frozen=True)
class Facts:
    """What a sentence holds that could answer, whatever the question: dates, numbers (not
    part of a date), capitalized names, and whether it gives a reason."""

    dates: tuple[str, ...]
    numbers: tuple[str, ...]
    names: tuple[str, ...]
    reason: bool
    content: frozenset[str]  # stems of its words of three letters or more, and numbers


@lru_cache(maxsize=65536)
def facts(sentence: str) -> Facts:
    """Cached per sentence: the regular expressions run once, not once per question."""
    return Facts(
        tuple(m.group() for m in DATE.finditer(sentence)),
        tuple(NUMBER.findall(DATE.sub(" ", sentence))),
        tuple(CAPITALIZED.findall(sentence)),
        bool(REASON.search(sentence)),
        frozenset(stem(w) for w in _CONTENT.findall(sentence)),
    )


def _new(found: tuple[str, ...], asked: frozenset[str]) -> list[str]:
    """The items with a word the question does not have."""
    return [f for f in found if any(stem(w) not in asked for w in tokens(f))]


def has_answer_type(sentence: str, question: Question) -> bool:
    """Does the sentence hold something of the kind asked for, beyond the question's words?"""
    held = facts(sentence)
    asked = frozenset(question.terms)
    if question.answer_type == "date":
        return bool(_new(held.dates, asked))
    if question.answer_type == "count":
        return bool(_new(held.numbers, asked))
    if question.answer_type in ("person", "place", "entity"):
        return bool(_new(held.names, asked))
    if question.answer_type == "reason":
        return held.reason
    return True


@dataclass(frozen=True)
class SentenceInput:
    """One candidate sentence and what surrounds it."""

    sentence: str
    own: frozenset[str]  # stems of the sentence
    context: frozenset[str]  # question terms found in the sentence, its neighbours, the title
    article_coverage: float  # weighted_coverage of the question in the whole article
    index: int  # sentence number in the article
    sentences: int  # sentences in the article
    rank: int  # rank of its passage
    passage_score: float
    dense: float | None
    similarity: float  # word-piece cosine with the question; 0 without an embedder
    bm25_relative: float
    attributed: bool


def sentence_row(
    item: SentenceInput, question: Question, weights: dict[str, float], top_idf: float
) -> list[float]:
    """The ``SENTENCE_FEATURES`` of one sentence, in order."""
    sentence = item.sentence
    scored = topic_weights(question, weights)
    coverage = weighted_coverage(scored, item.own)
    terms = frozenset(question.terms)
    plain = len(covered_terms(terms, item.own)) / len(terms) if terms else 0.0
    held = facts(sentence)
    type_ok = item.attributed if question.is_say else has_answer_type(sentence, question)
    content = held.content
    new = content - terms
    names = {n.lower() for n in _new(held.names, terms)}
    words = len(sentence.split())
    return [
        coverage,
        weighted_coverage(scored, item.context),
        item.article_coverage,
        plain,
        missing_rarity(scored, item.context, top_idf),
        float(type_ok),
        coverage * float(type_ok),
        math.log1p(len(new)),
        math.log1p(len(names)),
        float(bool(_new(held.numbers, terms))),
        float(bool(_new(held.dates, terms))),
        (len(content & terms) / len(content)) if content else 0.0,
        float(question.is_say),
        float(item.attributed),
        float(any(c in sentence for c in '“”"')),
        float(sentence.rstrip().endswith("?")),
        1.0 / (1 + item.rank),
        item.passage_score,
        item.dense or 0.0,
        item.similarity,
        item.bm25_relative,
        item.index / max(1, item.sentences - 1),
        float(item.index == 0),
        math.log(1 + len(sentence)),
        float(words < 6),
        *(0.0 for _ in _GAPS),
    ]


def rerank_rows(first: np.ndarray, meaning: np.ndarray) -> np.ndarray:
    """The ``RERANK_FEATURES`` of the few sentences the first stage ranked best."""
    odds = np.log(np.clip(first, 1e-6, 1 - 1e-6) / np.clip(1 - first, 1e-6, 1))
    if not len(first):
        return np.zeros((0, len(RERANK_FEATURES)))
    return np.column_stack([odds, odds - odds.max(), meaning, meaning - meaning.max()])


def with_gaps(rows: np.ndarray) -> np.ndarray:
    """Fill the ``*_gap`` columns of one question's rows: each value minus the best of its
    column, since what matters is how a sentence compares with the others retrieved."""
    if len(rows):
        for gap, source in _GAPS.items():
            column = rows[:, SENTENCE_FEATURES.index(source)]
            rows[:, SENTENCE_FEATURES.index(gap)] = column - column.max()
    return rows


def topic_weights(question: Question, weights: dict[str, float]) -> dict[str, float]:
    """For "what did X say about Y" the topic is what the sentence must cover: X is found
    by attribution, not by the sentence naming X."""
    if question.is_say and question.topic_terms:
        return {t: weights.get(t, 1.0) for t in question.topic_terms}
    return weights


def answerability_row(
    probabilities: list[float],
    chosen: list[float],
    best: list[float],
    question: Question,
    weights: dict[str, float],
    passage_stems: frozenset[str],
    top_dense: float,
    top_idf: float,
) -> list[float]:
    """The ``ANSWERABILITY_FEATURES`` of one question: ``probabilities`` of all its
    candidates best first, ``chosen`` those answered with, ``best`` the best sentence's row."""
    index = SENTENCE_FEATURES.index
    none_chosen = 1.0
    for p in chosen:
        none_chosen *= 1 - p
    kind = "say" if question.is_say else question.answer_type
    return [
        probabilities[0] if probabilities else 0.0,
        1 - none_chosen,
        best[index("coverage")],
        best[index("type_ok")],
        best[index("similarity")],
        best[index("context_coverage")],
        best[index("article_coverage")],
        missing_rarity(topic_weights(question, weights), passage_stems, top_idf),
        best[index("missing_idf")],
        top_dense,
        *(float(kind == t) for t in _TYPES),
        float(kind == "say"),
    ]
