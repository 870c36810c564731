"""`newsrag eval` with dates: question_date as the as-of date, candidate_article_ids as
sources matched through the corpus file's URLs, runs as of the question's date and as of
today side by side, and time-relative questions scored apart."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from rag.evaluation.datasets import DatasetError, GoldMatcher, Hit, article_urls, load_dataset
from rag.evaluation.report import markdown
from rag.evaluation.runner import EvalRequest, is_time_relative, run_name, run_request

STAMPEDE_URL = "https://en.wikinews.org/wiki/Hundreds_dead_in_Hajj_stampede"
QUESTIONS = [
    {
        "id": "stampede-week",
        "question": "How many pilgrims were killed in the Hajj stampede this week?",
        "answers": ["345"],
        "question_date": "2006-01-14",
        "candidate_article_ids": ["corpus-stampede"],
    },
    {
        "id": "stampede-plain",
        "question": "How many pilgrims were killed in the Hajj stampede?",
        "answers": ["345"],
        "question_date": "2006-01-20",
        "candidate_article_ids": ["corpus-stampede"],
        "choices": ["345", "12"],
    },
    {
        "id": "old-shape",
        "question": "What did Xi say about arms races?",
        "answers": ["avoid bloc confrontation and arms race in cyberspace"],
        "sources": ["chinese president calls for unity on AI challenges and cyber development"],
    },
]


@pytest.fixture
def dated_set(tmp_path: Path) -> tuple[Path, Path]:
    questions = tmp_path / "dev.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n", encoding="utf-8")
    corpus = tmp_path / "corpus" / "articles-000.jsonl"
    corpus.parent.mkdir()
    corpus.write_text(json.dumps({"id": "corpus-stampede", "url": STAMPEDE_URL}) + "\n")
    return questions, corpus.parent


def test_question_date_and_candidates_are_read(dated_set: tuple[Path, Path]) -> None:
    questions, corpus = dated_set
    dataset = load_dataset(questions)
    first, _, old = dataset.questions
    assert first.question_date == date(2006, 1, 14) and old.question_date is None
    assert first.relevant == {"corpus-stampede"}
    assert old.relevant == {QUESTIONS[2]["sources"][0]}
    dataset.aliases = article_urls([corpus])
    matcher = GoldMatcher(dataset)
    assert matcher.keys(Hit("any-id", STAMPEDE_URL + "/?utm_source=x")) == ["corpus-stampede"]


def test_a_bad_question_date_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"question": "q?", "answers": [], "question_date": "2024-02-30"}))
    with pytest.raises(DatasetError, match=r"bad.jsonl:1: 'question_date' '2024-02-30'"):
        load_dataset(path)


def test_articles_option_needs_records_with_urls(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file"):
        article_urls([tmp_path / "missing.jsonl"])
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"id": "x"}) + "\n")
    with pytest.raises(DatasetError, match="no records with id and url"):
        article_urls([empty])


def test_runs_with_and_without_dates_split_by_time_words(
    dated_set: tuple[Path, Path], sample_index: Path, embedder: Embedder
) -> None:
    questions, corpus = dated_set
    request = EvalRequest(
        questions, index=sample_index, as_of=("question", "today"), articles=(corpus,), depth=10
    )
    result, warnings = run_request(request, Settings(), lambda _: embedder)
    assert warnings == []
    assert set(result.modes) == {"hybrid", "hybrid@today"}
    dated = result.modes["hybrid"]
    week = next(r for r in dated.records if r.id == "stampede-week")
    assert week.as_of == "2006-01-14" and week.time_relative
    assert week.time_window == {
        "since": "2006-01-06",
        "until": "2006-01-14",
        "expression": "this week",
    }
    assert any(c.gold for c in week.citations)
    assert dated.subsets["time-relative"]["questions"] == 1
    assert dated.subsets["other"]["questions"] == 2
    assert dated.subsets["time-relative"]["citation_recall"] == 1.0
    today = result.modes["hybrid@today"]
    assert next(r for r in today.records if r.id == "stampede-week").as_of is None
    report = markdown(result)
    assert "## Time-relative and other questions" in report
    assert "| hybrid@today | today |" in report


def test_helpers() -> None:
    assert run_name("hybrid", "extractive") == "hybrid"
    assert run_name("hybrid", "llm", "today") == "hybrid+llm@today"
    assert is_time_relative("Who won this week?", date(2022, 6, 10))
    assert not is_time_relative("Who won the cup?", None)
