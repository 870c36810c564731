"""The scores, each defined once, so that every report and test means the same thing.

Retrieval uses ``pytrec_eval`` (the trec_eval implementation that BEIR itself scores with),
so nDCG@10 and Recall@k here are comparable with published BEIR numbers. Rankings are passed
as ordered lists and turned into strictly decreasing scores, so ties in newsrag's own scores
keep the order newsrag returned instead of trec_eval's tie-break by document id. MRR@10 is
trec_eval's reciprocal rank over the first ten documents.

Answers use the official SQuAD v2.0 script's normalization, exact match and F1 (lower case,
no ASCII punctuation, no articles a/an/the, single spaces; an unanswerable question's only
gold answer is the empty string, which an abstention matches).
"""

from __future__ import annotations

import collections
import math
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CUTOFFS = (1, 5, 10, 100)
CURVE = (1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 70, 100)
_MARKER = re.compile(r"\s*\[\d+\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)


# ---- retrieval ---------------------------------------------------------------------------


@dataclass
class RetrievalScores:
    """Means over the judged queries that have at least one relevant document."""

    queries: int
    skipped: int  # questions without a relevant document (e.g. unanswerable ones)
    recall: dict[int, float] = field(default_factory=dict)
    mrr_at_10: float = 0.0
    ndcg_at_10: float = 0.0
    curve: dict[int, float] = field(default_factory=dict)  # Recall@k for the plot
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)


def _as_run(ranking: Sequence[str]) -> dict[str, float]:
    """Strictly decreasing scores in the given order; a repeated document keeps its first
    (best) rank, as a document's score is the best of its chunks."""
    run: dict[str, float] = {}
    for doc in ranking:
        if doc not in run:
            run[doc] = float(len(ranking) - len(run))
    return run


def retrieval_metrics(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Sequence[str]],
    cutoffs: Sequence[int] = CUTOFFS,
) -> RetrievalScores:
    """Recall@k, MRR@10 and nDCG@10 (graded gain, log2 discount) per query and averaged.

    A query with judgments but no retrieved document scores 0 (trec_eval ``-c``); a query
    whose judgments hold no relevant document is left out and counted in ``skipped``.
    """
    import pytrec_eval

    judged = {
        q: {d: int(g) for d, g in docs.items()}
        for q, docs in qrels.items()
        if any(g > 0 for g in docs.values())
    }
    skipped = len(qrels) - len(judged)
    if not judged:
        return RetrievalScores(0, skipped)
    curve = [k for k in CURVE if k <= max(cutoffs, default=0)]
    recall_at = sorted(set(cutoffs) | set(curve))
    recall_key = "recall." + ",".join(map(str, recall_at))
    runs = {q: _as_run(rankings.get(q, [])) for q in judged}
    runs = {q: r for q, r in runs.items() if r}
    measures = {recall_key, "ndcg_cut.10"} if recall_at else {"ndcg_cut.10"}
    full = pytrec_eval.RelevanceEvaluator(judged, measures).evaluate(runs)
    top10 = {q: dict(list(r.items())[:10]) for q, r in runs.items()}
    rr = pytrec_eval.RelevanceEvaluator(judged, {"recip_rank"}).evaluate(top10)
    per_query: dict[str, dict[str, float]] = {}
    for q in judged:
        scores = full.get(q, {})
        row = {f"recall@{k}": float(scores.get(f"recall_{k}", 0.0)) for k in recall_at}
        row["ndcg@10"] = float(scores.get("ndcg_cut_10", 0.0))
        row["mrr@10"] = float(rr.get(q, {}).get("recip_rank", 0.0))
        per_query[q] = row

    def mean(key: str) -> float:
        return float(np.mean([row[key] for row in per_query.values()]))

    return RetrievalScores(
        queries=len(judged),
        skipped=skipped,
        recall={k: mean(f"recall@{k}") for k in cutoffs},
        mrr_at_10=mean("mrr@10"),
        ndcg_at_10=mean("ndcg@10"),
        curve={k: mean(f"recall@{k}") for k in curve},
        per_query=per_query,
    )


# ---- answers (official SQuAD v2.0 definitions) -------------------------------------------


def normalize_answer(text: str) -> str:
    """Lower text and remove punctuation, articles and extra whitespace (SQuAD's own)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _tokens(text: str) -> list[str]:
    return normalize_answer(text).split() if text else []


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction: str, gold: str) -> float:
    """Token-overlap F1; when either side is empty, 1 only if both are."""
    predicted, wanted = _tokens(prediction), _tokens(gold)
    if not predicted or not wanted:
        return float(predicted == wanted)
    common = collections.Counter(predicted) & collections.Counter(wanted)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(wanted)
    return 2 * precision * recall / (precision + recall)


def best_over_gold(metric: str, prediction: str, answers: Sequence[str]) -> float:
    """SQuAD scores a prediction against its best gold answer; no gold answer means the
    question is unanswerable and the right prediction is the empty string."""
    score = exact_match if metric == "em" else f1
    golds = [a for a in answers if normalize_answer(a)] or [""]
    return max(score(prediction, gold) for gold in golds)


def prediction_text(answer: str, abstained: bool) -> str:
    """The answer as a SQuAD prediction: empty for an abstention, ``[n]`` markers removed."""
    return "" if abstained else " ".join(_MARKER.sub("", answer).split())


def _normalize_unicode(text: str) -> str:
    """SQuAD's normalization, with Unicode punctuation (curly quotes, dashes) removed too:
    news text quotes with “…”, which the official ASCII-only rule would glue to words."""
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return normalize_answer(text)


def contains_gold(prediction: str, answers: Sequence[str]) -> bool:
    """A gold answer appears in the prediction as whole words (both normalized, Unicode
    punctuation included): what an extractive, sentence-quoting answerer can achieve."""
    text = f" {_normalize_unicode(prediction)} "
    return any(f" {gold} " in text for gold in map(_normalize_unicode, answers) if gold)


@dataclass
class AnswerScores:
    questions: int
    answerable: int
    exact_match: float  # over all questions (SQuAD v2 "exact")
    f1: float
    has_answer_exact_match: float | None
    has_answer_f1: float | None
    no_answer_exact_match: float | None  # = share of unanswerable questions abstained on
    contains_gold: float | None  # share of answerable questions whose answer holds gold
    answered: float  # share of all questions not abstained on
    # the answer's short answer (the span that answers), over answerable questions; a
    # question without one scores 0
    short_answer_given: float | None = None
    short_answer_exact_match: float | None = None
    short_answer_f1: float | None = None


@dataclass(frozen=True)
class AnswerCase:
    answers: tuple[str, ...]
    prediction: str
    abstained: bool
    short: str | None = None  # the short answer's text; None when the answer has none


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return float(np.mean(values)) if values else None


def answer_metrics(cases: Sequence[AnswerCase]) -> AnswerScores:
    em = [best_over_gold("em", c.prediction, c.answers) for c in cases]
    f = [best_over_gold("f1", c.prediction, c.answers) for c in cases]
    has = [i for i, c in enumerate(cases) if any(normalize_answer(a) for a in c.answers)]
    no = [i for i in range(len(cases)) if i not in set(has)]
    return AnswerScores(
        questions=len(cases),
        answerable=len(has),
        exact_match=_mean(em) or 0.0,
        f1=_mean(f) or 0.0,
        has_answer_exact_match=_mean(em[i] for i in has),
        has_answer_f1=_mean(f[i] for i in has),
        no_answer_exact_match=_mean(em[i] for i in no),
        contains_gold=_mean(
            float(contains_gold(cases[i].prediction, cases[i].answers)) for i in has
        ),
        answered=_mean(float(not c.abstained) for c in cases) or 0.0,
        short_answer_given=_mean(float(bool(cases[i].short)) for i in has),
        short_answer_exact_match=_mean(_short_score("em", cases[i]) for i in has),
        short_answer_f1=_mean(_short_score("f1", cases[i]) for i in has),
    )


def _short_score(metric: str, case: AnswerCase) -> float:
    return best_over_gold(metric, case.short, case.answers) if case.short else 0.0


# ---- citations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CitationCase:
    """One answered question's citations: for each, whether it points to a gold source and
    whether its quote equals the source text at its offsets (None: could not be checked)."""

    answerable: bool
    gold: tuple[bool, ...]
    exact: tuple[bool | None, ...]


@dataclass
class CitationScores:
    citations: int
    quotes_checked: int
    quotes_exact: int
    quote_exactness: float | None  # exact / checked; anything below 1.0 is a bug
    precision: float | None  # citations of answerable questions that point to a gold source
    recall: float | None  # answerable questions with >= 1 citation to a gold source


def citation_metrics(cases: Sequence[CitationCase]) -> CitationScores:
    """Precision counts only the citations given for answerable questions (a question with
    no gold source cannot have a right citation: that failure is scored by abstention)."""
    checked = [e for c in cases for e in c.exact if e is not None]
    answerable = [c for c in cases if c.answerable]
    on_answerable = [g for c in answerable for g in c.gold]
    return CitationScores(
        citations=sum(len(c.gold) for c in cases),
        quotes_checked=len(checked),
        quotes_exact=sum(checked),
        quote_exactness=sum(checked) / len(checked) if checked else None,
        precision=sum(on_answerable) / len(on_answerable) if on_answerable else None,
        recall=(sum(any(c.gold) for c in answerable) / len(answerable)) if answerable else None,
    )


# ---- abstention --------------------------------------------------------------------------


@dataclass
class AbstentionScores:
    abstained: int
    unanswerable: int
    precision: float | None  # abstentions that were on unanswerable questions
    recall: float | None  # unanswerable questions abstained on


def abstention_metrics(cases: Sequence[tuple[bool, bool]]) -> AbstentionScores:
    """``cases`` are (answerable, abstained) pairs."""
    abstained = [answerable for answerable, did in cases if did]
    unanswerable = [did for answerable, did in cases if not answerable]
    right = sum(not answerable for answerable in abstained)
    return AbstentionScores(
        abstained=len(abstained),
        unanswerable=len(unanswerable),
        precision=right / len(abstained) if abstained else None,
        recall=sum(unanswerable) / len(unanswerable) if unanswerable else None,
    )


# ---- LLM mode: what the grounding check did ----------------------------------------------


@dataclass
class GenerationScores:
    """Over the answers given in LLM mode: the model's sentences, how many the grounding
    check kept, and how often too little survived and the extractive answer stood in."""

    answers: int
    sentences: int
    kept: int
    dropped: int
    dropped_share: float | None
    fallbacks: int
    fallback_rate: float | None
    drop_reasons: dict[str, int]  # reason kind -> sentences dropped for it
    fallback_reasons: dict[str, int]


_REASON_KINDS = (
    ("numbers not in", "number not in passage"),
    ("names not in", "name not in article"),
    ("negation", "negation differs"),
    ("of its words", "low word coverage"),
    ("only passages", "cites a passage not given"),
    ("instruction-like", "quotes instruction-like text"),
    ("is not in passage", "quote not in passage"),
    ("shorter than", "quote too short"),
    ("no quote", "no quote"),
    ("no citation", "no citation"),
    ("could not reach", "model unreachable"),
    ("did not answer within", "model timed out"),
    ("took longer than", "model timed out"),
    ("answered HTTP", "model HTTP error"),
    ("do not answer the question", "model declined"),
    ("passed the check", "too few sentences passed"),
    ("wrote no sentence", "model wrote nothing"),
)


def reason_kind(reason: str) -> str:
    """Reasons carry specifics (which number, which passage); counts need their kind."""
    return next((kind for needle, kind in _REASON_KINDS if needle in reason), "other")


def generation_metrics(verifications: Sequence[Mapping[str, Any] | None]) -> GenerationScores:
    """``verifications`` are the answers' ``verification`` objects as dicts (None: not LLM)."""
    given = [v for v in verifications if v]
    sentences = [s for v in given for s in v["sentences"]]
    dropped = [s for s in sentences if not s["kept"]]
    fallbacks = [v for v in given if v["outcome"] == "fallback"]
    drops = collections.Counter(reason_kind(s["reason"]) for s in dropped)
    falls = collections.Counter(reason_kind(v["reason"] or "") for v in fallbacks)
    return GenerationScores(
        answers=len(given),
        sentences=len(sentences),
        kept=len(sentences) - len(dropped),
        dropped=len(dropped),
        dropped_share=round(len(dropped) / len(sentences), 4) if sentences else None,
        fallbacks=len(fallbacks),
        fallback_rate=round(len(fallbacks) / len(given), 4) if given else None,
        drop_reasons=dict(drops.most_common()),
        fallback_reasons=dict(falls.most_common()),
    )


# ---- latency -----------------------------------------------------------------------------


def latency_percentiles(
    timings: Sequence[Mapping[str, float]],
) -> dict[str, dict[str, float]]:
    """p50/p95/mean per stage over the questions that report that stage (linear
    interpolation between ranks, numpy's default)."""
    stages: dict[str, list[float]] = {}
    for row in timings:
        for stage, value in row.items():
            if value is not None and math.isfinite(value):
                stages.setdefault(stage, []).append(float(value))
    return {
        stage: {
            "p50": round(float(np.percentile(values, 50)), 2),
            "p95": round(float(np.percentile(values, 95)), 2),
            "mean": round(float(np.mean(values)), 2),
            "n": len(values),
        }
        for stage, values in stages.items()
    }
