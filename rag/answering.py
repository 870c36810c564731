"""Extractive answers: pick the sentences of the retrieved passages that answer the question,
quote them exactly, or abstain.

Similarity alone cannot tell "the articles discuss this" from "the articles answer this" (an
on-topic question the articles cannot answer often scores higher than one they can), and a
lead sentence that restates the question covers its words better than the sentence holding
the answer. So each candidate sentence is described by what answering takes
(``rag.sentence_features``: rarity-weighted coverage of the question, the answer type asked
for, something the question does not already say, attribution for "what did X say", its
place in the article and in the retrieval) and scored by a logistic model learned from real
news-quiz questions (``rag.answer_model``, trained by ``bench/train_answerer.py``). A second
stage re-scores the best few with the embedding model's own cosine (``rag.similarity``), and
a third model turns the best sentences and the evidence's coverage of the question's rare
words into the probability that the answer holds the answer; below
``NEWSRAG_ABSTAIN_THRESHOLD`` we abstain. The chosen quotes then take the sentence before
when they lean on it (``rag.referents``), and wire copies of one sentence become one
citation. Measurements: docs/answers.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from index.embedding import Embedder
from index.protocols import KeywordIndex
from index.records import StoredArticle
from index.text import STOPWORDS, content_words, split_sentences
from rag.answer_model import AnswerModel, load_model
from rag.attribution import attributed_to, interview_voice, is_quote
from rag.question import ROLE_NOUNS, Question
from rag.referents import leans_on_previous
from rag.retrieval import Passage
from rag.sentence_features import (
    SENTENCE_FEATURES,
    SentenceInput,
    answerability_row,
    covered_terms,
    rerank_rows,
    sentence_row,
    sentence_stems,
    stems_of,
    topic_weights,
    weighted_coverage,
    with_gaps,
)
from rag.similarity import ContextualVectors, StaticVectors

ABSTAIN_TEXT = "The indexed articles don't cover this."
# The answerability model learned from quiz questions, which never ask "what did X say about
# Y". For those, the evidence is plain: a sentence the text attributes to X that names Y.
SAY_ANSWERABILITY = 0.5
SUMMARY_SENTENCES = 5  # "Summarize coverage of X": 3-5 sentences, each from its own article
SUMMARY_MIN_SHARE = 0.25  # ... each scoring at least this share of the best
SUMMARY_MIN_COVERAGE = 0.6  # ... and on the topic: its words in the sentence, around, title
MIN_WIRE_CHARS = 40
MIN_STATEMENT_WORDS = 6  # summaries and definitions quote full statements only


@dataclass
class Candidate:
    article: StoredArticle
    start: int
    end: int
    passage_rank: int
    passage_score: float
    score: float = 0.0  # the sentence model's probability that it holds the answer
    attributed: bool = False
    speaker: str | None = None
    copies: list[Candidate] = field(default_factory=list)  # the same sentence elsewhere

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]


@dataclass
class Selection:
    """The sentences chosen for the answer, best first, and the answerability: the
    probability that they hold the answer."""

    sentences: list[Candidate]
    answerability: float


@dataclass
class Featurized:
    """A question's candidate sentences, their feature rows, and what the answerability
    features need besides (``bench/train_answerer.py`` fits the models on these)."""

    question: Question
    candidates: list[Candidate]
    rows: np.ndarray
    weights: dict[str, float]
    passage_stems: frozenset[str]
    top_dense: float
    top_idf: float


@lru_cache(maxsize=2048)
def _sentences(article_id: str, content_hash: str, text: str) -> tuple[tuple[int, int], ...]:
    return tuple(split_sentences(text))


class ExtractiveAnswerer:
    """Configured with the store (for IDF and article text), the abstention threshold (a
    probability), the most sentences an answer quotes, and with an embedder, how many of the
    best sentences the second stage re-scores (``NEWSRAG_RERANK_SENTENCES``) and how close
    the first stage's best two must be for it to run (``NEWSRAG_RERANK_WITHIN``)."""

    def __init__(
        self,
        store: KeywordIndex,
        threshold: float = 0.5,
        max_sentences: int = 3,
        model: AnswerModel | None = None,
        embedder: Embedder | None = None,
        rerank: int = 0,
        rerank_within: float = 1.0,
    ):
        self.store = store
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.rerank = rerank
        self.rerank_within = rerank_within
        self.model = model or load_model()
        # word-piece cosine for every candidate (cheap); the model's own cosine only for the
        # first stage's best few, which the second stage re-scores (rag/similarity.py)
        self.static = StaticVectors(embedder) if embedder is not None else None
        self.contextual = ContextualVectors(embedder) if embedder is not None else None

    def weights(self, question: Question) -> dict[str, float]:
        """IDF per question term: rare names weigh more than common words."""
        counts, total = self.store.document_frequencies(question.words)
        weights: dict[str, float] = {}
        for word, term in zip(question.words, question.terms, strict=True):
            df = counts.get(word, 0)
            weights[term] = max(weights.get(term, 0.0), math.log(1 + (total + 1) / (df + 0.5)))
        return weights

    def select(self, question: Question, passages: list[Passage]) -> Selection:
        featurized = self.featurize(question, passages)
        if not featurized.candidates:
            return Selection([], 0.0)
        probabilities = self.probabilities(featurized)
        copies = wire_copies(featurized.candidates, probabilities)
        # a copy never takes a place in the answer (its best-scored twin lists it instead),
        # nor does a question the article asks ("How did Musk wind up buying Twitter?"): it
        # says nothing, and only "what did X say" may quote one
        unusable = list(copies) + ([] if question.is_say else asking(featurized.candidates))
        if len(unusable) == len(featurized.candidates):
            return Selection([], 0.0)
        masked = probabilities.copy()
        masked[unusable] = -1.0
        chosen = self.choose(masked)
        row = self.answerability_row(featurized, probabilities, chosen)
        candidates = featurized.candidates
        answerability = float(self.model.answerability.predict(np.array([row]))[0])
        if question.is_say:
            # "what did X say about Y": X's own words on Y, best first, not the sentences
            # around them; the model never saw such questions, so their presence decides.
            order = sorted(range(len(candidates)), key=lambda i: -probabilities[i])
            on_topic = [i for i in order if _speaker_on_topic(question, candidates[i])]
            if on_topic:
                chosen = on_topic[: self.max_sentences]
                answerability = max(answerability, SAY_ANSWERABILITY)
            elif candidates[chosen[0]].attributed:
                chosen = [i for i in chosen if candidates[i].attributed]
        if question.intent != "fact":
            first = self.model.sentence.predict(featurized.rows)  # all, not the re-ranked few
            first[unusable] = -1.0
            # several sentences stand side by side: a heading ("Midterms") or a related-link
            # headline among them reads as junk, so only full statements
            first[[i for i, c in enumerate(candidates) if not is_statement(c.text)]] = -1.0
            pick = self._definition if question.intent == "define" else self._summary_or_comparison
            chosen, answerability = pick(question, featurized, first, answerability)
            probabilities = np.maximum(probabilities, first)
        for candidate, p in zip(featurized.candidates, probabilities, strict=True):
            candidate.score = float(p)
        for duplicate, twin in copies.items():
            if candidates[duplicate].article.article_id != candidates[twin].article.article_id:
                candidates[twin].copies.append(candidates[duplicate])  # listed in ``also_in``
        return Selection(with_referents([candidates[i] for i in chosen]), answerability)

    def _definition(
        self, question: Question, featurized: Featurized, scores: np.ndarray, answerability: float
    ) -> tuple[list[int], float]:
        """For "Who is Rishi Sunak?" and "What is OPEC?": the sentences that say who or what the
        name is ("Sunak, whose parents came to the UK …, is of Indian descent", "OPEC is a
        group of …"), the best of each article first, up to ``max_sentences``, and the
        answerability at least ``SAY_ANSWERABILITY`` when there is one. The model was trained
        on questions that ask for a name, not about one; without such a sentence it decides
        over the best sentences as for any question."""
        candidates = featurized.candidates
        order = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] >= 0]
        subject = question.subject or ""
        describing = {
            i: t for i in order if (t := describes(subject, candidates[i].text)) is not None
        }
        picked: list[int] = []
        articles: set[str] = set()
        for i in sorted(describing, key=describing.__getitem__):  # stable: best first in a tier
            if candidates[i].article.article_id not in articles:
                picked.append(i)
                articles.add(candidates[i].article.article_id)
        if not picked:
            return self.choose(scores), answerability
        return picked[: self.max_sentences], max(answerability, SAY_ANSWERABILITY)

    def _summary_or_comparison(
        self, question: Question, featurized: Featurized, scores: np.ndarray, answerability: float
    ) -> tuple[list[int], float]:
        """The sentences of a summary (the best of each article on the topic, up to
        ``SUMMARY_SENTENCES``) or of a comparison (the best on each side), and the
        answerability: at least ``SAY_ANSWERABILITY`` when they were found. The model was
        trained on one-fact questions, so for these the sentences found decide, as for "what
        did X say"."""
        candidates = featurized.candidates
        coverage = featurized.rows[:, SENTENCE_FEATURES.index("coverage")]
        context = featurized.rows[:, SENTENCE_FEATURES.index("context_coverage")]
        order = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] >= 0]
        if not order:
            return [], answerability
        if question.intent == "compare":
            sides = [stems_of(side) for side in question.compared]
            picked = []
            for side in sides:
                found = next(
                    (i for i in order if side <= stems_of(candidates[i].text) and i not in picked),
                    None,
                )
                if found is not None:
                    picked.append(found)
            enough = len(picked) == len(sides)
        else:
            floor = scores[order[0]] * SUMMARY_MIN_SHARE
            on_topic = [
                i
                for i in order
                if scores[i] >= floor and coverage[i] > 0 and context[i] >= SUMMARY_MIN_COVERAGE
            ]
            picked, articles = [], set()
            for i in on_topic:
                if candidates[i].article.article_id not in articles:
                    picked.append(i)
                    articles.add(candidates[i].article.article_id)
            picked = picked[:SUMMARY_SENTENCES]
            # one or two articles on it: their next best sentences, up to three in all
            picked += [i for i in on_topic if i not in picked][: max(0, 3 - len(picked))]
            enough = bool(picked)
        if not picked:
            return [order[0]], answerability
        return picked, max(answerability, SAY_ANSWERABILITY) if enough else answerability

    def probabilities(self, featurized: Featurized) -> np.ndarray:
        """Each candidate's probability of holding the answer, in two stages: the sentence
        model over all candidates, then, when its best two are closer than
        ``self.rerank_within``, the re-ranker over its best ``self.rerank`` with the model's
        own cosine; the rest get 0, since only those few can be answered with."""
        first = self.model.sentence.predict(featurized.rows)
        if self.contextual is None or not self.rerank or not len(first):
            return first
        top = np.argsort(-first, kind="stable")[: self.rerank]
        if len(top) > 1 and first[top[0]] - first[top[1]] >= self.rerank_within:
            return first  # a clear first choice: the re-ranker decides close calls only
        meaning = self.contextual.similarities(
            featurized.question.text, [featurized.candidates[i] for i in top]
        )
        second = np.zeros_like(first)
        second[top] = self.model.rerank.predict(rerank_rows(first[top], meaning))
        return second

    def choose(self, probabilities: np.ndarray, gap: float | None = None) -> list[int]:
        """Indices of the sentences to answer with, best first: the best, then the next
        best while they score within ``gap`` (relative) of it."""
        gap = self.model.max_relative_gap if gap is None else gap
        order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])
        best = probabilities[order[0]]
        return [i for i in order[: self.max_sentences] if probabilities[i] >= best * (1 - gap)]

    def answerability_row(
        self, featurized: Featurized, probabilities: np.ndarray, chosen: list[int]
    ) -> list[float]:
        ranked = sorted((float(p) for p in probabilities), reverse=True)
        return answerability_row(
            ranked,
            [float(probabilities[i]) for i in chosen],
            [float(v) for v in featurized.rows[chosen[0]]],
            featurized.question,
            featurized.weights,
            featurized.passage_stems,
            featurized.top_dense,
            featurized.top_idf,
        )

    def featurize(self, question: Question, passages: list[Passage]) -> Featurized:
        weights = self.weights(question)
        total = self.store.document_frequencies([])[1]
        top_idf = math.log(1 + (total + 1) / 0.5)
        top_bm25 = max((p.bm25 or 0.0 for p in passages), default=0.0)
        scored = topic_weights(question, weights)
        terms = frozenset(scored) | frozenset(question.terms)
        passage_stems: frozenset[str] = frozenset()
        candidates: list[Candidate] = []
        items: list[SentenceInput] = []
        seen: set[tuple[str, int]] = set()
        for rank, passage in enumerate(passages):
            chunk = passage.chunk
            article = chunk.article
            spans = _sentences(article.article_id, article.content_hash, article.text)
            stems = sentence_stems(article.article_id, article.content_hash, article.text, spans)
            title = stems_of(article.title)
            inside = [i for i, (s, e) in enumerate(spans) if e > chunk.start and s < chunk.end]
            passage_stems = passage_stems.union(title, *(stems[i] for i in inside))
            found = (
                {
                    i: covered_terms(terms, stems[i])
                    for i in range(max(0, inside[0] - 1), min(len(spans), inside[-1] + 2))
                }
                if inside
                else {}
            )
            title_found = covered_terms(terms, title)
            coverage = weighted_coverage(scored, title.union(*stems))
            for index in inside:
                start, end = spans[index]
                if (article.article_id, start) in seen:
                    continue
                seen.add((article.article_id, start))
                candidate = Candidate(article, start, end, rank, passage.score)
                if question.is_say:
                    candidate.attributed = self._attributed(question, article, spans, index)
                    candidate.speaker = question.speaker if candidate.attributed else None
                around = (found[i] for i in (index - 1, index + 1) if i in found)
                item = SentenceInput(
                    sentence=candidate.text,
                    own=stems[index],
                    context=found[index].union(title_found, *around),
                    article_coverage=coverage,
                    index=index,
                    sentences=len(spans),
                    rank=rank,
                    passage_score=passage.score,
                    dense=passage.dense,
                    similarity=0.0,  # set below, for all candidates in one batch
                    bm25_relative=(passage.bm25 or 0.0) / top_bm25 if top_bm25 > 0 else 0.0,
                    attributed=candidate.attributed,
                )
                candidates.append(candidate)
                items.append(item)
        similarities = (
            self.static.similarities(question.text, [c.text for c in candidates])
            if self.static
            else np.zeros(len(items))
        )
        rows = [
            sentence_row(replace(item, similarity=float(s)), question, weights, top_idf)
            for item, s in zip(items, similarities, strict=True)
        ]
        matrix = with_gaps(np.array(rows, dtype=float).reshape(len(rows), len(SENTENCE_FEATURES)))
        top_dense = passages[0].dense or 0.0 if passages else 0.0
        return Featurized(question, candidates, matrix, weights, passage_stems, top_dense, top_idf)

    @staticmethod
    def _attributed(
        question: Question, article: StoredArticle, spans: tuple[tuple[int, int], ...], index: int
    ) -> bool:
        sentence = article.text[slice(*spans[index])]
        return (
            is_quote(sentence)
            and attributed_to(article.text, list(spans), index, question.speaker_terms)
        ) or interview_voice(article.title, article.text, sentence, question.speaker_terms)


def wire_copies(candidates: list[Candidate], probabilities: np.ndarray) -> dict[int, int]:
    """Candidates that repeat another sentence word for word, each mapped to its best-scored
    twin: another article's (one wire story run by several outlets) or their own article's
    (a lede repeated further down)."""
    twins: dict[str, int] = {}
    copies: dict[int, int] = {}
    for i in sorted(range(len(candidates)), key=lambda i: -probabilities[i]):
        text = candidates[i].text
        if len(text) < MIN_WIRE_CHARS:  # "Read more." is not a shared story
            continue
        twin = twins.setdefault(wire_key(text), i)
        if twin != i:
            copies[i] = twin
    return copies


_STATEMENT_END = re.compile(r"[.!][\"'”’)]*$")


def is_statement(text: str, min_words: int = MIN_STATEMENT_WORDS) -> bool:
    """A full sentence, not a heading, caption or headline: some words, ending in a full
    stop or an exclamation mark (a question is no statement either)."""
    return len(text.split()) >= min_words and bool(_STATEMENT_END.search(text))


def wire_key(text: str) -> str:
    """A sentence as wire copies share it: case, quote marks and spacing aside."""
    return " ".join(text.casefold().replace("’", "'").replace("“", '"').replace("”", '"').split())


@lru_cache(maxsize=256)
def _describing(name: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    words = name.split()  # "Sunak" of Rishi Sunak, "Xi" of Xi Jinping
    names = "|".join(re.escape(n) for n in dict.fromkeys([name, *words[:1], *words[-1:]]) if n)
    aside_or_copula = re.compile(
        rf"\b(?:{names})(?:['’]s)?(?:\s*,\s+(?:(?:a|an|the|who|whose|which|now|once|formerly|"
        r"former|chief|head|leader|president|founder|chair\w*|director|minister|secretary|"
        r"governor|senator|owner)\b|\d{1,3},)|\s+(?:is|was|has\s+been|became|becomes|remains)"
        r"\s+(?:a|an|the|now|still|also|one|[A-Z][\w-]*['’]s)\b)"
    )
    roles = "|".join(sorted(ROLE_NOUNS))
    role_before = re.compile(rf"\b(?i:{roles})\s+(?:[A-Z][\w.’'-]*\s+){{0,2}}(?:{names})\b")
    return aside_or_copula, role_before


def describes(name: str, sentence: str) -> int | None:
    """How well a sentence says who or what ``name`` (or its first or last word) is:
    0 for an aside after it ("Sunak, a former banker,", "Sunak, 42,", "…, whose parents …")
    or a copula ("OPEC is a group of …", "Sunak became Britain's …"); 1 for a role before
    it ("strongman leader Xi Jinping", "House Speaker Kevin McCarthy"); None when it does
    not. A comma alone is not enough: "Truss and Sunak, have both vowed" says nothing of
    him."""
    aside_or_copula, role_before = _describing(name)
    for match in aside_or_copula.finditer(sentence):
        # "Cherelle Griner, the wife of Brittney Griner": another first name before the
        # surname is another person ("But Sunak," and "President Xi," are the same one)
        before = _CAPITALIZED_BEFORE.search(sentence, 0, match.start())
        if (
            sentence.startswith(name, match.start())
            or before is None
            or before.group(1).lower() in ROLE_NOUNS | STOPWORDS
        ):
            return 0
    return 1 if role_before.search(sentence) else None


_CAPITALIZED_BEFORE = re.compile(r"([A-Z][\w’'.-]*)\s+$")


def asking(candidates: list[Candidate]) -> list[int]:
    """The candidates that are questions (a sub-heading "What happens next?", a reader's
    question), not statements."""
    return [i for i, c in enumerate(candidates) if c.text.rstrip(" \"'”’)").endswith("?")]


def with_referents(chosen: list[Candidate]) -> list[Candidate]:
    """A chosen sentence that leans on the one before ("He said…", "The company…") is
    quoted together with it, unless that sentence is chosen already or ends a paragraph
    (across a paragraph break "This…" refers to the story, not to the last line)."""
    starts = {(c.article.article_id, c.start) for c in chosen}
    for candidate in chosen:
        if not leans_on_previous(candidate.text):
            continue
        article = candidate.article
        spans = _sentences(article.article_id, article.content_hash, article.text)
        index = next((i for i, (s, _) in enumerate(spans) if s == candidate.start), 0)
        if index == 0 or (article.article_id, spans[index - 1][0]) in starts:
            continue
        if "\n" not in article.text[spans[index - 1][1] : candidate.start]:
            candidate.start = spans[index - 1][0]
    return chosen


def _speaker_on_topic(question: Question, candidate: Candidate) -> bool:
    """The best sentence is attributed to the asked speaker and holds a topic word."""
    if not candidate.attributed or not question.topic_terms:
        return False
    return bool(set(content_words(candidate.text)) & set(question.topic_terms))
