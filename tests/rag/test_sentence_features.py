"""The sentence and answerability features: plain string work, checked on handmade text."""

from __future__ import annotations

import pytest

from rag.question import analyze
from rag.sentence_features import (
    ANSWERABILITY_FEATURES,
    SENTENCE_FEATURES,
    SentenceInput,
    answerability_row,
    has_answer_type,
    missing_rarity,
    sentence_row,
    stems_of,
    weighted_coverage,
)

WEIGHTS = {"pilgrim": 2.0, "kill": 1.0, "hajj": 4.0, "stampede": 3.0}


def _item(sentence: str, **overrides: object) -> SentenceInput:
    values: dict[str, object] = {
        "sentence": sentence,
        "own": stems_of(sentence),
        "context": stems_of(sentence),
        "article_coverage": 1.0,
        "index": 3,
        "sentences": 10,
        "rank": 0,
        "passage_score": 0.9,
        "dense": 0.6,
        "similarity": 0.5,
        "bm25_relative": 1.0,
        "attributed": False,
    }
    values.update(overrides)
    return SentenceInput(**values)  # type: ignore[arg-type]


def _feature(row: list[float], name: str) -> float:
    return row[SENTENCE_FEATURES.index(name)]


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("How many pilgrims died in the stampede?", "At least 345 pilgrims died.", True),
        ("How many pilgrims died in the stampede?", "Pilgrims died in the stampede.", False),
        ("How many pilgrims died in the stampede?", "Pilgrims died on Jan. 12.", False),
        ("When did the stampede happen?", "It happened on January 12.", True),
        ("When did the stampede happen?", "It happened near the bridge.", False),
        ("Who led the Saudi inquiry?", "The inquiry was led by Prince Nayef.", True),
        ("Who led the Saudi inquiry?", "the inquiry was led by a prince.", False),
        ("Why did the crane fall?", "It fell because of strong winds.", True),
        ("Why did the crane fall?", "It fell onto the mosque.", False),
        ("What is the theme of the festival?", "Anything at all.", True),
    ],
)
def test_answer_type(question: str, sentence: str, expected: bool) -> None:
    assert has_answer_type(sentence, analyze(question)) is expected


def test_rows_have_one_value_per_named_feature() -> None:
    question = analyze("How many pilgrims were killed in the Hajj stampede?")
    row = sentence_row(_item("Over 345 pilgrims were killed."), question, WEIGHTS, 8.0)
    assert len(row) == len(SENTENCE_FEATURES)
    chosen = answerability_row([0.9, 0.2], [0.9], row, question, WEIGHTS, frozenset(), 0.5, 8.0)
    assert len(chosen) == len(ANSWERABILITY_FEATURES)
    values = dict(zip(ANSWERABILITY_FEATURES, chosen, strict=True))
    assert values["best"] == 0.9 and values["any_chosen"] == pytest.approx(0.9)
    assert values["best_type_ok"] == 1.0  # "345" answers "how many"
    assert answerability_row([], [], row, question, WEIGHTS, frozenset(), 0.5, 8.0)[0] == 0.0


def test_a_restatement_of_the_question_says_nothing_new() -> None:
    question = analyze("How many pilgrims were killed in the Hajj stampede?")
    restates = sentence_row(
        _item("Pilgrims were killed in a Hajj stampede.", index=0), question, WEIGHTS, 8.0
    )
    answers = sentence_row(
        _item("The Saudi Interior Ministry counted 345 dead at Jamarat Bridge."),
        question,
        WEIGHTS,
        8.0,
    )
    assert _feature(restates, "restates") > _feature(answers, "restates")
    assert _feature(answers, "new_number") == 1.0 and _feature(restates, "new_number") == 0.0
    assert _feature(answers, "new_names") > _feature(restates, "new_names")
    assert _feature(restates, "lead") == 1.0 and _feature(restates, "position") == 0.0


@pytest.mark.parametrize(
    ("stems", "coverage", "missing"),
    [
        (frozenset({"pilgrim", "kill", "hajj", "stampede"}), 1.0, 0.0),
        (frozenset({"pilgrim", "kill", "stampede"}), 0.6, 0.5),  # the rarest, hajj, missing
        (frozenset({"hajj"}), 0.4, 3.0 / 8.0),
        (frozenset(), 0.0, 0.5),
    ],
)
def test_coverage_weighs_rare_terms(stems: frozenset[str], coverage: float, missing: float) -> None:
    assert weighted_coverage(WEIGHTS, stems) == pytest.approx(coverage)
    assert missing_rarity(WEIGHTS, stems, 8.0) == pytest.approx(missing)


def test_long_terms_match_their_derivations() -> None:
    assert weighted_coverage({"attend": 1.0}, frozenset({"attendee"})) == 1.0
    # short stems must match whole
    assert weighted_coverage({"war": 1.0}, frozenset({"warsaw"})) == 0.0
