"""The shipped answer model: it loads, ranks sentences sensibly, and refuses bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.answer_model import MODEL_PATH, AnswerModelError, load_model, parse_model
from rag.question import analyze
from rag.sentence_features import (
    ANSWERABILITY_FEATURES,
    SENTENCE_FEATURES,
    SentenceInput,
    answerability_row,
    rerank_rows,
    sentence_row,
    stems_of,
)

CORPUS_WORDS = ("Hajj", "Jamarat", "stampede", "pilgrims", "Mecca")


def _row(question: str, sentence: str, context: str, index: int, rank: int) -> list[float]:
    weights = {"pilgrim": 2.0, "kill": 1.5, "hajj": 5.0, "stampede": 4.0}
    item = SentenceInput(
        sentence=sentence,
        own=stems_of(sentence),
        context=stems_of(sentence + " " + context),
        article_coverage=1.0,
        index=index,
        sentences=12,
        rank=rank,
        passage_score=0.8,
        dense=0.55,
        similarity=0.6,  # the same for every sentence: the other features decide
        bm25_relative=0.9,
        attributed=False,
    )
    return sentence_row(item, analyze(question), weights, 9.0)


def test_the_shipped_model_loads_and_holds_no_text() -> None:
    model = load_model()
    assert model.sentence.features == SENTENCE_FEATURES
    assert model.answerability.features == ANSWERABILITY_FEATURES
    assert 0.0 <= model.max_relative_gap <= 1.0
    raw = MODEL_PATH.read_text(encoding="utf-8")
    assert MODEL_PATH.stat().st_size < 50_000
    assert not any(word in raw for word in CORPUS_WORDS)


@pytest.mark.parametrize(
    ("question", "good", "bad"),
    [
        (
            "How many pilgrims were killed in the Hajj stampede?",
            "The Saudi Interior Ministry said 345 pilgrims were killed at Jamarat Bridge.",
            "Pilgrims were killed in a stampede during the Hajj.",
        ),
    ],
)
def test_the_answering_sentence_beats_the_restating_one(question: str, good: str, bad: str) -> None:
    model = load_model()
    rows = np.array(
        [
            _row(question, bad, "Pilgrims gathered for the Hajj.", index=0, rank=0),
            _row(question, good, "The stampede began at noon.", index=4, rank=0),
        ]
    )
    bad_p, good_p = model.sentence.predict(rows)
    assert good_p > bad_p


def test_the_second_stage_prefers_the_sentence_closer_in_meaning() -> None:
    """Equal first-stage scores: the sentence whose embedding is nearer the question's wins,
    and a much better first-stage score is not overturned by a small cosine difference."""
    model = load_model()
    tied = model.rerank.predict(rerank_rows(np.array([0.4, 0.4]), np.array([0.2, 0.6])))
    assert tied[1] > tied[0]
    apart = model.rerank.predict(rerank_rows(np.array([0.8, 0.1]), np.array([0.45, 0.5])))
    assert apart[0] > apart[1]


def test_answerability_rises_with_the_best_sentence() -> None:
    model = load_model()
    question = analyze("How many pilgrims were killed in the Hajj stampede?")
    weights = {"pilgrim": 2.0, "kill": 1.5, "hajj": 5.0, "stampede": 4.0}
    best = _row(question.text, "Officials said 345 pilgrims were killed.", "", 3, 0)
    stems = frozenset({"pilgrim", "kill", "hajj", "stampede"})
    rows = [
        answerability_row([p, 0.1, 0.05], [p], best, question, weights, stems, 0.6, 9.0)
        for p in (0.05, 0.4, 0.9)
    ]
    low, middle, high = model.answerability.predict(np.array(rows))
    assert 0.0 < low < middle < high < 1.0


def _valid() -> dict[str, Any]:
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.update(version=1), "not a version 2"),
        (lambda d: d["sentence"].update(features=["coverage"]), "do not match"),
        (lambda d: d["answerability"]["scale"].__setitem__(0, -1.0), "scale must be positive"),
        (lambda d: d["sentence"].update(coef=[1.0]), "must be"),
        (lambda d: d.pop("max_relative_gap"), "malformed"),
        (lambda d: d.pop("rerank"), "malformed"),
    ],
)
def test_a_bad_model_file_is_refused_naming_it(tmp_path: Path, change: Any, reason: str) -> None:
    data = _valid()
    change(data)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(AnswerModelError, match=reason) as error:
        load_model(path)
    assert str(path) in str(error.value)


def test_an_unreadable_model_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(AnswerModelError, match="cannot read"):
        load_model(path)
    with pytest.raises(AnswerModelError, match="not a version 2"):
        parse_model([], "inline")


def test_predict_checks_the_row_width() -> None:
    with pytest.raises(ValueError, match="features"):
        load_model().sentence.predict(np.zeros((1, 3)))
