"""The time-expression table: each question, resolved against an as-of date, gives exactly
this window of publication dates (or none)."""

from __future__ import annotations

from datetime import date

import pytest

from rag.time_window import (
    TimeExpressionError,
    describe,
    describe_range,
    resolve,
    short_date,
    without_expressions,
)

FRI = date(2022, 6, 10)  # a Friday, a quiz day
WED = date(2023, 3, 15)

D = date.fromisoformat
CASES: list[tuple[str, date, str | None, str | None, str | None]] = [
    # (question, as-of, since, until, expression); since/until None with expression None: no window
    (
        "Which two airlines announced plans to merge this week?",
        FRI,
        "2022-06-02",
        "2022-06-10",
        "this week",
    ),
    (
        "What did the court rule earlier this week?",
        FRI,
        "2022-06-02",
        "2022-06-10",
        "earlier this week",
    ),
    ("Who resigned this past week?", FRI, "2022-06-02", "2022-06-10", "this past week"),
    ("Who resigned over the past week?", FRI, "2022-06-02", "2022-06-10", "over the past week"),
    ("What happened last week in Congress?", FRI, "2022-05-26", "2022-06-05", "last week"),
    ("What was announced the previous week?", FRI, "2022-05-26", "2022-06-05", "previous week"),
    ("What did the president say today?", FRI, "2022-06-09", "2022-06-10", "today"),
    ("Who won tonight?", FRI, "2022-06-09", "2022-06-10", "tonight"),
    ("What happened this morning in Kyiv?", FRI, "2022-06-09", "2022-06-10", "this morning"),
    ("Which storm hit yesterday?", FRI, "2022-06-09", "2022-06-10", "yesterday"),
    ("How much did prices rise this month?", FRI, "2022-06-01", "2022-06-10", "this month"),
    (
        "How much did prices rise this month?",
        date(2022, 6, 3),
        "2022-05-27",
        "2022-06-03",
        "this month",
    ),
    ("What did the Fed decide last month?", FRI, "2022-05-01", "2022-05-31", "last month"),
    (
        "What did the Fed decide last month?",
        date(2022, 1, 20),
        "2021-12-01",
        "2021-12-31",
        "last month",
    ),
    ("Who has won the most races this year?", FRI, "2022-01-01", "2022-06-10", "this year"),
    (
        "How many people have died so far this year?",
        FRI,
        "2022-01-01",
        "2022-06-10",
        "so far this year",
    ),
    (
        "How many shootings so far in the year?",
        FRI,
        "2022-01-01",
        "2022-06-10",
        "so far in the year",
    ),
    ("What were sales year to date?", FRI, "2022-01-01", "2022-06-10", "year to date"),
    ("Who won the title last year?", FRI, "2021-01-01", "2021-12-31", "last year"),
    (
        "What happened since the start of the year?",
        FRI,
        "2022-01-01",
        "2022-06-10",
        "since the start of the year",
    ),
    ("Which actor died Sunday?", FRI, "2022-06-04", "2022-06-07", "Sunday"),
    ("Who won Sunday's MTV Video Music Awards?", FRI, "2022-06-04", "2022-06-07", "Sunday's"),
    ("Who won Sunday’s final?", FRI, "2022-06-04", "2022-06-07", "Sunday’s"),
    ("What happened on Monday?", FRI, "2022-06-05", "2022-06-08", "on Monday"),
    ("What happened on monday?", FRI, "2022-06-05", "2022-06-08", "on monday"),
    ("He was convicted Thursday. Of what?", FRI, "2022-06-08", "2022-06-10", "Thursday"),
    ("What was decided on Friday?", FRI, "2022-06-09", "2022-06-10", "on Friday"),
    ("What was decided last Friday?", FRI, "2022-06-02", "2022-06-05", "last Friday"),
    ("What did the senator say on Wednesday?", WED, "2023-03-14", "2023-03-15", "on Wednesday"),
    ("Who played this weekend?", FRI, "2022-06-03", "2022-06-07", "this weekend"),
    (
        "Who played over the weekend?",
        date(2022, 6, 13),
        "2022-06-10",
        "2022-06-13",
        "over the weekend",
    ),
    ("Who played last weekend?", date(2022, 6, 12), "2022-06-03", "2022-06-07", "last weekend"),
    ("What did the minister say in March?", FRI, "2022-03-01", "2022-03-31", "in March"),
    (
        "What did the minister say in March?",
        date(2022, 2, 1),
        "2021-03-01",
        "2021-03-31",
        "in March",
    ),
    ("What did the minister say in June?", FRI, "2022-06-01", "2022-06-10", "in June"),
    ("Who was elected in March 2021?", FRI, "2021-03-01", "2021-03-31", "in March 2021"),
    ("Who won in 2021?", FRI, "2021-01-01", "2021-12-31", "in 2021"),
    ("What happened during 2020?", FRI, "2020-01-01", "2020-12-31", "during 2020"),
    ("What was the top song of 2021?", FRI, "2021-01-01", "2021-12-31", "of 2021"),
    ("What shipped in late April?", FRI, "2022-04-01", "2022-04-30", "late April"),
    ("What happened on June 3?", FRI, "2022-06-02", "2022-06-05", "on June 3"),
    ("What happened on 3 June 2021?", FRI, "2021-06-02", "2021-06-05", "on 3 June 2021"),
    ("What happened on June 3rd, 2021?", FRI, "2021-06-02", "2021-06-05", "on June 3rd, 2021"),
    ("What was reported on 2022-05-30?", FRI, "2022-05-29", "2022-06-01", "on 2022-05-30"),
    ("Which company announced layoffs recently?", FRI, "2022-05-11", "2022-06-10", "recently"),
    ("Which recent storm caused floods?", FRI, "2022-05-11", "2022-06-10", "recent"),
    ("What has the team done lately?", FRI, "2022-05-11", "2022-06-10", "lately"),
    ("What is the latest on the strike?", FRI, None, "2022-06-10", "the latest"),
    ("What is the most recent inflation figure?", FRI, None, "2022-06-10", "the most recent"),
    ("Who is currently leading the polls?", FRI, None, "2022-06-10", "currently"),
    (
        "What is the latest news this week on the strike?",
        FRI,
        "2022-06-02",
        "2022-06-10",
        "the latest, this week",
    ),
    ("What changed since June 1?", FRI, "2022-06-01", "2022-06-10", "since June 1"),
    ("What changed since June 13?", FRI, "2021-06-13", "2022-06-10", "since June 13"),
    ("What changed since 2020?", FRI, "2020-01-01", "2022-06-10", "since 2020"),
    ("What changed since Monday?", FRI, "2022-06-06", "2022-06-10", "since Monday"),
    ("What was said before May 2022?", FRI, None, "2022-04-30", "before May 2022"),
    ("What was said before 2021?", FRI, None, "2020-12-31", "before 2021"),
    ("What was said prior to March 3?", FRI, None, "2022-03-02", "prior to March 3"),
    ("What happened after May 20?", FRI, "2022-05-21", "2022-06-10", "after May 20"),
    ("What happened after 2021?", FRI, "2022-01-01", "2022-06-10", "after 2021"),
    (
        "What happened in the past three days?",
        FRI,
        "2022-06-06",
        "2022-06-10",
        "in the past three days",
    ),
    ("What happened in the last 2 weeks?", FRI, "2022-05-26", "2022-06-10", "in the last 2 weeks"),
    (
        "What happened in the past several days?",
        FRI,
        "2022-06-04",
        "2022-06-10",
        "in the past several days",
    ),
    ("What happened in the past month?", FRI, "2022-05-10", "2022-06-10", "in the past month"),
    ("What happened two weeks ago?", FRI, "2022-05-24", "2022-05-30", "two weeks ago"),
    ("What happened 3 days ago?", FRI, "2022-06-05", "2022-06-09", "3 days ago"),
    ("What was decided this March?", FRI, "2022-03-01", "2022-03-31", "this March"),
    ("What was decided last June?", FRI, "2021-06-01", "2021-06-30", "last June"),
    # an anchored expression wins over a date written out
    (
        "The film, first released in 2007, returned to cinemas this week. Who stars?",
        FRI,
        "2022-06-02",
        "2022-06-10",
        "this week",
    ),
    (
        "Yellowstone reopened Wednesday after being closed since June 13. Why?",
        date(2022, 6, 24),
        "2022-06-21",
        "2022-06-24",
        "Wednesday",
    ),
    # a date after the as-of date is about the future: no restriction
    ("The stadium will open in 2029. Where is it?", FRI, None, None, None),
    # a date in a year before news archives is history, not when articles were published
    ("On July 4, 1776, Congress adopted the Declaration in which city?", FRI, None, None, None),
    ("What happened on 14 July 1789 in Paris?", FRI, None, None, None),
    (
        "Why did workers walk out on Monday 300 metres away?",
        FRI,
        "2022-06-05",
        "2022-06-08",
        "on Monday",
    ),
    # not time expressions
    ("Which retailer had the biggest Black Friday sales?", FRI, None, None, None),
    ("Which paper is the Sunday Times owned by?", FRI, None, None, None),
    ("What may the court decide about the merger?", FRI, None, None, None),
    ("Who led the march on Washington?", FRI, None, None, None),
    ("Which team won the 2022 World Cup?", FRI, None, None, None),
    ("Who is the CEO of Twitter?", FRI, None, None, None),
    ("What did Xi say about arms races?", FRI, None, None, None),
    ("How many weeks did the song top the charts?", FRI, None, None, None),
]


@pytest.mark.parametrize(("question", "as_of", "since", "until", "expression"), CASES)
def test_resolves(
    question: str, as_of: date, since: str | None, until: str | None, expression: str | None
) -> None:
    window = resolve(question, as_of)
    if expression is None:
        assert window is None
        return
    assert window is not None
    assert window.since == (D(since) if since else None)
    assert window.until == (D(until) if until else None)
    assert window.expression == expression


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 60


def test_a_date_that_cannot_exist_is_an_error_naming_it() -> None:
    with pytest.raises(TimeExpressionError, match="February 30"):
        resolve("What changed since February 30?", FRI)


@pytest.mark.parametrize(
    "question",
    [
        "What happened 10000 years ago?",
        "What happened in the past 99999999999999999999 days?",
        "What happened in the past couple   of weeks?",
    ],
)
def test_odd_amounts_never_crash(question: str) -> None:
    window = resolve(question, FRI)
    assert window is None or (window.until is not None and window.until <= FRI)


def test_latest_marks_the_window() -> None:
    window = resolve("What is the latest on the strike?", FRI)
    assert window is not None and window.latest
    plain = resolve("What happened this week?", FRI)
    assert plain is not None and not plain.latest


def test_window_never_ends_after_as_of() -> None:
    for question, as_of, *_ in CASES:
        window = resolve(question, as_of)
        if window and window.until:
            assert window.until <= as_of, question


def test_retrieval_query_leaves_the_expression_out() -> None:
    question = "Which two airlines announced plans to merge this week?"
    window = resolve(question, FRI)
    assert without_expressions(question, window) == "Which two airlines announced plans to merge ?"
    assert without_expressions("Who is the CEO?", None) == "Who is the CEO?"


def test_descriptions() -> None:
    window = resolve("Which two airlines announced plans to merge this week?", FRI)
    assert window is not None
    assert describe(window) == 'articles from 2–10 June 2022 ("this week")'
    assert describe_range(D("2022-05-28"), D("2022-06-10")) == "28 May – 10 June 2022"
    assert describe_range(D("2021-12-28"), D("2022-01-03")) == "28 December 2021 – 3 January 2022"
    assert describe_range(None, D("2022-06-10")) == "up to 10 June 2022"
    assert describe_range(D("2022-06-10"), D("2022-06-10")) == "10 June 2022"
    assert window.as_dict() == {
        "since": "2022-06-02",
        "until": "2022-06-10",
        "expression": "this week",
    }
    assert short_date("2022-11-10") == "10 Nov 2022"
