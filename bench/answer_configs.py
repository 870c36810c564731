"""Answers on the dev quiz under several date configurations and abstention thresholds: the
measurements behind the defaults `NEWSRAG_TIME_WINDOW=prefer` and
`NEWSRAG_ABSTAIN_THRESHOLD=0.15` (docs/answers.md, docs/evaluation.md).

    OMP_NUM_THREADS=1 python -m bench.answer_configs --index /work/indexes/rtqa \
        --configs plain@0.2,plain@0.15,prefer,strict,today --split train

Configurations (``name@threshold``; the threshold defaults to the setting's):
- ``plain``: as of the question's date, time words and recency off (dates only filter);
- ``prefer`` / ``strict``: as of the question's date, the question's time window preferred in
  ranking or imposed (``NEWSRAG_TIME_WINDOW``);
- ``today``: no date given, as a user who asks today would (the default as-of date).

Splits: ``train`` / ``val`` (dev quiz, by date, as ``bench/answer_data.py`` splits it),
``nm-train`` / ``nm-test`` (the team's near-miss questions: only abstention counts) and
``fresh`` (``bench/data/fresh-quiz.jsonl``: quiz questions written blind, never tuned on).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from api.settings import Settings
from bench.answer_data import Item, by_verdict, cites, dev_split, fresh_quiz, near_miss_split
from rag.evaluation.metrics import best_over_gold, contains_gold
from rag.pipeline import NewsRAG


def run(rag: NewsRAG, items: list[Item], config: str) -> dict[str, Any]:
    """Shares over all the questions, and over those the audit says the corpus answers
    (``states``, ``states_or_earlier``) or does not (``absent``, where abstaining is right)."""
    rows = []
    for item in items:
        as_of = date.fromisoformat(item.until[:10]) if item.until else None
        if config == "plain":
            retrieval = rag.retrieve(item.question, as_of=as_of, time_words=False, recency=False)
        elif config == "today":
            retrieval = rag.retrieve(item.question)
        else:
            rag.settings = rag.settings.model_copy(update={"time_window": config})
            retrieval = rag.retrieve(item.question, as_of=as_of)
        answer = rag.answer(item.question, retrieval)
        quotes = " ".join(c.quote for c in answer.citations)
        short = answer.short_answer.text if answer.short_answer else ""
        answered = (
            not answer.abstained
            and bool(item.answers)
            and contains_gold(f"{answer.answer} {quotes}", item.answers)
        )
        cited = any(cites(c.url, item) for c in answer.citations)
        rows.append(
            {
                "answered": answered,
                "short_answer_holds_gold": bool(short) and contains_gold(short, item.answers),
                "short_answer_em": bool(short) and best_over_gold("em", short, item.answers) == 1,
                "source_cited": cited,
                # a candidate cited, or a quote that states the answer: the candidates are the
                # articles holding the answer string that the dataset lists, not all of them
                # (for `states` questions; elsewhere the string may be a coincidence)
                "source_or_answer_cited": cited or answered,
                "source_retrieved": any(
                    cites(p.chunk.article.url, item) for p in retrieval.passages
                ),
                "abstained": answer.abstained,
                "outside_window": bool(answer.outside_window),
                "corpus": item.corpus,
            }
        )
    return shares(rows) | {name: shares(group) for name, group in by_verdict(rows).items()}


def shares(rows: list[dict[str, Any]]) -> dict[str, float]:
    keys = [key for key, value in rows[0].items() if isinstance(value, bool)]
    return {key: round(sum(r[key] for r in rows) / len(rows), 3) for key in keys} | {
        "questions": len(rows)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--configs", default="plain,prefer,strict,today")
    parser.add_argument(
        "--split", choices=["train", "val", "nm-train", "nm-test", "fresh"], default="val"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    train, val = dev_split()
    nm_train, nm_test = near_miss_split()
    splits = {"train": train, "val": val, "nm-train": nm_train, "nm-test": nm_test}
    items = fresh_quiz() if args.split == "fresh" else splits[args.split]
    base = Settings(index_dir=args.index)
    rag = NewsRAG(base)
    results = {}
    for spec in args.configs.split(","):
        config, _, threshold = spec.partition("@")
        rag.settings = base
        rag.answerer.threshold = float(threshold) if threshold else base.abstain_threshold
        results[spec] = run(rag, items, config)
        print(spec, json.dumps(results[spec]), flush=True)
    if args.out:
        args.out.write_text(
            json.dumps({"index": str(args.index), "split": args.split, **results}, indent=1) + "\n"
        )


if __name__ == "__main__":
    main()
