"""Publication dates at ingest: one table of what each shape becomes (index/dates.py)."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from index.dates import DateError, normalize_date, parse_date

TODAY = datetime.now(UTC).date()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        # ISO, at the precision given; never padded with today's month or day
        ("2024", "2024"),
        ("2024-05", "2024-05"),
        ("2024-5", "2024-05"),
        ("2024-03-05", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("2024-03-05T10:00:00Z", "2024-03-05"),
        ("2024-03-05T23:30:00-05:00", "2024-03-06"),  # to UTC
        ("2024-03-06T01:30:00+09:00", "2024-03-05"),
        ("2024-03-05 10:00", "2024-03-05"),  # no offset: taken as UTC
        # RFC 2822 (RSS)
        ("Tue, 05 Mar 2024 10:00:00 GMT", "2024-03-05"),
        ("Tue, 05 Mar 2024 23:00:00 -0500", "2024-03-06"),
        ("5 Mar 2024 22:00 EST", "2024-03-06"),
        # epoch seconds, milliseconds, microseconds (numbers and digit strings)
        (1709632800, "2024-03-05"),
        (1709632800.5, "2024-03-05"),
        (1709632800000, "2024-03-05"),
        ("1709632800000", "2024-03-05"),
        (1709632800000000, "2024-03-05"),
        # words
        ("March 5, 2024", "2024-03-05"),
        ("Published on March 5, 2024", "2024-03-05"),
        ("May 2024", "2024-05"),
        ("Summer 2024", "2024"),
        ("2024/03/05", "2024-03-05"),
        # objects
        (date(2024, 3, 5), "2024-03-05"),
        (datetime(2024, 3, 5, 23, 30, tzinfo=timezone(timedelta(hours=-5))), "2024-03-06"),
    ],
)
def test_dates_become_utc_iso_at_their_precision(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("yesterday", "no year"),
        ("n/a", "no year"),
        ("March 5", "no year"),  # a fuzzy parser would take this year from the clock
        ("2024-13", "no month 13"),
        ("0000-00-00", "not a date"),
        ("3024-01-01", "outside 1800-2200"),
        (-1e20, "not a timestamp"),
        (10**30, "not a timestamp"),
        (True, "not a date"),
        ({"date": "2024"}, "not a date"),
    ],
)
def test_unreadable_dates_raise_with_the_value_and_reason(value: object, reason: str) -> None:
    with pytest.raises(DateError, match=reason):
        parse_date(value)
    assert normalize_date(value) is None


@pytest.mark.parametrize("value", ["2024", "May 2024", "March 5", "Summer 2024", "5"])
def test_a_partial_date_is_never_filled_from_the_clock(value: str) -> None:
    parsed = normalize_date(value)
    assert parsed is None or not parsed.endswith(TODAY.strftime("-%m-%d"))
    assert parsed != TODAY.isoformat()


def test_typed_dates_are_strict() -> None:
    assert parse_date("2024-03-05", fuzzy=False) == "2024-03-05"
    with pytest.raises(DateError):
        parse_date("Published on March 5, 2024", fuzzy=False)
