"""Time expressions in a question, resolved to a window of publication dates.

News questions are about time: "Which two airlines announced plans to merge this week?" means
something only against a date, and an index holds the same story on many dates. ``resolve``
reads the question's time expressions ("this week", "on Monday", "in March 2021", "since
June 13", "latest", ...) against the question's *as-of* date and returns the window of
publication dates whose articles can answer it.

A small grammar of our own rather than dateparser: dateparser parses a string that *is* a
date, but finding the expression inside a question, and what "this week" or "Sunday" means for
the articles that report it, is the hard part, and a grammar says it exactly. The windows are
on the date an article was *published*, so they are deliberately generous: a weekly news
quiz's "this week" is the ~7 days before its date (we take 8), and an event "on Monday" is
reported on Monday or in the two days after.

Several expressions in one question give the smallest window holding all of them (the union),
so a secondary "since June 13" never narrows the window to the wrong days.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "few": 3,
    "couple of": 2,
    "several": 5,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}  # fmt: skip

THIS_WEEK_DAYS = 8  # a weekly quiz's "this week": the days before its date, generously
RECENT_DAYS = 30  # "recently", "recent"
AFTER_EVENT_DAYS = 2  # an event on a given day is reported that day or the two after


class TimeExpressionError(ValueError):
    """A date in the question cannot exist (e.g. "since February 30")."""


@dataclass(frozen=True)
class TimeWindow:
    """Publication dates (inclusive; None = open) that answer the question's time words.

    ``latest`` marks "latest" / "most recent" questions: no lower bound, but the newest
    evidence should win. ``spans`` are where the expressions stand in the question, so that
    retrieval can leave those words out of its query."""

    since: date | None
    until: date | None
    expression: str
    latest: bool = False
    spans: tuple[tuple[int, int], ...] = ()

    def as_dict(self) -> dict[str, str | None]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "expression": self.expression,
        }


# ---- dates inside expressions ------------------------------------------------------------

_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
# a date or a month: 2022-06-13, June 13(, 2022), 13 June (2022), June 2022, June
_DATE = (
    rf"(?:{_YEAR}-\d{{2}}-\d{{2}}|{_MONTH_NAME}\s+{_DAY}(?:,?\s+{_YEAR})?|"
    rf"(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH_NAME}(?:,?\s+{_YEAR})?|{_MONTH_NAME}(?:,?\s+{_YEAR})?|"
    rf"{_YEAR})"
)
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"


def month_number(name: str) -> int:
    """1-12 for a month's name or abbreviation ("June", "Sept.", "feb")."""
    return _MONTH_ABBR[name.lower().rstrip(".")[: 4 if name.lower().startswith("sept") else 3]]


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise TimeExpressionError(f"{text!r} is not a date") from None


def _recent_month(month: int, as_of: date) -> int:
    """The year of the most recent ``month`` that began on or before ``as_of``."""
    return as_of.year if month <= as_of.month else as_of.year - 1


def parse_date(text: str, as_of: date) -> tuple[date, date]:
    """A date or a month or a year in words -> the days it covers. Without a year, the most
    recent such day or month on or before ``as_of``."""
    raw = " ".join(text.lower().replace(",", " ").split())
    raw = re.sub(r"^the\s+", "", raw)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        day = _make(int(raw[:4]), int(raw[5:7]), int(raw[8:]), text)
        return day, day
    if re.fullmatch(_YEAR, raw):
        return date(int(raw), 1, 1), date(int(raw), 12, 31)
    year_match = re.search(rf"\b({_YEAR})$", raw)
    year = int(year_match.group(1)) if year_match else None
    rest = raw[: year_match.start()].strip() if year_match else raw
    parts = [p for p in re.split(r"\s+", rest) if p != "of"]
    month = next(month_number(p) for p in parts if re.fullmatch(_MONTH_NAME, p))
    days = [int(re.sub(r"\D", "", p)) for p in parts if re.fullmatch(_DAY, p)]
    if not days:
        y = year if year is not None else _recent_month(month, as_of)
        return date(y, month, 1), _last_day(y, month)
    if year is None:
        year = as_of.year
        if _make(year, month, days[0], text) > as_of:
            year -= 1
    day = _make(year, month, days[0], text)
    return day, day


def _recent_weekday(name: str, as_of: date, strictly_before: bool = False) -> date:
    back = (as_of.weekday() - WEEKDAYS.index(name.lower())) % 7
    if back == 0 and strictly_before:
        back = 7
    return as_of - timedelta(days=back)


def _event_day(day: date, as_of: date) -> tuple[date, date]:
    """Articles about an event on ``day``: published that day or in the few days after."""
    return day - timedelta(days=1), min(day + timedelta(days=AFTER_EVENT_DAYS), as_of)


def _count(word: str) -> int:
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else _NUMBERS[word]


# ---- the grammar ---------------------------------------------------------------------------

Window = tuple[date | None, date | None]
Kind = Literal["relative", "absolute", "latest"]
Rule = tuple[re.Pattern[str], Callable[[re.Match[str], date], Window], Kind]


def _rule(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){pattern}(?![\w-])", flags)


def _days_back(days: int) -> Callable[[re.Match[str], date], Window]:
    return lambda _m, a: (a - timedelta(days=days), a)


def _this_month(_m: re.Match[str], a: date) -> Window:
    return min(a.replace(day=1), a - timedelta(days=7)), a


def _last_month(_m: re.Match[str], a: date) -> Window:
    first = (a.replace(day=1) - timedelta(days=1)).replace(day=1)
    return first, _last_day(first.year, first.month)


def _this_year(_m: re.Match[str], a: date) -> Window:
    return date(a.year, 1, 1), a


def _last_year(_m: re.Match[str], a: date) -> Window:
    return date(a.year - 1, 1, 1), date(a.year - 1, 12, 31)


def _last_week(_m: re.Match[str], a: date) -> Window:
    return a - timedelta(days=15), a - timedelta(days=5)


def _weekend(m: re.Match[str], a: date) -> Window:
    """The most recent Saturday on or before the as-of date ("last weekend" on a weekend:
    the one before), and the reports up to the Tuesday after."""
    saturday = _recent_weekday("saturday", a)
    if m.group(0).lower().startswith("last") and a.weekday() >= 5:
        saturday -= timedelta(days=7)
    return saturday - timedelta(days=1), min(saturday + timedelta(days=3), a)


def _weekday(m: re.Match[str], a: date) -> Window:
    name = m.group("weekday") or m.group("bare")
    return _event_day(_recent_weekday(name, a, strictly_before=bool(m.group("last"))), a)


def _past_n(m: re.Match[str], a: date) -> Window:
    n = _count(m.group("n")) if m.group("n") else 1
    return a - timedelta(days=n * _UNIT_DAYS[m.group("unit").lower()] + 1), a


def _ago(m: re.Match[str], a: date) -> Window:
    days = _count(m.group("n")) * _UNIT_DAYS[m.group("unit").lower()]
    slack = max(2, days // 4)
    center = a - timedelta(days=days)
    return center - timedelta(days=slack), min(center + timedelta(days=slack), a)


def _on_date(m: re.Match[str], a: date) -> Window:
    first, last = parse_date(m.group("date"), a)
    if first == last:
        return _event_day(first, a)
    return first, min(last, a)


def _since(m: re.Match[str], a: date) -> Window:
    text = m.group("date") or m.group("weekday")
    if m.group("date"):
        first = parse_date(text, a)[0]
    else:
        first = _recent_weekday(text, a, strictly_before=True)
    return first, a


def _before(m: re.Match[str], a: date) -> Window:
    first, _ = parse_date(m.group("date"), a)
    return None, first - timedelta(days=1)


def _after(m: re.Match[str], a: date) -> Window:
    _, last = parse_date(m.group("date"), a)
    return last + timedelta(days=1), a


def _month_this_last(m: re.Match[str], a: date) -> Window:
    month = month_number(m.group("month"))
    year = _recent_month(month, a)
    if m.group("which").lower() == "last" and year == a.year and month == a.month:
        year -= 1
    return date(year, month, 1), min(_last_day(year, month), a)


_NUM = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|"
    r"couple\s+of|several)"
)
_UNIT = r"(?P<unit>day|week|month|year)s?"
# Prepositions that make a bare month or year a time expression ("in March", "of 2021")
_IN = r"(?:in|during|on|of|from|for|throughout|early|late|mid-?|last|this|at\s+the\s+end\s+of)"

_WEEKDAY_TITLE = "|".join(w.title() for w in WEEKDAYS)

# (pattern, window, kind): earlier rules claim their words first, so longer and more
# specific phrasings come before the short ones they contain.
RULES: list[Rule] = [
    (_rule(r"so\s+far\s+(?:this|in\s+the)\s+year"), _this_year, "relative"),
    (
        _rule(r"since\s+the\s+(?:start|beginning)\s+of\s+(?:this|the)\s+year"),
        _this_year,
        "relative",
    ),
    (
        _rule(rf"(?:in|over|during|within)\s+the\s+(?:last|past)\s+(?:(?P<n>{_NUM})\s+)?{_UNIT}"),
        _past_n,
        "relative",
    ),
    (_rule(rf"(?P<n>{_NUM})\s+{_UNIT}\s+ago"), _ago, "relative"),
    (_rule(r"(?:year\s+to\s+date|this\s+year)"), _this_year, "relative"),
    (_rule(r"(?:last|past|previous)\s+year"), _last_year, "relative"),
    (_rule(r"(?:earlier\s+)?this\s+month"), _this_month, "relative"),
    (_rule(r"(?:last|previous)\s+month"), _last_month, "relative"),
    (_rule(r"(?:(?:earlier|later)\s+)?this\s+week"), _days_back(THIS_WEEK_DAYS), "relative"),
    (_rule(r"(?:this\s+)?past\s+week"), _days_back(THIS_WEEK_DAYS), "relative"),
    (_rule(r"(?:last|previous)\s+week"), _last_week, "relative"),
    (_rule(r"(?:this|last|over\s+the|on\s+the)\s+weekend"), _weekend, "relative"),
    (
        _rule(r"today|tonight|this\s+morning|this\s+afternoon|this\s+evening"),
        _days_back(1),
        "relative",
    ),
    (_rule(r"yesterday"), _days_back(1), "relative"),
    (
        _rule(r"(?:the\s+)?(?:latest|newest|most\s+recent|current(?:ly)?|right\s+now)"),
        lambda _m, a: (None, a),
        "latest",
    ),
    (
        _rule(r"(?:recently|recent|lately|in\s+recent\s+(?:days|weeks))"),
        _days_back(RECENT_DAYS),
        "relative",
    ),
    (_rule(rf"since\s+(?:(?P<weekday>{_WEEKDAY})|(?P<date>{_DATE}))"), _since, "absolute"),
    (_rule(rf"(?:before|prior\s+to|until)\s+(?P<date>{_DATE})"), _before, "absolute"),
    (_rule(rf"after\s+(?P<date>{_DATE})"), _after, "absolute"),
    (
        _rule(rf"(?P<which>this|last)\s+(?P<month>{_MONTH_NAME})(?!\s+\d)"),
        _month_this_last,
        "relative",
    ),
    (_rule(rf"{_IN}\s+(?P<date>{_DATE})"), _on_date, "absolute"),
    # A full date stands for itself: "June 13, 2022", "13 June", "2022-06-13".
    (
        _rule(
            rf"(?P<date>{_YEAR}-\d{{2}}-\d{{2}}|{_MONTH_NAME}\s+{_DAY}(?:,?\s+{_YEAR})?|"
            rf"{_DAY}\s+{_MONTH_NAME}(?:,?\s+{_YEAR})?)"
        ),
        _on_date,
        "absolute",
    ),
    # "on Monday", "last monday", and a capitalized weekday alone ("died Sunday").
    (
        _rule(
            rf"(?:(?:(?i:on|this)|(?P<last>(?i:last)))\s+(?P<weekday>(?i:{_WEEKDAY}))|"
            rf"(?P<bare>{_WEEKDAY_TITLE}))(?:[’']s)?",
            0,
        ),
        _weekday,
        "relative",
    ),
]

# Names with a weekday or month in them that say nothing about the date.
_NOT_TIME = re.compile(
    r"\b(?:black|good|cyber|super|giving|holy|ash|maundy|palm|easter)\s+"
    r"(?:friday|monday|tuesday|wednesday|thursday|saturday|sunday)\b|"
    r"\b(?:sunday|monday)\s+(?:times|night\s+football|mirror|telegraph|express|post)\b|"
    r"\bmay\s+(?:day|be|have|not|also|still|well|soon|need|want|seek|face|take|make)\b",
    re.IGNORECASE,
)


# A year after a matched date that the date rules do not read (they read 1900-2099): "July
# 4, 1776" is a day of history, not a recent July 4.
_OLDER_YEAR = re.compile(r",?\s+\d{3,4}\b(?!\s*%)")


def resolve(question: str, as_of: date) -> TimeWindow | None:
    """The window of publication dates the question's time expressions ask for, or None.

    Expressions anchored to the as-of date ("this week", "Sunday", "recently", "latest") say
    when the question is about; dates written out ("in 2007", "since June 13") do so only
    when there is no such anchor: "the film, first released in 2007, ... this week" is about
    this week. A window wholly after the as-of date is about the future, which today's
    articles discuss: it restricts nothing.

    Raises TimeExpressionError for a date that cannot exist ("since February 30")."""
    blocked = [m.span() for m in _NOT_TIME.finditer(question)]
    found: list[tuple[int, int, Window, Kind]] = []
    for pattern, window_of, kind in RULES:
        for match in pattern.finditer(question):
            start, end = match.span()
            if any(s < end and start < e for s, e, *_ in found):
                continue
            if any(s <= start < e for s, e in blocked) or not _bare_month_ok(match):
                continue
            if match.groupdict().get("date") and _OLDER_YEAR.match(question, end):
                continue
            try:
                window = window_of(match, as_of)
            except OverflowError:  # "10000 years ago": before the calendar starts, no window
                continue
            found.append((start, end, window, kind))
    found = [f for f in found if f[2][0] is None or f[2][0] <= as_of]
    anchored = [f for f in found if f[3] != "absolute"]
    found = sorted(anchored or found)
    if not found:
        return None
    # "the latest ... this week": this week's window, newest first
    bounded = [f for f in found if f[3] != "latest"] or found
    sinces = [w[0] for _, _, w, _ in bounded]
    untils = [w[1] for _, _, w, _ in bounded]
    since = None if any(s is None for s in sinces) else min(s for s in sinces if s is not None)
    until = as_of if any(u is None for u in untils) else max(u for u in untils if u is not None)
    until = min(until, as_of)
    expression = ", ".join(" ".join(question[s:e].split()) for s, e, _, _ in found)
    return TimeWindow(
        since,
        until,
        expression,
        latest=any(kind == "latest" for *_, kind in found),
        spans=tuple((s, e) for s, e, _, _ in found),
    )


def _bare_month_ok(match: re.Match[str]) -> bool:
    """'may' is mostly a verb and 'march' a noun: a month name is a time expression only
    when capitalized ("in May", never "in may")."""
    date_text = match.groupdict().get("date") or match.groupdict().get("month")
    if not date_text:
        return True
    word = re.match(r"[A-Za-z]+", date_text.strip())
    if word is None or not re.fullmatch(_MONTH_NAME, word.group(0), re.IGNORECASE):
        return True
    return word.group(0)[0].isupper()


def without_expressions(question: str, window: TimeWindow | None) -> str:
    """The question with its time words left out: what retrieval should search for (the
    window already says when; "week" and "Monday" match nothing useful)."""
    if window is None or not window.spans:
        return question
    parts, last = [], 0
    for start, end in window.spans:
        parts.append(question[last:start])
        last = end + 2 if question[end : end + 2] in ("'s", "’s") else end  # "today's"
    parts.append(question[last:])
    text = " ".join("".join(parts).split())
    return text if re.search(r"\w", text) else question


# ---- how a window reads --------------------------------------------------------------------


def _day(d: date, month: bool = True, year: bool = True) -> str:
    text = str(d.day)
    if month:
        text += " " + calendar.month_name[d.month]
    if year:
        text += f" {d.year}"
    return text


def describe_range(since: date | None, until: date | None) -> str:
    """'3–10 June 2022', '28 May – 10 June 2022', 'up to 10 June 2022', 'from 3 June 2022'."""
    if since is None and until is None:
        return "any date"
    if since is None:
        assert until is not None
        return f"up to {_day(until)}"
    if until is None:
        return f"from {_day(since)}"
    if since == until:
        return _day(since)
    if since.year != until.year:
        return f"{_day(since)} – {_day(until)}"
    if since.month != until.month:
        return f"{_day(since, year=False)} – {_day(until)}"
    return f"{since.day}–{_day(until)}"


def describe(window: TimeWindow) -> str:
    """How every surface shows the window: 'articles from 3–10 June 2022 ("this week")'."""
    span = describe_range(window.since, window.until)
    prefix = "articles " if span.startswith(("up to", "from")) else "articles from "
    if window.since == window.until and window.since is not None:
        prefix = "articles of "
    return f'{prefix}{span} ("{window.expression}")'


def short_date(iso: str, with_year: bool = True) -> str:
    """'2022-11-10' -> '10 Nov 2022' (as answers name the dates of their sources); a date
    stored at month or year precision reads 'Nov 2022' or '2022'."""
    if len(iso) == 4:
        return iso
    if len(iso) == 7:
        return f"{calendar.month_abbr[int(iso[5:7])]} {iso[:4]}"
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {calendar.month_abbr[d.month]}" + (f" {d.year}" if with_year else "")


def first_day(published: str | None) -> date | None:
    """A stored publication date (day, month or year precision) -> its first day."""
    if not published:
        return None
    text = published[:10]
    text = text + "-01-01" if len(text) == 4 else text + "-01" if len(text) == 7 else text
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
