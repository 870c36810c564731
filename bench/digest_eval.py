"""Does "What happened this week?" pick the week's news? The dev quiz as the judge.

A weekly news quiz is its editors' choice of the week's stories. For each quiz date the
digest is asked as of that date (rag/digest.py), and a quiz question counts as covered
when one of its candidate source articles is quoted by the digest or listed as a wire copy
(``also_in``): what a reader of the digest is shown. The baseline is what a search-less
tool would show: the window's newest articles, as many as the digest quotes. The bound is
every article the digest considered (quiz questions often ask about older stories).

    python -m bench.digest_eval --index /work/indexes/rtqa-full-s14 \
        --cosine 0.5,0.6,0.7 --out bench/results/digest.json

Quiz dates are split as ``bench/answer_data.py`` splits the questions (the earliest 70% of
dates train, the rest validation): tune ``--cosine`` on train, report validation.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import rag.digest
from api.settings import Settings
from bench.answer_data import Item, cites, dev_split
from rag.pipeline import NewsRAG
from rag.retrieval import DatedFilter

QUESTION = "What happened this week?"


def covered(urls: set[str], items: list[Item]) -> int:
    return sum(any(cites(u, item) for u in urls) for item in items)


def run(rag_: NewsRAG, weeks: dict[str, list[Item]]) -> dict[str, Any]:
    digest = newest = window_all = questions = quoted = 0
    for day, items in sorted(weeks.items()):
        answer = rag_.ask(QUESTION, as_of=date.fromisoformat(day))
        urls = {c.url for c in answer.citations if c.url}
        urls |= {a.url for c in answer.citations for a in c.also_in if a.url}
        window = answer.time_window
        assert window is not None and window.since and window.until
        where = DatedFilter(
            window_since=date.fromisoformat(window.since),
            window_until=date.fromisoformat(window.until),
        )
        listed = rag_.store.list_articles(where, limit=rag.digest.DIGEST_ARTICLES)
        digest += covered(urls, items)
        newest += covered({a.url for a in listed[: len(answer.citations)] if a.url}, items)
        window_all += covered({a.url for a in listed if a.url}, items)
        questions += len(items)
        quoted += len(answer.citations)
    return {
        "quiz_dates": len(weeks),
        "questions": questions,
        "stories_quoted": quoted,
        "digest_covers": round(digest / questions, 3),
        "newest_covers": round(newest / questions, 3),
        "window_covers": round(window_all / questions, 3),  # every article listed: the bound
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--cosine", default=str(rag.digest.STORY_COSINE))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rag_ = NewsRAG(Settings(index_dir=args.index))
    results: dict[str, Any] = {"index": str(args.index), "question": QUESTION}
    for split, items in zip(("train", "val"), dev_split(), strict=True):
        weeks: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            if item.sources and item.until:  # a question whose source is in the corpus
                weeks[item.until[:10]].append(item)
        for cosine in (float(c) for c in args.cosine.split(",")):
            rag.digest.STORY_COSINE = cosine
            results[f"{split}@{cosine}"] = row = run(rag_, weeks)
            print(split, cosine, row, flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
