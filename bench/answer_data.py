"""The data the answer model is trained and judged on, split the same way everywhere.

Dev quiz questions (read at run time from ``/work/shared``, never copied here) are split by
``question_date``: the latest ~30% of quiz dates are the validation weeks, everything before
them trains. The team's near-miss questions (``bench/data/near-miss.jsonl``, unanswerable:
same people and event, missing fact) are split by the article they are about, so no article
has questions on both sides.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from index.documents import normalize_url
from rag.pipeline import NewsRAG
from rag.retrieval import Retrieval

# ../shared beside the checkout, as the developers guide lays it out
DEV_QUESTIONS = Path(__file__).resolve().parents[2] / "shared/news/realtimeqa/dev-questions.jsonl"
NEAR_MISS = Path(__file__).parent / "data" / "near-miss.jsonl"
AUDIT = Path(__file__).parent / "data" / "realtimeqa-audit.jsonl"
FRESH_QUIZ = Path(__file__).parent / "data" / "fresh-quiz.jsonl"
# The audit's verdicts. A candidate article is one that merely contains an answer string, so
# for most quiz questions it does not answer them (docs/evaluation.md, "Which dev questions
# the corpus answers at all"):
CORPUS_VERDICTS = (
    "states",  # a candidate states the answer to this question (this event, or a standing fact)
    "earlier",  # the same answer to the same question about an earlier occurrence (last year's)
    "absent",  # the answer string is there only by coincidence: nothing here answers it
)
VALIDATION_SHARE = 0.3


@dataclass(frozen=True)
class Item:
    id: str
    question: str
    answers: list[str]
    until: str | None = None  # retrieve only articles published on or before this date
    sources: list[str] = field(default_factory=list)  # normalized URLs of candidate articles
    corpus: str | None = None  # the audit's verdict (CORPUS_VERDICTS); None: not audited

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def quiz_items(path: Path, corpus: Path, verdicts: dict[str, str] | None) -> list[Item]:
    """Quiz-shaped JSONL records (``question_date``, ``candidate_article_ids``) as items; a
    question without a verdict (``verdicts`` None: every one) is ``states``."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    urls = article_urls(corpus)
    return [
        Item(
            r["id"],
            r["question"],
            r["answers"],
            r["question_date"],
            [urls[a] for a in r["candidate_article_ids"] if a in urls],
            verdicts.get(r["id"]) if verdicts is not None else "states",
        )
        for r in rows
    ]


def dev_split(path: Path = DEV_QUESTIONS) -> tuple[list[Item], list[Item]]:
    """(train, validation) dev questions, split by date: validation = latest dates."""
    items = quiz_items(path, path.parent, audit())
    dates = sorted({i.until for i in items if i.until})
    cut = dates[int(len(dates) * (1 - VALIDATION_SHARE))]
    return [i for i in items if i.until and i.until < cut], [
        i for i in items if i.until and i.until >= cut
    ]


def audit(path: Path = AUDIT) -> dict[str, str]:
    """Question id -> the audit's verdict on whether the corpus answers it."""
    verdicts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["corpus"] not in CORPUS_VERDICTS:
            raise ValueError(f"{path}: {row['id']}: unknown verdict {row['corpus']!r}")
        verdicts[row["id"]] = row["corpus"]
    return verdicts


def by_verdict(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Result rows (each with its question's ``corpus`` verdict) in the groups the reports
    show: where a candidate states the answer, where it states it or an earlier occurrence's,
    and where the corpus does not answer the question at all. Empty groups are left out."""
    groups = {
        "states": [r for r in rows if r["corpus"] == "states"],
        "states_or_earlier": [r for r in rows if r["corpus"] in ("states", "earlier")],
        "absent": [r for r in rows if r["corpus"] == "absent"],
    }
    return {name: group for name, group in groups.items() if group}


def retrieve(rag: NewsRAG, item: Item, k: int | None) -> Retrieval:
    """The question's passages as published on or before its date. Where the pipeline has
    as-of support, its time-word windows and recency ranking are switched off: this measures
    the answer step on a plain date filter, not the retrieval work in progress."""
    params = inspect.signature(rag.retrieve).parameters
    if item.until and "as_of" in params:
        as_of = date.fromisoformat(item.until[:10])
        return rag.retrieve(
            item.question, k=k, until=item.until, as_of=as_of, time_words=False, recency=False
        )
    return rag.retrieve(item.question, k=k, until=item.until)


def article_urls(directory: Path) -> dict[str, str]:
    """Corpus id -> normalized URL: the index names articles by a hash of their URL."""
    urls = {}
    for path in sorted(directory.glob("articles-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("url"):
                urls[row["id"]] = normalize_url(row["url"])
    return urls


def cites(url: str | None, item: Item) -> bool:
    """Is an article with this URL one of the question's candidate (source) articles?"""
    return bool(url) and normalize_url(url or "") in item.sources


def fresh_quiz(path: Path = FRESH_QUIZ, corpus: Path = DEV_QUESTIONS.parent) -> list[Item]:
    """Quiz questions written blind (by readers who never saw newsrag's answers or code), one
    per shared article: a held-out set that no rule or model is fitted on (docs/answers.md,
    Session 17). Each article states its answer, so every item is ``states``."""
    return quiz_items(path, corpus, None)


def near_miss_split(path: Path = NEAR_MISS) -> tuple[list[Item], list[Item]]:
    """(train, test) near-miss questions, split by the article they are about (~half each)."""
    train: list[Item] = []
    test: list[Item] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        item = Item(row["id"], row["question"], [])
        bucket = int(hashlib.sha1(row["about"].encode()).hexdigest(), 16) % 2
        (test if bucket else train).append(item)
    return train, test
