"""The team's audit of the dev quiz (``bench/data/realtimeqa-audit.jsonl``): one verdict per
question, and nothing else in the file, since neither the quiz questions nor the articles
they are about may be copied into the repository (../shared/news/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "bench" / "data" / "realtimeqa-audit.jsonl"
DEV = ROOT.parent / "shared" / "news" / "realtimeqa" / "dev-questions.jsonl"
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
