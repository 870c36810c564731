"""Our rule sentence splitter against pysbd: accuracy on the sentence table, speed on news.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/sentence_split.py --out bench/results/sentence-split.json

Accuracy: exact sentence lists on ``tests/data/sentences.jsonl`` (the table the unit tests
use). Speed: characters per second over the first 300 shared realtimeqa articles, read at run
time from ``../shared`` and never copied. The answerer splits every retrieved article on
every question, so the splitter's speed is part of answer latency.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.text import split_sentences

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "data" / "sentences.jsonl"
ARTICLES = ROOT.parent / "shared" / "news" / "realtimeqa"


def main() -> None:
    import pysbd

    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)

    def ours(text: str) -> list[str]:
        return [text[s:e] for s, e in split_sentences(text)]

    def theirs(text: str) -> list[str]:
        return [s.sent.strip() for s in segmenter.segment(text) if s.sent.strip()]

    cases = [json.loads(line) for line in TABLE.read_text().splitlines() if line.strip()]
    texts: list[str] = []
    for path in sorted(ARTICLES.glob("articles-*.jsonl")):
        for line in path.read_text().splitlines():
            texts.append(json.loads(line)["text"])
            if len(texts) >= args.articles:
                break
        if len(texts) >= args.articles:
            break
    chars = sum(len(t) for t in texts)
    results = {}
    for name, split in (("rules", ours), ("pysbd", theirs)):
        right = sum(split(c["text"]) == c["sentences"] for c in cases)
        began = time.perf_counter()
        for text in texts:
            split(text)
        seconds = time.perf_counter() - began
        results[name] = {
            "table_exact": f"{right}/{len(cases)}",
            "chars_per_s": round(chars / seconds),
        }
        print(name, results[name], file=sys.stderr)
    report = {"articles": len(texts), "chars": chars, "splitters": results}
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
