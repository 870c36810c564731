"""Answers on the dev quiz's validation weeks and on the near-miss set, through the real
pipeline (``NewsRAG.retrieve(question, until=question_date)`` then ``NewsRAG.answer``), as
docs/answers.md reports them.

    OMP_NUM_THREADS=1 python -m bench.answer_eval --index /tmp/rtqa-wikinews \
        --out bench/results/answers-after.json

Measures, per set: answered (a gold answer inside the answer or its quotes, as whole words;
an abstention counts as not answered), source cited (a citation to one of the question's
candidate articles), abstained, short answers (given, SQuAD exact match and F1 against
the gold answers, 0 when none is given), and for the two sets together abstention precision;
latency of the answer step and of the whole question. The dev questions are also scored per
verdict of the team's audit of whether their corpus answers them at all (``by_corpus``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from api.settings import Settings
from bench.answer_data import Item, by_verdict, cites, dev_split, near_miss_split, retrieve
from rag.evaluation.metrics import best_over_gold, contains_gold
from rag.pipeline import NewsRAG


def run(rag: NewsRAG, items: list[Item], k: int | None) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        started = time.perf_counter()
        retrieval = retrieve(rag, item, k)
        answer = rag.answer(item.question, retrieval, started)
        quotes = " ".join(c.quote for c in answer.citations)
        short = answer.short_answer.text if answer.short_answer and not answer.abstained else ""
        rows.append(
            {
                "id": item.id,
                "answerable": item.answerable,
                "corpus": item.corpus,
                "abstained": answer.abstained,
                "answered": item.answerable
                and not answer.abstained
                and contains_gold(f"{answer.answer} {quotes}", item.answers),
                "cited": any(cites(c.url, item) for c in answer.citations),
                # SQuAD-style scores of the short answer; none (or an abstention) scores 0
                "short": answer.short_answer is not None and not answer.abstained,
                "short_em": best_over_gold("em", short, item.answers) if item.answers else 0.0,
                "short_f1": best_over_gold("f1", short, item.answers) if item.answers else 0.0,
                "retrieved": any(cites(p.chunk.article.url, item) for p in retrieval.passages),
                "answer_ms": answer.timings_ms.get("answer_ms", 0.0),
                "total_ms": answer.timings_ms.get("total_ms", 0.0),
            }
        )
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    answerable = [r for r in rows if r["answerable"]]
    out: dict[str, float] = {"questions": len(rows)}
    if answerable:
        n = len(answerable)
        out["answered"] = round(sum(r["answered"] for r in answerable) / n, 3)
        out["source_cited"] = round(sum(r["cited"] for r in answerable) / n, 3)
        out["source_retrieved"] = round(sum(r["retrieved"] for r in answerable) / n, 3)
        out["abstained_answerable"] = round(sum(r["abstained"] for r in answerable) / n, 3)
        out["short_answer_given"] = round(sum(r["short"] for r in answerable) / n, 3)
        out["short_answer_em"] = round(sum(r["short_em"] for r in answerable) / n, 3)
        out["short_answer_f1"] = round(sum(r["short_f1"] for r in answerable) / n, 3)
    unanswerable = [r for r in rows if not r["answerable"]]
    if unanswerable:
        out["abstained_unanswerable"] = round(
            sum(r["abstained"] for r in unanswerable) / len(unanswerable), 3
        )
    abstained = [r for r in rows if r["abstained"]]
    if abstained and unanswerable:
        out["abstention_precision"] = round(
            sum(not r["answerable"] for r in abstained) / len(abstained), 3
        )
    for key in ("answer_ms", "total_ms"):
        values = sorted(r[key] for r in rows)
        out[f"{key}_p50"] = round(statistics.median(values), 1)
        out[f"{key}_p95"] = round(values[int(0.95 * (len(values) - 1))], 1)
    return out


def by_corpus(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Dev questions split by the audit of whether their corpus answers them
    (``bench/answer_data.py``): an answer is only possible where a candidate states it, and
    where the answer string is there only by coincidence ("absent") abstaining is right, so
    those count as unanswerable."""
    groups = by_verdict(rows)
    if "absent" in groups:
        groups["absent"] = [r | {"answerable": False} for r in groups["absent"]]
    return {name: summary(group) for name, group in groups.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--index",
        type=Path,
        required=True,
        help="index holding the realtimeqa articles and samples/wikinews",
    )
    parser.add_argument("--k", type=int, default=None, help="passages (default NEWSRAG_K)")
    parser.add_argument("--split", choices=["validation", "train"], default="validation")
    parser.add_argument(
        "--threshold", type=float, default=None, help="override NEWSRAG_ABSTAIN_THRESHOLD"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings(index_dir=args.index)
    if args.threshold is not None:
        settings = settings.model_copy(update={"abstain_threshold": args.threshold})
    rag = NewsRAG(settings)
    dev_train, dev_validation = dev_split()
    near_train, near_test = near_miss_split()
    dev, near = (
        (dev_validation, near_test) if args.split == "validation" else (dev_train, near_train)
    )
    dev_rows, near_rows = run(rag, dev, args.k), run(rag, near, args.k)
    result = {
        "index": str(args.index),
        "k": args.k or settings.k,
        "threshold": settings.abstain_threshold,
        "split": args.split,
        "dev": summary(dev_rows),
        "dev_by_corpus": by_corpus(dev_rows),
        "near_miss": summary(near_rows),
        "together": summary(dev_rows + near_rows),
        "rows": dev_rows + near_rows,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
