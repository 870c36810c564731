"""Publication dates as ingest reads them: one parser for JSON fields, feeds, HTML metadata,
Markdown front matter and the CLI's ``--published``.

A date is stored as ISO text at the precision the source gave, in UTC:

* ``YYYY-MM-DD`` for a day (a time with an offset is converted to UTC first, so
  ``2024-03-05T23:30-05:00`` is ``2024-03-06``; a time without an offset is taken as UTC);
* ``YYYY-MM`` for a month alone ("May 2024"), ``YYYY`` for a year alone ("2024").

A partial date is never padded with today's month or day (what fuzzy parsers do when they
fill gaps from the clock) nor with ``-01``: "2024" stays ``2024``. These strings sort
before every day of their period, and the store's ``since`` filter also matches a partial
date whose period contains the ``since`` day (index/store.py ``SearchFilter``), so a
range filter treats ``2024`` as the whole of 2024.

Numbers (and strings of 9 or more digits) are Unix epoch timestamps: seconds, or
milliseconds / microseconds when they are too large to be seconds of a plausible year.

A value that cannot be read raises :class:`DateError` with the reason; callers record it
as a warning and keep the article undated. Nothing here ever returns today's date for a
value that does not say so.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

MIN_YEAR = 1800
MAX_YEAR = 2200
_EPOCH = re.compile(r"-?\d{9,}(?:\.\d+)?")
_YEAR = re.compile(r"(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_HAS_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)|'\d{2}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2}\b")
# Common zone abbreviations dateutil does not know by itself (it warns and drops them).
_ZONES = {
    name: timezone(timedelta(hours=hours))
    for name, hours in {
        "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2,
        "EEST": 3, "IST": 5.5, "JST": 9, "AEST": 10, "AEDT": 11, "EST": -5, "EDT": -4,
        "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    }.items()
}  # fmt: skip


class DateError(ValueError):
    """A publication date that cannot be read; the message names the value and why."""


def parse_date(value: Any, fuzzy: bool = True) -> str | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (UTC) for a publication date, None for no
    value; raises DateError for a value that is there but unreadable.

    ``fuzzy=False`` is for dates people type (the CLI): the whole text must be a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise DateError(f"{value!r} is not a date")
    if isinstance(value, datetime):
        return _day(_utc(value))
    if isinstance(value, date):
        return _day(datetime(value.year, value.month, value.day))
    if isinstance(value, time.struct_time):
        return _day(datetime(*value[:6]))  # feedparser's parsed dates are UTC
    if isinstance(value, int | float):
        return _day(_from_epoch(float(value), value))
    if not isinstance(value, str):
        raise DateError(f"{_show(value)} is not a date (a {type(value).__name__})")
    text = " ".join(value.split())
    if _EPOCH.fullmatch(text):
        return _day(_from_epoch(float(text), value))
    if match := _YEAR.fullmatch(text):
        return _checked_year(int(match[1]), value)
    if match := _YEAR_MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise DateError(f"{_show(value)} has no month {month}")
        return f"{_checked_year(year, value)}-{month:02d}"
    try:  # ISO 8601 (Python 3.11 reads "Z", offsets, fractions)
        return _day(_utc(datetime.fromisoformat(text)))
    except ValueError:
        pass
    try:  # RFC 2822, as in RSS: "Tue, 05 Mar 2024 10:00:00 GMT"
        return _day(_utc(parsedate_to_datetime(text)))
    except (TypeError, ValueError, IndexError):
        pass
    return _parse_loose(text, value, fuzzy)


def normalize_date(value: Any, fuzzy: bool = True) -> str | None:
    """:func:`parse_date`, with None for an unreadable value (where no report is kept)."""
    try:
        return parse_date(value, fuzzy)
    except DateError:
        return None


def is_day(value: str) -> bool:
    """True for a full ``YYYY-MM-DD`` date (what since/until filters take)."""
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def _parse_loose(text: str, original: str, fuzzy: bool) -> str:
    """dateutil for everything else ("March 5, 2024", "5 Mar 2024 10:00 EST", "May 2024").

    It is run with two different default dates: a field that differs between the two
    results was missing from the text, so the result keeps only the fields that were there.
    """
    from dateutil import parser

    if not _HAS_YEAR.search(text):
        raise DateError(f"{_show(original)} has no year")
    results = []
    for default in (datetime(2001, 1, 1, 0, 0), datetime(2002, 2, 2, 12, 30)):
        try:
            parsed = parser.parse(text, default=default, fuzzy=fuzzy, tzinfos=_ZONES)
        except (ValueError, OverflowError, parser.ParserError) as exc:
            reason = str(exc).split(":")[0].rstrip(".") or "unreadable"
            raise DateError(f"{_show(original)} is not a date ({reason})") from None
        results.append(parsed)
    first, second = results
    if first.year != second.year:
        raise DateError(f"{_show(original)} has no year")
    if first.month != second.month:
        return _checked_year(first.year, original)
    if first.day != second.day:
        return f"{_checked_year(first.year, original)}-{first.month:02d}"
    if (first.hour, first.minute) != (second.hour, second.minute):  # no time of day
        return _day(first.replace(tzinfo=None))
    return _day(_utc(first))


def _from_epoch(seconds: float, original: Any) -> datetime:
    """Seconds below 1e11 (up to year 5138), milliseconds below 1e14, else microseconds:
    news from after 1973 in milliseconds is above 1e11, in seconds far below it."""
    scale = 1 if abs(seconds) < 1e11 else 1_000 if abs(seconds) < 1e14 else 1_000_000
    try:
        moment = datetime.fromtimestamp(seconds / scale, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise DateError(
            f"{_show(original)} is not a timestamp of a year from {MIN_YEAR} to {MAX_YEAR}"
        ) from None
    _checked_year(moment.year, original)
    return moment


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _day(moment: datetime) -> str:
    _checked_year(moment.year, moment.isoformat())
    return moment.strftime("%Y-%m-%d")


def _checked_year(year: int, original: Any) -> str:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError(f"{_show(original)}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return f"{year:04d}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
