"""Country and US-state names for "which country" / "which state" short answers."""

from __future__ import annotations

import pytest

from rag.places import countries, listed


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        ("state", "New York", True),
        ("state", "North Carolina", True),
        ("state", "November", False),
        ("state", "Savannah", False),
        ("country", "the Netherlands", True),
        ("country", "South Korea", True),
        ("country", "Myanmar", True),  # CLDR's "Myanmar (Burma)"
        ("country", "Maldives", True),
        ("country", "U.S.", True),
        ("nation", "Germany", True),
        ("country", "Africa", False),  # a continent
        ("country", "Los Angeles", False),
        ("country", "German", False),
        ("company", "Apple", None),  # no list for the noun
        (None, "Apple", None),
    ],
)
def test_names_on_the_list_the_question_names(
    head: str | None, name: str, expected: bool | None
) -> None:
    assert listed(head, name) is expected


def test_regions_are_not_countries() -> None:
    names = countries()
    assert len(names) > 200
    assert not {"World", "Europe", "European Union", "Latin America"} & names
