"""Short answers: a span of the quoted sentence, of the kind asked for, never invented."""

from __future__ import annotations

import pytest

from rag.question import analyze
from rag.short_answer import find_span, kind_of


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "Which bank was hit by leaked details of its accounts this week?",
            "Leaked details of accounts at Credit Suisse were published on Sunday.",
            "Credit Suisse",
        ),
        (
            "How many pilgrims were killed in the Hajj stampede?",
            "According to the Saudi Interior Ministry over 345 Muslim pilgrims have been killed.",
            "over 345",
        ),
        (
            "When did Xi address the World Internet Conference?",
            "Xi Jinping addressed an audience on Nov. 8 at the World Internet Conference.",
            "Nov. 8",
        ),
        (
            "Who is the director of Stardust@home?",
            "Andrew Westphal is the director of Stardust @ home.",
            "Andrew Westphal",
        ),
        (
            "Where did the 2016 Fan Expo Canada take place?",
            "The 22nd Fan Expo Canada took place at the Metro Toronto Convention Centre.",
            "Metro Toronto Convention Centre",
        ),
        (
            "How many shells were fired at KPA posts?",
            "They fired 36 shells at KPA civil police posts on August 20.",
            "36",
        ),
    ],
)
def test_the_span_that_answers(question: str, sentence: str, expected: str) -> None:
    offset = 1000
    span = find_span(analyze(question), sentence, offset)
    assert span is not None
    assert span.text == expected
    assert sentence[span.start - offset : span.end - offset] == expected


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # nothing of the kind asked for
        ("How many pilgrims died at the Hajj?", "Many pilgrims died at the Hajj."),
        ("When did the stampede happen?", "The stampede happened at the bridge."),
        # only what the question already says
        ("Who leads Credit Suisse?", "Credit Suisse is led by its board."),
        # questions a span cannot answer
        ("Why did the crane fall?", "It fell because of strong winds on 11 September."),
        ("What did Xi say about arms races?", "Xi said in 2023 that Wuzhen matters."),
        ("Is the festival popular?", "The Taipei Lantern Festival drew 100,000 people."),
    ],
)
def test_no_span_is_invented(question: str, sentence: str) -> None:
    assert find_span(analyze(question), sentence, 0) is None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people died?", "count"),
        ("How long did the trial last?", None),
        ("When did it open?", "date"),
        ("Who won?", "name"),
        ("Where was it held?", "place"),
        ("Which country left the summit?", "place"),
        ("What company bought Twitter?", "name"),
        ("Why did it fall?", None),
    ],
)
def test_kind_follows_the_question(question: str, kind: str | None) -> None:
    assert kind_of(analyze(question)) == kind
