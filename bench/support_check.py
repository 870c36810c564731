"""How well the grounding check's support test tells supported sentences from unsupported ones.

No labelled set of "model sentence, passage, supported?" exists for news, so this one is made
from the sample articles (samples/, in the repository) by rule, the way a model goes wrong:

supported (should be kept)
  * ``verbatim``: a sentence of the passage, as a model that copies would write it;
  * ``shortened``: the same sentence cut after its first clause;
  * ``attributed``: "According to the article, " + the sentence's first clause.
unsupported (should be dropped)
  * ``number``: one figure changed (41 for 40), the error small models make most;
  * ``name``: one name replaced by a name from another article;
  * ``negated``: "not" inserted after the first auxiliary verb ("was not");
  * ``spliced``: the first half of the sentence, the second half of another article's;
  * ``elsewhere``: a sentence from another article, cited to this passage.

The passage is the sentence with its two neighbours on each side (about one chunk); the quote
is the sentence (the clause, for the cut ones), located by construction, so this measures
``rag.grounding.support`` alone, for a range of word-coverage thresholds.

    .venv/bin/python bench/support_check.py --out bench/results/support-check.json
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from index.loaders import load_paths  # noqa: E402
from index.text import split_sentences  # noqa: E402
from rag.grounding import support  # noqa: E402

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
POSITIVE = ("verbatim", "shortened", "attributed")
NEGATIVE = ("number", "name", "negated", "spliced", "elsewhere")
_AUXILIARY = re.compile(r"\b(is|was|were|are|has|have|had|will|would|can|could|did|does)\b")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]{2,}\b")
_DIGITS = re.compile(r"\b\d+\b")


def cases(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    articles = load_paths([REPO / "samples"]).articles
    names_by_article = [set(_NAME.findall(a.text)) for a in articles]
    every_sentence = [
        (i, a.text[s:e]) for i, a in enumerate(articles) for s, e in split_sentences(a.text)
    ]
    made: list[dict[str, Any]] = []
    for i, article in enumerate(articles):
        spans = split_sentences(article.text)
        for j, (s, e) in enumerate(spans):
            sentence = article.text[s:e].strip()
            if len(sentence.split()) < 8:
                continue
            passage = article.text[spans[max(0, j - 2)][0] : spans[min(len(spans), j + 3) - 1][1]]
            base = {"article": article.title, "passage": passage, "evidence": sentence}

            def add(kind: str, claim: str, quote: str = sentence, base: dict = base) -> None:
                made.append({**base, "kind": kind, "claim": claim, "quote": quote})

            add("verbatim", sentence)
            first_clause = re.split(r",\s", sentence, maxsplit=1)[0].rstrip(".") + "."
            if len(first_clause.split()) >= 6 and first_clause != sentence:
                add("shortened", first_clause, first_clause)
                add("attributed", "According to the article, " + first_clause, first_clause)
            numbers = _DIGITS.findall(sentence)
            if numbers:
                n = rng.choice(numbers)
                add("number", re.sub(rf"\b{n}\b", str(int(n) + 1), sentence, count=1))
            names = _NAME.findall(sentence)
            strangers = sorted(
                set().union(*(names_by_article[:i] + names_by_article[i + 1 :]))
                - names_by_article[i]
            )
            if names and strangers:
                old = rng.choice(names)
                add("name", re.sub(rf"\b{old}\b", rng.choice(strangers), sentence, count=1))
            if _AUXILIARY.search(sentence) and not re.search(r"\bnot\b|n't", sentence):
                add("negated", _AUXILIARY.sub(r"\1 not", sentence, count=1))
            other_index, other = rng.choice(every_sentence)
            if other_index != i and len(other.split()) >= 8:
                add("elsewhere", other.strip())
                words, foreign = sentence.split(), other.split()
                add("spliced", " ".join(words[: len(words) // 2] + foreign[len(foreign) // 2 :]))
    return made


def score(made: list[dict[str, Any]], article_texts: dict[str, str]) -> dict[str, Any]:
    table: dict[str, dict[str, float]] = {}
    for threshold in THRESHOLDS:
        kept: dict[str, list[bool]] = {}
        for case in made:
            ok, _, _ = support(
                case["claim"],
                case["passage"],
                case["quote"],
                case["evidence"],
                article_texts[case["article"]],
                threshold,
            )
            kept.setdefault(case["kind"], []).append(ok)
        rates = {kind: round(sum(v) / len(v), 3) for kind, v in kept.items()}
        positives = [x for k in POSITIVE for x in kept.get(k, [])]
        negatives = [x for k in NEGATIVE for x in kept.get(k, [])]
        rates["supported kept"] = round(sum(positives) / len(positives), 3)
        rates["unsupported dropped"] = round(1 - sum(negatives) / len(negatives), 3)
        table[str(threshold)] = rates
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    made = cases(args.seed)
    article_texts = {a.title: a.text for a in load_paths([REPO / "samples"]).articles}
    counts = {k: sum(c["kind"] == k for c in made) for k in POSITIVE + NEGATIVE}
    table = score(made, article_texts)
    results = {"command": " ".join(sys.argv), "cases": counts, "kept_share": table}
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    kinds = [*POSITIVE, "supported kept", *NEGATIVE, "unsupported dropped"]
    print("| min coverage | " + " | ".join(kinds) + " |")
    print("|---:|" + "---:|" * len(kinds))
    for threshold, rates in table.items():
        cells = []
        for kind in kinds:
            value = rates.get(kind)
            if value is not None and kind in NEGATIVE:
                value = round(1 - value, 3)  # shown as the share dropped
            cells.append("–" if value is None else f"{value:.2f}")
        print(f"| {threshold} | " + " | ".join(cells) + " |")
    print(f"\ncases: {counts}; negatives shown as the share dropped, positives as kept")


if __name__ == "__main__":
    main()
