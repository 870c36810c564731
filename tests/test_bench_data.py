"""The team's data about the shared news corpus, which may not copy its text into the
repository (../shared/news/README.md): the audit of the dev quiz
(``bench/data/realtimeqa-audit.jsonl``: one verdict per question, nothing else) and the quiz
questions written blind over single articles (``bench/data/fresh-quiz.jsonl``: our own
wording, short answers the article states)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "bench" / "data" / "realtimeqa-audit.jsonl"
DEV = ROOT.parent / "shared" / "news" / "realtimeqa" / "dev-questions.jsonl"
FRESH = ROOT / "bench" / "data" / "fresh-quiz.jsonl"
FRESH_KEYS = {"id", "question", "answers", "question_date", "candidate_article_ids", "answer_type"}
LONGEST_SHARED_RUN = 8  # words a question may share with its article: a name at most
VERDICTS = {"states", "earlier", "absent"}


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_audit_holds_only_ids_and_known_verdicts() -> None:
    rows = _rows(AUDIT)
    assert all(set(row) == {"id", "corpus"} for row in rows)
    assert {row["corpus"] for row in rows} <= VERDICTS
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)


@pytest.mark.skipif(not DEV.exists(), reason="../shared/news/realtimeqa is not beside the checkout")
def test_the_audit_judges_every_dev_question() -> None:
    assert {row["id"] for row in _rows(AUDIT)} == {row["id"] for row in _rows(DEV)}


def test_the_fresh_quiz_records() -> None:
    rows = _rows(FRESH)
    assert len(rows) >= 100 and len({row["id"] for row in rows}) == len(rows)
    for row in rows:
        assert set(row) == FRESH_KEYS and len(row["candidate_article_ids"]) == 1
        assert all(len(a.split()) <= 10 for a in row["answers"]), row["id"]  # names, not text
        asked = row["question"].lower()
        assert not any(a.lower() in asked for a in row["answers"]), row["id"]


def _words(text: str) -> list[str]:
    return re.findall(r"[\w’'-]+", text.lower())


def _longest_shared_run(question: str, text: str) -> int:
    words, padded = _words(question), f" {' '.join(_words(text))} "
    best = 0
    for i in range(len(words)):
        while i + best < len(words) and f" {' '.join(words[i : i + best + 1])} " in padded:
            best += 1
    return best


@pytest.mark.skipif(not DEV.exists(), reason="../shared/news/realtimeqa is not beside the checkout")
def test_each_fresh_question_is_answered_by_its_article_in_words_of_its_own() -> None:
    texts = {}
    for path in sorted(DEV.parent.glob("articles-*.jsonl")):
        texts |= {row["id"]: row["text"] for row in _rows(path)}
    for row in _rows(FRESH):
        text = texts[row["candidate_article_ids"][0]]
        assert row["answers"][0] in text, row["id"]
        assert _longest_shared_run(row["question"], text) <= LONGEST_SHARED_RUN, row["id"]
