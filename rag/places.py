"""Which names are countries and which are US states, for "which country" / "which state"
questions.

A quiz question's "which state" wants a state, yet the span that sits best in the quoted
sentence is often a month, a region or a city ("November", "West", "Savannah"); "which
country" gets "Africa" or "Los Angeles". The short-answer model reads whether a candidate
is on the list the question's noun names. Country names come from CLDR through Babel (already
installed with trafilatura), in English, with the short forms news text uses; the 50 states
are listed here.
"""

from __future__ import annotations

import re
from functools import lru_cache

US_STATES = frozenset(
    {"Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
     "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
     "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan",
     "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
     "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
     "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota",
     "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington", "West Virginia",
     "Wisconsin", "Wyoming"}
)  # fmt: skip

# Names news text uses beside CLDR's ("United States", "United Kingdom", "Türkiye" ...).
COUNTRY_ALIASES = frozenset(
    {"US", "U.S.", "USA", "U.S.A.", "America", "UK", "U.K.", "Britain", "Great Britain",
     "England", "Scotland", "Wales", "Northern Ireland", "Turkey", "Czech Republic",
     "Holland", "Burma", "Ivory Coast", "Congo", "Democratic Republic of Congo",
     "Democratic Republic of the Congo", "North Korea", "South Korea", "Vatican"}
)  # fmt: skip


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """English names of the world's countries and territories (CLDR's, without their
    parenthesized qualifiers: "Myanmar (Burma)" is "Myanmar"), plus ``COUNTRY_ALIASES``."""
    from babel import Locale

    names = {
        re.sub(r"\s*\(.*\)$", "", name)
        for code, name in Locale("en").territories.items()
        if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ", "QO")
    }
    return frozenset(names) | COUNTRY_ALIASES


def _lists() -> dict[str, frozenset[str]]:
    return {"country": countries(), "nation": countries(), "state": US_STATES}


def listed(head: str | None, name: str) -> bool | None:
    """Whether ``name`` ("the Netherlands", "New York") is on the list that ``head`` (the
    question's "which ..." noun) names; None when the noun names no list."""
    names = _lists().get(head or "")
    if names is None:
        return None
    return re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE) in names
