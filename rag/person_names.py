"""Which names are people's, for the short answer to "who" and "which company / team".

A quiz's "Who is now the world's richest man?" gets "Tesla" or "Forbes" from the quoted
sentence as readily as "Bernard Arnault", and "Which team had the first no-hitter?" gets
"Javier". Nothing in a capitalized span says whether it is a person. A first name does: a
span of two or more capitalized words whose first is a common first name ("Simone Biles",
"Sen. Josh Hawley" without its title) is most likely a person. The names are the US Census
Bureau's 1990 list (``rag/data/first_names.txt``); those that are also a month, a weekday, a
country or a US state ("June", "Georgia") are left out, since they begin places and dates as
often as people.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rag.places import US_STATES, countries
from rag.time_window import MONTHS, WEEKDAYS

FIRST_NAMES_PATH = Path(__file__).parent / "data" / "first_names.txt"
_CALENDAR = frozenset(MONTHS + WEEKDAYS)
# Titles before a name: "Sen. Josh Hawley", "Dr. Anthony Fauci", "Sir Keir Starmer".
_TITLE = re.compile(r"(?:[A-Z][a-z]{0,3}\.|Sir|Dame|Lady|Lord)\s+")
_CAPITALIZED = re.compile(r"[A-Z][\w’'.-]*")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The first-name list, lower-cased, less the words that also begin places and dates."""
    lines = FIRST_NAMES_PATH.read_text(encoding="utf-8").splitlines()
    places = {name.lower() for name in countries() | US_STATES}
    return frozenset(
        line.strip()
        for line in lines
        if line.strip() and not line.startswith("#")
        and line.strip() not in _CALENDAR | places
    )  # fmt: skip


def looks_like_person(name: str) -> bool:
    """Two or more capitalized words, the first (after a title) a common first name."""
    while title := _TITLE.match(name):
        name = name[title.end() :]
    words = name.split()
    return (
        len(words) >= 2
        and all(_CAPITALIZED.fullmatch(w) for w in words)
        and words[0].lower() in first_names()
    )
