"""Could a learned re-ranking of the fused candidates put the quiz's source article in the
5 passages more often? The measurement behind "not shipped" in docs/evaluation.md.

    OMP_NUM_THREADS=1 python -m bench.passage_rerank --index /work/indexes/rtqa-full \
        --out bench/results/passage-rerank-full.json

Each dev quiz question (``bench/answer_data.py``: train weeks fit, validation weeks judge) is
asked as of its date with the default retrieval (time words and recency on), ``--depth``
passages deep. Every passage becomes a row of features the fusion does not already combine
this way: its fused, dense and BM25 scores relative to the best, its rank, the IDF-weighted
share of the question's words in its text, in its article's title and in both, the rarest
question word missing, how many of the candidates come from its article, whether it is that
article's best or first chunk, its age against the as-of date, and whether it falls in the
question's time window. Label: its article is one of the question's candidate (source)
articles. Reported: the share of questions with a source among the first 1, 3 and 5 passages
as the pipeline ranks them and as logistic regression or gradient-boosted trees re-rank
them, and how deep the source sits at all.
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import date
from pathlib import Path

import numpy as np

from api.settings import Settings
from bench.answer_data import Item, cites, dev_split
from index.text import stems_of
from rag.pipeline import NewsRAG
from rag.question import analyze
from rag.sentence_features import missing_rarity, weighted_coverage

CUTS = (1, 3, 5)
UNDATED_DAYS = 400  # an undated passage counts as old


def rows_for(rag: NewsRAG, item: Item, depth: int) -> tuple[list[list[float]], list[int]]:
    """One feature row and label per retrieved passage, in the pipeline's order."""
    day = date.fromisoformat((item.until or "")[:10])
    retrieval = rag.retrieve(item.question, k=depth, until=item.until, as_of=day)
    passages = retrieval.passages
    if not passages:
        return [], []
    context = retrieval.time
    weights = rag.answerer.weights(analyze(context.query if context else item.question))
    rarest = max(weights.values(), default=1.0)
    best = passages[0].score or 1.0
    best_dense = max(p.dense or 0.0 for p in passages) or 1.0
    best_bm25 = max(p.bm25 or 0.0 for p in passages) or 1.0
    per_article: dict[str, int] = {}
    first_of: dict[str, int] = {}
    for rank, passage in enumerate(passages):
        key = passage.chunk.article.article_id
        per_article[key] = per_article.get(key, 0) + 1
        first_of.setdefault(key, rank)
    window = context.window if context else None
    rows, labels = [], []
    for rank, passage in enumerate(passages):
        article = passage.chunk.article
        text, title = stems_of(passage.chunk.text), stems_of(article.title or "")
        published = date.fromisoformat(article.published[:10]) if article.published else None
        age = (day - published).days if published else UNDATED_DAYS
        inside = bool(
            window
            and published
            and (window.since is None or published >= window.since)
            and published <= (window.until or day)
        )
        rows.append(
            [
                passage.score / best,
                (passage.dense or 0.0) / best_dense,
                passage.dense or 0.0,
                (passage.bm25 or 0.0) / best_bm25,
                math.log1p(rank),
                weighted_coverage(weights, text),
                weighted_coverage(weights, title),
                weighted_coverage(weights, text | title),
                missing_rarity(weights, text | title, rarest),
                math.log(per_article[article.article_id]),
                float(first_of[article.article_id] == rank),
                float(passage.chunk.position == 0),
                math.log1p(max(age, 0)),
                float(published is None),
                float(inside),
                float(window is not None),
            ]
        )
        labels.append(int(cites(article.url, item)))
    return rows, labels


def found_at(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray, cut: int) -> float:
    """Share of the questions with a source among the ``cut`` best-scored passages."""
    found = []
    for group in np.unique(groups):
        mine = groups == group
        found.append(labels[mine][np.argsort(-scores[mine], kind="stable")][:cut].any())
    return round(float(np.mean(found)), 3)


def main() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--depth", type=int, default=30, help="fused candidates re-ranked")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rag = NewsRAG(Settings(index_dir=args.index))
    train, validation = dev_split()
    matrix: list[list[float]] = []
    labels: list[int] = []
    groups: list[int] = []
    held: list[bool] = []
    for number, item in enumerate(train + validation):
        rows, found = rows_for(rag, item, args.depth)
        matrix += rows
        labels += found
        groups += [number] * len(rows)
        held += [number >= len(train)] * len(rows)
    x, y, g, val = np.array(matrix), np.array(labels), np.array(groups), np.array(held)
    logistic = LogisticRegression(C=1.0, max_iter=2000).fit(x[~val], y[~val])
    trees = HistGradientBoostingClassifier(
        max_depth=3, max_iter=150, learning_rate=0.05, random_state=0
    ).fit(x[~val], y[~val])
    rankers = {
        "pipeline": -x[:, 4],  # the fused order itself
        "logistic": logistic.decision_function(x),
        "trees": trees.predict_proba(x)[:, 1],
    }
    result: dict[str, object] = {"index": str(args.index), "depth": args.depth}
    for name, scores in rankers.items():
        result[name] = {
            split: {f"at_{cut}": found_at(scores[mask], y[mask], g[mask], cut) for cut in CUTS}
            for split, mask in (("train", ~val), ("validation", val))
        }
        print(name, json.dumps(result[name]), flush=True)
    deep = {
        split: found_at(rankers["pipeline"][mask], y[mask], g[mask], args.depth)
        for split, mask in (("train", ~val), ("validation", val))
    }
    result[f"pipeline_at_{args.depth}"] = deep
    print(f"pipeline at {args.depth}", json.dumps(deep))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
