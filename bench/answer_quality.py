"""Answer and abstention quality on the team-written QA sets, and the threshold sweep that
calibrates ``NEWSRAG_ABSTAIN_THRESHOLD`` on the dev set (docs/answers.md records the run).

    python bench/answer_quality.py --index demo-index
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from api.settings import Settings
from rag.pipeline import NewsRAG
from rag.question import analyze

DATA = Path(__file__).parent / "data"


@dataclass
class Row:
    answerable: bool
    answerability: float
    contains_gold: bool  # the chosen sentences hold a gold answer
    source_ok: bool  # the best sentence comes from a gold source


def evaluate(rag: NewsRAG, path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        retrieval = rag.retrieve(item["question"])
        selection = rag.answerer.select(analyze(item["question"]), retrieval.passages)
        text = " ".join(c.text for c in selection.sentences).lower()
        best = selection.sentences[0].article if selection.sentences else None
        rows.append(
            Row(
                answerable=bool(item["answers"]),
                answerability=selection.answerability,
                contains_gold=any(a.lower() in text for a in item["answers"]),
                source_ok=best is not None
                and (best.url in item["sources"] or best.title in item["sources"]),
            )
        )
    return rows


def score(rows: list[Row], threshold: float) -> dict[str, float]:
    answered = [r for r in rows if r.answerability >= threshold]
    abstained = [r for r in rows if r.answerability < threshold]
    unanswerable = [r for r in rows if not r.answerable]
    answerable = [r for r in rows if r.answerable]
    correct = sum(r.contains_gold for r in answered if r.answerable) + sum(
        not r.answerable for r in abstained
    )
    return {
        "threshold": threshold,
        "accuracy": correct / len(rows),
        "answered_with_gold": sum(r.contains_gold for r in answered if r.answerable)
        / max(1, len(answerable)),
        "abstain_precision": sum(not r.answerable for r in abstained) / max(1, len(abstained)),
        "abstain_recall": sum(not r.answerable for r in abstained) / max(1, len(unanswerable)),
        "gold_without_threshold": sum(r.contains_gold for r in answerable)
        / max(1, len(answerable)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=Path("demo-index"))
    args = parser.parse_args()
    rag = NewsRAG(Settings(index_dir=args.index))
    dev = evaluate(rag, DATA / "newsqa-dev.jsonl")
    sweep = [score(dev, t / 100) for t in range(5, 86, 5)]  # the default is 0.15
    best = max(sweep, key=lambda s: (s["accuracy"], s["threshold"]))
    print(
        "dev sweep (threshold, accuracy):",
        [(s["threshold"], round(s["accuracy"], 3)) for s in sweep],
    )
    print("best on dev:", best)
    test = evaluate(rag, DATA / "newsqa.jsonl")
    print("eval set at the configured threshold:", score(test, rag.answerer.threshold))
    print("eval set at the dev-best threshold:", score(test, best["threshold"]))


if __name__ == "__main__":
    main()
