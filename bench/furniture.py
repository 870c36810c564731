"""How many lines each page-furniture rule (``index.cleaning.furniture_rule``) removes from
the shared news corpus, and a random sample of removed lines to judge by hand.

    python -m bench.furniture --out bench/results/furniture.json --sample 50

The results file holds counts only; the sample (corpus text) is printed to the terminal and
never written into the repository. docs/answers.md records the counts and the hand
judgement of one sample.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from index.cleaning import furniture_rule

CORPUS = Path(__file__).resolve().parents[2] / "shared/news/realtimeqa"
SEED = 20261130


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--sample", type=int, default=50)
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    articles_touched: Counter[str] = Counter()
    removed: list[tuple[str, str]] = []
    lines = articles = 0
    for path in sorted(args.corpus.glob("articles-*.jsonl")):
        for record in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            articles += 1
            rules = set()
            first = True
            for line in str(record.get("text", "")).split("\n"):
                if not line.strip():
                    continue
                lines += 1
                rule = furniture_rule(line, first)
                first = first and rule is not None  # furniture before the story's first line
                if rule:
                    counts[rule] += 1
                    rules.add(rule)
                    removed.append((rule, line.strip()))
            articles_touched.update(rules)
    result = {
        "articles": articles,
        "lines": lines,
        "removed": sum(counts.values()),
        "by_rule": dict(counts.most_common()),
        "articles_with_rule": dict(articles_touched.most_common()),
    }
    print(json.dumps(result, indent=1))
    for rule, line in random.Random(SEED).sample(removed, min(args.sample, len(removed))):
        print(f"[{rule}] {line[:200]}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
