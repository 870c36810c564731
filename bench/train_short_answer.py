"""Train the short-answer model (``rag/models/short_answer.json``) on the dev quiz's train
weeks and report it on the validation weeks.

    OMP_NUM_THREADS=1 python -m bench.train_short_answer --index /tmp/rtqa-sub

For each train-week question the corpus answers (the team's audit, ``bench/answer_data.py``;
elsewhere a candidate equal to the answer is a coincidence): the answer the product would
quote (its retrieval, the shipped answer model's sentences, abstention off so every question
teaches something), every candidate span in those quotes (``rag.short_answer.candidates``)
and whether it is a gold answer (SQuAD exact match). A logistic regression ranks the
candidates. The threshold below which no short answer is given is chosen on the train weeks
(out of fold) on the questions whose quotes hold a gold answer: the lowest at which the
short answer agrees with that evidence at least ``MIN_PRECISION`` of the time. (Where the
quotes miss the answer the short answer is wrong with them; the answerability threshold,
not this one, is what guards that.) The file holds only feature names and numbers.
Deterministic; about two minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from api.settings import Settings
from bench.answer_data import Item, dev_split, retrieve
from bench.train_answerer import SEED, blank_logistic, fit_logistic
from rag import pipeline
from rag.answer_model import Logistic
from rag.evaluation.metrics import best_over_gold, contains_gold
from rag.pipeline import NewsRAG, compose
from rag.question import analyze
from rag.short_answer import (
    MODEL_PATH,
    SHORT_FEATURES,
    ShortAnswerModel,
    SpanCandidate,
    candidates,
    find_span,
    kind_of,
)

MIN_PRECISION = 0.5  # a wrong bold lead misleads: right at least half the time (docs/answers.md)
FOLDS = 5


@dataclass
class Case:
    item: Item
    found: list[SpanCandidate]
    labels: np.ndarray  # per candidate: exact match with a gold answer
    first_rule: str  # the old rule's pick (first span of the best quote), for comparison
    in_quotes: bool  # a gold answer is in the quotes: the short answer can be right


def build_cases(rag: NewsRAG, items: list[Item], k: int) -> list[Case]:
    cases = []
    for item in items:
        question = analyze(item.question)
        retrieval = retrieve(rag, item, k)
        selection = rag.answerer.select(question, retrieval.passages)
        _, citations = compose(selection.sentences)
        found = candidates(question, citations, [p.chunk.text for p in retrieval.passages])
        labels = np.array([best_over_gold("em", c.span.text, item.answers) for c in found])
        first = ""
        for citation in sorted(citations, key=lambda c: (-c.score, c.n)):
            span = find_span(question, citation.quote, citation.start)
            if span is not None:
                first = span.text
                break
        quotes = " ".join(c.quote for c in citations)
        cases.append(Case(item, found, labels, first, contains_gold(quotes, item.answers)))
    return cases


def stack(cases: list[Case]) -> tuple[np.ndarray, np.ndarray]:
    rows = [c.row for case in cases for c in case.found]
    labels = np.concatenate([case.labels for case in cases if case.found] or [np.zeros(0)])
    return np.array(rows, dtype=float).reshape(-1, len(SHORT_FEATURES)), labels


def picks(scorer_of: list[Logistic], cases: list[Case]) -> list[tuple[float, float]]:
    """(best candidate's probability, its exact match) per case with candidates."""
    out = []
    for scorer, case in zip(scorer_of, cases, strict=True):
        if not case.found:
            continue
        p = scorer.predict(np.array([c.row for c in case.found]))
        best = int(np.argmax(p))
        out.append((float(p[best]), float(case.labels[best])))
    return out


def choose_threshold(pairs: list[tuple[float, float]]) -> float:
    """The lowest threshold at which the short answers given are right >= MIN_PRECISION."""
    for threshold in np.arange(0.0, 1.0, 0.01):
        given = [right for p, right in pairs if p >= threshold]
        if given and sum(given) / len(given) >= MIN_PRECISION:
            return round(float(threshold), 2)
    return 1.0


def report(cases: list[Case], model: ShortAnswerModel) -> dict[str, float]:
    """Over all questions: short answers given, their exact match, and the old rule's; and
    how often the short answer is right where the quotes hold a gold answer."""
    n = len(cases)
    with_found = [c for c in cases if c.found]
    given = [
        (right, case.in_quotes)
        for (p, right), case in zip(picks([model.scorer] * n, cases), with_found, strict=True)
        if p >= model.threshold
    ]
    on_evidence = [right for right, in_quotes in given if in_quotes]
    return {
        "questions": n,
        "with_a_kind": sum(kind_of(analyze(c.item.question)) is not None for c in cases),
        "with_candidates": len(with_found),
        "gold_in_quotes": sum(c.in_quotes for c in cases),
        "gold_among_candidates": sum(bool(c.labels.any()) for c in with_found),
        "given": len(given),
        "exact_match": round(sum(right for right, _ in given) / n, 3),
        "precision_where_quotes_hold_gold": round(sum(on_evidence) / max(len(on_evidence), 1), 3),
        "first_rule_exact_match": round(
            sum(best_over_gold("em", c.first_rule, c.item.answers) for c in cases) / n, 3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--k", type=int, default=None, help="passages (default NEWSRAG_K)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--report", type=Path, default=Path("bench/results/train-short-answer.json")
    )
    args = parser.parse_args()
    clock = time.perf_counter()
    settings = Settings(index_dir=args.index)
    k = args.k or settings.k
    # the shipped model may be out of date (features changed), which is why we are here; the
    # candidates and their features do not depend on it
    blank = ShortAnswerModel(blank_logistic(SHORT_FEATURES), 1.0, {})
    pipeline.load_short_model = lambda *_: blank  # type: ignore[assignment]
    rag = NewsRAG(settings)
    dev_train, dev_validation = dev_split()
    # where the audit found that the corpus does not answer, a candidate equal to the gold
    # answer is one by coincidence: nothing to learn from
    train = build_cases(rag, [i for i in dev_train if i.corpus != "absent"], k)
    held = build_cases(rag, dev_validation, k)
    print(
        f"candidates for {len(train) + len(held)} questions in {time.perf_counter() - clock:.0f} s"
    )

    # out-of-fold probabilities on train choose the threshold; folds by question
    order = np.random.default_rng(SEED).permutation(len(train))
    fold_of = np.empty(len(train), dtype=int)
    fold_of[order] = np.arange(len(train)) % FOLDS
    scorers = []
    for fold in range(FOLDS):
        x, y = stack([c for c, f in zip(train, fold_of, strict=True) if f != fold])
        scorers.append(fit_logistic(x, y, SHORT_FEATURES))
    evidence = [i for i, case in enumerate(train) if case.in_quotes]
    pairs = picks([scorers[fold_of[i]] for i in evidence], [train[i] for i in evidence])
    threshold = choose_threshold(pairs)
    x, y = stack(train)
    model = ShortAnswerModel(
        fit_logistic(x, y, SHORT_FEATURES),
        threshold,
        {
            "trained_on": f"{len(train)} dev quiz questions (train weeks), {len(x)} candidates",
            "min_precision": MIN_PRECISION,
            "seed": SEED,
        },
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
    result = {
        "index": str(args.index),
        "k": k,
        "threshold": threshold,
        "train": report(train, model),
        "validation": report(held, model),
        "coefficients": dict(
            zip(SHORT_FEATURES, (round(float(c), 3) for c in model.scorer.coef), strict=True)
        ),
    }
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
